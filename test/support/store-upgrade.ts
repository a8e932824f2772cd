/**
 * Upgrading a store with data across migration 003 (audit paths on read), on any SQL engine: records
 * written under 001 (text[] proofs) and 002 (bytea proofs) keep their proofs and still produce the
 * same receipts; records written after 003 keep none and get theirs from the batch's leaves.
 */
import assert from 'node:assert/strict';
import { loadMigrations, runMigrations } from '../../adapters/store/migrations.js';
import type { SqlDatabase } from '../../adapters/store/sql-database.js';
import { SqlStore } from '../../adapters/store/sql-store.js';
import type { SealedBatch } from '../../src/core/types.js';
import { freshIds, makeBatch, proofOf } from './store-contract.js';

const anchor = { kind: 'embedded', network: 'n', txId: 't', blockNumber: 1 };

async function insertOldBatch(db: SqlDatabase, batch: SealedBatch, proofColumn: 'text[]' | 'bytea'): Promise<void> {
  const { header } = batch;
  await db.query(
    `INSERT INTO batches (id, header, signature, signer_key_id, state, next_attempt_at, sealed_at, anchor, anchored_at)
     VALUES ($1, $2::text::jsonb, $3, $4, 'anchored', 1, 1, $5::text::jsonb, 2)`,
    [header.id, JSON.stringify(header), batch.signature, header.signer.keyId, JSON.stringify(anchor)],
  );
  for (const r of batch.records) {
    const proof = proofOf(batch, r.leafIndex);
    await db.query(
      `INSERT INTO records (source, id, digest, type, tenant, batch_id, leaf_index, proof, accepted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)`,
      [r.recordId.source, r.recordId.id, r.digest, r.type, r.tenant, header.id, r.leafIndex,
        proofColumn === 'text[]' ? proof : new Uint8Array(Buffer.from(proof.join(''), 'hex'))],
    );
  }
}

/** Runs the upgrade scenario on `db`, a fresh empty database; closes nothing. */
export async function checkUpgradeKeepsProofs(db: SqlDatabase): Promise<void> {
  const all = loadMigrations();
  assert.deepEqual(all.slice(0, 3).map((m) => m.version), ['001', '002', '003']);
  assert.deepEqual(await runMigrations(db, all.slice(0, 1), 1), ['001']);
  const under001 = makeBatch(freshIds(5));
  await insertOldBatch(db, under001, 'text[]');
  assert.deepEqual(await runMigrations(db, all.slice(0, 2), 2), ['002']);
  const under002 = makeBatch(freshIds(3));
  await insertOldBatch(db, under002, 'bytea');
  assert.deepEqual(await runMigrations(db, all, 3), all.slice(2).map((m) => m.version));
  assert.deepEqual(await runMigrations(db, all, 4), [], 'a second run applies nothing');

  const store = new SqlStore(db);
  for (const batch of [under001, under002]) {
    for (const r of batch.records) {
      const receipt = await store.getReceipt(r.recordId);
      assert.deepEqual(receipt?.proof, proofOf(batch, r.leafIndex), `old record ${r.leafIndex} of ${batch.header.size}`);
      assert.deepEqual(receipt?.batch, batch.header);
    }
  }

  const fresh = makeBatch(freshIds(6));
  assert.deepEqual(await store.saveBatch(fresh, 5), { ok: true });
  await store.markAnchored(fresh.header.id, anchor, 6);
  const { rows } = await db.query<{ stored: unknown }>(
    'SELECT count(*) AS stored FROM records WHERE batch_id = $1 AND proof IS NOT NULL', [fresh.header.id],
  );
  assert.equal(Number(rows[0]?.stored), 0, 'records saved after 003 keep no proof');
  for (const r of fresh.records) {
    assert.deepEqual((await store.getReceipt(r.recordId))?.proof, proofOf(fresh, r.leafIndex));
  }
}
