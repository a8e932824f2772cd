import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { canonicalDigest, canonicalDigestHex, digestBytes, digestUtf8Hex, sha256 } from '../../../src/core/digest.js';
import { toHex, utf8 } from '../../../src/core/encoding.js';
import { loadVectors } from '../../support/vectors.js';

const vectors = loadVectors<{ source: string; cases: { utf8: string; sha256: string }[] }>('sha256.json');

describe('sha256', () => {
  it('matches the FIPS 180 examples', () => {
    assert.match(vectors.source, /FIPS 180/);
    for (const c of vectors.cases) assert.equal(toHex(sha256(utf8(c.utf8))), c.sha256, c.utf8);
  });
  it('returns a plain 32-byte Uint8Array for any input view', () => {
    const backing = new Uint8Array([9, 9, 0x61, 0x62, 0x63, 9]);
    const out = sha256(backing.subarray(2, 5));
    assert.equal(out.length, 32);
    assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
    assert.equal(toHex(out), vectors.cases[1]?.sha256);
  });
});

describe('canonicalDigest', () => {
  it('is SHA-256 over the UTF-8 of the RFC 8785 text (independent of key order)', () => {
    const expected = createHash('sha256').update('{"a":"€","b":[1,2]}', 'utf8').digest('hex');
    assert.equal(canonicalDigestHex({ b: [1, 2], a: '€' }), expected);
    assert.equal(toHex(canonicalDigest({ a: '€', b: [1, 2] })), expected);
  });
  it('equals SHA-256 of the independent `canonicalize` output on arbitrary JSON', () => {
    fc.assert(fc.property(fc.jsonValue({ stringUnit: 'binary' }), (value) => {
      const reference = createHash('sha256').update(canonicalize(value) ?? '', 'utf8').digest('hex');
      assert.equal(canonicalDigestHex(value), reference);
    }), { numRuns: 300 });
  });
});

describe('digestUtf8Hex', () => {
  it('is the hex of SHA-256 over the UTF-8 bytes, for any well-formed text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (text) => {
      const want = createHash('sha256').update(utf8(text)).digest('hex');
      assert.equal(digestUtf8Hex('sha256', text), want);
      assert.equal(toHex(digestBytes('sha256', text)), want);
    }), { numRuns: 300 });
    assert.equal(digestUtf8Hex('sha256', ''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
