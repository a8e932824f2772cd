/**
 * Gateway signing keys: construction, verification and key ids (RFC 7638 JWK thumbprints).
 * Private keys stay inside the closure of the Signer that uses them; nothing here logs or returns them.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { canonicalJson } from './canonical-json.js';
import { digestBytes } from './digest.js';
import { toBase64Url, utf8 } from './encoding.js';
import type { Signer } from './ports.js';
import { suiteOf, type VerifyOptions } from './signature-algs.js';
import type { SignatureAlg } from './types.js';

export { digestAlgOf, isSignatureAlg, SIGNATURE_ALGS } from './signature-algs.js';

/** Source of cryptographically secure random bytes. */
export type RandomBytes = (length: number) => Uint8Array;

const defaultRandom: RandomBytes = (length) => new Uint8Array(randomBytes(length));

/**
 * A fresh private key for `alg` (32 bytes). `random` must be a CSPRNG; it defaults to node:crypto's.
 * ECDSA scalars outside [1, n−1] (SM2: [1, n−2]) are redrawn (probability ~2^-32 for P-256 and SM2,
 * ~2^-128 for secp256k1).
 */
export function generatePrivateKey(alg: SignatureAlg, random: RandomBytes = defaultRandom): Uint8Array {
  const suite = suiteOf(alg);
  for (let attempt = 0; attempt < 64; attempt++) {
    const candidate = random(suite.privateKeyLength);
    if (candidate.length === suite.privateKeyLength && suite.isValidPrivateKey(candidate)) return candidate;
  }
  throw new Error(`generatePrivateKey: the random source produced no valid ${alg} key in 64 attempts`);
}

/**
 * The raw public key of `privateKey` (Ed25519: 32 bytes; ECDSA: 33-byte compressed SEC1).
 * @throws TypeError when the private key is not valid for `alg`.
 */
export function publicKeyOf(alg: SignatureAlg, privateKey: Uint8Array): Uint8Array {
  const suite = suiteOf(alg);
  if (!(privateKey instanceof Uint8Array) || !suite.isValidPrivateKey(privateKey)) {
    throw new TypeError(`invalid ${alg} private key (expected ${suite.privateKeyLength} bytes in range)`);
  }
  return suite.publicKeyOf(privateKey);
}

/**
 * True when `signature` is a valid `alg` signature of `message` under the raw `publicKey`
 * (ECDSA: SHA-256 prehash, raw r‖s, low S only; Ed25519: RFC 8032 strict; SM2: raw r‖s over
 * Z_A ‖ message with `options.distinguishingId` or the default). Never throws.
 */
export function verifySignature(alg: SignatureAlg, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, options?: VerifyOptions): boolean {
  try {
    const suite = suiteOf(alg);
    if (publicKey.length !== suite.publicKeyLength || signature.length !== suite.signatureLength) return false;
    return suite.verify(signature, message, publicKey, options);
  } catch {
    return false;
  }
}

/**
 * The public JWK of a raw public key, with exactly the RFC 7638 required members
 * (OKP: crv, kty, x; EC: crv, kty, x, y).
 * @throws TypeError when `publicKey` is not a valid key for `alg`.
 */
export function publicJwkOf(alg: SignatureAlg, publicKey: Uint8Array): Record<string, string> {
  const suite = suiteOf(alg);
  if (publicKey.length !== suite.publicKeyLength) {
    throw new TypeError(`invalid ${alg} public key: expected ${suite.publicKeyLength} bytes, got ${publicKey.length}`);
  }
  if (suite.coordinates === undefined) {
    return { crv: suite.crv, kty: suite.kty, x: toBase64Url(publicKey) };
  }
  let point: { x: Uint8Array; y: Uint8Array };
  try {
    point = suite.coordinates(publicKey);
  } catch (cause) {
    throw new TypeError(`invalid ${alg} public key: not a point on ${suite.crv}`, { cause });
  }
  return { crv: suite.crv, kty: suite.kty, x: toBase64Url(point.x), y: toBase64Url(point.y) };
}

/**
 * RFC 7638 JWK thumbprint of the public key: base64url(H(JSON of the required members in
 * lexicographic order, no whitespace)), H the suite's hash (SHA-256; SM3 for SM2, whose JWK is
 * { crv: "SM2", kty: "EC", x, y }). That JSON is exactly the RFC 8785 form of the member object.
 * @throws TypeError when `publicKey` is not a valid key for `alg`.
 */
export function keyIdFor(alg: SignatureAlg, publicKey: Uint8Array): string {
  return toBase64Url(digestBytes(suiteOf(alg).digest, utf8(canonicalJson(publicJwkOf(alg, publicKey)))));
}

/** A Signer over a raw private key held only in a closure. */
class LocalSigner implements Signer {
  readonly keyId: string;
  readonly alg: SignatureAlg;
  readonly publicKey: Uint8Array;
  readonly #sign: (message: Uint8Array) => Uint8Array;

  constructor(alg: SignatureAlg, publicKey: Uint8Array, sign: (message: Uint8Array) => Uint8Array) {
    this.alg = alg;
    this.publicKey = publicKey;
    this.keyId = keyIdFor(alg, publicKey);
    this.#sign = sign;
  }

  sign(message: Uint8Array): Promise<Uint8Array> {
    try {
      return Promise.resolve(this.#sign(message));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Public half only: safe for logs and JSON. */
  toJSON(): { keyId: string; alg: SignatureAlg; publicKey: string } {
    return { keyId: this.keyId, alg: this.alg, publicKey: toBase64Url(this.publicKey) };
  }

  [inspect.custom](): string {
    return `Signer(${this.alg}, keyId=${this.keyId})`;
  }
}

/**
 * A Signer for a raw private key (Ed25519 32-byte seed, or 32-byte big-endian ECDSA/SM2 scalar).
 * The key is copied into the signer's closure; the object itself exposes only the public half.
 * @throws TypeError when the private key is not valid for `alg`.
 */
export function newSigner(alg: SignatureAlg, privateKey: Uint8Array): Signer {
  const suite = suiteOf(alg);
  const publicKey = publicKeyOf(alg, privateKey);
  const secret = Uint8Array.from(privateKey);
  return new LocalSigner(alg, publicKey, (message) => suite.sign(message, secret));
}
