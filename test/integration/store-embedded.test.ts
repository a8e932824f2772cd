/** The Store contract on the embedded PGlite store, persisted to a temporary directory; migration upgrades. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createPGlite, openEmbeddedStore, pgliteDatabase } from '../../adapters/store/embedded-store.js';
import { loadMigrations, runMigrations } from '../../adapters/store/migrations.js';
import { SqlStore } from '../../adapters/store/sql-store.js';
import { freshIds, makeBatch, runStoreContract } from '../support/store-contract.js';

const dataDir = mkdtempSync(join(tmpdir(), 'cg-store-embedded-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

runStoreContract('embedded (PGlite)', () => openEmbeddedStore({ dataDir }));

describe('store migrations', () => {
  it('upgrades a 001 database with data: text[] proofs become bytes and read back the same', async () => {
    const pglite = createPGlite();
    const db = pgliteDatabase(pglite);
    try {
      const all = loadMigrations();
      assert.deepEqual(await runMigrations(db, all.slice(0, 1), 1), ['001']);
      const batch = makeBatch(freshIds(2));
      const header = batch.header;
      await db.query(
        `INSERT INTO batches (id, header, signature, signer_key_id, state, next_attempt_at, sealed_at, anchor, anchored_at)
         VALUES ($1, $2::text::jsonb, $3, $4, 'anchored', 1, 1, $5::text::jsonb, 2)`,
        [header.id, JSON.stringify(header), batch.signature, header.signer.keyId, JSON.stringify({ kind: 'embedded', network: 'n', txId: 't', blockNumber: 1 })],
      );
      for (const r of batch.records) {
        await db.query(
          `INSERT INTO records (source, id, digest, type, tenant, batch_id, leaf_index, proof, accepted_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], 1)`,
          [r.recordId.source, r.recordId.id, r.digest, r.type, r.tenant, header.id, r.leafIndex, r.proof],
        );
      }
      assert.deepEqual(await runMigrations(db, all, 3), all.slice(1).map((m) => m.version));
      assert.deepEqual(await runMigrations(db, all, 4), [], 'a second run applies nothing');
      const store = new SqlStore(db);
      const receipt = await store.getReceipt(batch.records[1]!.recordId);
      assert.deepEqual(receipt?.proof, batch.records[1]!.proof);
      assert.deepEqual(receipt?.batch, header);
    } finally {
      await db.close();
    }
  });
});
