/**
 * The signature algorithms, by JOSE name, over raw keys (docs/receipt-format.md §signatures), and
 * the hash each one's suite uses for record digests, Merkle nodes, batch ids and key ids.
 *
 * - Ed25519: RFC 8032 "pure" Ed25519 over the message itself. Verification is RFC 8032 strict
 *   (zip215: false): non-canonical point/scalar encodings are rejected, so a signature has one valid form.
 * - ES256 (P-256) and ES256K (secp256k1): ECDSA over SHA-256(message), deterministic nonces (RFC 6979),
 *   signature = raw r‖s (32 bytes each, big-endian). S must be in the low half of the group order on
 *   both sign and verify: ECDSA signatures are otherwise malleable ((r, s) and (r, n−s) both verify),
 *   and a receipt must have exactly one valid signature.
 * - SM2 (GB/T 32918.2) with SM3 over Z_A ‖ message, raw r‖s (sm2.ts); the suite hashes with SM3.
 * Private keys are 32 bytes (Ed25519 seed, or ECDSA/SM2 scalar big-endian); public keys are 32 bytes
 * (Ed25519) or 33-byte SEC1 compressed points (ECDSA, SM2).
 */
import { createPrivateKey, type KeyObject, sign as nodeSign } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { DigestAlg } from './digest.js';
import { isValidSm2PrivateKey, SM2_DEFAULT_ID, sm2Coordinates, sm2PublicKeyOf, sm2Sign, sm2Verify } from './sm2.js';
import type { SignatureAlg } from './types.js';

/** Per-key verification options. */
export interface VerifyOptions {
  /** SM2 only: the signer's distinguishing identifier ID_A (default "1234567812345678"). */
  readonly distinguishingId?: string;
}

/** Raw-key operations of one algorithm. Functions here may throw on malformed input. */
export interface AlgorithmSuite {
  readonly alg: SignatureAlg;
  /** The suite's hash: record digests, Merkle nodes, batch ids and key ids. */
  readonly digest: DigestAlg;
  /** RFC 7517/7518/8037/8812 JWK key type and curve name ("SM2" for SM2, which has no registered name). */
  readonly kty: 'OKP' | 'EC';
  readonly crv: 'Ed25519' | 'P-256' | 'secp256k1' | 'SM2';
  readonly privateKeyLength: 32;
  readonly publicKeyLength: 32 | 33;
  readonly signatureLength: 64;
  isValidPrivateKey(privateKey: Uint8Array): boolean;
  publicKeyOf(privateKey: Uint8Array): Uint8Array;
  sign(message: Uint8Array, privateKey: Uint8Array): Uint8Array;
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array, options?: VerifyOptions): boolean;
  /** Affine coordinates (x, y; 32 bytes each) of an ECDSA or SM2 public key, for JWKs. */
  coordinates?(publicKey: Uint8Array): { x: Uint8Array; y: Uint8Array };
  /** The raw public key of a SEC1 point in either encoding (ECDSA); Ed25519 keys pass through. */
  fromPoint?(point: Uint8Array): Uint8Array;
  /** ECDSA only: (r, n−s) when s is in the high half, so a signer that does not normalize still gives the one valid form. */
  lowS?(signature: Uint8Array): Uint8Array;
}

/** DER prefix of a PKCS#8 Ed25519 private key (RFC 8410 §7): the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const ed25519KeyObjects = new WeakMap<Uint8Array, KeyObject>();

/**
 * Ed25519 signing through the platform's OpenSSL: RFC 8032 signatures are deterministic, so the bytes
 * are exactly @noble/curves' (tested on the RFC's vectors and on random keys and messages), at 144 µs
 * per signature instead of 985 µs here (one per sealed batch, on the request thread). Key objects are
 * kept per private key array (a signer passes the same one every time). Verification stays with
 * @noble/curves, whose RFC 8032 strict rules (zip215: false) define what a valid signature is.
 */
function signEd25519(message: Uint8Array, privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== 32) throw new TypeError('an Ed25519 private key is 32 bytes');
  let key = ed25519KeyObjects.get(privateKey);
  if (key === undefined) {
    const der = new Uint8Array(ED25519_PKCS8_PREFIX.length + 32);
    der.set(ED25519_PKCS8_PREFIX);
    der.set(privateKey, ED25519_PKCS8_PREFIX.length);
    // A view, not a copy, so the fill below wipes the only copy of the seed this made.
    key = createPrivateKey({ key: Buffer.from(der.buffer, der.byteOffset, der.byteLength), format: 'der', type: 'pkcs8' });
    der.fill(0);
    ed25519KeyObjects.set(privateKey, key);
  }
  const signature = nodeSign(null, message, key);
  return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
}

