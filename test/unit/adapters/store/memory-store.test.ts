import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../../../adapters/store/memory-store.js';
import { sha256 } from '../../../../src/core/digest.js';
import { StoreError } from '../../../../src/core/errors.js';
import { toHex, utf8 } from '../../../../src/core/encoding.js';
import { verifyReceipt } from '../../../../src/core/receipt.js';
import { sealBatch } from '../../../../src/core/seal-batch.js';
import { generatePrivateKey, newSigner } from '../../../../src/core/signer.js';

const signer = newSigner('Ed25519', generatePrivateKey('Ed25519'));
const anchor = { kind: 'embedded', network: 'n', txId: 't', blockNumber: 1 };

async function sealed(tag: string, n: number) {
  const leaves = Array.from({ length: n }, (_, i) => ({
    recordId: { source: `/t/${tag}`, id: `r-${i}` }, digestHex: toHex(sha256(utf8(`${tag} ${i}`))), type: 'x', tenant: 't',
  }));
  return sealBatch(leaves, { signer, prev: null, sealedAtMillis: 1 });
}

describe('memory store receipts', () => {
  it('computes every receipt of an anchored batch from its leaves, each one verifying', async () => {
    const store = new MemoryStore();
    const [a, b] = [await sealed('a', 21), await sealed('b', 2)];
    for (const batch of [a, b]) {
      assert.deepEqual(await store.saveBatch(batch, 1), { ok: true });
      await store.markAnchored(batch.header.id, anchor, 2);
    }
    for (const batch of [a, b]) {
      for (const record of batch.records) {
        const receipt = await store.getReceipt(record.recordId);
        assert.equal(receipt?.leafIndex, record.leafIndex);
        const verdict = verifyReceipt(receipt);
        assert.ok(verdict.ok, JSON.stringify(verdict));
      }
    }
  });

  it('refuses a batch without 32 bytes of leaves per record, and a receipt from leaves off the root', async () => {
    const store = new MemoryStore();
    const batch = await sealed('c', 3);
    await assert.rejects(store.saveBatch({ ...batch, leaves: batch.leaves.subarray(1) }, 1), TypeError);
    const leaves = batch.leaves.slice();
    leaves[0] = leaves[0]! ^ 1;
    await store.saveBatch({ ...batch, leaves }, 1);
    await store.markAnchored(batch.header.id, anchor, 2);
    await assert.rejects(store.getReceipt(batch.records[2]!.recordId), StoreError);
  });
});
