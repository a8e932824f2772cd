/**
 * Reading and writing private key files: PEM (PKCS#8, or SEC1 "EC PRIVATE KEY") and private JWKs.
 * node:crypto does the ASN.1 work; keys are normalized to the raw form the signer uses
 * (32-byte Ed25519 seed or 32-byte big-endian ECDSA/SM2 scalar). Error messages never include key material.
 * node:crypto reads and writes SM2 PEM keys (curve OID 1.2.156.10197.1.301) but has no JWK form for
 * them, so SM2 scalars go through DER instead (sm2ScalarOfPkcs8, sm2Sec1).
 */
import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { fromBase64Url, toBase64Url } from './encoding.js';
import { isSignatureAlg, SIGNATURE_ALGS, suiteOf } from './signature-algs.js';
import { keyIdFor, publicJwkOf, publicKeyOf } from './signer.js';
import { sm2Coordinates } from './sm2.js';
import type { SignatureAlg } from './types.js';

/** A key file could not be used. Thrown at start-up/CLI time, so an exception is the right shape. */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
  readonly code = 'CG_KEY_FILE_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** A private key in the raw form {@link newSigner} takes. */
export interface ParsedKey {
  readonly alg: SignatureAlg;
  readonly privateKey: Uint8Array;
}

/** A private JWK as written by {@link encodePrivateKeyJwk}. */
export interface PrivateJwk {
  readonly kty: 'OKP' | 'EC';
  readonly crv: string;
  readonly x: string;
  readonly y?: string;
  readonly d: string;
  readonly alg: SignatureAlg;
  readonly kid: string;
}

function algOfCurve(kty: unknown, crv: unknown): SignatureAlg {
  for (const alg of SIGNATURE_ALGS) {
    const suite = suiteOf(alg);
    if (suite.kty === kty && suite.crv === crv) return alg;
  }
  throw new KeyFileError(`unsupported key type ${String(kty)}/${String(crv)}: expected OKP/Ed25519, EC/P-256, EC/secp256k1 or EC/SM2`);
}

function decodeMember(jwk: Record<string, unknown>, name: string): Uint8Array {
  const value = jwk[name];
  if (typeof value !== 'string') throw new KeyFileError(`JWK member "${name}" is missing or not a string`);
  try {
    return fromBase64Url(value);
  } catch (cause) {
    throw new KeyFileError(`JWK member "${name}" is not unpadded base64url`, { cause });
  }
}

/** Checks a private JWK against the public members it claims, and returns the raw key. */
function fromPrivateJwk(jwk: Record<string, unknown>): ParsedKey {
  const alg = algOfCurve(jwk['kty'], jwk['crv']);
  if (jwk['alg'] !== undefined && jwk['alg'] !== alg && !(alg === 'Ed25519' && jwk['alg'] === 'EdDSA')) {
    throw new KeyFileError(`JWK "alg" is ${String(jwk['alg'])} but its curve ${String(jwk['crv'])} means ${alg}`);
  }
  if (jwk['d'] === undefined) throw new KeyFileError('JWK has no private member "d" (this is a public key)');
  let privateKey = decodeMember(jwk, 'd');
  if (alg !== 'Ed25519' && privateKey.length < 32) {
    // RFC 7518 §6.2.2.1 requires full length, but some writers strip leading zeros.
    const padded = new Uint8Array(32);
    padded.set(privateKey, 32 - privateKey.length);
    privateKey = padded;
  }
  let publicKey: Uint8Array;
  try {
    publicKey = publicKeyOf(alg, privateKey);
  } catch (cause) {
    throw new KeyFileError(`JWK "d" is not a valid ${alg} private key`, { cause });
  }
  const expected = publicJwkOf(alg, publicKey);
  for (const member of ['x', 'y'] as const) {
    if (jwk[member] !== undefined && jwk[member] !== expected[member]) {
      throw new KeyFileError(`JWK member "${member}" does not match the public key derived from "d"`);
    }
  }
  return { alg, privateKey };
}

/**
 * Parses a private key file: PEM (PKCS#8 "PRIVATE KEY" for Ed25519, P-256, secp256k1, SM2, or SEC1
 * "EC PRIVATE KEY") or a private JWK (JSON with "d").
 * @throws KeyFileError when the text is not a usable private key (the message names why, never the key).
 */
export function parseKeyFile(text: string): ParsedKey {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let jwk: unknown;
    try {
      jwk = JSON.parse(trimmed);
    } catch (cause) {
      throw new KeyFileError('key file looks like JSON but does not parse', { cause });
    }
    if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) throw new KeyFileError('JWK must be a JSON object');
    return fromPrivateJwk(jwk as Record<string, unknown>);
  }
  if (!trimmed.startsWith('-----BEGIN')) {
    throw new KeyFileError('key file is neither PEM nor a JWK');
  }
  if (/-----BEGIN (?:ENCRYPTED )?PRIVATE KEY-----|-----BEGIN EC PRIVATE KEY-----/.test(trimmed) === false) {
    throw new KeyFileError('PEM file holds no private key (expected "PRIVATE KEY" or "EC PRIVATE KEY")');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: trimmed, format: 'pem' });
  } catch (cause) {
    throw new KeyFileError('PEM private key could not be decoded (encrypted keys are not supported)', { cause });
  }
  const sm2 = sm2KeyOf(key);
  if (sm2 !== undefined) return sm2;
  let jwk: JsonWebKey;
  try {
    jwk = key.export({ format: 'jwk' });
  } catch (cause) {
    throw new KeyFileError(`unsupported PEM key type ${key.asymmetricKeyType ?? 'unknown'}`, { cause });
  }
  return fromPrivateJwk(jwk as Record<string, unknown>);
}

