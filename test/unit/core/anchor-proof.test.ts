/**
 * withAnchorProof, the one place both doors ask the chain for a receipt's offline proof. The chain is
 * a stand-in here (the layer this test is not about); the CometBFT integration test asks the real one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withAnchorProof } from '../../../src/core/anchor-proof.js';
import { ChainError, ErrorCodes } from '../../../src/core/errors.js';
import type { ChainClient } from '../../../src/core/ports.js';
import type { AnchorProof, Receipt } from '../../../src/core/types.js';
import { makeReceipt } from '../../support/receipts.js';

const { receipt: embedded } = await makeReceipt({});
const receipt: Receipt = { ...embedded, chain: { ...embedded.chain, kind: 'cometbft' } };
const proof: AnchorProof = { kind: 'cometbft-light', header: { height: 7 } };

function chain(kind: string, anchorProof?: ChainClient['anchorProof']): ChainClient {
  return {
    kind, network: 'n',
    anchor: () => Promise.reject(new Error('not used')),
    lookup: () => Promise.resolve(undefined),
    health: () => Promise.resolve({ ok: true, detail: '' }),
    close: () => Promise.resolve(),
    ...(anchorProof === undefined ? {} : { anchorProof }),
  };
}

describe('withAnchorProof', () => {
  it('adds the chain\'s proof for the receipt\'s batch, the receipt otherwise unchanged', async () => {
    const asked: string[] = [];
    const read = await withAnchorProof(chain('cometbft', (batchId) => (asked.push(batchId), Promise.resolve(proof))), receipt);
    assert.deepEqual(read, { outcome: 'proof', receipt: { ...receipt, anchorProof: proof } });
    assert.deepEqual(asked, [receipt.batch.id]);
  });

  it('is unsupported on a chain without proofs, and for a receipt of another chain kind', async () => {
    assert.deepEqual(await withAnchorProof(chain('embedded'), embedded), { outcome: 'unsupported' });
    let asked = false;
    assert.deepEqual(await withAnchorProof(chain('cometbft', () => ((asked = true), Promise.resolve(proof))), embedded), { outcome: 'unsupported' });
    assert.equal(asked, false, 'the chain is not asked for a batch it never anchored');
  });

  it('is pending while the chain has no proof yet, unavailable when it fails, and lets other errors through', async () => {
    assert.deepEqual(await withAnchorProof(chain('cometbft', () => Promise.resolve(undefined)), receipt), { outcome: 'pending' });
    const down = new ChainError(ErrorCodes.ChainUnavailable, 'no validator answered (http://10.0.0.1:26657: refused)');
    assert.deepEqual(await withAnchorProof(chain('cometbft', () => Promise.reject(down)), receipt), { outcome: 'unavailable', error: down });
    await assert.rejects(withAnchorProof(chain('cometbft', () => Promise.reject(new TypeError('a bug'))), receipt), TypeError);
  });
});
