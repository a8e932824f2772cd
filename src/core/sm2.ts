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
import { createHmac } from 'node:crypto';
import { invert } from '@noble/curves/abstract/modular.js';
import { weierstrass } from '@noble/curves/abstract/weierstrass.js';
import { bytesToNumberBE, createHmacDrbg, numberToBytesBE } from '@noble/curves/utils.js';
import { digestBytes } from './digest.js';
import { utf8 } from './encoding.js';

/** Parameters of a prime-field curve y² = x³ + ax + b with a base point of prime order n. */
export interface Sm2Curve {
  readonly p: bigint;
  readonly n: bigint;
  readonly a: bigint;
  readonly b: bigint;
  readonly Gx: bigint;
  readonly Gy: bigint;
}

/** GB/T 32918.5-2017 recommended curve parameters: the only curve receipts and producer keys use. */
export const SM2_RECOMMENDED_CURVE: Sm2Curve = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
};

/** The distinguishing identifier GM/T 0009-2012 §10 sets as the default. */
export const SM2_DEFAULT_ID = '1234567812345678';

/** Largest identifier ENTL_A can describe: 2^16 − 1 bits. */
const MAX_ID_BYTES = 8191;

const sm3 = (data: Uint8Array): Uint8Array => digestBytes('sm3', data);

const hmacSm3 = (key: Uint8Array, ...messages: Uint8Array[]): Uint8Array => {
  const mac = createHmac('sm3', key);
  for (const message of messages) mac.update(message);
  const out = mac.digest();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
};

/** Picks the nonce k: offers candidates to `accept` until it returns a signature. */
export type NonceSource = (accept: (k: bigint) => Uint8Array | undefined) => Uint8Array;

/** SM2 on one curve (256-bit p and n). */
export interface Sm2Scheme {
  isValidPrivateKey(privateKey: Uint8Array): boolean;
  /** 33-byte compressed (or 65-byte uncompressed) SEC1 public key. */
  publicKeyOf(privateKey: Uint8Array, compressed?: boolean): Uint8Array;
  /** Affine coordinates of a public key, 32 bytes each; throws when it is not a curve point. */
  coordinates(publicKey: Uint8Array): { x: Uint8Array; y: Uint8Array };
  /** Z_A of GB/T 32918.2 §5.5; throws when the key is not a curve point or the id is too long. */
  za(publicKey: Uint8Array, id: string): Uint8Array;
  /** Raw r ‖ s; deterministic (RFC 6979 with HMAC-SM3) unless `nonces` is given (known-answer tests). */
  sign(message: Uint8Array, privateKey: Uint8Array, id: string, nonces?: NonceSource): Uint8Array;
  /** GB/T 32918.2 §7.1 verification of raw r ‖ s. Never throws. */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array, id: string): boolean;
}

