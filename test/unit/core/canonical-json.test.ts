import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { canonicalJson, MAX_DEPTH } from '../../../src/core/canonical-json.js';
import { toHex, utf8 } from '../../../src/core/encoding.js';
import { loadVectors } from '../../support/vectors.js';

interface Rfc8785Vectors {
  source: string;
  cases: { name: string; input: string; expected: string; expectedUtf8Hex?: string }[];
  numbers: { ieee754: string; expected: string }[];
  invalidNumbers: { ieee754: string; value: string }[];
}

const vectors = loadVectors<Rfc8785Vectors>('rfc8785.json');

function doubleFromBits(hex: string): number {
  return Buffer.from(hex, 'hex').readDoubleBE(0);
}

describe('canonicalJson: RFC 8785 known answers', () => {
  it('names its source', () => {
    assert.match(vectors.source, /RFC 8785/);
  });
  for (const c of vectors.cases) {
    it(c.name, () => {
      const out = canonicalJson(JSON.parse(c.input));
      assert.equal(out, c.expected);
      if (c.expectedUtf8Hex !== undefined) assert.equal(toHex(utf8(out)), c.expectedUtf8Hex);
    });
  }
  it('serializes every Appendix B number as the RFC table says', () => {
    assert.equal(vectors.numbers.length, 24);
    for (const { ieee754, expected } of vectors.numbers) {
      assert.equal(canonicalJson(doubleFromBits(ieee754)), expected, ieee754);
      assert.equal(canonicalJson([doubleFromBits(ieee754)]), `[${expected}]`, ieee754);
    }
  });
  it('rejects the Appendix B NaN and Infinity patterns', () => {
    for (const { ieee754 } of vectors.invalidNumbers) {
      assert.throws(() => canonicalJson({ n: doubleFromBits(ieee754) }), TypeError, ieee754);
    }
    assert.throws(() => canonicalJson(-Infinity), TypeError);
  });
});

describe('canonicalJson: data model', () => {
  it('writes literals, nesting and empty containers without whitespace', () => {
    assert.equal(canonicalJson({ b: [1, { d: null, c: true }], a: {}, e: [] }), '{"a":{},"b":[1,{"c":true,"d":null}],"e":[]}');
    assert.equal(canonicalJson('x'), '"x"');
    assert.equal(canonicalJson(null), 'null');
    assert.equal(canonicalJson(false), 'false');
  });
  it('escapes control characters as lowercase \\u00xx except the named ones', () => {
    assert.equal(canonicalJson('\u0000\u0008\t\n\u000b\f\r\u001f"\\/\u007f'), '"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f\\"\\\\/\u007f"');
  });
  it('accepts null-prototype objects', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o['z'] = 1;
    o['a'] = 2;
    assert.equal(canonicalJson(o), '{"a":2,"z":1}');
  });
  it('throws TypeError for values outside JSON', () => {
    const bad: unknown[] = [
      undefined, () => 1, Symbol('s'), 1n, NaN, Infinity,
      { a: undefined }, [undefined], [1, , 3], // eslint-disable-line no-sparse-arrays
      new Date(0), new Map(), new Uint8Array(1), { k: new (class Foo {})() },
      '\ud800', { '\udc00': 1 }, ['a\ud83d'],
    ];
    for (const value of bad) {
      assert.throws(() => canonicalJson(value), TypeError, String(typeof value));
    }
  });
  it('throws TypeError on cycles, but not on shared (acyclic) references', () => {
    const a: Record<string, unknown> = { x: 1 };
    a['self'] = a;
    assert.throws(() => canonicalJson(a), /cycle/);
    const arr: unknown[] = [];
    arr.push({ inner: arr });
    assert.throws(() => canonicalJson(arr), /cycle/);
    const shared = { v: 1 };
    assert.equal(canonicalJson({ a: shared, b: [shared, shared] }), '{"a":{"v":1},"b":[{"v":1},{"v":1}]}');
  });
  it('bounds nesting depth with a TypeError instead of a stack overflow', () => {
    let deep: unknown = 0;
    for (let i = 0; i < MAX_DEPTH; i++) deep = [deep];
    assert.equal(canonicalJson(deep).length, 2 * MAX_DEPTH + 1);
    assert.throws(() => canonicalJson([deep]), /nesting/);
  });
});

