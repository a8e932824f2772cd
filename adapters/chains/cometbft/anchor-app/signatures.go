package main

// The gateway's signature algorithms, as docs/receipt-format.md defines them: raw keys and raw
// r‖s signatures, base64url without padding. ECDSA signs SHA-256 of the message and must have a
// low S, so that a header has exactly one valid signature. SM2 (GB/T 32918.2) signs SM3(Z_A ‖ message)
// with the default identifier; its verification is gmsm's, independent of the gateway's TypeScript.

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	secpecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm2/sm2ec"
)

var b64 = base64.RawURLEncoding

func decodeB64(what, s string) ([]byte, error) {
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s is not base64url without padding", what)
	}
	return b, nil
}

// verifySignature reports whether signature (raw, base64url) signs message under publicKey.
func verifySignature(alg, publicKey, signature string, message []byte) error {
	pub, err := decodeB64("publicKey", publicKey)
	if err != nil {
		return err
	}
	sig, err := decodeB64("signature", signature)
	if err != nil {
		return err
	}
	if len(sig) != 64 {
		return errors.New("signature is not 64 bytes")
	}
	switch alg {
	case "Ed25519":
		if len(pub) != ed25519.PublicKeySize {
			return errors.New("Ed25519 public key is not 32 bytes")
		}
		if !ed25519.Verify(pub, message, sig) {
			return errors.New("signature does not verify")
		}
		return nil
	case "ES256":
		return verifyP256(pub, sig, message)
	case "ES256K":
		return verifySecp256k1(pub, sig, message)
	case "SM2":
		return verifySM2(pub, sig, message)
	default:
		return fmt.Errorf("signature algorithm %q is not served by this anchor app", alg)
	}
}

func verifyP256(pub, sig, message []byte) error {
	curve := elliptic.P256()
	x, y := elliptic.UnmarshalCompressed(curve, pub)
	if x == nil {
		return errors.New("ES256 public key is not a 33-byte compressed P-256 point")
	}
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	halfOrder := new(big.Int).Rsh(curve.Params().N, 1)
	if s.Cmp(halfOrder) > 0 {
		return errors.New("signature S is in the high half of the group order")
	}
	digest := sha256.Sum256(message)
	if !ecdsa.Verify(&ecdsa.PublicKey{Curve: curve, X: x, Y: y}, digest[:], r, s) {
		return errors.New("signature does not verify")
	}
	return nil
}

func verifySecp256k1(pub, sig, message []byte) error {
	if len(pub) != 33 {
		return errors.New("ES256K public key is not a 33-byte compressed point")
	}
	key, err := secp256k1.ParsePubKey(pub)
	if err != nil {
		return errors.New("ES256K public key is not a secp256k1 point")
	}
	var r, s secp256k1.ModNScalar
	if overflow := r.SetByteSlice(sig[:32]); overflow || r.IsZero() {
		return errors.New("signature R is out of range")
	}
	if overflow := s.SetByteSlice(sig[32:]); overflow || s.IsZero() {
		return errors.New("signature S is out of range")
	}
	if s.IsOverHalfOrder() {
		return errors.New("signature S is in the high half of the group order")
	}
	digest := sha256.Sum256(message)
	if !secpecdsa.NewSignature(&r, &s).Verify(digest[:], key) {
		return errors.New("signature does not verify")
	}
	return nil
}

// sm2DefaultID is the distinguishing identifier the gateway signs batch headers with (GB/T 35276).
var sm2DefaultID = []byte("1234567812345678")

func verifySM2(pub, sig, message []byte) error {
	if len(pub) != 33 {
		return errors.New("SM2 public key is not a 33-byte compressed point")
	}
	// The SM2 curve has a = p − 3, so the standard library's decompression applies to it.
	x, y := elliptic.UnmarshalCompressed(sm2ec.P256(), pub)
	if x == nil {
		return errors.New("SM2 public key is not a point of the SM2 curve")
	}
	key, err := sm2.NewPublicKey(elliptic.Marshal(sm2ec.P256(), x, y))
	if err != nil {
		return errors.New("SM2 public key is not a point of the SM2 curve")
	}
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	if !sm2.VerifyWithSM2(key, sm2DefaultID, message, r, s) {
		return errors.New("signature does not verify")
	}
	return nil
}
