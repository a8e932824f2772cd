import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { canonicalJson } from '../../../src/core/canonical-json.js';
import { canonicalRecordJson } from '../../../src/core/canonical-record.js';
import { schemaRegistry } from '../../../schemas/registry.js';
import { makeValidRecord, RECORD_TYPES } from '../../support/record-factory.js';

/** Same text as canonicalJson, or the same error. */
function assertSameAsCanonicalJson(envelope: unknown, schema: z.ZodType): void {
  let expected: string | Error;
  try {
    expected = canonicalJson(envelope);
  } catch (error) {
    expected = error as Error;
  }
  if (expected instanceof Error) {
    assert.throws(() => canonicalRecordJson(envelope, schema), (error: unknown) => error instanceof TypeError && error.message === expected.message);
  } else {
    assert.equal(canonicalRecordJson(envelope, schema), expected);
  }
}

function dataSchemaOf(type: string): z.ZodType {
  const definition = schemaRegistry.latest(type);
  assert.ok(definition, type);
  return definition.dataSchema;
}

/** Every path to a leaf (string, number, boolean, null) of a JSON value. */
function leafPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((item, i) => leafPaths(item, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, member]) => leafPaths(member, [...path, key]));
  }
  return [path];
}

function withValueAt(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let target = copy;
  for (const step of path.slice(0, -1)) target = target[step] as Record<string | number, unknown>;
  target[path[path.length - 1]!] = value;
  return copy;
}

const awkwardStrings = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('"', '\\', '\u0000', '\u001f', '\u007f', '\u2028', '\ud800', 'a\udfffb', '\ud83d\ude00', '中文', ''),
);
const anyLeaf = fc.oneof(
  awkwardStrings,
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constantFrom<unknown>(null, undefined, -0, 1e21, 1e-7, Infinity, NaN, 1n),
  fc.jsonValue({ maxDepth: 2 }),
);

