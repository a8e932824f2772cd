/**
 * Drains the batch outbox to the chain: at-least-once delivery made exactly-once by the chain
 * adapters' idempotent `anchor` (keyed by batch id). Survives restarts because its only state is
 * the outbox itself; failures back off exponentially per batch, and non-retryable rejections park
 * the batch in state `failed` for an operator.
 */
import { ChainError, ErrorCodes } from './errors.js';
import type { Timers } from './batcher.js';
import type { PipelineObserver } from './pipeline.js';
import type { ChainClient, OutboxEntry, Store } from './ports.js';
import type { Clock } from './types.js';

export interface RetryPolicy {
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

export interface SubmitterOptions {
  readonly store: Store;
  readonly chain: ChainClient;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly retry: RetryPolicy;
  /** How often to look at the outbox when nobody kicks the submitter. */
  readonly pollMs: number;
  /** Batches read from the outbox per round. */
  readonly roundSize?: number;
  /** Jitter source in [0, 1); none by default so tests are deterministic. */
  readonly random?: () => number;
  readonly observer?: PipelineObserver;
  /** Told after each batch is anchored (the pipeline keeps its outbox depth this way). */
  readonly onAnchored?: (entry: OutboxEntry) => void;
  /**
   * Told the store's outbox depth after each round. Instances sharing a store share its outbox: one
   * may anchor (or an operator fail) batches another sealed, which no `onAnchored` of the sealer sees.
   */
  readonly onOutboxDepth?: (depth: number) => void;
  /** Told when a store read fails, so the edge can log it. */
  readonly onError?: (error: unknown) => void;
}

/** Delay before attempt `attempts + 1`: initial * 2^attempts, capped, with optional jitter. */
export function backoffMillis(attempts: number, policy: RetryPolicy, random?: () => number): number {
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.min(attempts, 30));
  return random === undefined ? base : Math.round(base / 2 + (base / 2) * random());
}

export class Submitter {
  #stopped = true;
  #paused = false;
  #wake: (() => void) | null = null;
  #kicked = false;
  #loop: Promise<void> | null = null;
  #anchored = 0;

  constructor(private readonly options: SubmitterOptions) {}

  get anchoredCount(): number {
    return this.#anchored;
  }

  get paused(): boolean {
    return this.#paused;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loop = this.#run();
  }

  /** Asks for a round now (a batch was just sealed). */
  kick(): void {
    this.#kicked = true;
    this.#wake?.();
  }

  /** Holds anchoring (chain maintenance); batches wait in the outbox. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.kick();
  }

  /** Stops after the batch in progress; resolves when the loop has exited. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    this.#loop = null;
  }

  async #run(): Promise<void> {
    const { store, clock, pollMs } = this.options;
    while (!this.#stopped) {
      this.#kicked = false;
      if (this.#paused) {
        await this.#sleep(pollMs);
        continue;
      }
      let due: OutboxEntry[];
      try {
        due = await store.dueBatches(clock.now(), this.options.roundSize ?? 32);
      } catch (error) {
        this.options.onError?.(error);
        await this.#sleep(pollMs);
        continue;
      }
      for (const entry of due) {
        if (this.#stopped || this.#paused) break;
        await this.#anchorOne(entry);
      }
      if (this.options.onOutboxDepth) {
        try {
          this.options.onOutboxDepth(await store.outboxDepth());
        } catch (error) {
          this.options.onError?.(error);
        }
      }
      // A full round may mean more is due right away; otherwise wait for a kick or the next poll.
      if (due.length < (this.options.roundSize ?? 32) && !this.#kicked) await this.#sleep(pollMs);
    }
  }

  async #anchorOne(entry: OutboxEntry): Promise<void> {
    const { store, chain, clock, observer } = this.options;
    const started = clock.now();
    try {
      const anchor = await chain.anchor({ header: entry.header, signature: entry.signature });
      const now = clock.now();
      await store.markAnchored(entry.header.id, anchor, now);
      this.#anchored += 1;
      observer?.batchAnchored?.(entry.header, now - Date.parse(entry.header.sealedAt), now - started);
      this.options.onAnchored?.(entry);
    } catch (error) {
      const code = error instanceof ChainError ? error.code : ErrorCodes.ChainUnavailable;
      const retryable = error instanceof ChainError ? error.retryable : true;
      const message = error instanceof Error ? error.message : String(error);
      observer?.chainSubmitFailed?.(entry.header.id, code, retryable);
      const next = clock.now() + backoffMillis(entry.attempts, this.options.retry, this.options.random);
      try {
        await store.markAttemptFailed(entry.header.id, `${code}: ${message}`, next, !retryable);
      } catch (storeError) {
        this.options.onError?.(storeError);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.options.timers.setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        this.options.timers.clearTimeout(handle);
        this.#wake = null;
        resolve();
      };
    });
  }
}
