import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseEnvelope } from '../../../src/core/envelope.js';
import { ErrorCodes } from '../../../src/core/errors.js';
import { makeValidRecord, RECORD_TYPES } from '../../support/record-factory.js';

const base = () => makeValidRecord('cn.gov.transport.trip', 7);

function rejectedAt(input: unknown): string[] {
  const r = parseEnvelope(input);
  assert.equal(r.ok, false, `accepted: ${JSON.stringify(input)}`);
  if (r.ok) return [];
  assert.equal(r.rejection.code, ErrorCodes.EnvelopeInvalid);
  assert.ok((r.rejection.issues?.length ?? 0) > 0);
  return (r.rejection.issues ?? []).map((i) => i.path.join('.'));
}

test('accepts valid records of every type and keeps extensions and data', () => {
  for (const type of RECORD_TYPES) {
    const rec = { ...makeValidRecord(type, 1), producerkid: 'k1', producersig: 'AAEC', traceparent: '00-abc', priority: 3, replay: false };
    const r = parseEnvelope(rec);
    assert.equal(r.ok, true, type);
    if (!r.ok) continue;
    assert.deepEqual(r.envelope, rec);
    assert.equal(r.envelope.data, rec.data, 'data is passed by reference, not copied');
  }
  const minimal = { specversion: '1.0', id: 'x', source: 'urn:a', type: 't', data: null };
  assert.equal(parseEnvelope(minimal).ok, true);
});

test('rejects non-objects', () => {
  for (const input of [null, undefined, 1, 'x', true, [], [base()], new Map(), new Date(0)]) {
    assert.deepEqual(rejectedAt(input), ['']);
  }
});

test('required attributes and their constraints', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ specversion: '0.3' }, 'specversion'],
    [{ specversion: undefined }, 'specversion'],
    [{ specversion: 1 }, 'specversion'],
    [{ id: '' }, 'id'],
    [{ id: 'x'.repeat(257) }, 'id'],
    [{ id: 5 }, 'id'],
    [{ source: '' }, 'source'],
    [{ source: '/a b' }, 'source'],
    [{ source: '/' + 'a'.repeat(512) }, 'source'],
    [{ source: '/%zz' }, 'source'],
    [{ type: '' }, 'type'],
    [{ type: 'a\nb' }, 'type'],
    [{ time: '2024-13-01T00:00:00Z' }, 'time'],
    [{ time: '2024-05-01T08:00:00' }, 'time'],
    [{ dataschema: 'relative/path' }, 'dataschema'],
    [{ dataschema: '' }, 'dataschema'],
    [{ datacontenttype: 'text/xml' }, 'datacontenttype'],
    [{ subject: '' }, 'subject'],
    [{ producersig: 'AA==' }, 'producersig'],
    [{ producersig: 'a+b/' }, 'producersig'],
    [{ producerkid: '' }, 'producerkid'],
    [{ Bad_Name: 'x' }, 'Bad_Name'],
    [{ waytoolongextensionname: 'x' }, 'waytoolongextensionname'],
    [{ ext: { nested: 1 } }, 'ext'],
    [{ ext: 1.5 }, 'ext'],
    [{ ext: 2147483648 }, 'ext'],
    [{ ext: null }, 'ext'],
  ];
  for (const [patch, path] of cases) {
    const input: Record<string, unknown> = { ...base(), ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete input[k];
    assert.ok(rejectedAt(input).includes(path), `${JSON.stringify(patch).slice(0, 80)} → expected an issue at ${path}`);
  }
});

test('data is required; data_base64 gets its own message', () => {
  const { data: _data, ...noData } = base();
  assert.deepEqual(rejectedAt(noData), ['data']);
  const r = parseEnvelope({ ...noData, data_base64: 'AAAA' });
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.rejection.issues?.[0]?.message ?? '', /data_base64/);
});

test('String attributes refuse control characters (CloudEvents 1.0 type system), NUL included', () => {
  for (const bad of ['a\u0000b', 'tab\there', 'line\n', 'del\u007f', 'c1\u0085', 'c1\u009f']) {
    for (const attribute of ['id', 'subject', 'producerkid', 'traceparent']) {
      const input = { ...base(), [attribute]: bad };
      assert.deepEqual(rejectedAt(input), [attribute], `${attribute}: ${JSON.stringify(bad)}`);
      const r = parseEnvelope(input);
      if (!r.ok) assert.match(r.rejection.message, /must not contain control characters/);
    }
  }
  // Not control characters: no-break space, line separator, CJK, emoji.
  for (const fine of ['a\u00a0b', 'a\u2028b', '行程-1', 'id-\ud83d\ude00']) {
    assert.equal(parseEnvelope({ ...base(), id: fine, subject: fine, traceparent: fine }).ok, true, JSON.stringify(fine));
  }
  assert.equal(parseEnvelope({ ...base(), traceparent: '' }).ok, true, 'empty extension strings stay allowed');
});

test('the rejection message names the first problem', () => {
  const r = parseEnvelope({ ...base(), specversion: '0.3', id: '' });
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.rejection.message, /specversion|id/);
  if (!r.ok) assert.match(r.rejection.message, /and 1 more/);
});

test('__proto__ and constructor keys from JSON.parse are rejected as attribute names, not executed', () => {
  const input = JSON.parse(`{"specversion":"1.0","id":"a","source":"/s","type":"t","data":{},"__proto__":{"polluted":1}}`) as unknown;
  assert.ok(rejectedAt(input).includes('__proto__'));
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('never throws: arbitrary values', () => {
  fc.assert(
    fc.property(fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true, withObjectString: true, withTypedArray: true, withSparseArray: true }), (input) => {
      const r = parseEnvelope(input);
      assert.equal(typeof r.ok, 'boolean');
      if (!r.ok) assert.equal(r.rejection.code, ErrorCodes.EnvelopeInvalid);
    }),
    { numRuns: 3000 },
  );
});

test('never throws: arbitrary JSON values', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (input) => {
      assert.equal(typeof parseEnvelope(input).ok, 'boolean');
    }),
    { numRuns: 3000 },
  );
});

test('never throws: valid records with attributes replaced, removed or added', () => {
  const attributes = ['specversion', 'id', 'source', 'type', 'time', 'dataschema', 'datacontenttype', 'data', 'subject', 'producersig', 'producerkid', 'ext', '__proto__', 'constructor', 'toString'];
  fc.assert(
    fc.property(
      fc.constantFrom(...RECORD_TYPES), fc.nat(1000),
      fc.array(fc.tuple(fc.constantFrom(...attributes), fc.option(fc.oneof(fc.jsonValue(), fc.anything()), { nil: undefined })), { maxLength: 4 }),
      (type, i, edits) => {
        const rec: Record<string, unknown> = makeValidRecord(type, i);
        for (const [key, value] of edits) {
          if (value === undefined) delete rec[key];
          else Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
        }
        const r = parseEnvelope(rec);
        assert.equal(typeof r.ok, 'boolean');
      },
    ),
    { numRuns: 3000 },
  );
});

test('never throws on exotic objects (throwing getters, proxies)', () => {
  const getter = Object.defineProperty({ ...base() }, 'id', { get() { throw new Error('nope'); }, enumerable: true });
  const proxy = new Proxy(base(), { ownKeys() { throw new Error('nope'); } });
  for (const input of [getter, proxy]) {
    const r = parseEnvelope(input);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.rejection.code, ErrorCodes.EnvelopeInvalid);
  }
});
