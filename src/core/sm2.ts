/**
 * SM2 digital signatures (GB/T 32918.2-2016) on the SM2 recommended curve (GB/T 32918.5-2017), with
 * SM3 (GB/T 32905-2016) as the hash.
 *
 * Design rationale
 * ----------------
 * - node:crypto's OpenSSL knows the SM2 curve, but given an SM2 key it signs plain ECDSA on that curve:
 *   measured on Node 24.21 / OpenSSL 3.5, its signatures verify as ECDSA over SM3(M) or SHA-256(M),
 *   and it rejects the GM/T 0003.5-2012 Annex A signature; it offers no way to pick the SM2 scheme or
 *   its distinguishing identifier. So the group arithmetic is @noble/curves' (audited, and what the
 *   ES256/ES256K suites use), the SM2 equations are the few lines below, and SM3 is OpenSSL's.
 * - e = SM3(Z_A ‖ M) with Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A), ENTL_A the bit
 *   length of ID_A as two big-endian bytes. Default ID_A: "1234567812345678" (GM/T 0009-2012 §10).
 * - Signing: r = (e + x1) mod n where (x1, y1) = kG; s = (1 + d)⁻¹ (k − r·d) mod n; k is drawn again
 *   when r = 0, r + k = n or s = 0. k comes from RFC 6979's HMAC-DRBG (HMAC-SM3 over d and e), so
 *   signatures are deterministic like the ECDSA suites' (no RNG at signing time, reproducible tests).
 *   Verifiers cannot tell: any k in [1, n−1] gives a valid signature.
 * - Encoding: raw r ‖ s, 32 bytes each, big-endian: one encoding per signature. Unlike ECDSA there is
 *   no (r, n − s) twin: s enters both factors of sG + (r + s)P, so only the key's holder can make a
 *   second valid signature, and no low-S rule is needed.
 */
import { createHmac, hash } from 'node:crypto';
import { invert } from '@noble/curves/abstract/modular.js';
import { weierstrass } from '@noble/curves/abstract/weierstrass.js';
import { bytesToNumberBE, createHmacDrbg, numberToBytesBE } from '@noble/curves/utils.js';
import { utf8 } from './encoding.js';

/** GB/T 32918.5-2017 recommended curve parameters. */
const CURVE = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
} as const;

const { n } = CURVE;
const Point = weierstrass(CURVE);
type SM2Point = InstanceType<typeof Point>;

/** The distinguishing identifier GM/T 0009-2012 §10 sets as the default. */
export const SM2_DEFAULT_ID = '1234567812345678';

/** Largest identifier ENTL_A can describe: 2^16 − 1 bits. */
const MAX_ID_BYTES = 8191;

