/**
 * The Fabric chain adapter, the anchor chaincode and `crossgate verify --fabric` against the real
 * network from scripts/fabric/network.sh (orderer + two organizations, endorsement by both).
 * One file on purpose: the outage test stops the gateway peer, and tests in one file run one
 * after another, so no other Fabric test here sees that outage. The file holds the network lock
 * (test/support/fabric-lock.ts) throughout, so no other Fabric test file runs meanwhile either.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChainError, ErrorCodes } from '../../src/core/errors.js';
import { canonicalJson } from '../../src/core/canonical-json.js';
import type { Signer } from '../../src/core/ports.js';
import { toBase64Url } from '../../src/core/encoding.js';
import { SIGNATURE_ALGS } from '../../src/core/signer.js';
import type { Receipt, SealedBatch } from '../../src/core/types.js';
import { type FabricChain, openFabricChainFromProfile } from '../../adapters/chains/fabric/fabric-chain.js';
import { type FabricKeyAdmin, openFabricKeyAdmin } from '../../adapters/chains/fabric/fabric-admin.js';
import { connectionOptionsFromProfile, openFabricConnection } from '../../adapters/chains/fabric/fabric-connection.js';
import { loadFabricProfile } from '../../adapters/chains/fabric/fabric-profile.js';
import { fabricChecker } from '../../src/cli/anchor-checkers.js';
import { buildReceipt, verifyReceipt } from '../../src/core/receipt.js';
import { MerkleTree } from '../../src/core/merkle-tree.js';
import { eventually, fabricNode, fabricProfilePath, newTestSigner, randomBatch, signerInfoOf } from '../support/fabric.js';
import { lockFabricNetwork } from '../support/fabric-lock.js';
import { rejectsWith } from '../support/chain-errors.js';

let releaseLock: (() => Promise<void>) | undefined;
before(async () => {
  releaseLock = await lockFabricNetwork(fabricProfilePath(), 'test/integration/fabric-chain.test');
});
after(async () => {
  await releaseLock?.();
});

const decoder = new TextDecoder();

/**
 * `fn`, again while it fails as retryable CG_CHAIN_UNAVAILABLE (peers just restarted, gossip not yet
 * settled), within 90 s; any other failure at once.
 */
function whenChainSettles<T>(fn: () => Promise<T>): Promise<T> {
  return eventually(async () => {
    try {
      return { value: await fn() };
    } catch (err) {
      if (err instanceof ChainError && err.code === ErrorCodes.ChainUnavailable && err.retryable) throw err;
      return { failure: err };
    }
  }, 90_000).then((r) => {
    if ('failure' in r) throw r.failure;
    return r.value;
  });
}

