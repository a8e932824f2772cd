import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { inspect } from 'node:util';
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { fromBase64Url, fromHex, toBase64Url, toHex, utf8 } from '../../../src/core/encoding.js';
import {
  generatePrivateKey, keyIdFor, newSigner, publicJwkOf, publicKeyOf, SIGNATURE_ALGS, verifySignature,
} from '../../../src/core/signer.js';
import { suiteOf } from '../../../src/core/signature-algs.js';
import type { SignatureAlg } from '../../../src/core/types.js';
import { loadVectors } from '../../support/vectors.js';

interface SignatureVectors {
  ed25519: { source: string; vectors: { name: string; secretKey: string; publicKey: string; message: string; signature: string }[] };
  es256: { source: string; privateKey: string; publicKeyUx: string; publicKeyUy: string; vectors: { message: string; r: string; s: string; sLow: string }[] };
  es256k: { source: string; vectors: { privateKey: string; message: string; r: string; s: string }[] };
  jwkThumbprint: { source: string; alg: SignatureAlg; x: string; thumbprint: string };
}

const v = loadVectors<SignatureVectors>('signatures.json');
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** Independent check with OpenSSL (node:crypto), which takes IEEE P1363 r||s directly. */
function opensslVerifies(alg: 'ES256' | 'ES256K', publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const jwk = publicJwkOf(alg, publicKey);
  const key = createPublicKey({ key: { kty: 'EC', crv: jwk['crv'], x: jwk['x'], y: jwk['y'] }, format: 'jwk' });
  return nodeVerify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
}

describe('Ed25519: RFC 8032 §7.1 known answers', () => {
  it('names its source', () => assert.match(v.ed25519.source, /RFC 8032/));
  for (const t of v.ed25519.vectors) {
    it(t.name, async () => {
      const sk = fromHex(t.secretKey);
      const message = fromHex(t.message);
      assert.equal(toHex(publicKeyOf('Ed25519', sk)), t.publicKey);
      const signer = newSigner('Ed25519', sk);
      assert.equal(toHex(signer.publicKey), t.publicKey);
      assert.equal(toHex(await signer.sign(message)), t.signature);
      assert.equal(verifySignature('Ed25519', fromHex(t.publicKey), message, fromHex(t.signature)), true);
      const tampered = fromHex(t.signature);
      tampered[10] = (tampered[10] as number) ^ 1;
      assert.equal(verifySignature('Ed25519', fromHex(t.publicKey), message, tampered), false);
    });
  }
});

describe('Ed25519 signing (node:crypto) gives exactly @noble/curves\' signatures', () => {
  it('on random keys and messages, including empty and long ones', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 4096 }), (seed, message) => {
      const signature = suiteOf('Ed25519').sign(message, seed);
      assert.equal(toHex(signature), toHex(ed25519.sign(message, seed)));
      assert.equal(ed25519.verify(signature, message, ed25519.getPublicKey(seed), { zip215: false }), true);
    }), { numRuns: 300 });
  });

  it('refuses a private key that is not 32 bytes', () => {
    assert.throws(() => suiteOf('Ed25519').sign(new Uint8Array(1), new Uint8Array(31)), TypeError);
  });
});