/** SM2 over `curve`; Crossgate uses {@link SM2_RECOMMENDED_CURVE}, tests also the GB/T 32918.2 example curve. */
export function sm2Scheme(curve: Sm2Curve): Sm2Scheme {
  const { n } = curve;
  const Point = weierstrass({ ...curve, h: 1n });
  const modN = (x: bigint): bigint => ((x % n) + n) % n;
  const curveBytes = [curve.a, curve.b, curve.Gx, curve.Gy].map((v) => numberToBytesBE(v, 32));

  function scalarOf(privateKey: Uint8Array): bigint {
    if (privateKey.length !== 32) throw new TypeError('an SM2 private key is 32 bytes');
    const d = bytesToNumberBE(privateKey);
    // d = n − 1 is excluded as well: signing divides by 1 + d.
    if (d < 1n || d > n - 2n) throw new TypeError('SM2 private key is outside [1, n − 2]');
    return d;
  }

  function pointOf(publicKey: Uint8Array) {
    const point = Point.fromBytes(publicKey);
    point.assertValidity();
    return point;
  }

  function coordinates(publicKey: Uint8Array): { x: Uint8Array; y: Uint8Array } {
    const uncompressed = pointOf(publicKey).toBytes(false);
    return { x: uncompressed.slice(1, 33), y: uncompressed.slice(33, 65) };
  }

  function za(publicKey: Uint8Array, id: string): Uint8Array {
    const idBytes = utf8(id);
    if (idBytes.length > MAX_ID_BYTES) throw new TypeError(`an SM2 distinguishing identifier is at most ${MAX_ID_BYTES} bytes`);
    const { x, y } = coordinates(publicKey);
    const bits = idBytes.length * 8;
    const input = new Uint8Array(2 + idBytes.length + 6 * 32);
    input[0] = bits >> 8;
    input[1] = bits & 0xff;
    input.set(idBytes, 2);
    let offset = 2 + idBytes.length;
    for (const part of [...curveBytes, x, y]) {
      input.set(part, offset);
      offset += 32;
    }
    return sm3(input);
  }

  /** e = SM3(Z_A ‖ M) as an integer (GB/T 32918.2 §6.1 A1–A2, §7.1 B3–B4). */
  function messageScalar(zA: Uint8Array, message: Uint8Array): bigint {
    const input = new Uint8Array(zA.length + message.length);
    input.set(zA);
    input.set(message, zA.length);
    return bytesToNumberBE(sm3(input));
  }

  /** RFC 6979 §3.2 HMAC-DRBG (HMAC-SM3) seeded with int2octets(d) ‖ bits2octets(e). */
  function deterministicNonces(privateKey: Uint8Array, e: bigint): NonceSource {
    const seed = new Uint8Array(64);
    seed.set(privateKey);
    seed.set(numberToBytesBE(modN(e), 32), 32);
    const drbg = createHmacDrbg<Uint8Array>(32, 32, hmacSm3);
    return (accept) => drbg(seed, (bytes) => accept(bytesToNumberBE(bytes)));
  }

  return {
    isValidPrivateKey(privateKey) {
      try {
        scalarOf(privateKey);
        return true;
      } catch {
        return false;
      }
    },
    publicKeyOf: (privateKey, compressed = true) => Point.BASE.multiply(scalarOf(privateKey)).toBytes(compressed),
    coordinates,
    za,
    sign(message, privateKey, id, nonces) {
      const d = scalarOf(privateKey);
      const e = messageScalar(za(Point.BASE.multiply(d).toBytes(true), id), message);
      const inverseOnePlusD = invert(1n + d, n);
      return (nonces ?? deterministicNonces(privateKey, e))((k) => {
        if (k < 1n || k >= n) return undefined;
        const r = modN(e + Point.BASE.multiply(k).toAffine().x);
        if (r === 0n || r + k === n) return undefined;
        const s = modN(inverseOnePlusD * (k - r * d));
        if (s === 0n) return undefined;
        const signature = new Uint8Array(64);
        signature.set(numberToBytesBE(r, 32));
        signature.set(numberToBytesBE(s, 32), 32);
        return signature;
      });
    },
    verify(signature, message, publicKey, id) {
      try {
        if (signature.length !== 64) return false;
        const r = bytesToNumberBE(signature.subarray(0, 32));
        const s = bytesToNumberBE(signature.subarray(32, 64));
        if (r < 1n || r >= n || s < 1n || s >= n) return false;
        const t = modN(r + s);
        if (t === 0n) return false;
        const sum = Point.BASE.mulAddUnsafe(s, pointOf(publicKey), t);
        if (sum.equals(Point.ZERO)) return false;
        return modN(messageScalar(za(publicKey, id), message) + sum.toAffine().x) === r;
      } catch {
        return false;
      }
    },
  };
}

const recommended = sm2Scheme(SM2_RECOMMENDED_CURVE);

/** True when `privateKey` is 32 bytes in [1, n − 2] (GB/T 32918.1 §6.1). */
export const isValidSm2PrivateKey = (privateKey: Uint8Array): boolean => recommended.isValidPrivateKey(privateKey);

/** The public key of `privateKey`, 33-byte compressed SEC1 unless `compressed` is false. */
export const sm2PublicKeyOf = (privateKey: Uint8Array, compressed = true): Uint8Array => recommended.publicKeyOf(privateKey, compressed);

/** Affine coordinates of a public key (for JWKs and Z_A). */
export const sm2Coordinates = (publicKey: Uint8Array): { x: Uint8Array; y: Uint8Array } => recommended.coordinates(publicKey);

/** Z_A for `publicKey` and the distinguishing identifier `id` (UTF-8). */
export const sm2Za = (publicKey: Uint8Array, id: string = SM2_DEFAULT_ID): Uint8Array => recommended.za(publicKey, id);

/**
 * An SM2 signature of `message` (raw r ‖ s, 64 bytes) for the distinguishing identifier `id`.
 * @throws TypeError when the private key is not valid.
 */
export const sm2Sign = (message: Uint8Array, privateKey: Uint8Array, id: string = SM2_DEFAULT_ID): Uint8Array =>
  recommended.sign(message, privateKey, id);

/** True when `signature` (raw r ‖ s) verifies over `message` under `publicKey` (SEC1) for `id`. Never throws. */
export const sm2Verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array, id: string = SM2_DEFAULT_ID): boolean =>
  recommended.verify(signature, message, publicKey, id);
