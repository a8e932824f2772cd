/**
 * The anchoring loop the chain benches share: seal records into batches and anchor them through a
 * ChainClient, a fixed number in flight, each counted once its anchor returns (committed).
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '../src/core/digest.js';
import { toHex } from '../src/core/encoding.js';
import type { ChainClient, Signer } from '../src/core/ports.js';
import type { BenchResult } from './result.js';
import { type LeafRecord, sealBatch } from '../src/core/seal-batch.js';

function leaves(count: number, tag: string): LeafRecord[] {
  return Array.from({ length: count }, (_, i) => {
    return { recordId: { source: `/bench/anchoring/${tag}`, id: String(i) }, digestHex: toHex(sha256(randomBytes(32))), type: 'bench.record', tenant: 'bench' };
  });
}

/** Seals `total` records into batches of `perBatch` and anchors them, `inFlight` at a time; records/s. */
async function anchorRecords(
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

export interface BatchingSizes {
  /** Records anchored in batches. */
  readonly records: number;
  readonly perBatch: number;
  /** Records anchored one transaction each. */
  readonly naive: number;
  readonly inFlight: number;
}

/**
 * Batched anchoring against one transaction per record, through the same client and the same
 * anchors in flight, after a warm-up: the figures, baseline, ratio and note both chain benches report.
 */
export async function compareBatching(chain: ChainClient, signer: Signer, sizes: BatchingSizes): Promise<Pick<BenchResult, 'metrics' | 'baseline' | 'ratio'> & { note: string }> {
  await anchorRecords(chain, signer, sizes.inFlight, 1, sizes.inFlight); // warm-up: connections, first blocks
  const naive = await anchorRecords(chain, signer, sizes.naive, 1, sizes.inFlight);
  const batched = await anchorRecords(chain, signer, sizes.records, sizes.perBatch, sizes.inFlight);
  return {
    metrics: {
      'batched records/s': { value: batched.rate, unit: 'records/s' },
      'batched transactions': { value: batched.txs, unit: 'tx' },
      'batched records': { value: sizes.records, unit: 'records' },
      'records per batch': { value: sizes.perBatch, unit: 'records' },
    },
    baseline: {
      'naive records/s (one tx per record)': { value: naive.rate, unit: 'records/s' },
      'naive records': { value: sizes.naive, unit: 'records' },
    },
    ratio: batched.rate / naive.rate,
    note: `Batched: ${sizes.records} records in batches of ${sizes.perBatch} (seal + sign + anchor). Naive: ${sizes.naive} records, one transaction each.`,
  };
}
