import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schemaRegistry } from '../../../schemas/registry.js';
import { isIban } from '../../../schemas/rules/iban.js';
import { isIccid, isImei } from '../../../schemas/rules/luhn.js';
import { isUscc } from '../../../schemas/rules/uscc.js';
import { parseEnvelope } from '../../../src/core/envelope.js';
import { validateRecord } from '../../../src/core/validate-record.js';
import {
  beijingTime, INVALID_KIND_NAMES, INVALID_KINDS, makeInvalidRecord, makeValidRecord, mixedRecord, mixedRecords, RECORD_TYPES,
} from '../../support/record-factory.js';

function codeOf(input: unknown): string | null {
  const p = parseEnvelope(input);
  if (!p.ok) return p.rejection.code;
  const v = validateRecord(p.envelope, schemaRegistry);
  return v.ok ? null : v.rejection.code;
}

test('covers every registered type', () => {
  assert.deepEqual([...RECORD_TYPES].sort(), [...new Set(schemaRegistry.list().map((d) => d.type))].sort());
});

test('deterministic: same (type, i) gives the same record, different i a different one', () => {
  for (const type of RECORD_TYPES) {
    assert.deepEqual(makeValidRecord(type, 42), makeValidRecord(type, 42));
    assert.notDeepEqual(makeValidRecord(type, 42).data, makeValidRecord(type, 43).data);
  }
  assert.deepEqual(mixedRecords(50, 0.3, 9), mixedRecords(50, 0.3, 9));
  assert.deepEqual(mixedRecord(17, 0.3, 9), mixedRecords(50, 0.3, 9)[17]);
});

test('check digits are real', () => {
  for (let i = 0; i < 300; i++) {
    const pay = makeValidRecord('cn.gov.finance.payment', i).data as { debtor: { iban: string }; creditor: { iban: string } };
    assert.ok(isIban(pay.debtor.iban) && isIban(pay.creditor.iban), pay.debtor.iban);
    const inv = makeValidRecord('cn.gov.finance.invoice', i).data as { seller: { uscc: string }; buyer: { uscc: string } };
    assert.ok(isUscc(inv.seller.uscc) && isUscc(inv.buyer.uscc), inv.seller.uscc);
    const sim = makeValidRecord('cn.gov.telecom.sim-registration', i).data as { iccid: string; imei: string };
    assert.ok(isIccid(sim.iccid) && isImei(sim.imei), sim.iccid);
  }
});

test('mixed records: ids unique, valid ones validate, invalid ones get their code, ratio respected', () => {
  const n = 6000;
  const records = mixedRecords(n, 0.2, 3, { idPrefix: 'run1-' });
  const keys = new Set<string>();
  let invalid = 0;
  const kindsSeen = new Set<string>();
  for (const { record, invalidKind } of records) {
    if (typeof record === 'object' && record !== null && !Array.isArray(record)) {
      const { source, id } = record as { source: string; id: string };
      const key = `${source} ${id}`;
      assert.ok(!keys.has(key), `duplicate ${key}`);
      keys.add(key);
      assert.ok(id.startsWith('run1-s3-'), id);
    }
    const code = codeOf(record);
    if (invalidKind === null) {
      assert.equal(code, null, JSON.stringify(record));
    } else {
      invalid++;
      kindsSeen.add(invalidKind);
      assert.equal(code, INVALID_KINDS[invalidKind], invalidKind);
    }
  }
  assert.ok(invalid > n * 0.17 && invalid < n * 0.23, `invalid ${invalid}`);
  assert.deepEqual([...kindsSeen].sort(), [...INVALID_KIND_NAMES].sort());
  assert.equal(mixedRecords(100, 0, 1).filter((m) => m.invalidKind !== null).length, 0);
  assert.equal(mixedRecords(100, 1, 1).filter((m) => m.invalidKind === null).length, 0);
});

test('every invalid kind, many indices', () => {
  for (const kind of INVALID_KIND_NAMES) {
    for (let i = 0; i < 100; i++) assert.equal(codeOf(makeInvalidRecord(kind, i)), INVALID_KINDS[kind], `${kind} #${i}`);
  }
});

test('beijingTime formats RFC 3339 with +08:00', () => {
  assert.equal(beijingTime(0), '2024-05-01T00:00:00+08:00');
  assert.equal(beijingTime(86399), '2024-05-01T23:59:59+08:00');
  assert.equal(beijingTime(86400 * 31 + 3661), '2024-06-01T01:01:01+08:00');
  for (const s of [0, 59, 3600, 86400 * 400 + 12345]) {
    assert.equal(Date.parse(beijingTime(s)), Date.parse('2024-05-01T00:00:00+08:00') + s * 1000);
  }
});
