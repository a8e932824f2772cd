import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { schemaRegistry } from '../../../schemas/registry.js';
import { loadExtraSchemas, registryWithExtras } from '../../../src/ops/extra-schemas.js';

const TRIP_V2 = fileURLToPath(new URL('../../support/schemas/trip-v2.js', import.meta.url));

describe('extra schema modules', () => {
  it('adds their versions to the released registry', async () => {
    assert.equal(schemaRegistry.get('cn.gov.transport.trip', 2), undefined);
    const registry = await registryWithExtras(schemaRegistry, [TRIP_V2]);
    assert.equal(registry.get('cn.gov.transport.trip', 2)?.title, 'Passenger trip (with emissions)');
    assert.equal(registry.latest('cn.gov.transport.trip')?.version, 2);
    assert.equal(registry.list().length, schemaRegistry.list().length + 1);
    assert.equal(await registryWithExtras(schemaRegistry, []), schemaRegistry);
  });

  it('refuses a module without schema definitions, and a version that breaks the registry rules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-extra-'));
    const bad = join(dir, 'bad.mjs');
    writeFileSync(bad, 'export const schemas = [{ type: "x" }];\n');
    await assert.rejects(loadExtraSchemas([bad]), /bad\.mjs must export `schemas`/);
    // Loading v2 twice is a duplicate (type, version): the registry refuses it.
    await assert.rejects(registryWithExtras(schemaRegistry, [TRIP_V2, TRIP_V2]), /registered twice/);
  });
});
