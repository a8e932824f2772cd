import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  bytesEqual, concatBytes, fromBase64Url, fromHex, isHex, toBase64Url, toHex, utf8,
} from '../../../src/core/encoding.js';

describe('hex', () => {
  it('encodes lowercase and decodes either case', () => {
    assert.equal(toHex(new Uint8Array([0, 1, 0xab, 0xff])), '0001abff');
    assert.deepEqual(fromHex('0001ABff'), new Uint8Array([0, 1, 0xab, 0xff]));
    assert.deepEqual(fromHex(''), new Uint8Array(0));
  });
  it('rejects odd length and non-hex characters instead of truncating', () => {
    for (const bad of ['0', 'abc', 'zz', '00 11', '0x00', '00g0']) {
      assert.throws(() => fromHex(bad), TypeError, bad);
    }
  });
  it('isHex accepts only canonical lowercase hex of the requested length', () => {
    assert.equal(isHex('00ff'), true);
    assert.equal(isHex('00FF'), false);
    assert.equal(isHex('00f'), false);
    assert.equal(isHex('00ff', 2), true);
    assert.equal(isHex('00ff', 3), false);
    assert.equal(isHex(42), false);
  });
  it('round-trips arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      assert.deepEqual(fromHex(toHex(bytes)), bytes);
    }));
  });
});

describe('base64url', () => {
  it('matches RFC 4648 §10 test vectors (unpadded, url alphabet)', () => {
    const vectors: [string, string][] = [
      ['', ''], ['f', 'Zg'], ['fo', 'Zm8'], ['foo', 'Zm9v'], ['foob', 'Zm9vYg'], ['fooba', 'Zm9vYmE'], ['foobar', 'Zm9vYmFy'],
    ];
    for (const [text, encoded] of vectors) {
      assert.equal(toBase64Url(utf8(text)), encoded);
      assert.deepEqual(fromBase64Url(encoded), utf8(text));
    }
    assert.equal(toBase64Url(new Uint8Array([0xfb, 0xff])), '-_8');
  });
  it('rejects padding, the standard alphabet, bad lengths and non-canonical trailing bits', () => {
    for (const bad of ['Zg==', 'Zm8=', '+/8', 'Z', 'Zm9v Yg', 'Zh', 'Zm9']) {
      assert.throws(() => fromBase64Url(bad), TypeError, bad);
    }
  });
  it('round-trips arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      assert.deepEqual(fromBase64Url(toBase64Url(bytes)), bytes);
    }));
  });
});

describe('bytes helpers', () => {
  it('utf8 encodes non-ASCII text', () => {
    assert.equal(toHex(utf8('€')), 'e282ac');
  });
  it('concatBytes joins in order', () => {
    assert.deepEqual(concatBytes(new Uint8Array([1]), new Uint8Array(0), new Uint8Array([2, 3])), new Uint8Array([1, 2, 3]));
  });
  it('bytesEqual compares contents and length', () => {
    assert.equal(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
    assert.equal(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
    assert.equal(bytesEqual(new Uint8Array([1]), new Uint8Array([1, 0])), false);
  });
});
