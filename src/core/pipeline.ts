/**
 * The pipeline's public contract. Implementation: see newPipeline below (filled in by the core work).
 */
import type { Rejection } from './errors.js';
import type { Tenant } from './tenant.js';
import type { BatchHeader, RecordId } from './types.js';

export type SubmitOutcome =
  /** Durable: the record is in a sealed batch written to the outbox. */
  | { readonly status: 'accepted'; readonly recordId: RecordId; readonly digest: string; readonly batchId: string; readonly leafIndex: number }
  /** The same (source, id) with the same digest was accepted before; this is its original result. */
  | { readonly status: 'duplicate'; readonly recordId: RecordId; readonly digest: string; readonly batchId: string; readonly leafIndex: number }
  /** Not accepted: decode, envelope, schema, authorization, signature or conflicting duplicate. */
  | { readonly status: 'rejected'; readonly recordId: RecordId | null; readonly type: string | null; readonly rejection: Rejection }
  /** The queue or the outbox is at its bound; nothing was kept. Retry after the given delay. */
  | { readonly status: 'overloaded'; readonly retryAfterSeconds: number };

/** Hooks for metrics and logs; every method is optional and must not throw. */
export interface PipelineObserver {
  recordAccepted?(type: string, sector: string): void;
  recordRejected?(code: string, type: string | null, sector: string | null): void;
  recordDuplicate?(type: string): void;
  batchSealed?(header: BatchHeader, sealMillis: number): void;
  batchAnchored?(header: BatchHeader, sealToAnchorMillis: number, submitMillis: number): void;
  chainSubmitFailed?(batchId: string, code: string, retryable: boolean): void;
}

export interface PipelineStats {
  /** Records waiting in the batcher (not yet sealed). */
  readonly queued: number;
  /** Batches sealed and not yet anchored, as last seen. */
  readonly outboxDepth: number;
  readonly sealedBatches: number;
  readonly anchoredBatches: number;
}

export interface Pipeline {
  /**
   * Validates, authorizes and batches one record (a JSON value, already parsed by the edge).
   * Resolves once the record is durable in a sealed batch, or with why it was not accepted.
   * Never rejects for bad input; rejects only when the store fails.
   */
  submit(input: unknown, tenant: Tenant): Promise<SubmitOutcome>;
  /** The same for many records at once; outcomes in input order. */
  submitMany(inputs: readonly unknown[], tenant: Tenant): Promise<SubmitOutcome[]>;
  /** 'full' when a new record would go past the queue bound or the outbox bound. */
  admission(): 'open' | 'full';
  /** Seals what is queued now and waits until it is durable. */
  flush(): Promise<void>;
  stats(): PipelineStats;
  /** Flushes, stops the submitter, and resolves when nothing is in flight. */
  close(): Promise<void>;
}