describe('Fabric chain adapter and anchor chaincode', () => {
  let profilePath: string;
  let chain: FabricChain;
  let admin: FabricKeyAdmin;
  let signer: Signer;

  before(async () => {
    profilePath = fabricProfilePath();
    chain = await openFabricChainFromProfile(profilePath);
    admin = await openFabricKeyAdmin(profilePath);
    signer = newTestSigner('Ed25519');
    await admin.registerGatewayKey(signerInfoOf(signer));
  });
  after(async () => {
    await chain?.close();
    admin?.close();
  });

  it('anchors a signed batch and reads it back with its transaction and block', async () => {
    const batch = await randomBatch(signer, 8);
    const anchor = await chain.anchor({ header: batch.header, signature: batch.signature });
    assert.equal(anchor.kind, 'fabric');
    assert.equal(anchor.network, 'crossgate');
    assert.match(anchor.txId, /^[0-9a-f]{64}$/);
    assert.ok(Number.isInteger(anchor.blockNumber) && anchor.blockNumber > 0, `block ${anchor.blockNumber}`);

    const found = await chain.lookup(batch.header.id);
    assert.deepEqual(found, { header: batch.header, signature: batch.signature, anchor });
    assert.equal(await chain.lookup('0'.repeat(64)), undefined);
    assert.equal((await chain.health()).ok, true);
  });

  it('anchoring the same batch twice leaves one entry on chain and returns the first anchor', async () => {
    const batch = await randomBatch(signer, 3);
    const first = await chain.anchor({ header: batch.header, signature: batch.signature });
    const second = await chain.anchor({ header: batch.header, signature: batch.signature });
    assert.deepEqual(second, first);

    // Straight at the chaincode, past the adapter's read-before-write: the chaincode itself dedupes.
    const conn = await openFabricConnection(connectionOptionsFromProfile(await loadFabricProfile(profilePath)));
    try {
      const raw = JSON.parse(decoder.decode(await conn.contract.submit('AnchorBatch', { arguments: [canonicalJson(batch.header), batch.signature] }))) as { status: string; entry: { txId: string } };
      assert.equal(raw.status, 'existing');
      assert.equal(raw.entry.txId, first.txId);
    } finally {
      conn.close();
    }

    const page = await chain.batchesByRange(batch.header.id, `${batch.header.id}0`, 10);
    assert.equal(page.batches.length, 1, 'exactly one entry under the batch id');
    assert.deepEqual(page.batches[0]?.anchor, first);
    assert.deepEqual((await chain.lookup(batch.header.id))?.anchor, first);
  });

  it('emits a BatchAnchored chaincode event for a new anchor', async () => {
    const batch = await randomBatch(signer, 2);
    const anchor = await chain.anchor({ header: batch.header, signature: batch.signature });
    const conn = await openFabricConnection(connectionOptionsFromProfile(await loadFabricProfile(profilePath)));
    const events = await conn.network.getChaincodeEvents('anchor', { startBlock: BigInt(anchor.blockNumber) });
    // Bounded: if the event never comes, closing the stream ends the loop and the assertion fails.
    const timer = setTimeout(() => events.close(), 30_000);
    let payload: unknown;
    try {
      for await (const event of events) {
        assert.equal(event.blockNumber, BigInt(anchor.blockNumber));
        if (event.transactionId !== anchor.txId) continue;
        assert.equal(event.eventName, 'BatchAnchored');
        payload = JSON.parse(decoder.decode(event.payload));
        break;
      }
    } catch (err) {
      if (payload === undefined) throw err;
    } finally {
      clearTimeout(timer);
      events.close();
      conn.close();
    }
    assert.deepEqual(payload, { batchId: batch.header.id, root: batch.header.root, size: batch.header.size, txId: anchor.txId });
  });

  it('rejects a batch signed by a key that was never registered, without retry', async () => {
    const stranger = newTestSigner('ES256');
    const batch = await randomBatch(stranger, 2);
    const err = await rejectsWith(chain.anchor({ header: batch.header, signature: batch.signature }), ErrorCodes.ChainRejected, /not registered/);
    assert.equal(err.retryable, false);
    assert.equal(await chain.lookup(batch.header.id), undefined);
  });

  it('rejects batches signed by a revoked key, and keeps what it anchored before', async () => {
    const rotating = newTestSigner('ES256K');
    await admin.registerGatewayKey(signerInfoOf(rotating));
    const before = await randomBatch(rotating, 2);
    const anchored = await chain.anchor({ header: before.header, signature: before.signature });

    const revoked = await admin.revokeGatewayKey(rotating.keyId);
    assert.equal(revoked.status, 'revoked');
    const afterBatch = await randomBatch(rotating, 2, before.header.id);
    await rejectsWith(chain.anchor({ header: afterBatch.header, signature: afterBatch.signature }), ErrorCodes.ChainRejected, /revoked/);
    assert.equal(await chain.lookup(afterBatch.header.id), undefined);
    assert.deepEqual((await chain.lookup(before.header.id))?.anchor, anchored);
    // A revoked key id never comes back.
    await rejectsWith(admin.registerGatewayKey(signerInfoOf(rotating)), ErrorCodes.ChainRejected, /revoked/);
  });

  it('rejects a forged signature and a header whose id does not match its content', async () => {
    const batch = await randomBatch(signer, 2);
    const other = await randomBatch(signer, 2);
    await rejectsWith(chain.anchor({ header: batch.header, signature: other.signature }), ErrorCodes.ChainRejected, /does not verify/);
    const tampered = { ...batch.header, size: batch.header.size + 1 };
    await rejectsWith(chain.anchor({ header: tampered, signature: batch.signature }), ErrorCodes.ChainRejected, /does not match its content/);
  });

  it('lets only admins manage gateway keys', async () => {
    const gatewayAsAdmin = await openFabricKeyAdmin(profilePath, 'gateway');
    try {
      const key = newTestSigner('Ed25519');
      await rejectsWith(gatewayAsAdmin.registerGatewayKey(signerInfoOf(key)), ErrorCodes.ChainRejected, /access denied/);
      await rejectsWith(gatewayAsAdmin.revokeGatewayKey(signer.keyId), ErrorCodes.ChainRejected, /access denied/);
      assert.equal(await admin.getGatewayKey(key.keyId), null);
      assert.equal((await admin.getGatewayKey(signer.keyId))?.status, 'active');
    } finally {
      gatewayAsAdmin.close();
    }
  });

  it('concurrent anchors of one batch: one transaction wins, a loser gets retryable CG_CHAIN_CONFLICT and then the winner\'s anchor', async () => {
    const batch = await randomBatch(signer, 2);
    const request = { header: batch.header, signature: batch.signature };
    const settled = await Promise.allSettled([chain.anchor(request), chain.anchor(request), chain.anchor(request)]);
    const winners = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
    assert.ok(winners.length >= 1, 'at least one anchor succeeds');
    for (const w of winners) assert.deepEqual(w, winners[0]);
    for (const s of settled) {
      if (s.status === 'rejected') {
        assert.ok(s.reason instanceof ChainError, String(s.reason));
        assert.equal(s.reason.code, ErrorCodes.ChainConflict, s.reason.message);
        assert.equal(s.reason.retryable, true);
        assert.deepEqual(await chain.anchor(request), winners[0], 'the retry finds the winner');
      }
    }
    const page = await chain.batchesByRange(batch.header.id, `${batch.header.id}0`, 10);
    assert.equal(page.batches.length, 1);
  });

  it('with the gateway peer stopped, anchoring fails as retryable CG_CHAIN_UNAVAILABLE; after the restart each batch is anchored once', async () => {
    const batches: SealedBatch[] = [];
    let prev: string | null = null;
    for (let i = 0; i < 3; i++) {
      const b = await randomBatch(signer, 4, prev);
      batches.push(b);
      prev = b.header.id;
    }
    await fabricNode('stop-node', 'peer-org1');
    try {
      for (const b of batches) {
        const err = await rejectsWith(chain.anchor({ header: b.header, signature: b.signature }), ErrorCodes.ChainUnavailable);
        assert.equal(err.retryable, true);
      }
      const health = await chain.health();
      assert.equal(health.ok, false);
    } finally {
      await fabricNode('start-node', 'peer-org1');
    }
    // The submitter's job, done by hand: retry each waiting batch until the chain takes it.
    const anchors = [];
    for (const b of batches) {
      anchors.push(await eventually(() => chain.anchor({ header: b.header, signature: b.signature }), 90_000));
    }
    assert.equal(new Set(anchors.map((a) => a.txId)).size, batches.length, 'one transaction per batch');
    for (const [i, b] of batches.entries()) {
      const again = await chain.anchor({ header: b.header, signature: b.signature });
      assert.deepEqual(again, anchors[i], 'a repeat finds the first anchor');
      assert.deepEqual((await chain.lookup(b.header.id))?.signature, b.signature);
    }
  });

  it('with the other organization\'s peer stopped, the endorsement policy cannot be met: retryable CG_CHAIN_UNAVAILABLE', async () => {
    const batch = await randomBatch(signer, 2);
    await fabricNode('stop-node', 'peer-org2');
    try {
      const err = await rejectsWith(chain.anchor({ header: batch.header, signature: batch.signature }), ErrorCodes.ChainUnavailable);
      assert.equal(err.retryable, true);
      // Until gossip expires the stopped peer, the gateway still plans to endorse on it. Restarting it
      // before then leaves its old incarnation to expire after the restart, and the tests that follow
      // meet a membership that flaps; so wait until discovery itself says org2 is gone.
      await eventually(async () => {
        const gone = await rejectsWith(chain.anchor({ header: batch.header, signature: batch.signature }), ErrorCodes.ChainUnavailable);
        assert.match(gone.message, /no combination of peers/);
      }, 60_000);
    } finally {
      await fabricNode('start-node', 'peer-org2');
    }
    const anchor = await eventually(() => chain.anchor({ header: batch.header, signature: batch.signature }), 90_000);
    assert.deepEqual((await chain.lookup(batch.header.id))?.anchor, anchor);
  });

  it('signs with every supported algorithm', async () => {
    // The tests above stopped and restarted both peers; until gossip has settled, discovery may still
    // miss one and refuse endorsement as retryable CG_CHAIN_UNAVAILABLE, which the submitter retries
    // in the gateway. So does this test: what it checks is the algorithms, each within a deadline.
    for (const alg of SIGNATURE_ALGS) {
      const s = newTestSigner(alg);
      await whenChainSettles(() => admin.registerGatewayKey(signerInfoOf(s)));
      const b = await randomBatch(s, 1);
      const anchor = await whenChainSettles(() => chain.anchor({ header: b.header, signature: b.signature }));
      assert.equal((await chain.lookup(b.header.id))?.anchor.txId, anchor.txId, alg);
      assert.equal(b.header.signer.publicKey, toBase64Url(s.publicKey));
    }
  });
});

describe('crossgate verify --fabric', () => {
  let profile: string;
  let chain: FabricChain;
  let receipts: Receipt[];

  before(async () => {
    profile = fabricProfilePath();
    const signer = newTestSigner('ES256');
    const admin = await openFabricKeyAdmin(profile);
    try {
      // Retried within a deadline for the reason given in 'signs with every supported algorithm'.
      await whenChainSettles(() => admin.registerGatewayKey(signerInfoOf(signer)));
    } finally {
      admin.close();
    }
    chain = await openFabricChainFromProfile(profile);
    const batch = await randomBatch(signer, 5);
    const anchor = await whenChainSettles(() => chain.anchor({ header: batch.header, signature: batch.signature }));
    const tree = MerkleTree.fromLeaves(batch.leaves);
    receipts = batch.records.map((r) => buildReceipt({ ...r, proof: tree.auditPathHex(r.leafIndex) }, batch.header, batch.signature, anchor));
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