describe('ES256: RFC 6979 A.2.5 known answers (low-S normalized)', () => {
  const sk = fromHex(v.es256.privateKey);
  const uy = BigInt('0x' + v.es256.publicKeyUy);
  const expectedPublic = (uy % 2n === 0n ? '02' : '03') + v.es256.publicKeyUx;
  it('derives the compressed public key', () => {
    assert.match(v.es256.source, /RFC 6979/);
    assert.equal(toHex(publicKeyOf('ES256', sk)), expectedPublic);
    const jwk = publicJwkOf('ES256', fromHex(expectedPublic));
    assert.equal(toHex(fromBase64Url(jwk['y'] as string)), v.es256.publicKeyUy);
    // A token's CKA_EC_POINT is the uncompressed point: read back as the compressed key.
    const uncompressed = fromHex('04' + toHex(fromBase64Url(jwk['x'] as string)) + v.es256.publicKeyUy);
    assert.equal(toHex(suiteOf('ES256').fromPoint?.(uncompressed) ?? new Uint8Array()), expectedPublic);
  });
  for (const t of v.es256.vectors) {
    it(`signs "${t.message}" as r || low-S`, async () => {
      const s = BigInt('0x' + t.s);
      assert.equal(BigInt('0x' + t.sLow), s > P256_N / 2n ? P256_N - s : s, 'fixture sLow');
      const message = utf8(t.message);
      const signature = await newSigner('ES256', sk).sign(message);
      assert.equal(toHex(signature), t.r + t.sLow);
      assert.equal(verifySignature('ES256', fromHex(expectedPublic), message, signature), true);
      assert.equal(opensslVerifies('ES256', fromHex(expectedPublic), message, signature), true);
      // The RFC's own high-S form is mathematically valid (OpenSSL accepts it) but Crossgate rejects it.
      const highS = fromHex(t.r + (P256_N - BigInt('0x' + t.sLow)).toString(16).padStart(64, '0'));
      assert.equal(opensslVerifies('ES256', fromHex(expectedPublic), message, highS), true);
      assert.equal(verifySignature('ES256', fromHex(expectedPublic), message, highS), false);
      // What a PKCS#11 token returns is normalized to the one valid form (adapters/signers/pkcs11).
      const lowS = suiteOf('ES256').lowS;
      assert.ok(lowS !== undefined);
      assert.equal(toHex(lowS(highS)), t.r + t.sLow);
      assert.equal(toHex(lowS(fromHex(t.r + t.sLow))), t.r + t.sLow);
    });
  }
});

describe('ES256K: deterministic secp256k1 known answers', () => {
  it('names its source', () => assert.match(v.es256k.source, /RFC 6979/));
  for (const t of v.es256k.vectors) {
    it(`key ${t.privateKey.slice(-4)} signs "${t.message.slice(0, 24)}…"`, async () => {
      const sk = fromHex(t.privateKey);
      const message = utf8(t.message);
      const signer = newSigner('ES256K', sk);
      const signature = await signer.sign(message);
      assert.equal(toHex(signature), t.r + t.s);
      assert.equal(verifySignature('ES256K', signer.publicKey, message, signature), true);
      assert.equal(opensslVerifies('ES256K', signer.publicKey, message, signature), true);
    });
  }
  it('derives the generator as the public key of 1', () => {
    assert.equal(toHex(publicKeyOf('ES256K', fromHex('00'.repeat(31) + '01'))), '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');
  });
});

describe('key ids (RFC 7638 JWK thumbprints)', () => {
  it('matches the RFC 8037 A.3 Ed25519 thumbprint', () => {
    assert.match(v.jwkThumbprint.source, /RFC 8037/);
    assert.equal(keyIdFor('Ed25519', fromBase64Url(v.jwkThumbprint.x)), v.jwkThumbprint.thumbprint);
    assert.equal(newSigner('Ed25519', fromHex(v.ed25519.vectors[0]?.secretKey ?? '')).keyId, v.jwkThumbprint.thumbprint);
  });
  for (const alg of ['ES256', 'ES256K'] as const) {
    it(`${alg}: hashes {"crv","kty","x","y"} with y decompressed (checked against OpenSSL's JWK export)`, () => {
      const publicKey = publicKeyOf(alg, generatePrivateKey(alg));
      const exported = createPublicKey({ key: { ...publicJwkOf(alg, publicKey) }, format: 'jwk' }).export({ format: 'jwk' });
      const json = `{"crv":"${exported.crv}","kty":"EC","x":"${exported.x}","y":"${exported.y}"}`;
      assert.equal(keyIdFor(alg, publicKey), createHash('sha256').update(json).digest('base64url'));
    });
  }
  it('rejects malformed public keys', () => {
    assert.throws(() => keyIdFor('ES256', new Uint8Array(33)), TypeError);
    assert.throws(() => keyIdFor('Ed25519', new Uint8Array(33)), TypeError);
  });
});

