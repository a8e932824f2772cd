import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { z } from 'zod';
import { newSchemaRegistry, schemaRegistry } from '../../../schemas/registry.js';
import { parseEnvelope } from '../../../src/core/envelope.js';
import { ErrorCodes } from '../../../src/core/errors.js';
import type { RecordEnvelope } from '../../../src/core/types.js';
import { validateRecord } from '../../../src/core/validate-record.js';
import {
  INVALID_KIND_NAMES, INVALID_KINDS, makeInvalidRecord, makeValidRecord, RECORD_TYPES,
} from '../../support/record-factory.js';

function envelopeOf(input: unknown): RecordEnvelope {
  const parsed = parseEnvelope(input);
  if (!parsed.ok) throw new Error(`test record has a bad envelope: ${parsed.rejection.message}`);
  return parsed.envelope;
}

test('valid records of every type validate, with or without dataschema', () => {
  for (const type of RECORD_TYPES) {
    for (let i = 0; i < 200; i++) {
      for (const omitDataschema of [false, true]) {
        const result = validateRecord(envelopeOf(makeValidRecord(type, i, { omitDataschema })), schemaRegistry);
        assert.deepEqual(result.ok ? result : result.rejection, {
          ok: true, type, version: 1, sector: type.split('.')[2], dataSchema: schemaRegistry.latest(type)?.dataSchema,
        }, `${type} #${i}`);
      }
    }
  }
});

test('each invalid kind gets its expected code; schema issues have data-prefixed paths', () => {
  for (const kind of INVALID_KIND_NAMES) {
    for (let i = 0; i < 30; i++) {
      const input = makeInvalidRecord(kind, i);
      const parsed = parseEnvelope(input);
      const code = parsed.ok ? (() => {
        const r = validateRecord(parsed.envelope, schemaRegistry);
        return r.ok ? null : r.rejection;
      })() : parsed.rejection;
      assert.notEqual(code, null, `${kind} #${i} was accepted`);
      assert.equal(code?.code, INVALID_KINDS[kind], `${kind} #${i}: ${code?.message}`);
      if (code?.code === ErrorCodes.SchemaInvalid) {
        assert.ok((code.issues?.length ?? 0) > 0, kind);
        for (const issue of code.issues ?? []) assert.equal(issue.path[0], 'data');
      }
    }
  }
});

test('issues name the field, the zod code and a clear message', () => {
  const rec = makeValidRecord('cn.gov.telecom.cdr', 1);
  rec.data['durationSeconds'] = -5;
  rec.data['callerNumber'] = '13800138000';
  const r = validateRecord(envelopeOf(rec), schemaRegistry);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.rejection.code, ErrorCodes.SchemaInvalid);
  const byPath = new Map(r.rejection.issues?.map((i) => [i.path.join('.'), i]));
  assert.match(byPath.get('data.callerNumber')?.message ?? '', /E\.164/);
  assert.equal(byPath.get('data.durationSeconds')?.code, 'too_small');
  assert.match(r.rejection.message, /cn\.gov\.telecom\.cdr v1/);
});

