/**
 * The three signature algorithms, by JOSE name, over raw keys (docs/receipt-format.md §signatures).
 *
 * - Ed25519: RFC 8032 "pure" Ed25519 over the message itself. Verification is RFC 8032 strict
 *   (zip215: false): non-canonical point/scalar encodings are rejected, so a signature has one valid form.
 * - ES256 (P-256) and ES256K (secp256k1): ECDSA over SHA-256(message), deterministic nonces (RFC 6979),
 *   signature = raw r‖s (32 bytes each, big-endian). S must be in the low half of the group order on
 *   both sign and verify: ECDSA signatures are otherwise malleable ((r, s) and (r, n−s) both verify),
 *   and a receipt must have exactly one valid signature.
 * Private keys are 32 bytes (Ed25519 seed, or ECDSA scalar big-endian); public keys are 32 bytes
 * (Ed25519) or 33-byte SEC1 compressed points (ECDSA).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { SignatureAlg } from './types.js';

/** Raw-key operations of one algorithm. Functions here may throw on malformed input. */
export interface AlgorithmSuite {
  readonly alg: SignatureAlg;
  /** RFC 7517/7518/8037/8812 JWK key type and curve name. */
  readonly kty: 'OKP' | 'EC';
  readonly crv: 'Ed25519' | 'P-256' | 'secp256k1';
  readonly privateKeyLength: 32;
  readonly publicKeyLength: 32 | 33;
  readonly signatureLength: 64;
  isValidPrivateKey(privateKey: Uint8Array): boolean;
  publicKeyOf(privateKey: Uint8Array): Uint8Array;
  sign(message: Uint8Array, privateKey: Uint8Array): Uint8Array;
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /** Affine coordinates (x, y; 32 bytes each) of an ECDSA public key, for JWKs. */
  coordinates?(publicKey: Uint8Array): { x: Uint8Array; y: Uint8Array };
}

const ed25519Suite: AlgorithmSuite = {
  alg: 'Ed25519',
  kty: 'OKP',
  crv: 'Ed25519',
  privateKeyLength: 32,
  publicKeyLength: 32,
  signatureLength: 64,
  isValidPrivateKey: (privateKey) => privateKey.length === 32,
  publicKeyOf: (privateKey) => ed25519.getPublicKey(privateKey),
  sign: (message, privateKey) => ed25519.sign(message, privateKey),
  verify: (signature, message, publicKey) => ed25519.verify(signature, message, publicKey, { zip215: false }),
};

type Ecdsa = typeof p256;

function ecdsaSuite(alg: 'ES256' | 'ES256K', crv: 'P-256' | 'secp256k1', curve: Ecdsa): AlgorithmSuite {
  const opts = { prehash: true, lowS: true, format: 'compact' } as const;
  return {
    alg,
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
  };
}

const suites: Readonly<Record<SignatureAlg, AlgorithmSuite>> = {
  Ed25519: ed25519Suite,
  ES256: ecdsaSuite('ES256', 'P-256', p256),
  ES256K: ecdsaSuite('ES256K', 'secp256k1', secp256k1),
};

/** The supported algorithms, in a stable order. */
export const SIGNATURE_ALGS: readonly SignatureAlg[] = ['Ed25519', 'ES256', 'ES256K'];

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
