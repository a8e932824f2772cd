import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { newSchemaRegistry, parseSchemaUrn, schemaRegistry, schemaUrn } from '../../../schemas/registry.js';
import type { RecordSchemaDefinition } from '../../../schemas/definition.js';

const def = (type: string, version: number, sector: RecordSchemaDefinition['sector'] = 'transport'): RecordSchemaDefinition =>
  ({ type, version, sector, title: type, description: type, dataSchema: z.object({}).strict() });

test('the six v1 record types are registered with their sectors', () => {
  assert.deepEqual(schemaRegistry.list().map((d) => `${d.sector}:${d.type}:v${d.version}`), [
    'finance:cn.gov.finance.invoice:v1',
    'finance:cn.gov.finance.payment:v1',
    'telecom:cn.gov.telecom.cdr:v1',
    'telecom:cn.gov.telecom.sim-registration:v1',
    'transport:cn.gov.transport.toll-passage:v1',
    'transport:cn.gov.transport.trip:v1',
  ]);
  assert.equal(schemaRegistry.sectorOf('cn.gov.telecom.cdr'), 'telecom');
  assert.equal(schemaRegistry.sectorOf('cn.gov.telecom'), undefined);
  assert.equal(schemaRegistry.sectorOf('__proto__'), undefined);
  assert.equal(schemaRegistry.get('cn.gov.finance.payment', 1)?.title, 'Credit transfer');
  assert.equal(schemaRegistry.get('cn.gov.finance.payment', 2), undefined);
  assert.equal(schemaRegistry.latest('cn.gov.finance.payment')?.version, 1);
  assert.equal(schemaRegistry.latest('toString'), undefined);
  for (const d of schemaRegistry.list()) assert.ok(Object.isFrozen(d), `${d.type} is frozen`);
});

test('latest picks the highest version; get finds each', () => {
  const r = newSchemaRegistry([def('a.b', 2), def('a.b', 1), def('a.b', 3), def('c.d', 1, 'finance')]);
  assert.equal(r.latest('a.b')?.version, 3);
  assert.equal(r.get('a.b', 2)?.version, 2);
  assert.deepEqual(r.list().map((d) => `${d.type}:${d.version}`), ['a.b:1', 'a.b:2', 'a.b:3', 'c.d:1']);
  assert.equal(r.sectorOf('c.d'), 'finance');
});

test('registration mistakes are caught at start-up', () => {
  assert.throws(() => newSchemaRegistry([def('a.b', 1), def('a.b', 1)]), /registered twice/);
  assert.throws(() => newSchemaRegistry([def('a.b', 1), def('a.b', 3)]), /without gaps/);
  assert.throws(() => newSchemaRegistry([def('a.b', 1), def('a.b', 2, 'telecom')]), /two sectors/);
  assert.throws(() => newSchemaRegistry([def('A B', 1)]), /bad type/);
  assert.throws(() => newSchemaRegistry([def('a.b', 0)]), /bad version/);
});

test('dataschema URNs round-trip and reject look-alikes', () => {
  assert.equal(schemaUrn('cn.gov.transport.trip', 1), 'urn:crossgate:schema:cn.gov.transport.trip:v1');
  assert.deepEqual(parseSchemaUrn('urn:crossgate:schema:cn.gov.transport.trip:v12'), { type: 'cn.gov.transport.trip', version: 12 });
  for (const s of ['urn:crossgate:schema:cn.gov.transport.trip', 'urn:crossgate:schema:cn.gov.transport.trip:v0', 'urn:crossgate:schema:cn.gov.transport.trip:v01',
    'urn:crossgate:schema:cn.gov.transport.trip:1', 'URN:crossgate:schema:a:v1', 'urn:crossgate:schema::v1', 'https://x/trip:v1']) {
    assert.equal(parseSchemaUrn(s), null, s);
  }
});