test('cross-field rules report the right path', () => {
  const cases: [string, (d: Record<string, unknown>) => void, string, RegExp][] = [
    ['cn.gov.transport.trip', (d) => { d['endTime'] = d['startTime']; }, 'data.endTime', /after startTime/],
    ['cn.gov.finance.invoice', (d) => { d['taxAmount'] = '999999999.00'; }, 'data.taxAmount', /must not exceed/],
    ['cn.gov.finance.invoice', (d) => { d['totalAmount'] = '1.00'; d['taxAmount'] = '0.00'; }, 'data.totalAmount', /sum of the line/],
    ['cn.gov.finance.payment', (d) => { (d['creditor'] as Record<string, unknown>)['iban'] = (d['debtor'] as Record<string, unknown>)['iban']; }, 'data.creditor.iban', /must differ/],
    ['cn.gov.finance.payment', (d) => { d['instructedAmount'] = { amount: '10.001', currency: 'CNY' }; }, 'data.instructedAmount.amount', /CNY has 2 decimal places/],
    ['cn.gov.finance.payment', (d) => { d['instructedAmount'] = { amount: '10.5', currency: 'JPY' }; }, 'data.instructedAmount.amount', /whole number/],
    ['cn.gov.finance.payment', (d) => { d['instructedAmount'] = { amount: '0.00', currency: 'CNY' }; }, 'data.instructedAmount.amount', /greater than zero/],
    ['cn.gov.telecom.cdr', (d) => { d['callType'] = 'sms'; d['durationSeconds'] = 30; }, 'data.durationSeconds', /SMS/],
    ['cn.gov.telecom.cdr', (d) => { d['calleeNumber'] = d['callerNumber']; }, 'data.calleeNumber', /differ/],
    ['cn.gov.telecom.sim-registration', (d) => { d['msisdn'] = '+14155552671'; }, 'data.msisdn', /\+86/],
    ['cn.gov.transport.toll-passage', (d) => { d['vehicleClass'] = 6; }, 'data.vehicleClass', /passenger/],
    ['cn.gov.transport.toll-passage', (d) => { d['vehicleClass'] = 7; }, 'data.vehicleClass', /1 to 6/],
    ['cn.gov.transport.trip', (d) => { d['extra'] = 1; }, 'data', /extra/],
  ];
  for (const [type, mutate, path, message] of cases) {
    const rec = makeValidRecord(type as (typeof RECORD_TYPES)[number], 3);
    mutate(rec.data);
    const r = validateRecord(envelopeOf(rec), schemaRegistry);
    assert.equal(r.ok, false, `${type} ${path}`);
    if (r.ok) continue;
    const hit = r.rejection.issues?.find((i) => i.path.join('.') === path);
    assert.ok(hit, `${type}: no issue at ${path}: ${JSON.stringify(r.rejection.issues)}`);
    assert.match(hit.message, message);
  }
});

test('dataschema selects the version; unknown or mismatched versions are CG_SCHEMA_UNKNOWN', () => {
  const rec = makeValidRecord('cn.gov.transport.trip', 1);
  for (const [dataschema, pattern] of [
    ['urn:crossgate:schema:cn.gov.transport.trip:v2', /no version 2 \(latest is 1\)/],
    ['urn:crossgate:schema:cn.gov.finance.payment:v1', /names type "cn\.gov\.finance\.payment"/],
    ['https://example.com/trip.json', /not a Crossgate schema URN/],
    ['urn:crossgate:schema:cn.gov.transport.trip:v0', /not a Crossgate schema URN/],
  ] as const) {
    const r = validateRecord(envelopeOf({ ...rec, dataschema }), schemaRegistry);
    assert.equal(r.ok ? null : r.rejection.code, ErrorCodes.SchemaUnknown, dataschema);
    if (!r.ok) assert.match(r.rejection.message, pattern);
  }
  const unknownType = validateRecord(envelopeOf({ ...rec, type: 'cn.gov.space.launch', dataschema: undefined }), schemaRegistry);
  assert.equal(unknownType.ok ? null : unknownType.rejection.code, ErrorCodes.SchemaUnknown);
});

test('a v2 is picked by default and v1 stays selectable', () => {
  const v1 = schemaRegistry.get('cn.gov.transport.trip', 1);
  assert.ok(v1);
  const v2 = { ...v1, version: 2, dataSchema: z.object({ onlyInV2: z.literal(true) }).strict() };
  const registry = newSchemaRegistry([v1, v2]);
  const rec = makeValidRecord('cn.gov.transport.trip', 1, { omitDataschema: true });
  const latest = validateRecord(envelopeOf(rec), registry);
  assert.equal(latest.ok, false, 'latest (v2) applies without dataschema');
  const pinned = validateRecord(envelopeOf({ ...rec, dataschema: 'urn:crossgate:schema:cn.gov.transport.trip:v1' }), registry);
  assert.equal(pinned.ok && pinned.version, 1);
  const two = validateRecord(envelopeOf({ ...rec, data: { onlyInV2: true } }), registry);
  assert.equal(two.ok && two.version, 2);
});

test('the number of issues is capped', () => {
  const rec = makeValidRecord('cn.gov.finance.invoice', 1);
  rec.data['lines'] = Array.from({ length: 500 }, () => ({ description: '', amount: 'x' }));
  const r = validateRecord(envelopeOf(rec), schemaRegistry);
  assert.equal(r.ok, false);
  if (!r.ok) assert.ok((r.rejection.issues?.length ?? 0) <= 20);
});