describe('sign/verify properties for every algorithm', () => {
  for (const alg of SIGNATURE_ALGS) {
    it(`${alg}: round-trips, and fails for a flipped signature bit, another message or another key`, async () => {
      await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), fc.nat(511), async (seed, message, bit) => {
        let first = true;
        const sk = generatePrivateKey(alg, (n) => (first ? ((first = false), seed.slice(0, n)) : createHash('sha256').update(seed).digest().subarray(0, n)));
        const signer = newSigner(alg, sk);
        const signature = await signer.sign(message);
        assert.equal(signature.length, 64);
        assert.equal(verifySignature(alg, signer.publicKey, message, signature), true);
        const flipped = signature.slice();
        flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
        assert.equal(verifySignature(alg, signer.publicKey, message, flipped), false, 'flipped signature');
        const other = new Uint8Array([...message, 0]);
        assert.equal(verifySignature(alg, signer.publicKey, other, signature), false, 'other message');
        const otherKey = publicKeyOf(alg, generatePrivateKey(alg));
        assert.equal(verifySignature(alg, otherKey, message, signature), false, 'other key');
      }), { numRuns: 25 });
    });
  }
  it('verifySignature never throws on garbage', () => {
    const garbage: unknown[] = [new Uint8Array(0), new Uint8Array(64), new Uint8Array(33).fill(0xff), null, 'x'];
    for (const alg of [...SIGNATURE_ALGS, 'RS256' as SignatureAlg]) {
      for (const pk of garbage) for (const sig of garbage) {
        assert.equal(verifySignature(alg, pk as Uint8Array, new Uint8Array(1), sig as Uint8Array), false);
      }
    }
  });
});

describe('key generation and secrecy', () => {
  it('redraws ECDSA scalars that are out of range', () => {
    const draws = [new Uint8Array(32), new Uint8Array(32).fill(0xff), new Uint8Array(32).fill(7)];
    const key = generatePrivateKey('ES256', () => draws.shift() as Uint8Array);
    assert.deepEqual(key, new Uint8Array(32).fill(7));
    assert.throws(() => generatePrivateKey('ES256K', () => new Uint8Array(32)), /no valid ES256K key/);
  });
  it('rejects invalid private keys', () => {
    assert.throws(() => newSigner('Ed25519', new Uint8Array(31)), TypeError);
    assert.throws(() => newSigner('ES256', new Uint8Array(32)), TypeError);
    assert.throws(() => newSigner('RS256' as SignatureAlg, new Uint8Array(32)), TypeError);
  });
  for (const alg of SIGNATURE_ALGS) {
    it(`${alg}: a Signer never shows its private key in JSON or inspect output`, async () => {
      const sk = generatePrivateKey(alg);
      const signer = newSigner(alg, sk);
      const shown = JSON.stringify(signer) + inspect(signer, { showHidden: true, depth: 10, customInspect: true })
        + inspect(signer, { showHidden: true, depth: 10, customInspect: false }) + JSON.stringify(Object.entries(signer));
      for (const secret of [toHex(sk), toBase64Url(sk), Buffer.from(sk).toString('base64')]) {
        assert.equal(shown.includes(secret), false);
      }
      assert.deepEqual(JSON.parse(JSON.stringify(signer)), { keyId: signer.keyId, alg, publicKey: toBase64Url(signer.publicKey) });
      // The signer keeps its own copy: wiping the caller's buffer does not change its signatures.
      const before = toHex(await signer.sign(utf8('m')));
      sk.fill(0);
      assert.equal(toHex(await signer.sign(utf8('m'))), before);
    });
  }
});