describe('canonicalRecordJson: the same text as canonicalJson', () => {
  for (const type of RECORD_TYPES) {
    const schema = dataSchemaOf(type);
    it(`${type}: valid records`, () => {
      for (let i = 0; i < 300; i++) {
        const record = makeValidRecord(type, i);
        assert.equal(canonicalRecordJson(record, schema), canonicalJson(record));
      }
    });
    it(`${type}: any value at any leaf, including ones canonicalJson refuses`, () => {
      fc.assert(fc.property(fc.nat(1000), fc.nat(), anyLeaf, (seed, pick, leaf) => {
        const record = makeValidRecord(type, seed);
        const paths = leafPaths(record);
        assertSameAsCanonicalJson(withValueAt(record, paths[pick % paths.length]!, leaf), schema);
      }), { numRuns: 400 });
    });
    it(`${type}: members removed, added, or replaced by whole subtrees`, () => {
      const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('data', 'id', 'amount', '__proto__', '1', 'zz', 'extension1'));
      fc.assert(fc.property(fc.nat(1000), fc.nat(), key, fc.jsonValue({ maxDepth: 3 }), fc.boolean(), (seed, pick, name, value, remove) => {
        const record = makeValidRecord(type, seed);
        const paths = leafPaths(record);
        const path = paths[pick % paths.length]!;
        const parentPath = path.slice(0, Math.max(0, pick % (path.length + 1)));
        const copy = structuredClone(record) as Record<string, unknown>;
        let parent: Record<string, unknown> = copy;
        for (const step of parentPath) {
          const next = parent[step as string];
          if (typeof next !== 'object' || next === null) break;
          parent = next as Record<string, unknown>;
        }
        if (remove) delete parent[Object.keys(parent)[pick % Math.max(1, Object.keys(parent).length)] ?? name];
        else Object.defineProperty(parent, name, { value, enumerable: true, writable: true, configurable: true });
        assertSameAsCanonicalJson(copy, schema);
      }), { numRuns: 400 });
    });
  }

  it('gives canonicalJson the envelopes with extension attributes', () => {
    const record = { ...makeValidRecord('cn.gov.telecom.cdr', 1), traceparent: 'x', a1: 3 };
    assert.equal(canonicalRecordJson(record, dataSchemaOf('cn.gov.telecom.cdr')), canonicalJson(record));
  });

  it('writes non-strict objects, arrays, nullable and unknown members like canonicalJson', () => {
    const schema = z.object({
      loose: z.object({ b: z.string() }),
      list: z.array(z.object({ y: z.number(), x: z.string().nullable() }).strict()),
      any: z.unknown(),
      maybe: z.string().optional(),
    }).strict();
    fc.assert(fc.property(
      fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })),
      fc.array(fc.record({ y: fc.double(), x: fc.option(awkwardStrings) }), { maxLength: 4 }),
      fc.jsonValue({ maxDepth: 3 }),
      fc.option(awkwardStrings, { nil: undefined }),
      (loose, list, any, maybe) => {
        const data: Record<string, unknown> = { any, list, loose: { ...loose, b: 'b' } };
        if (maybe !== undefined) data.maybe = maybe;
        assertSameAsCanonicalJson({ specversion: '1.0', id: 'x', source: '/s', type: 't', data }, schema);
      },
    ), { numRuns: 500 });
  });

  it('leaves objects whose member names a literal would move (integer-like, __proto__) to canonicalJson', () => {
    // V8 puts integer-like keys first in numeric order ("2" before "10"), RFC 8785 by code units.
    const schema = z.object({ '10': z.string(), '2': z.string(), b: z.string(), ['__proto__']: z.string().optional() }).strict();
    for (const data of ['{"10":"x","2":"y","b":"z"}', '{"b":"z","2":"y","10":"x","__proto__":"p"}']) {
      const envelope = { specversion: '1.0', id: 'x', source: '/s', type: 't', data: JSON.parse(data) as unknown };
      assertSameAsCanonicalJson(envelope, schema);
      assert.match(canonicalRecordJson(envelope, schema), /"data":\{"10":"x","2":"y",/);
    }
  });

  it('counts nesting from the envelope, as canonicalJson does', () => {
    const schema = z.object({ any: z.unknown() }).strict();
    for (const levels of [200, 252, 253, 254, 255, 300]) {
      let nested: unknown = 'leaf';
      for (let i = 0; i < levels; i++) nested = i % 2 === 0 ? [nested] : { k: nested };
      assertSameAsCanonicalJson({ specversion: '1.0', id: 'x', source: '/s', type: 't', data: { any: nested } }, schema);
    }
  });

  it('writes what canonicalJson writes when a prototype has a toJSON', () => {
    const schema = z.object({ any: z.unknown(), list: z.array(z.unknown()) }).strict();
    const envelope = { specversion: '1.0', id: 'x', source: '/s', type: 't', data: { any: { b: [1, { a: 2 }] }, list: [{ z: 1 }, []] } };
    const expected = canonicalJson(envelope);
    for (const proto of [Object.prototype, Array.prototype]) {
      Object.defineProperty(proto, 'toJSON', { value: () => 'hijacked', configurable: true, writable: true });
      try {
        assert.equal(canonicalRecordJson(envelope, schema), expected);
      } finally {
        delete (proto as { toJSON?: unknown }).toJSON;
      }
    }
  });

  it('refuses what canonicalJson refuses, with its error', () => {
    const schema = dataSchemaOf('cn.gov.telecom.cdr');
    const record = makeValidRecord('cn.gov.telecom.cdr', 7) as Record<string, unknown>;
    for (const bad of [undefined, NaN, new Date(0), '\ud800']) {
      assertSameAsCanonicalJson({ ...record, subject: bad }, schema);
      assertSameAsCanonicalJson({ ...record, data: { ...(record.data as object), cellId: bad } }, schema);
    }
  });
});

describe('canonicalRecordJson where code generation is refused', () => {
  it('gives canonicalJson\'s text under node --disallow-code-generation-from-strings', () => {
    const script = `
      const { canonicalRecordJson } = await import(${JSON.stringify(new URL('../../../src/core/canonical-record.js', import.meta.url).href)});
      const { canonicalJson } = await import(${JSON.stringify(new URL('../../../src/core/canonical-json.js', import.meta.url).href)});
      const { schemaRegistry } = await import(${JSON.stringify(new URL('../../../schemas/registry.js', import.meta.url).href)});
      const { makeValidRecord } = await import(${JSON.stringify(new URL('../../support/record-factory.js', import.meta.url).href)});
      let refused = false;
      try { new Function('return 1'); } catch { refused = true; }
      const record = makeValidRecord('cn.gov.finance.payment', 3);
      const text = canonicalRecordJson(record, schemaRegistry.latest(record.type).dataSchema);
      console.log(JSON.stringify({ refused, same: text === canonicalJson(record) }));`;
    const out = execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out.trim()), { refused: true, same: true });
  });
});
