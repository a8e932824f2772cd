import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { digestBytes } from '../../../src/core/digest.js';
import { fromHex, toHex, utf8 } from '../../../src/core/encoding.js';
import { generatePrivateKey, keyIdFor, newSigner, publicJwkOf, publicKeyOf, verifySignature } from '../../../src/core/signer.js';
import {
  SM2_DEFAULT_ID, SM2_RECOMMENDED_CURVE, sm2Scheme, sm2Sign, sm2Verify, sm2Za, type Sm2Curve,
} from '../../../src/core/sm2.js';
import { loadVectors } from '../../support/vectors.js';

const sm3 = (data: Uint8Array): Uint8Array => digestBytes('sm3', data);

interface Sm2Vector {
  readonly name: string;
  readonly curve: string;
  readonly id: string;
  readonly message: string;
  readonly privateKey: string;
  readonly publicKeyX?: string;
  readonly publicKeyY?: string;
  readonly za?: string;
  readonly e?: string;
  readonly k: string;
  readonly r: string;
  readonly s: string;
}
const vectors = loadVectors<{
  sm3: { name: string; messageHex: string; digest: string }[];
  sm2: Sm2Vector[];
  curves: Record<string, Record<keyof Sm2Curve, string>>;
}>('sm2-sm3.json');

function curveOf(name: string): Sm2Curve {
  if (name === 'recommended') return SM2_RECOMMENDED_CURVE;
  const hex = vectors.curves[name];
  assert.ok(hex, `curve ${name} is in the vectors file`);
  return {
    p: BigInt(`0x${hex.p}`), n: BigInt(`0x${hex.n}`), a: BigInt(`0x${hex.a}`), b: BigInt(`0x${hex.b}`),
    Gx: BigInt(`0x${hex.Gx}`), Gy: BigInt(`0x${hex.Gy}`),
  };
}

const fixedNonce = (k: string) => (accept: (k: bigint) => Uint8Array | undefined): Uint8Array => {
  const signature = accept(BigInt(`0x${k}`));
  assert.ok(signature, 'the published k is acceptable');
  return signature;
};

function flipBit(bytes: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[at % copy.length] = (copy[at % copy.length] as number) ^ 1;
  return copy;
}

describe('SM3 (GB/T 32905-2016)', () => {
  for (const v of vectors.sm3) {
    it(v.name, () => {
      assert.equal(toHex(digestBytes('sm3', fromHex(v.messageHex))), v.digest);
    });
  }
});

