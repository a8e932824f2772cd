/**
 * `crossgate verify --fabric <profile>`'s ledger check against the real Fabric network: a receipt
 * built from a batch anchored there verifies, and one that misstates the anchor does not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openFabricKeyAdmin } from '../../adapters/chains/fabric/fabric-admin.js';
import { type FabricChain, openFabricChainFromProfile } from '../../adapters/chains/fabric/fabric-chain.js';
import { fabricChecker } from '../../src/cli/anchor-checkers.js';
import { buildReceipt, verifyReceipt } from '../../src/core/receipt.js';
import type { Receipt } from '../../src/core/types.js';
import { fabricProfilePath, newTestSigner, randomBatch, signerInfoOf } from '../support/fabric.js';

describe('crossgate verify --fabric', () => {
  let profile: string;
  let chain: FabricChain;
  let receipts: Receipt[];

  before(async () => {
    profile = fabricProfilePath();
    const signer = newTestSigner('ES256');
    const admin = await openFabricKeyAdmin(profile);
    try {
      await admin.registerGatewayKey(signerInfoOf(signer));
    } finally {
      admin.close();
    }
    chain = await openFabricChainFromProfile(profile);
    const batch = await randomBatch(signer, 5);
    const anchor = await chain.anchor({ header: batch.header, signature: batch.signature });
    receipts = batch.records.map((r) => buildReceipt(r, batch.header, batch.signature, anchor));
  });
  after(async () => {
    await chain?.close();
  });

  it('accepts receipts whose batch is on chain at the stated transaction and block', async () => {
    for (const receipt of receipts) {
      assert.equal(verifyReceipt(receipt).ok, true);
      const result = await fabricChecker(profile)(receipt);
      assert.equal(result.ok, true, result.ok ? '' : result.message);
    }
  });

  it('refuses a receipt that misstates the block or names a batch that is not on chain', async () => {
    const receipt = receipts[0] as Receipt;
    const wrongBlock = { ...receipt, chain: { ...receipt.chain, blockNumber: receipt.chain.blockNumber + 1 } };
    const r1 = await fabricChecker(profile)(wrongBlock);
    assert.equal(r1.ok, false);
    assert.match(r1.ok ? '' : r1.message, /blockNumber/);

    const unknown = { ...receipt, batch: { ...receipt.batch, id: 'f'.repeat(64) } };
    const r2 = await fabricChecker(profile)(unknown);
    assert.equal(r2.ok, false);
    assert.match(r2.ok ? '' : r2.message, /not on the ledger/);
  });
});