/** One DER TLV at `offset`: its tag and where its value starts and ends (lengths up to 2 bytes). */
function tlv(der: Uint8Array, offset: number): { tag: number; start: number; end: number } | undefined {
  const tag = der[offset];
  const first = der[offset + 1];
  if (tag === undefined || first === undefined) return undefined;
  let length = first;
  let start = offset + 2;
  if (first === 0x81 || first === 0x82) {
    const bytes = first - 0x80;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + (der[offset + 2 + i] ?? 0);
    start += bytes;
  } else if (first > 0x80) {
    return undefined;
  }
  return start + length <= der.length ? { tag, start, end: start + length } : undefined;
}

const SM2_CURVE_OID = Buffer.from([0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d]);

/**
 * The scalar of an SM2 PKCS#8 PrivateKeyInfo (RFC 5208): SEQUENCE { version, AlgorithmIdentifier
 * naming the SM2 curve, OCTET STRING { ECPrivateKey (RFC 5915): SEQUENCE { 1, OCTET STRING(32) … } } }.
 * Undefined for any other key.
 */
function sm2ScalarOfPkcs8(der: Buffer): Uint8Array | undefined {
  const info = tlv(der, 0);
  const version = info && tlv(der, info.start);
  const algorithm = version && tlv(der, version.end);
  if (info?.tag !== 0x30 || algorithm?.tag !== 0x30 || !der.subarray(algorithm.start, algorithm.end).includes(SM2_CURVE_OID)) return undefined;
  const octets = tlv(der, algorithm.end);
  const ecKey = octets?.tag === 0x04 ? tlv(der, octets.start) : undefined;
  const ecVersion = ecKey?.tag === 0x30 ? tlv(der, ecKey.start) : undefined;
  const scalar = ecVersion && tlv(der, ecVersion.end);
  if (scalar?.tag !== 0x04 || scalar.end - scalar.start !== 32) return undefined;
  return Uint8Array.from(der.subarray(scalar.start, scalar.end)); // a copy: the caller wipes `der`
}

/** SEC1 DER (RFC 5915) of an SM2 key: scalar, curve OID and public point, as OpenSSL writes it. */
function sm2Sec1(privateKey: Uint8Array, publicKey: Uint8Array): Buffer {
  const { x, y } = sm2Coordinates(publicKey);
  return Buffer.concat([
    Buffer.from([0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20]),
    privateKey,
    Buffer.from([0xa0, 0x0a]),
    SM2_CURVE_OID,
    Buffer.from([0xa1, 0x44, 0x03, 0x42, 0x00, 0x04]),
    x,
    y,
  ]);
}

/** An SM2 key object's raw scalar, or undefined when the key is not SM2. */
function sm2KeyOf(key: KeyObject): ParsedKey | undefined {
  // node gives SM2 keys read from PEM no key type and exports them only as PKCS#8 DER.
  if (key.asymmetricKeyType !== undefined && key.asymmetricKeyDetails?.namedCurve !== 'SM2') return undefined;
  let der: Buffer;
  try {
    der = key.export({ format: 'der', type: 'pkcs8' });
  } catch {
    return undefined;
  }
  const privateKey = sm2ScalarOfPkcs8(der);
  der.fill(0);
  if (privateKey === undefined) return undefined;
  if (!suiteOf('SM2').isValidPrivateKey(privateKey)) throw new KeyFileError('PEM SM2 private key is not a valid SM2 scalar');
  return { alg: 'SM2', privateKey };
}

/** The private JWK of a raw key, with `alg` and `kid` (the RFC 7638 thumbprint). Contains the secret. */
export function encodePrivateKeyJwk(alg: SignatureAlg, privateKey: Uint8Array): PrivateJwk {
  if (!isSignatureAlg(alg)) throw new TypeError(`unsupported signature algorithm: ${String(alg)}`);
  const publicKey = publicKeyOf(alg, privateKey);
  const pub = publicJwkOf(alg, publicKey);
  return {
    kty: suiteOf(alg).kty,
    crv: suiteOf(alg).crv,
    x: pub['x'] as string,
    ...(pub['y'] === undefined ? {} : { y: pub['y'] }),
    d: toBase64Url(privateKey),
    alg,
    kid: keyIdFor(alg, publicKey),
  };
}

/** PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----") of a raw key. Contains the secret. */
export function encodePrivateKeyPem(alg: SignatureAlg, privateKey: Uint8Array): string {
  if (alg === 'SM2') {
    const der = sm2Sec1(privateKey, publicKeyOf(alg, privateKey)); // publicKeyOf validates the scalar
    const pem = createPrivateKey({ key: der, format: 'der', type: 'sec1' }).export({ type: 'pkcs8', format: 'pem' }).toString();
    der.fill(0);
    return pem;
  }
  const { kty, crv, x, y, d } = encodePrivateKeyJwk(alg, privateKey);
  const jwk: JsonWebKey = y === undefined ? { kty, crv, x, d } : { kty, crv, x, y, d };
  return createPrivateKey({ key: jwk, format: 'jwk' }).export({ type: 'pkcs8', format: 'pem' }).toString();
}
