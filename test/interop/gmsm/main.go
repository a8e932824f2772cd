// gmsm-interop: an independent SM2/SM3 implementation (github.com/emmansun/gmsm) that Crossgate's
// tests run to cross-check their own. One JSON object in on stdin, one out on stdout; byte strings
// are lowercase hex. Every cryptographic step is gmsm's own.
package main

import (
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
)

type input struct {
	Data       string   `json:"data"`
	Leaves     []string `json:"leaves"`
	PrivateKey string   `json:"privateKey"`
	PublicKey  string   `json:"publicKey"`
	Message    string   `json:"message"`
	UID        string   `json:"uid"`
	R          string   `json:"r"`
	S          string   `json:"s"`
}

type rs struct{ R, S *big.Int }

func unhex(name, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		fail(fmt.Errorf("%s: %w", name, err))
	}
	return b
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gmsm-interop:", err)
	os.Exit(1)
}

func sum(parts ...[]byte) []byte {
	h := sm3.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// RFC 6962 §2.1 Merkle Tree Hash, recursively, with SM3 in place of SHA-256.
func mth(leaves [][]byte) []byte {
	switch len(leaves) {
	case 0:
		return sum()
	case 1:
		return sum([]byte{0}, leaves[0])
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	return sum([]byte{1}, mth(leaves[:k]), mth(leaves[k:]))
}

func main() {
	if len(os.Args) != 2 {
		fail(errors.New("usage: gmsm-interop <sm3|merkle-root|keygen|public-key|za|sign|verify> < input.json"))
	}
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail(err)
	}
	out := map[string]any{}
	switch os.Args[1] {
	case "sm3":
		out["digest"] = hex.EncodeToString(sum(unhex("data", in.Data)))
	case "merkle-root":
		leaves := make([][]byte, len(in.Leaves))
		for i, l := range in.Leaves {
			leaves[i] = unhex("leaf", l)
		}
		out["root"] = hex.EncodeToString(mth(leaves))
	case "keygen":
		key, err := sm2.GenerateKey(rand.Reader)
		if err != nil {
			fail(err)
		}
		out["privateKey"] = hex.EncodeToString(key.D.FillBytes(make([]byte, 32)))
		out["publicKey"] = hex.EncodeToString(elliptic.Marshal(key.Curve, key.X, key.Y))
	case "public-key":
		key, err := sm2.NewPrivateKey(unhex("privateKey", in.PrivateKey))
		if err != nil {
			fail(err)
		}
		out["publicKey"] = hex.EncodeToString(elliptic.Marshal(key.Curve, key.X, key.Y))
	case "za":
		pub, err := sm2.NewPublicKey(unhex("publicKey", in.PublicKey))
		if err != nil {
			fail(err)
		}
		za, err := sm2.CalculateZA(pub, []byte(in.UID))
		if err != nil {
			fail(err)
		}
		out["za"] = hex.EncodeToString(za)
	case "sign":
		key, err := sm2.NewPrivateKey(unhex("privateKey", in.PrivateKey))
		if err != nil {
			fail(err)
		}
		der, err := key.Sign(rand.Reader, unhex("message", in.Message), sm2.NewSM2SignerOption(true, []byte(in.UID)))
		if err != nil {
			fail(err)
		}
		var sig rs
		if _, err := asn1.Unmarshal(der, &sig); err != nil {
			fail(err)
		}
		out["r"] = hex.EncodeToString(sig.R.FillBytes(make([]byte, 32)))
		out["s"] = hex.EncodeToString(sig.S.FillBytes(make([]byte, 32)))
		out["der"] = hex.EncodeToString(der)
	case "verify":
		pub, err := sm2.NewPublicKey(unhex("publicKey", in.PublicKey))
		if err != nil {
			fail(err)
		}
		der, err := asn1.Marshal(rs{new(big.Int).SetBytes(unhex("r", in.R)), new(big.Int).SetBytes(unhex("s", in.S))})
		if err != nil {
			fail(err)
		}
		out["ok"] = sm2.VerifyASN1WithSM2(pub, []byte(in.UID), unhex("message", in.Message), der)
	default:
		fail(fmt.Errorf("unknown command %q", os.Args[1]))
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}