const ed25519Suite: AlgorithmSuite = {
  alg: 'Ed25519',
  digest: 'sha256',
  kty: 'OKP',
  crv: 'Ed25519',
  privateKeyLength: 32,
  publicKeyLength: 32,
  signatureLength: 64,
  isValidPrivateKey: (privateKey) => privateKey.length === 32,
  publicKeyOf: (privateKey) => ed25519.getPublicKey(privateKey),
  sign: signEd25519,
  verify: (signature, message, publicKey) => ed25519.verify(signature, message, publicKey, { zip215: false }),
  fromPoint: (point) => {
    if (point.length !== 32) throw new TypeError('an Ed25519 public key is 32 bytes');
    return point;
  },
};

type Ecdsa = typeof p256;

function ecdsaSuite(alg: 'ES256' | 'ES256K', crv: 'P-256' | 'secp256k1', curve: Ecdsa): AlgorithmSuite {
  const opts = { prehash: true, lowS: true, format: 'compact' } as const;
  return {
    alg,
    digest: 'sha256',
    kty: 'EC',
    crv,
    privateKeyLength: 32,
    publicKeyLength: 33,
    signatureLength: 64,
    isValidPrivateKey: (privateKey) => privateKey.length === 32 && curve.utils.isValidSecretKey(privateKey),
    publicKeyOf: (privateKey) => curve.getPublicKey(privateKey, true),
    // extraEntropy: false = RFC 6979 deterministic k: no RNG dependency, reproducible test vectors.
    sign: (message, privateKey) => curve.sign(message, privateKey, { ...opts, extraEntropy: false }),
    verify: (signature, message, publicKey) =>
      publicKey.length === 33 && curve.verify(signature, message, publicKey, opts),
    coordinates: (publicKey) => {
      const uncompressed = curve.Point.fromBytes(publicKey).toBytes(false);
      return { x: uncompressed.slice(1, 33), y: uncompressed.slice(33, 65) };
    },
    fromPoint: (point) => curve.Point.fromBytes(point).toBytes(true),
    lowS: (signature) => {
      const parsed = curve.Signature.fromBytes(signature, 'compact');
      return parsed.hasHighS() ? new curve.Signature(parsed.r, curve.Point.Fn.ORDER - parsed.s).toBytes('compact') : signature;
    },
  };
}

/** Gateway headers always use the default ID, so a verifier never needs to be told one. */
const sm2Suite: AlgorithmSuite = {
  alg: 'SM2',
  digest: 'sm3',
  kty: 'EC',
  crv: 'SM2',
  privateKeyLength: 32,
  publicKeyLength: 33,
  signatureLength: 64,
  isValidPrivateKey: isValidSm2PrivateKey,
  publicKeyOf: (privateKey) => sm2PublicKeyOf(privateKey),
  sign: (message, privateKey) => sm2Sign(message, privateKey, SM2_DEFAULT_ID),
  verify: (signature, message, publicKey, options) =>
    publicKey.length === 33 && sm2Verify(signature, message, publicKey, options?.distinguishingId ?? SM2_DEFAULT_ID),
  coordinates: sm2Coordinates,
};

const suites: Readonly<Record<SignatureAlg, AlgorithmSuite>> = {
  Ed25519: ed25519Suite,
  ES256: ecdsaSuite('ES256', 'P-256', p256),
  ES256K: ecdsaSuite('ES256K', 'secp256k1', secp256k1),
  SM2: sm2Suite,
};

/** The supported algorithms, in a stable order. */
export const SIGNATURE_ALGS: readonly SignatureAlg[] = ['Ed25519', 'ES256', 'ES256K', 'SM2'];

/** The hash of `alg`'s suite: SM3 for SM2, SHA-256 for the others. */
export function digestAlgOf(alg: SignatureAlg): DigestAlg {
  return suiteOf(alg).digest;
}

/** True when `alg` is one of the supported JOSE algorithm names. */
export function isSignatureAlg(alg: unknown): alg is SignatureAlg {
  return typeof alg === 'string' && Object.hasOwn(suites, alg);
}

/**
 * The suite of `alg`.
 * @throws TypeError for an unsupported algorithm.
 */
export function suiteOf(alg: SignatureAlg): AlgorithmSuite {
  if (!isSignatureAlg(alg)) throw new TypeError(`unsupported signature algorithm: ${String(alg)}`);
  return suites[alg];
}
