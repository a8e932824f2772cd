// The envelope's fast accept check (acceptsEnvelope) against the zod reference (parseEnvelopeWithZod):
// it may only say yes where zod says yes, it says yes for every factory record, and parseEnvelope
// gives the same decisions, codes and messages as the zod path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { acceptsEnvelope, parseEnvelope, parseEnvelopeWithZod } from '../../../src/core/envelope.js';
import { makeInvalidRecord, makeValidRecord, mixedRecords, INVALID_KIND_NAMES, RECORD_TYPES } from '../../support/record-factory.js';
import { applyMutations, mutationArb } from '../../support/mutate.js';

const EXTENSIONS = { producerkid: 'k1', producersig: 'AAEC-_x', traceparent: '00-abc', priority: 3, replay: false, subject: 's' };

test('completeness: every factory record (with and without extensions) takes the fast path', () => {
  for (const type of RECORD_TYPES) {
    for (let i = 0; i < 2000; i++) {
      for (const rec of [makeValidRecord(type, i), { ...makeValidRecord(type, i, { omitDataschema: true }), ...EXTENSIONS }]) {
        assert.equal(acceptsEnvelope(rec), true, JSON.stringify(rec));
        const r = parseEnvelope(rec);
        assert.ok(r.ok);
        assert.equal(r.envelope, rec, 'the fast path returns the input itself');
        if (i % 100 === 0) {
          const z = parseEnvelopeWithZod(rec);
          assert.ok(z.ok);
          assert.deepEqual(z.envelope, r.envelope, 'same attributes and values as zod\'s copy');
        }
      }
    }
  }
});

/** Envelope-level near misses: attribute values at their limits and extension names/values. */
const envelopeEdit = fc.tuple(
  fc.constantFrom('specversion', 'id', 'source', 'type', 'time', 'dataschema', 'datacontenttype', 'subject', 'producersig', 'producerkid',
    'data', 'data_base64', 'ext', 'a1', 'z'.repeat(20), 'z'.repeat(21), 'Ext', 'ext_1', '__proto__', 'constructor'),
  fc.oneof(
    fc.constantFrom<unknown>(
      '', '1.0', '1', 'x', '/a b', '/a%2', '/a%20b', 'urn:a', 'a:', '1a:b', 'urn:x:' + 'y'.repeat(1020), '/' + 'p'.repeat(511), '/' + 'p'.repeat(512),
      'a\u0000b', 'a\u0085b', 'a\u00a0b', 'application/json', 'application/json ', 'AAEC', 'AA==', 'a+b', 'x'.repeat(256), 'x'.repeat(257),
      'b'.repeat(1024), 'b'.repeat(1025), '2024-02-29T00:00:00+14:00', '2023-02-29T00:00:00Z', '2024-05-01T00:00:00', '2024-05-01T00:00:00+24:00',
      2147483647, 2147483648, -2147483648, -2147483649, 0, -0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, true, false, null, undefined, [], {},
    ),
    fc.jsonValue({ maxDepth: 1 }),
    fc.string({ unit: 'binary', maxLength: 6 }),
  ),
);

test('soundness: the fast path never accepts an envelope zod rejects (mutated records)', () => {
  let fast = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...RECORD_TYPES), fc.nat(10_000),
      fc.array(envelopeEdit, { maxLength: 3 }),
      fc.array(mutationArb, { maxLength: 2 }),
      (type, i, edits, mutations) => {
        const rec: Record<string, unknown> = { ...makeValidRecord(type, i), ...(i % 2 === 0 ? EXTENSIONS : {}) };
        for (const [key, value] of edits) {
          if (value === undefined && i % 3 === 0) delete rec[key];
          else Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
        }
        // Mutations at any depth (the top-level paths included: they hit attributes too).
        const input = applyMutations(rec, mutations);
        if (!acceptsEnvelope(input)) return true;
        fast++;
        return parseEnvelopeWithZod(input).ok;
      },
    ),
    { numRuns: 8000, seed: 7 },
  );
  assert.ok(fast > 500, `only ${fast} mutants took the fast path`);
});

test('soundness: arbitrary values and exotic objects never take the fast path unless zod accepts them', () => {
  fc.assert(
    fc.property(fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true, withSparseArray: true }), (input) => {
      let accepted = false;
      try {
        accepted = acceptsEnvelope(input);
      } catch {
        accepted = false;
      }
      return !accepted || parseEnvelopeWithZod(input).ok;
    }),
    { numRuns: 3000, seed: 8 },
  );
});

test('parseEnvelope answers exactly as the zod path on mixed valid and invalid records', () => {
  const inputs: unknown[] = [...mixedRecords(3000, 0.3, 11).map((m) => m.record)];
  for (const kind of INVALID_KIND_NAMES) for (let i = 0; i < 20; i++) inputs.push(makeInvalidRecord(kind, i));
  for (const input of inputs) {
    const fastOrZod = parseEnvelope(input);
    const zod = parseEnvelopeWithZod(input);
    assert.deepEqual(fastOrZod, zod.ok ? { ok: true, envelope: fastOrZod.ok ? fastOrZod.envelope : null } : zod);
    if (fastOrZod.ok && zod.ok) assert.deepEqual(fastOrZod.envelope, zod.envelope);
  }
});

test('regressions: time offsets, leap days, extension integers', () => {
  const cases: [Record<string, unknown>, boolean][] = [
    [{ time: '2024-02-29T23:59:59.999+14:00' }, true],
    [{ time: '2024-05-01T08:00:00-23:59' }, true],
    [{ time: '2024-05-01T08:00:00+24:00' }, false],
    [{ time: '2023-02-29T08:00:00Z' }, false],
    [{ time: '2024-05-01T08:00:00z' }, false],
    [{ time: '2024-05-01T08:00Z' }, false],
    [{ ext: 2147483647 }, true],
    [{ ext: -2147483648 }, true],
    [{ ext: 2147483648 }, false],
    [{ ext: -0 }, true],
    [{ ext: 1.5 }, false],
    [{ producersig: '' }, false],
    [{ dataschema: 'urn:crossgate:schema:cn.gov.transport.trip:v9' }, true],
    [{ source: '/a%2' }, false],
    [{ type: 'a\u0085b' }, false],
    // Identity rules (identity.ts): the fast path must refuse what zod refuses, and accept the rest.
    [{ source: '/beijing/transport/../../shanghai/finance' }, false],
    [{ source: '/beijing/transport/%2e%2e/finance' }, false],
    [{ source: '/beijing/transport/%2E%2E/finance' }, false],
    [{ source: '/beijing//transport' }, false],
    [{ source: '/beijing/transport/' }, false],
    [{ source: '/beijing/%E2%80%AEtransport' }, false],
    [{ source: '/beijing/%e4%ba%ac' }, false],
    [{ source: '/beijing/%E4%BA%AC' }, true],
    [{ source: 'https://example.org/a?b=..' }, true],
    [{ id: 'a\u202eb\u200b' }, false],
    [{ id: 'a\u2066b' }, false],
    [{ id: 'a\ufeff' }, false],
    [{ id: '订单-42' }, true],
    [{ id: 'x\u{1F600}' }, true],
  ];
  for (const [patch, ok] of cases) {
    const rec = { ...makeValidRecord('cn.gov.transport.trip', 1), ...patch };
    assert.equal(parseEnvelopeWithZod(rec).ok, ok, `zod: ${JSON.stringify(patch)}`);
    assert.equal(acceptsEnvelope(rec), ok, `fast: ${JSON.stringify(patch)}`);
    assert.equal(parseEnvelope(rec).ok, ok);
  }
});
