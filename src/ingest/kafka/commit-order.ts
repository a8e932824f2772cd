/**
 * The order in which a partition's batches commit. eachBatch returns once a batch is handed to the
 * pipeline, so several batches of one partition may be becoming durable at once; each commits only
 * after the batch it continues (PartitionBatchProcessor.take's `previous`), so no commit passes a
 * record that is not durable.
 *
 * A batch continues the last one taken when it starts at the offset after it. One that does not —
 * kafkajs sought the partition elsewhere (recovering from an out-of-range offset), or it is the first
 * batch after joining the group (read from the committed offset) — starts a new order: waiting for the
 * old one could make it wait for records that will never be durable here.
 */
import type { BatchResult } from './partition-batch.js';

/** What CommitOrder reads of a batch. */
export interface BatchPosition {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly { readonly offset: string }[];
}

interface LastTaken {
  /** The offset after the last record taken. */
  readonly end: bigint;
  readonly done: Promise<BatchResult>;
}

export class CommitOrder {
  readonly #last = new Map<string, LastTaken>();

  /** The `done` of the batch this one continues, if any. */
  previousOf(batch: BatchPosition): Promise<BatchResult> | undefined {
    const first = batch.messages[0];
    const last = this.#last.get(key(batch.topic, batch.partition));
    return first !== undefined && last?.end === BigInt(first.offset) ? last.done : undefined;
  }

  /** Records a batch taken up to `lastTaken` (inclusive); a batch of which nothing was taken does not count. */
  taken(batch: Omit<BatchPosition, 'messages'>, lastTaken: string | null, done: Promise<BatchResult>): void {
    if (lastTaken !== null) this.#last.set(key(batch.topic, batch.partition), { end: BigInt(lastTaken) + 1n, done });
  }

  /** A new group generation reads every partition from its committed offset: every order starts again. */
  clear(): void {
    this.#last.clear();
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
