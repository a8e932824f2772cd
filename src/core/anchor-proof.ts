/**
 * A receipt with its chain's offline anchor proof (`anchorProof`, docs/receipt-format.md §7), read on
 * demand: the proof exists only once the chain has gone a block or two past the anchor. The doors
 * (REST `?anchorProof=true`, gRPC `anchor_proof`) map each outcome to their own errors.
 */
import { ChainError } from './errors.js';
import type { ChainClient } from './ports.js';
import type { Receipt } from './types.js';

export type AnchorProofRead =
  | { readonly outcome: 'proof'; readonly receipt: Receipt }
  /** The gateway's chain gives no such proofs, or the receipt is of another chain. */
  | { readonly outcome: 'unsupported' }
  /** Not yet: the block that carries the proof does not exist. */
  | { readonly outcome: 'pending' }
  /** The chain did not answer. Its message names nodes, so it is not for tenants; operators see the outage in the chain's health check. */
  | { readonly outcome: 'unavailable'; readonly error: ChainError };

export async function withAnchorProof(chain: ChainClient, receipt: Receipt): Promise<AnchorProofRead> {
  if (chain.anchorProof === undefined || receipt.chain.kind !== chain.kind) {
    return { outcome: 'unsupported' };
  }
  try {
    const proof = await chain.anchorProof(receipt.batch.id);
    return proof === undefined ? { outcome: 'pending' } : { outcome: 'proof', receipt: { ...receipt, anchorProof: proof } };
  } catch (error) {
    if (error instanceof ChainError) return { outcome: 'unavailable', error };
    throw error;
  }
}
