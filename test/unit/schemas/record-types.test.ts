import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schemaRegistry } from '../../../schemas/registry.js';
import { makeValidRecord, type RecordType } from '../../support/record-factory.js';

/** Issues (path joined with '.') of `data` after `mutate`, checked directly against the v1 schema. */
function issuesAfter(type: RecordType, mutate: (d: Record<string, unknown>) => void): string[] {
  const schema = schemaRegistry.get(type, 1)?.dataSchema;
  assert.ok(schema, type);
  const data = structuredClone(makeValidRecord(type, 11).data);
  mutate(data);
  const r = schema.safeParse(data);
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
}

test('each v1 schema accepts the factory records unchanged', () => {
  for (const def of schemaRegistry.list()) {
    assert.deepEqual(issuesAfter(def.type as RecordType, () => {}), [], def.type);
  }
});

test('field rules per type', () => {
  const cases: [RecordType, (d: Record<string, unknown>) => void, string][] = [
    ['cn.gov.transport.trip', (d) => { d['vehiclePlate'] = 'AB12345'; }, 'vehiclePlate'],
    ['cn.gov.transport.trip', (d) => { d['routeId'] = 'line 10'; }, 'routeId'],
    ['cn.gov.transport.trip', (d) => { d['distanceMeters'] = 12.5; }, 'distanceMeters'],
    ['cn.gov.transport.trip', (d) => { d['fare'] = { amount: '5.00', currency: 'CNY', note: 'x' }; }, 'fare'],
    ['cn.gov.transport.trip', (d) => { d['fare'] = { amount: 5, currency: 'CNY' }; }, 'fare.amount'],
    ['cn.gov.transport.trip', (d) => { d['startTime'] = '2024-05-01 08:00:00'; }, 'startTime'],
    ['cn.gov.transport.toll-passage', (d) => { d['gantryId'] = ''; }, 'gantryId'],
    ['cn.gov.transport.toll-passage', (d) => { d['vehicleClass'] = 0; }, 'vehicleClass'],
    ['cn.gov.transport.toll-passage', (d) => { d['vehicleKind'] = 'truck'; }, 'vehicleKind'],
    ['cn.gov.transport.toll-passage', (d) => { d['toll'] = { amount: '-1.00', currency: 'CNY' }; }, 'toll.amount'],
    ['cn.gov.finance.payment', (d) => { d['messageId'] = 'x'.repeat(36); }, 'messageId'],
    ['cn.gov.finance.payment', (d) => { (d['debtor'] as Record<string, unknown>)['name'] = ' padded'; }, 'debtor.name'],
    ['cn.gov.finance.payment', (d) => { (d['debtor'] as Record<string, unknown>)['name'] = 'a\u0000b'; }, 'debtor.name'],
    ['cn.gov.finance.payment', (d) => { d['requestedExecutionDate'] = '2024-02-30'; }, 'requestedExecutionDate'],
    ['cn.gov.finance.payment', (d) => { d['remittanceInformation'] = 'r'.repeat(141); }, 'remittanceInformation'],
    ['cn.gov.finance.invoice', (d) => { d['invoiceNumber'] = '123456789'; }, 'invoiceNumber'],
    ['cn.gov.finance.invoice', (d) => { d['lines'] = []; }, 'lines'],
    ['cn.gov.finance.invoice', (d) => { d['totalAmount'] = '1.005'; }, 'totalAmount'],
    ['cn.gov.finance.invoice', (d) => { (d['buyer'] as Record<string, unknown>)['uscc'] = '91350100M000100Y4'; }, 'buyer.uscc'],
    ['cn.gov.telecom.cdr', (d) => { d['cellId'] = '460001A2B3C4'; }, 'cellId'],
    ['cn.gov.telecom.cdr', (d) => { d['imsiHash'] = '460001234567890'; }, 'imsiHash'],
    ['cn.gov.telecom.cdr', (d) => { d['callType'] = 'fax'; }, 'callType'],
    ['cn.gov.telecom.cdr', (d) => { d['direction'] = undefined; }, 'direction'],
    ['cn.gov.telecom.sim-registration', (d) => { d['operator'] = 'China Mobile'; }, 'operator'],
    ['cn.gov.telecom.sim-registration', (d) => { d['imei'] = '490154203237517'; }, 'imei'],
    ['cn.gov.telecom.sim-registration', (d) => { d['idDocumentType'] = 'driving-licence'; }, 'idDocumentType'],
    ['cn.gov.telecom.sim-registration', (d) => { d['subscriberIdHash'] = 'A'.repeat(64); }, 'subscriberIdHash'],
  ];
  for (const [type, mutate, path] of cases) {
    const issues = issuesAfter(type, mutate);
    assert.ok(issues.includes(path), `${type}: expected an issue at ${path}, got ${JSON.stringify(issues)}`);
  }
});

test('optional fields may be left out', () => {
  assert.deepEqual(issuesAfter('cn.gov.transport.trip', (d) => { delete d['originStopId']; delete d['destinationStopId']; }), []);
  assert.deepEqual(issuesAfter('cn.gov.finance.payment', (d) => { delete d['remittanceInformation']; }), []);
  assert.deepEqual(issuesAfter('cn.gov.finance.invoice', (d) => { delete d['lines']; }), []);
  assert.deepEqual(issuesAfter('cn.gov.telecom.sim-registration', (d) => { delete d['imei']; }), []);
});

test('other currencies follow their own minor units', () => {
  assert.deepEqual(issuesAfter('cn.gov.transport.trip', (d) => { d['fare'] = { amount: '500', currency: 'JPY' }; }), []);
  assert.deepEqual(issuesAfter('cn.gov.transport.trip', (d) => { d['fare'] = { amount: '1.250', currency: 'KWD' }; }), []);
  assert.deepEqual(issuesAfter('cn.gov.transport.trip', (d) => { d['fare'] = { amount: '1.2500', currency: 'KWD' }; }), ['fare.amount']);
});