describe('canonicalJson: agrees with the independent `canonicalize` package', () => {
  for (const stringUnit of ['binary', 'grapheme', 'binary-ascii'] as const) {
    it(`on arbitrary JSON values (${stringUnit} strings)`, () => {
      fc.assert(fc.property(fc.jsonValue({ stringUnit }), (value) => {
        assert.equal(canonicalJson(value), canonicalize(value));
      }), { numRuns: 500 });
    });
  }
  it('is a fixed point: canonical text re-parsed canonicalizes to itself', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      const once = canonicalJson(value);
      assert.equal(canonicalJson(JSON.parse(once)), once);
    }), { numRuns: 300 });
  });
});

/** An object parsed from JSON text, so keys such as "__proto__" are own data members as in real input. */
function objectFromEntries(entries: readonly (readonly [string, unknown])[]): unknown {
  return JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
}

/** Keys that V8 orders specially or that a naive copy would mishandle. */
const trickyKey = fc.oneof(
  fc.nat().map(String),
  fc.constantFrom('0', '1', '10', '9', '01', '-1', '1.5', '1e3', '4294967294', '4294967295', '4294967296', '__proto__', 'constructor', 'toJSON', '', ' '),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

describe('canonicalJson: fast path (sorted copy + JSON.stringify) agrees with `canonicalize`', () => {
  it('on objects with integer-like, __proto__ and other tricky keys', () => {
    fc.assert(fc.property(fc.array(fc.tuple(trickyKey, fc.jsonValue({ maxDepth: 2 })), { maxLength: 12 }), (entries) => {
      const value = objectFromEntries(entries);
      assert.equal(canonicalJson(value), canonicalize(value));
      assert.equal(canonicalJson([value, { nested: value }]), canonicalize([value, { nested: value }]));
    }), { numRuns: 500 });
  });
  it('on unicode keys and values, including text that looks like a surrogate escape', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('\\ud800', 'a\\\\udfff', '\\\\\\udc00', '\ud83d\ude00', '\u2028\u2029', '\u007f\u0000\u001f', '中文 ünïcödé'),
    );
    fc.assert(fc.property(fc.array(fc.tuple(text, text), { maxLength: 8 }), fc.array(text, { maxLength: 4 }), (entries, items) => {
      const value = [objectFromEntries(entries), items];
      assert.equal(canonicalJson(value), canonicalize(value));
    }), { numRuns: 500 });
  });
  it('on deeply nested arrays and objects', () => {
    const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null), fc.string()),
        fc.array(tie('tree'), { maxLength: 4 }),
        fc.array(fc.tuple(trickyKey, tie('tree')), { maxLength: 4 }).map((entries) => objectFromEntries(entries)),
      ),
    }));
    fc.assert(fc.property(tree, (value) => {
      assert.equal(canonicalJson(value), canonicalize(value));
    }), { numRuns: 500 });
  });
  it('rejects a lone surrogate wherever it sits (JSON.stringify would escape it)', () => {
    const lone = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 2 }), lone, fc.string({ maxLength: 3 }), (value, surrogate, around) => {
      assert.throws(() => canonicalJson([value, { x: [around + surrogate + around] }]), /lone surrogate/);
      assert.throws(() => canonicalJson({ a: value, [surrogate]: 1 }), /lone surrogate/);
    }), { numRuns: 300 });
  });
  it('rejects non-JSON values nested anywhere, as TypeError', () => {
    const bad = fc.constantFrom<unknown>(undefined, NaN, Infinity, -Infinity, 1n, () => 1, Symbol('s'), new Date(0), new Map());
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 2 }), bad, (value, b) => {
      assert.throws(() => canonicalJson([value, { k: b }]), TypeError);
      assert.throws(() => canonicalJson({ a: value, z: [b] }), TypeError);
    }), { numRuns: 200 });
  });
  it('ignores a toJSON planted on Object.prototype or Array.prototype, as the slow path does', () => {
    for (const proto of [Object.prototype, Array.prototype]) {
      Object.defineProperty(proto, 'toJSON', { value: () => 'planted', configurable: true, writable: true });
      try {
        assert.equal(canonicalJson({ b: [1, 2], a: { c: 'x' } }), '{"a":{"c":"x"},"b":[1,2]}');
      } finally {
        delete (proto as { toJSON?: unknown }).toJSON;
      }
      assert.equal(Object.hasOwn(proto, 'toJSON'), false);
    }
  });
});
