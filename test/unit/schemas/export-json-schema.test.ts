import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkJsonSchemas, defaultJsonSchemaDir, expectedJsonSchemaFiles, jsonSchemaFor, writeJsonSchemas,
} from '../../../schemas/export-json-schema.js';
import { schemaRegistry } from '../../../schemas/registry.js';

test('the committed schemas/json files are up to date (run npm run schemas:export)', () => {
  assert.deepEqual(checkJsonSchemas(defaultJsonSchemaDir()), []);
});

test('jsonSchemaFor wraps data in the CloudEvents envelope with $id and title', () => {
  const s = jsonSchemaFor('cn.gov.telecom.cdr', 1);
  assert.ok(s);
  assert.equal(s['$schema'], 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(s['$id'], 'urn:crossgate:schema:cn.gov.telecom.cdr:v1');
  assert.match(String(s['title']), /Call detail record/);
  const props = s['properties'] as Record<string, Record<string, unknown>>;
  assert.deepEqual(props['type'], { const: 'cn.gov.telecom.cdr' });
  const data = props['data'] as { properties: Record<string, unknown>; required: string[]; additionalProperties: boolean };
  assert.deepEqual(data.required.sort(), ['callType', 'calleeNumber', 'callerNumber', 'cellId', 'direction', 'durationSeconds', 'imsiHash', 'startTime']);
  assert.equal(data.additionalProperties, false);
  assert.deepEqual(data.properties['callType'], { type: 'string', enum: ['voice', 'video', 'sms', 'forwarded'] });
  assert.equal(jsonSchemaFor('cn.gov.telecom.cdr', 2), undefined);
  assert.equal(jsonSchemaFor('nope', 1), undefined);
});

test('one file per registered (type, version) plus index.json', () => {
  const files = expectedJsonSchemaFiles();
  assert.equal(files.size, schemaRegistry.list().length + 1);
  const index = JSON.parse(files.get('index.json') ?? '{}') as { schemas: { file: string; $id: string }[] };
  for (const entry of index.schemas) {
    const schema = JSON.parse(files.get(entry.file) ?? '{}') as { $id: string };
    assert.equal(schema.$id, entry.$id);
  }
});

test('--check logic reports missing, stale and extra files; writing fixes them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crossgate-schemas-'));
  try {
    assert.ok(checkJsonSchemas(dir).every((p) => p.startsWith('missing: ')));
    assert.equal(writeJsonSchemas(dir).length, schemaRegistry.list().length + 1);
    assert.deepEqual(checkJsonSchemas(dir), []);
    assert.deepEqual(writeJsonSchemas(dir), [], 'nothing rewritten when up to date');
    const file = join(dir, 'cn.gov.transport.trip.v1.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"minimum": 0', '"minimum": 1'));
    writeFileSync(join(dir, 'cn.gov.old.v1.json'), '{}\n');
    assert.deepEqual(checkJsonSchemas(dir).sort(), ['extra: cn.gov.old.v1.json', 'stale: cn.gov.transport.trip.v1.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
