/**
 * Byte/text encodings used by the wire formats (docs/receipt-format.md): lowercase hex for digests and
 * Merkle nodes, base64url without padding (RFC 4648 §5) for keys and signatures, UTF-8 for JSON text.
 *
 * Decoders are strict because their input is untrusted: a value has exactly one accepted spelling
 * (no padding, no whitespace, no non-zero trailing bits), so two different strings never decode to the
 * same bytes and a verifier cannot be fooled by a re-spelled but "equal" receipt.
 */

const HEX_PAIRS = /^(?:[0-9a-fA-F]{2})*$/;
const LOWER_HEX = /^[0-9a-f]*$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const textEncoder = new TextEncoder();

/** Views a Buffer as a plain Uint8Array without copying (so results deep-equal other Uint8Arrays). */
export function bufferToBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  // Views over Buffer's pool are common on the hot path; skip the wrapper when it is one already.
  return (Buffer.isBuffer(bytes) ? bytes : asBuffer(bytes)).toString('hex');
}

/**
 * Decodes hex (either case). Throws a TypeError on odd length or any non-hex character, unlike
 * `Buffer.from(s, 'hex')`, which silently stops at the first bad character.
 */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || !HEX_PAIRS.test(hex)) {
    throw new TypeError('invalid hex: expected an even number of hex digits');
  }
  // Copy out of Buffer's shared pool: callers may keep these bytes for a long time.
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/**
 * True when `s` is canonical (lowercase) hex, optionally of exactly `byteLength` bytes.
 * Crossgate formats always write lowercase hex, so uppercase is rejected here.
 */
export function isHex(s: unknown, byteLength?: number): s is string {
  if (typeof s !== 'string' || s.length % 2 !== 0 || !LOWER_HEX.test(s)) return false;
  return byteLength === undefined || s.length === byteLength * 2;
}

/** base64url (RFC 4648 §5) without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('base64url');
}

/**
 * Decodes base64url without padding. Throws a TypeError on padding, characters outside the base64url
 * alphabet, an impossible length, or non-canonical trailing bits.
 */
export function fromBase64Url(s: string): Uint8Array {
  if (typeof s !== 'string' || !BASE64URL.test(s) || s.length % 4 === 1) {
    throw new TypeError('invalid base64url: expected unpadded base64url (RFC 4648 §5)');
  }
  const buf = Buffer.from(s, 'base64url');
  // Round trip rejects non-zero trailing bits ("AB" and "AA" must not both decode to 0x00).
  if (buf.toString('base64url') !== s) {
    throw new TypeError('invalid base64url: non-canonical encoding');
  }
  return new Uint8Array(buf);
}

/** UTF-8 bytes of `s`. Lone surrogates become U+FFFD; canonicalJson rejects them before this point. */
export function utf8(s: string): Uint8Array {
  return textEncoder.encode(s);
}

/** Concatenation of `parts` into one new array. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Constant-time-ish equality of two byte arrays (length leaks, contents do not). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
