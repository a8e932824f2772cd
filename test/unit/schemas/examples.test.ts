import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { schemaRegistry } from '../../../schemas/registry.js';
import { defaultJsonSchemaDir } from '../../../schemas/export-json-schema.js';
import { parseEnvelope } from '../../../src/core/envelope.js';
import { validateRecord } from '../../../src/core/validate-record.js';

const examplesDir = join(dirname(dirname(defaultJsonSchemaDir())), 'examples');

test('every registered type has an example', () => {
  for (const type of new Set(schemaRegistry.list().map((d) => d.type))) {
    assert.ok(existsSync(join(examplesDir, `${type}.json`)), `examples/${type}.json is missing`);
  }
});

test('every example is a valid, complete record of its type', () => {
  const files = readdirSync(examplesDir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= schemaRegistry.list().length);
  for (const file of files) {
    const record = JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as unknown;
    const parsed = parseEnvelope(record);
    assert.equal(parsed.ok, true, `${file}: ${parsed.ok ? '' : parsed.rejection.message}`);
    if (!parsed.ok) continue;
    assert.equal(`${parsed.envelope.type}.json`, file, 'file is named after its type');
    assert.ok(parsed.envelope.dataschema && parsed.envelope.time, `${file}: complete (dataschema, time)`);
    const result = validateRecord(parsed.envelope, schemaRegistry);
    assert.equal(result.ok, true, `${file}: ${result.ok ? '' : JSON.stringify(result.rejection)}`);
  }
});
