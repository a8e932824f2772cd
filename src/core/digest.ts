/**
 * SHA-256, SM3 and the record digest. node:crypto's one-shot `hash` runs OpenSSL's SHA-256 (with
 * SHA-NI where the CPU has it) and SM3, several times faster than a pure-JS hash on the 1M-record path.
 *
 * Which hash a batch uses follows from its signer's algorithm (signature-algs.ts `digestAlgOf`):
 * SHA-256 for Ed25519, ES256 and ES256K; SM3 for SM2 (docs/receipt-format.md §suites).
 */
import { hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { bufferToBytes, toHex } from './encoding.js';

/** The hash of an algorithm suite, by its node:crypto name. */
export type DigestAlg = 'sha256' | 'sm3';

/** `alg` of `data` (32 bytes); a string is hashed as its UTF-8 bytes, without materialising them. */
export function digestBytes(alg: DigestAlg, data: Uint8Array | string): Uint8Array {
  return bufferToBytes(hash(alg, data, 'buffer'));
}

/** `alg` of the UTF-8 bytes of `text` as lowercase hex, straight from the hash (no intermediate bytes object). */
export function digestUtf8Hex(alg: DigestAlg, text: string): string {
  return hash(alg, text, 'hex');
}

/** SHA-256 of `data` (32 bytes). */
export function sha256(data: Uint8Array): Uint8Array {
  return digestBytes('sha256', data);
}

/**
 * The hash (SHA-256 unless `alg` says otherwise) of the UTF-8 bytes of the RFC 8785 form of `value`:
 * the record digest and the batch id input.
 * @throws TypeError when `value` is not JSON data (see canonical-json.ts).
 */
export function canonicalDigest(value: unknown, alg: DigestAlg = 'sha256'): Uint8Array {
  // Hashing the string directly lets OpenSSL read node's UTF-8 encoding without an extra
  // Uint8Array; identical to hashing utf8(text) because canonicalJson rejects lone surrogates.
  return bufferToBytes(hash(alg, canonicalJson(value), 'buffer'));
}

/** {@link canonicalDigest} as lowercase hex (64 characters). */
export function canonicalDigestHex(value: unknown, alg: DigestAlg = 'sha256'): string {
  return toHex(canonicalDigest(value, alg));
}