describe('SM2 signatures (GB/T 32918.2-2016)', () => {
  for (const v of vectors.sm2) {
    it(`${v.name}: the published k gives the published (r, s), which verifies; any change does not`, () => {
      const scheme = sm2Scheme(curveOf(v.curve));
      const privateKey = fromHex(v.privateKey);
      const message = utf8(v.message);
      const publicKey = scheme.publicKeyOf(privateKey, false);
      if (v.publicKeyX !== undefined) assert.equal(toHex(publicKey), `04${v.publicKeyX}${v.publicKeyY ?? ''}`);
      if (v.za !== undefined) {
        const za = scheme.za(publicKey, v.id);
        assert.equal(toHex(za), v.za);
        assert.equal(toHex(sm3(new Uint8Array([...za, ...message]))), v.e);
      }
      const signature = scheme.sign(message, privateKey, v.id, fixedNonce(v.k));
      assert.equal(toHex(signature), v.r + v.s);
      const published = fromHex(v.r + v.s);
      assert.equal(scheme.verify(published, message, publicKey, v.id), true);
      assert.equal(scheme.verify(published, message, scheme.publicKeyOf(privateKey, true), v.id), true, 'compressed key');
      assert.equal(scheme.verify(flipBit(published, 63), message, publicKey, v.id), false, 's changed');
      assert.equal(scheme.verify(flipBit(published, 5), message, publicKey, v.id), false, 'r changed');
      assert.equal(scheme.verify(published, utf8(`${v.message}.`), publicKey, v.id), false, 'message changed');
      assert.equal(scheme.verify(published, message, publicKey, `${v.id}0`), false, 'identifier changed');
    });
  }

  it('node:crypto is not an SM2 implementation: its OpenSSL binding rejects the Annex A signature (why sm2.ts exists)', () => {
    const v = vectors.sm2[0] as Sm2Vector;
    const spki = Buffer.concat([
      Buffer.from('3059301306072a8648ce3d020106082a811ccf5501822d03420004', 'hex'),
      Buffer.from(`${v.publicKeyX ?? ''}${v.publicKeyY ?? ''}`, 'hex'),
    ]);
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    const signature = Buffer.from(v.r + v.s, 'hex');
    for (const alg of [null, 'sm3']) {
      assert.equal(nodeVerify(alg, utf8(v.message), { key, dsaEncoding: 'ieee-p1363' }, signature), false, String(alg));
    }
    // Our verifier accepts it, under the same key.
    assert.equal(sm2Verify(signature, utf8(v.message), new Uint8Array(spki.subarray(spki.length - 65))), true);
  });

  it('signs deterministically (RFC 6979 nonces), and its signatures verify only under their key and identifier', () => {
    const privateKey = generatePrivateKey('SM2');
    const message = utf8('{"id":"x"}');
    const publicKey = publicKeyOf('SM2', privateKey);
    const signature = sm2Sign(message, privateKey);
    assert.deepEqual(sm2Sign(message, privateKey), signature);
    assert.notDeepEqual(sm2Sign(utf8('{"id":"y"}'), privateKey), signature);
    assert.equal(sm2Verify(signature, message, publicKey), true);
    assert.equal(sm2Verify(signature, message, publicKeyOf('SM2', generatePrivateKey('SM2'))), false);
    const withId = sm2Sign(message, privateKey, 'dept-0042@beijing');
    assert.equal(verifySignature('SM2', publicKey, message, withId), false, 'default identifier');
    assert.equal(verifySignature('SM2', publicKey, message, withId, { distinguishingId: 'dept-0042@beijing' }), true);
    assert.equal(verifySignature('SM2', publicKey, message, signature, { distinguishingId: SM2_DEFAULT_ID }), true);
  });

  it('rejects r or s outside [1, n − 1], wrong lengths and keys that are not curve points', () => {
    const privateKey = generatePrivateKey('SM2');
    const message = utf8('m');
    const publicKey = publicKeyOf('SM2', privateKey);
    const signature = sm2Sign(message, privateKey);
    const n = SM2_RECOMMENDED_CURVE.n.toString(16).padStart(64, '0');
    const zero = '0'.repeat(64);
    const r = toHex(signature.subarray(0, 32));
    const s = toHex(signature.subarray(32));
    for (const bad of [zero + s, r + zero, n + s, r + n]) assert.equal(sm2Verify(fromHex(bad), message, publicKey), false);
    assert.equal(sm2Verify(signature.subarray(0, 63), message, publicKey), false);
    assert.equal(verifySignature('SM2', publicKey.subarray(1), message, signature), false);
    const offCurve = Uint8Array.from(publicKey);
    offCurve[0] = offCurve[0] === 2 ? 3 : 2; // the other y: still a point, a different key
    assert.equal(sm2Verify(signature, message, offCurve), false);
    assert.equal(sm2Verify(signature, message, new Uint8Array([2, ...new Uint8Array(32).fill(0xff)])), false);
    assert.throws(() => sm2Sign(message, fromHex(n)), TypeError);
    assert.throws(() => sm2Sign(message, new Uint8Array(32)), TypeError);
  });

  it('key id: base64url SM3 of the RFC 8785 JWK { crv: "SM2", kty: "EC", x, y }', () => {
    const v = vectors.sm2[0] as Sm2Vector;
    const publicKey = publicKeyOf('SM2', fromHex(v.privateKey));
    const jwk = publicJwkOf('SM2', publicKey);
    assert.deepEqual(Object.keys(jwk), ['crv', 'kty', 'x', 'y']);
    assert.equal(jwk['crv'], 'SM2');
    const json = `{"crv":"SM2","kty":"EC","x":"${jwk['x'] ?? ''}","y":"${jwk['y'] ?? ''}"}`;
    assert.equal(keyIdFor('SM2', publicKey), Buffer.from(sm3(utf8(json))).toString('base64url'));
    assert.equal(toHex(sm2Za(publicKey)), v.za);
  });

  it('a Signer for an SM2 key signs with the default identifier', async () => {
    const privateKey = generatePrivateKey('SM2');
    const signer = newSigner('SM2', privateKey);
    const message = utf8('header');
    const signature = await signer.sign(message);
    assert.equal(sm2Verify(signature, message, signer.publicKey, SM2_DEFAULT_ID), true);
  });
});