test('never throws: arbitrary data under every type and dataschema', () => {
  const types = fc.constantFrom(...RECORD_TYPES, 'x', '');
  fc.assert(
    fc.property(types, fc.anything(), fc.option(fc.string()), (type, data, dataschema) => {
      const envelope = { specversion: '1.0', id: '1', source: '/s', type, data, ...(dataschema === null ? {} : { dataschema }) } as RecordEnvelope;
      const r = validateRecord(envelope, schemaRegistry);
      assert.equal(typeof r.ok, 'boolean');
      if (!r.ok) assert.ok([ErrorCodes.SchemaInvalid, ErrorCodes.SchemaUnknown].includes(r.rejection.code as never));
    }),
    { numRuns: 2000 },
  );
});

test('never throws: valid records with one mutated field', () => {
  const values = fc.oneof(fc.jsonValue(), fc.anything(), fc.constant(undefined));
  fc.assert(
    fc.property(fc.constantFrom(...RECORD_TYPES), fc.nat(1000), fc.nat(20), values, (type, i, which, value) => {
      const rec = makeValidRecord(type, i);
      const keys = Object.keys(rec.data);
      const key = keys[which % keys.length] as string;
      rec.data[key] = value;
      const r = validateRecord(envelopeOf(rec), schemaRegistry);
      assert.equal(typeof r.ok, 'boolean');
    }),
    { numRuns: 3000 },
  );
});

test('a schema that throws still yields a rejection', () => {
  const boom = { type: 't', version: 1, sector: 'transport' as const, title: 't', description: 't',
    dataSchema: z.unknown().superRefine(() => { throw new Error('boom'); }) };
  const r = validateRecord({ specversion: '1.0', id: '1', source: '/s', type: 't', data: 1 }, newSchemaRegistry([boom]));
  assert.equal(r.ok ? null : r.rejection.code, ErrorCodes.SchemaInvalid);
});

test('the fast path gives the same answers as zod alone, and a copied definition does not inherit it', () => {
  const zodOnly = newSchemaRegistry(schemaRegistry.list().map((d) => ({ ...d, fastAccept: undefined })));
  for (const type of RECORD_TYPES) {
    for (let i = 0; i < 300; i++) {
      const env = envelopeOf(makeValidRecord(type, i, { omitDataschema: i % 2 === 0 }));
      assert.deepEqual(validateRecord(env, schemaRegistry), validateRecord(env, zodOnly));
    }
  }
  for (const kind of INVALID_KIND_NAMES) {
    for (let i = 0; i < 30; i++) {
      const parsed = parseEnvelope(makeInvalidRecord(kind, i));
      if (parsed.ok) assert.deepEqual(validateRecord(parsed.envelope, schemaRegistry), validateRecord(parsed.envelope, zodOnly), `${kind} #${i}`);
    }
  }
  // A definition spread with another dataSchema keeps the fastAccept property but must not use it.
  const v1 = schemaRegistry.get('cn.gov.transport.trip', 1);
  assert.ok(v1?.fastAccept);
  const rejectsAll = { ...v1, dataSchema: z.never() };
  const r = validateRecord(envelopeOf(makeValidRecord('cn.gov.transport.trip', 1)), newSchemaRegistry([rejectsAll]));
  assert.equal(r.ok ? null : r.rejection.code, ErrorCodes.SchemaInvalid);
});

test('dataschema lookups stay correct past the parse cache bound', () => {
  const rec = makeValidRecord('cn.gov.transport.trip', 2);
  // More distinct URNs than the cache holds, each looked up twice, mixed with the real one.
  for (let k = 0; k < 700; k++) {
    const dataschema = `urn:crossgate:schema:cn.gov.transport.trip:v${k + 2}`;
    for (let round = 0; round < 2; round++) {
      const r = validateRecord(envelopeOf({ ...rec, dataschema }), schemaRegistry);
      assert.equal(r.ok ? null : r.rejection.message, `cn.gov.transport.trip has no version ${k + 2} (latest is 1)`);
    }
    const good = validateRecord(envelopeOf(rec), schemaRegistry);
    assert.equal(good.ok, true);
  }
  const other = validateRecord(envelopeOf({ ...rec, dataschema: 'urn:crossgate:schema:cn.gov.finance.payment:v1' }), schemaRegistry);
  assert.equal(other.ok ? null : other.rejection.message, 'dataschema names type "cn.gov.finance.payment" but the record\'s type is "cn.gov.transport.trip"');
});
