/** The Store contract on the embedded PGlite store, persisted to a temporary directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createPGlite, openEmbeddedStore, pgliteDatabase } from '../../adapters/store/embedded-store.js';
import { StoreError } from '../../src/core/errors.js';
import { runStoreContract } from '../support/store-contract.js';
import { checkUpgradeKeepsProofs } from '../support/store-upgrade.js';

const dataDir = mkdtempSync(join(tmpdir(), 'cg-store-embedded-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

runStoreContract('embedded (PGlite)', () => openEmbeddedStore({ dataDir }));

describe('embedded store data directory', () => {
  it('refuses a second open while the first is open, and opens again once it is closed', async () => {
    const first = await openEmbeddedStore({ dataDir });
    try {
      await assert.rejects(openEmbeddedStore({ dataDir }), (err: unknown) => err instanceof StoreError && /already open/.test(err.message));
      assert.equal((await first.health()).ok, true, 'the failed second open left the first one working');
    } finally {
      await first.close();
    }
    const again = await openEmbeddedStore({ dataDir });
    await again.close();
  });
});

describe('embedded store upgrade', () => {
  it('upgrades a database with data across every migration: old records keep their proofs and receipts', async () => {
    const pglite = createPGlite();
    await pglite.waitReady;
    const db = pgliteDatabase(pglite);
    try {
      await checkUpgradeKeepsProofs(db);
    } finally {
      await db.close();
    }
  });
});
