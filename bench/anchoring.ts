/**
 * The anchoring loop the chain benches share: seal records into batches and anchor them through a
 * ChainClient, a fixed number in flight, each counted once its anchor returns (committed).
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '../src/core/digest.js';
import { toHex } from '../src/core/encoding.js';
import type { ChainClient, Signer } from '../src/core/ports.js';
import { type LeafRecord, sealBatch } from '../src/core/seal-batch.js';

function leaves(count: number, tag: string): LeafRecord[] {
  return Array.from({ length: count }, (_, i) => {
    return { recordId: { source: `/bench/anchoring/${tag}`, id: String(i) }, digestHex: toHex(sha256(randomBytes(32))), type: 'bench.record', tenant: 'bench' };
  });
}

/** Seals `total` records into batches of `perBatch` and anchors them, `inFlight` at a time; records/s. */
export async function anchorRecords(
  chain: ChainClient, signer: Signer, total: number, perBatch: number, inFlight: number,
): Promise<{ rate: number; txs: number; seconds: number }> {
  const tag = toHex(randomBytes(6));
  const started = performance.now();
  let next = 0;
  let txs = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const from = next;
      if (from >= total) return;
      next = Math.min(total, from + perBatch);
      const batch = await sealBatch(leaves(next - from, `${tag}-${from}`), { signer, prev: null, sealedAtMillis: Date.now() });
      await chain.anchor({ header: batch.header, signature: batch.signature });
      txs += 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { rate: total / seconds, txs, seconds };
}