/** SM3 of `data` (32 bytes), OpenSSL's. */
export function sm3(data: Uint8Array | string): Uint8Array {
  const buf = hash('sm3', data, 'buffer');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

const modN = (x: bigint): bigint => ((x % n) + n) % n;

function scalarOf(privateKey: Uint8Array): bigint {
  if (privateKey.length !== 32) throw new TypeError('an SM2 private key is 32 bytes');
  const d = bytesToNumberBE(privateKey);
  // d = n − 1 is excluded as well: signing divides by 1 + d.
  if (d < 1n || d > n - 2n) throw new TypeError('SM2 private key is outside [1, n − 2]');
  return d;
}

/** True when `privateKey` is 32 bytes in [1, n − 2] (GB/T 32918.1 §6.1). */
export function isValidSm2PrivateKey(privateKey: Uint8Array): boolean {
  try {
    scalarOf(privateKey);
    return true;
  } catch {
    return false;
  }
}

/** The public key of `privateKey`, as a 33-byte compressed (or 65-byte uncompressed) SEC1 point. */
export function sm2PublicKeyOf(privateKey: Uint8Array, compressed = true): Uint8Array {
  return Point.BASE.multiply(scalarOf(privateKey)).toBytes(compressed);
}

/** The point of a SEC1 public key (33 or 65 bytes); throws when it is not on the curve. */
export function sm2PointOf(publicKey: Uint8Array): SM2Point {
  const point = Point.fromBytes(publicKey);
  point.assertValidity();
  return point;
}

/** Affine coordinates of a public key, 32 bytes each (for JWKs and Z_A). */
export function sm2Coordinates(publicKey: Uint8Array): { x: Uint8Array; y: Uint8Array } {
  const uncompressed = sm2PointOf(publicKey).toBytes(false);
  return { x: uncompressed.slice(1, 33), y: uncompressed.slice(33, 65) };
}

/**
 * Z_A of GB/T 32918.2 §5.5 for `publicKey` and the distinguishing identifier `id` (UTF-8).
 * @throws TypeError when the key is not a curve point or the id is too long for ENTL_A.
 */
export function sm2Za(publicKey: Uint8Array, id: string = SM2_DEFAULT_ID): Uint8Array {
  const idBytes = utf8(id);
  if (idBytes.length > MAX_ID_BYTES) throw new TypeError(`an SM2 distinguishing identifier is at most ${MAX_ID_BYTES} bytes`);
  const { x, y } = sm2Coordinates(publicKey);
  const bits = idBytes.length * 8;
  const input = new Uint8Array(2 + idBytes.length + 6 * 32);
  input[0] = bits >> 8;
  input[1] = bits & 0xff;
  input.set(idBytes, 2);
  let offset = 2 + idBytes.length;
  for (const part of [CURVE.a, CURVE.b, CURVE.Gx, CURVE.Gy]) {
    input.set(numberToBytesBE(part, 32), offset);
    offset += 32;
  }
  input.set(x, offset);
  input.set(y, offset + 32);
  return sm3(input);
}

/** e = SM3(Z_A ‖ M) as an integer (GB/T 32918.2 §6.1 steps A1–A2, §7.1 B3–B4). */
function messageScalar(za: Uint8Array, message: Uint8Array): bigint {
  const input = new Uint8Array(za.length + message.length);
  input.set(za);
  input.set(message, za.length);
  return bytesToNumberBE(sm3(input));
}

const hmacSm3 = (key: Uint8Array, ...messages: Uint8Array[]): Uint8Array => {
  const mac = createHmac('sm3', key);
  for (const message of messages) mac.update(message);
  const out = mac.digest();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
};

/** Signs with a given nonce source; exported for the GM/T 0003.5 Annex A test, whose k is fixed. */
export function sm2SignWith(message: Uint8Array, privateKey: Uint8Array, id: string, nonces: (accept: (k: bigint) => Uint8Array | undefined) => Uint8Array): Uint8Array {
  const d = scalarOf(privateKey);
  const e = messageScalar(sm2Za(sm2PublicKeyOf(privateKey), id), message);
  const inverseOnePlusD = invert(1n + d, n);
  return nonces((k) => {
    if (k < 1n || k >= n) return undefined;
    const x1 = Point.BASE.multiply(k).toAffine().x;
    const r = modN(e + x1);
    if (r === 0n || r + k === n) return undefined;
    const s = modN(inverseOnePlusD * (k - r * d));
    if (s === 0n) return undefined;
    const signature = new Uint8Array(64);
    signature.set(numberToBytesBE(r, 32));
    signature.set(numberToBytesBE(s, 32), 32);
    return signature;
  });
}

/** RFC 6979 §3.2 HMAC-DRBG nonces (HMAC-SM3), seeded with int2octets(d) ‖ bits2octets(e). */
function deterministicNonces(privateKey: Uint8Array, message: Uint8Array, id: string) {
  const e = modN(messageScalar(sm2Za(sm2PublicKeyOf(privateKey), id), message));
  const seed = new Uint8Array(64);
  seed.set(privateKey);
  seed.set(numberToBytesBE(e, 32), 32);
  const drbg = createHmacDrbg<Uint8Array>(32, 32, hmacSm3);
  return (accept: (k: bigint) => Uint8Array | undefined): Uint8Array => drbg(seed, (bytes) => accept(bytesToNumberBE(bytes)));
}

/**
 * An SM2 signature of `message` (raw r ‖ s, 64 bytes) for the distinguishing identifier `id`.
 * @throws TypeError when the private key is not valid.
 */
export function sm2Sign(message: Uint8Array, privateKey: Uint8Array, id: string = SM2_DEFAULT_ID): Uint8Array {
  return sm2SignWith(message, privateKey, id, deterministicNonces(privateKey, message, id));
}

/**
 * True when `signature` (raw r ‖ s) is a valid SM2 signature of `message` under `publicKey` (SEC1,
 * compressed or not) for the identifier `id` (GB/T 32918.2 §7.1). Never throws.
 */
export function sm2Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array, id: string = SM2_DEFAULT_ID): boolean {
  try {
    if (signature.length !== 64) return false;
    const r = bytesToNumberBE(signature.subarray(0, 32));
    const s = bytesToNumberBE(signature.subarray(32, 64));
    if (r < 1n || r >= n || s < 1n || s >= n) return false;
    const point = sm2PointOf(publicKey);
    const t = modN(r + s);
    if (t === 0n) return false;
    const sum = Point.BASE.mulAddUnsafe(s, point, t);
    if (sum.equals(Point.ZERO)) return false;
    const e = messageScalar(sm2Za(publicKey, id), message);
    return modN(e + sum.toAffine().x) === r;
  } catch {
    return false;
  }
}
