/**
 * The order in which a partition's batches commit. eachBatch returns once a batch is handed to the
 * pipeline, so several batches of one partition may be becoming durable at once; each commits only
 * after the batch taken before it (PartitionBatchProcessor.take's `previous`) lets it
 * (BatchResult.nextMayCommit), so no commit passes a record that is not durable.
 *
 * The order is the order in which batches were taken, not offset arithmetic: offsets have gaps that
 * are not missing records (transaction markers, compacted records, batches kafkajs filtered out and
 * resolved on its own), so "starts where the last one ended" would wrongly start a new order there.
 * A new group generation starts every order again (its batches are read from the committed offsets).
 */
import type { BatchResult } from './partition-batch.js';

/** Where a batch was read from. */
export interface BatchPosition {
  readonly topic: string;
  readonly partition: number;
}

export class CommitOrder {
  readonly #last = new Map<string, Promise<BatchResult>>();

  /** The `done` of the batch of the same partition taken last, if any. */
  previousOf(batch: BatchPosition): Promise<BatchResult> | undefined {
    return this.#last.get(key(batch));
  }

  /** Records a batch taken up to `lastTaken`; a batch of which nothing was taken does not count. */
  taken(batch: BatchPosition, lastTaken: string | null, done: Promise<BatchResult>): void {
    if (lastTaken !== null) this.#last.set(key(batch), done);
  }

  /** A new group generation reads every partition from its committed offset: every order starts again. */
  clear(): void {
    this.#last.clear();
  }
}

function key(batch: BatchPosition): string {
  return `${batch.topic}\u0000${batch.partition}`;
}
