/**
 * Groups accepted records into batches by count, bytes and linger time.
 *
 * Design rationale:
 * - One batch is sealed at a time. Sealing signs the header and writes the batch to the store, and
 *   each header names the previous batch (`prev`), so sealing is inherently sequential. While one
 *   batch is being sealed the next one fills up, so under load batches grow towards `maxRecords`
 *   on their own and the store sees few, large transactions.
 * - The queue is bounded: `offer` answers 'full' instead of growing. The bound counts every record
 *   that is not yet durable (waiting or being sealed), so memory is bounded by `maxQueued` records.
 * - Timers are injected, so tests drive linger time without sleeping.
 */

export interface BatcherLimits {
  /** Most records in one batch. */
  readonly maxRecords: number;
  /**
   * Records that make a batch worth sealing before its linger is up (default `maxRecords`). Under
   * load this is what keeps batching from waiting out the linger: clients that wait for their
   * records to be durable send the next ones only after a seal, so a batch that already has this
   * many records is not going to get much company by waiting. Smaller batches still linger.
   */
  readonly readyRecords?: number;
  /** Most bytes (sum of the items' sizes) in one batch. */
  readonly maxBytes: number;
  /** How long the first record of a batch may wait for company before the batch is sealed. */
  readonly lingerMs: number;
  /** Most records held in memory (waiting plus being sealed). */
  readonly maxQueued: number;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Seals one batch; must settle (resolve or reject) for every batch it is given. */
export type SealBatch<T> = (items: readonly T[]) => Promise<void>;

export class Batcher<T> {
  /** Items waiting for a batch, and their sizes at the same index (no wrapper object per item). */
  #waiting: T[] = [];
  #waitingSizes: number[] = [];
  #waitingBytes = 0;
  #sealingCount = 0;
  #lingerTimer: unknown = null;
  #sealing = false;
  #settledWaiters: (() => void)[] = [];
  readonly #readyRecords: number;

  constructor(
    private readonly limits: BatcherLimits,
    private readonly timers: Timers,
    private readonly seal: SealBatch<T>,
  ) {
    if (limits.maxRecords < 1 || limits.maxQueued < limits.maxRecords) {
      throw new RangeError('batcher limits: need maxRecords >= 1 and maxQueued >= maxRecords');
    }
    this.#readyRecords = Math.max(1, Math.min(limits.readyRecords ?? limits.maxRecords, limits.maxRecords));
  }

  /** Records not yet durable: waiting for a batch or in the batch being sealed. */
  get queued(): number {
    return this.#waiting.length + this.#sealingCount;
  }

  /** Room left before `offer` answers 'full'. */
  get room(): number {
    return Math.max(0, this.limits.maxQueued - this.queued);
  }

  /** Adds one item of `bytes` size, or answers 'full' when the queue is at its bound. */
  offer(item: T, bytes: number): 'queued' | 'full' {
    if (this.queued >= this.limits.maxQueued) return 'full';
    this.#waiting.push(item);
    this.#waitingSizes.push(bytes);
    this.#waitingBytes += bytes;
    if (this.#waiting.length >= this.#readyRecords || this.#waitingBytes >= this.limits.maxBytes) {
      this.#cut();
    } else if (this.#lingerTimer === null && !this.#sealing) {
      this.#lingerTimer = this.timers.setTimeout(() => {
        this.#lingerTimer = null;
        this.#cut();
      }, this.limits.lingerMs);
    }
    return 'queued';
  }

  /** Seals everything offered so far; resolves when all of it has been sealed (or its seal failed). */
  async flush(): Promise<void> {
    this.#cut();
    while (this.queued > 0) {
      await new Promise<void>((resolve) => this.#settledWaiters.push(resolve));
      this.#cut();
    }
  }

  /** Starts sealing the waiting items now, unless a seal is already running (it picks them up when done). */
  #cut(): void {
    if (this.#lingerTimer !== null) {
      this.timers.clearTimeout(this.#lingerTimer);
      this.#lingerTimer = null;
    }
    if (this.#sealing || this.#waiting.length === 0) return;
    const taken = this.#takeBatch();
    this.#sealing = true;
    this.#sealingCount = taken.length;
    this.seal(taken)
      .catch(() => undefined) // the seal function reports failures to each item itself
      .finally(() => {
        this.#sealing = false;
        this.#sealingCount = 0;
        // Records that arrived while sealing have already waited at least one seal: no fresh linger.
        this.#cut();
        for (const wake of this.#settledWaiters.splice(0)) wake();
      });
  }

  /** Takes the longest prefix of the waiting items that fits the count and byte limits (at least one). */
  #takeBatch(): T[] {
    let count = 0;
    let bytes = 0;
    const sizes = this.#waitingSizes;
    while (count < sizes.length && count < this.limits.maxRecords) {
      const size = sizes[count] as number;
      if (count > 0 && bytes + size > this.limits.maxBytes) break;
      count += 1;
      bytes += size;
    }
    sizes.splice(0, count);
    this.#waitingBytes -= bytes;
    return this.#waiting.splice(0, count);
  }
}
