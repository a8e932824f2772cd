/**
 * The pipeline: the one way records enter Crossgate, whatever door they came through (REST, Kafka,
 * gRPC). The contract first, then `newPipeline`, which wires the core's pieces together.
 */
import { Batcher, type Timers } from './batcher.js';
import { ErrorCodes, rejection, type Rejection } from './errors.js';
import type { ChainClient, Signer, Store, StoredRecord } from './ports.js';
import { prepareRecord, type PreparedRecord } from './prepare.js';
import { sealBatch, type LeafRecord } from './seal-batch.js';
import { digestAlgOf } from './signature-algs.js';
import { Submitter, type RetryPolicy } from './submitter.js';
import type { Tenant } from './tenant.js';
import type { BatchHeader, Clock, RecordId } from './types.js';
import type { RecordSchemaLookup } from './validate-record.js';

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
  /** `count` records of `type` were accepted into one sealed batch (one call per type per batch). */
  recordsAccepted?(type: string, sector: string, count: number): void;
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
  /**
   * The same for records prepared elsewhere (a worker thread, see prepare.ts) with `prepareRecord`
   * for this very tenant and this pipeline's registry: the pipeline trusts the digest it is given
   * (and throws if it was made with another hash than its signer's suite: a wiring bug).
   */
  submitPrepared(prepared: readonly PreparedRecord[], tenant: Tenant): Promise<SubmitOutcome[]>;
  /** 'full' when a new record would go past the queue bound or the outbox bound. */
  admission(): 'open' | 'full';
  /** Seals what is queued now and waits until it is durable. */
  flush(): Promise<void>;
  stats(): PipelineStats;
  /** Holds anchoring (chain maintenance): batches wait in the outbox and count towards its bound. */
  pauseAnchoring(): void;
  resumeAnchoring(): void;
  readonly anchoringPaused: boolean;
  /** Flushes, stops the submitter, and resolves when nothing is in flight. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------------------------


export interface PipelineLimits {
  readonly maxBatchRecords: number;
  /** Records that seal a batch before its linger is up (default maxBatchRecords; Batcher's readyRecords). */
  readonly readyBatchRecords?: number;
  readonly maxBatchBytes: number;
  readonly lingerMs: number;
  /** Records held in memory before `submit` answers 'overloaded'. */
  readonly maxQueuedRecords: number;
  /** Batches sealed but not anchored before `submit` answers 'overloaded' (chain down or slow). */
  readonly maxOutboxBatches: number;
}

/**
 * A second gateway key that signs every batch sealed at or after `atMillis` (by the pipeline's clock).
 * The prev chain runs on across the switch: the first batch of the new key names the last of the old.
 */
export interface KeyRotation {
  readonly next: Signer;
  readonly atMillis: number;
}

export interface PipelineDeps {
  readonly registry: RecordSchemaLookup;
  readonly signer: Signer;
  /** Where a scheduled key rotation is configured (docs/operating.md "Rotating the signing key"). */
  readonly rotation?: KeyRotation;
  readonly store: Store;
  readonly chain: ChainClient;
  readonly clock: Clock;
  readonly limits: PipelineLimits;
  readonly retry: RetryPolicy;
  readonly observer?: PipelineObserver;
  readonly timers?: Timers;
  /** How often the submitter looks at the outbox on its own (default 1 s). */
  readonly submitterPollMs?: number;
  /** Jitter for retry backoff, in [0, 1). */
  readonly random?: () => number;
  /** Told about background failures (store down while anchoring), for logs. */
  readonly onError?: (error: unknown) => void;
}

/**
 * The outcomes of one submit or submitMany call, in input order. One promise per call, not per
 * record: a REST batch or a Kafka fetch of a thousand records costs one promise and one array, and
 * the records settle their slot. Rejects on the first store failure, as Promise.all did.
 */
class OutcomeGroup {
  readonly outcomes: SubmitOutcome[];
  readonly promise: Promise<SubmitOutcome[]>;
  #pending: number;
  #resolve!: (outcomes: SubmitOutcome[]) => void;
  #reject!: (error: Error) => void;

  constructor(size: number) {
    this.outcomes = new Array<SubmitOutcome>(size);
    this.#pending = size;
    this.promise = new Promise<SubmitOutcome[]>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    if (size === 0) this.#resolve(this.outcomes);
  }

  set(index: number, outcome: SubmitOutcome): void {
    this.outcomes[index] = outcome;
    this.#pending -= 1;
    if (this.#pending === 0) this.#resolve(this.outcomes);
  }

  fail(error: Error): void {
    this.#reject(error);
  }
}

/**
 * A record that passed every check and waits in the batcher. One object per record holds everything
 * until its batch is sealed (no per-record closures, promises or copies): up to `maxQueuedRecords` of
 * them are alive at once, and what they hold is what every young-generation GC has to copy. The
 * digest is kept as hex only; sealBatch decodes the whole batch's digests at once.
 */
class QueuedRecord implements LeafRecord {
  /** Made only when a second submission of the same (source, id) arrives while this one is in flight. */
  #followers: { promise: Promise<SubmitOutcome>; resolve: (outcome: SubmitOutcome) => void; reject: (error: Error) => void } | null = null;

  constructor(
    /** (source, id) as one string: the key of the pipeline's in-flight map. */
    readonly key: string,
    readonly recordId: RecordId,
    readonly digestHex: string,
    readonly type: string,
    readonly sector: string,
    readonly tenant: string,
    /** Size counted against the batch byte budget. */
    readonly bytes: number,
    private readonly inFlight: Map<string, QueuedRecord>,
    private readonly group: OutcomeGroup,
    private readonly index: number,
  ) {}

  /** This record's outcome, for a later submission of the same (source, id). */
  outcome(): Promise<SubmitOutcome> {
    if (this.#followers === null) {
      let resolve!: (outcome: SubmitOutcome) => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<SubmitOutcome>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#followers = { promise, resolve, reject };
    }
    return this.#followers.promise;
  }

  settle(outcome: SubmitOutcome | Error): void {
    if (this.inFlight.get(this.key) === this) this.inFlight.delete(this.key);
    if (outcome instanceof Error) {
      this.group.fail(outcome);
      this.#followers?.reject(outcome);
    } else {
      this.group.set(this.index, outcome);
      this.#followers?.resolve(outcome);
    }
  }
}

type Checked =
  | { readonly ok: true; readonly record: QueuedRecord }
  | { readonly ok: false; readonly outcome: SubmitOutcome };

const defaultTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function keyOf(source: string, id: string): string {
  return `${source}\u0000${id}`;
}

/**
 * Builds the pipeline and starts its outbox submitter. Records flow:
 * parse envelope → authorize → validate → RFC 8785 digest → batcher → seal (Merkle, sign) →
 * store (one transaction per batch) → `submit` resolves → submitter anchors the batch on chain.
 */
export async function newPipeline(deps: PipelineDeps): Promise<Pipeline> {
  const { registry, signer, store, chain, clock, limits, observer } = deps;
  const timers = deps.timers ?? defaultTimers;
  const digestAlg = digestAlgOf(signer.alg);
  const rotation = deps.rotation;
  if (rotation !== undefined && digestAlgOf(rotation.next.alg) !== digestAlg) {
    // Records are digested before they are batched: a key of another suite cannot take over mid-stream.
    throw new TypeError(`the next signing key (${rotation.next.alg}) hashes with ${digestAlgOf(rotation.next.alg)}, the current one (${signer.alg}) with ${digestAlg}: a rotation keeps the suite`);
  }
  const signerAt = (millis: number): Signer => (rotation !== undefined && millis >= rotation.atMillis ? rotation.next : signer);
  let prev = rotation !== undefined && clock.now() >= rotation.atMillis
    ? (await store.lastBatchId(rotation.next.keyId)) ?? (await store.lastBatchId(signer.keyId))
    : await store.lastBatchId(signer.keyId);
  let outboxDepth = await store.outboxDepth();
  let sealedBatches = 0;
  /** First submission of each (source, id) not yet settled: later ones wait for it. */
  const inFlight = new Map<string, QueuedRecord>();

  const submitter = new Submitter({
    store, chain, clock, timers, retry: deps.retry,
    pollMs: deps.submitterPollMs ?? 1000,
    observer,
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.onError ? { onError: deps.onError } : {}),
    onAnchored: () => {
      outboxDepth = Math.max(0, outboxDepth - 1);
    },
    // The store is the truth when instances share it (the tally above only sees this one's batches).
    onOutboxDepth: (depth) => {
      outboxDepth = depth;
    },
  });

  const batcher = new Batcher<QueuedRecord>(
    {
      maxRecords: limits.maxBatchRecords,
      ...(limits.readyBatchRecords === undefined ? {} : { readyRecords: limits.readyBatchRecords }),
      maxBytes: limits.maxBatchBytes,
      lingerMs: limits.lingerMs,
      maxQueued: limits.maxQueuedRecords,
    },
    timers,
    (records) => sealAndStore(records),
  );

  /** Seals and stores; records whose id is already stored are answered from the store and left out. */
  async function sealAndStore(records: readonly QueuedRecord[]): Promise<void> {
    let remaining = records;
    try {
      while (remaining.length > 0) {
        const started = clock.now();
        const batch = await sealBatch(remaining, { signer: signerAt(started), prev, sealedAtMillis: started });
        const saved = await store.saveBatch(batch, clock.now());
        if (saved.ok) {
          prev = batch.header.id;
          outboxDepth += 1;
          sealedBatches += 1;
          observer?.batchSealed?.(batch.header, clock.now() - started);
          // Counted per type per batch: a metrics call per record was ~1.5 µs of every record.
          const acceptedByType = new Map<string, { sector: string; count: number }>();
          for (const sealed of batch.records) {
            const record = remaining[sealed.leafIndex] as QueuedRecord;
            const tally = acceptedByType.get(record.type);
            if (tally === undefined) acceptedByType.set(record.type, { sector: record.sector, count: 1 });
            else tally.count += 1;
            record.settle({
              status: 'accepted', recordId: record.recordId, digest: record.digestHex,
              batchId: batch.header.id, leafIndex: sealed.leafIndex,
            });
          }
          for (const [type, { sector, count }] of acceptedByType) observer?.recordsAccepted?.(type, sector, count);
          submitter.kick();
          return;
        }
        remaining = await settleConflicts(remaining, saved.conflicts);
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const record of remaining) record.settle(failure);
    }
  }

  /** Answers the records that were stored meanwhile (duplicate or conflict) and returns the rest. */
  async function settleConflicts(
    records: readonly QueuedRecord[],
    conflicts: readonly { source: string; id: string }[],
  ): Promise<readonly QueuedRecord[]> {
    const existing = new Map<string, StoredRecord>();
    for (const stored of await store.findRecords(conflicts)) {
      existing.set(keyOf(stored.recordId.source, stored.recordId.id), stored);
    }
    const rest: QueuedRecord[] = [];
    for (const record of records) {
      const stored = existing.get(record.key);
      if (stored === undefined) rest.push(record);
      else record.settle(answerForStored(record, stored));
    }
    return rest;
  }

  function answerForStored(
    record: Pick<QueuedRecord, 'recordId' | 'digestHex' | 'type' | 'sector'>,
    stored: Pick<StoredRecord, 'digest' | 'batchId' | 'leafIndex'>,
  ): SubmitOutcome {
    if (stored.digest === record.digestHex) {
      observer?.recordDuplicate?.(record.type);
      return { status: 'duplicate', recordId: record.recordId, digest: stored.digest, batchId: stored.batchId, leafIndex: stored.leafIndex };
    }
    return rejected(record.recordId, record.type, record.sector, rejection(
      ErrorCodes.DuplicateConflict,
      `record ${record.recordId.id} from ${record.recordId.source} was already accepted with a different digest (${stored.digest})`,
    ));
  }

  function rejected(recordId: RecordId | null, type: string | null, sector: string | null, why: Rejection): SubmitOutcome {
    observer?.recordRejected?.(why.code, type, sector);
    return { status: 'rejected', recordId, type, rejection: why };
  }

  /** The queued record for a prepared one, or the outcome of a rejected one (counted here). */
  function admit(prepared: PreparedRecord, tenant: Tenant, group: OutcomeGroup, index: number): Checked {
    if (!prepared.ok) {
      return { ok: false, outcome: rejected(prepared.recordId, prepared.type, prepared.sector, prepared.rejection) };
    }
    const { recordId } = prepared;
    if (prepared.digestAlg !== digestAlg) {
      throw new TypeError(`record ${recordId.id} was digested with ${prepared.digestAlg}, but this pipeline's signer uses ${digestAlg}`);
    }
    return {
      ok: true,
      record: new QueuedRecord(
        keyOf(recordId.source, recordId.id), recordId, prepared.digestHex, prepared.type, prepared.sector, tenant.id,
        prepared.bytes, inFlight, group, index,
      ),
    };
  }

  function retryAfterSeconds(): number {
    return outboxDepth >= limits.maxOutboxBatches ? 5 : Math.max(1, Math.ceil(limits.lingerMs / 1000));
  }

  function admission(): 'open' | 'full' {
    return batcher.room === 0 || outboxDepth >= limits.maxOutboxBatches ? 'full' : 'open';
  }

  function overloaded(): SubmitOutcome {
    return { status: 'overloaded', retryAfterSeconds: retryAfterSeconds() };
  }

  /** Queues the record; its outcome lands in its group's slot. */
  function enqueue(record: QueuedRecord, group: OutcomeGroup, index: number): void {
    const first = inFlight.get(record.key);
    if (first !== undefined) {
      // The same (source, id) is on its way already: answer once the first one is settled.
      first.outcome().then(
        (outcome) => {
          if (outcome.status === 'accepted' || outcome.status === 'duplicate') group.set(index, answerForStored(record, outcome));
          else enqueue(record, group, index);
        },
        () => enqueue(record, group, index),
      );
      return;
    }
    if (admission() === 'full' || batcher.offer(record, record.bytes) === 'full') {
      group.set(index, overloaded());
      return;
    }
    inFlight.set(record.key, record);
  }

  let closed = false;
  function submitEach<T>(items: readonly T[], tenant: Tenant, prepare: (item: T) => PreparedRecord): Promise<SubmitOutcome[]> {
    const group = new OutcomeGroup(items.length);
    for (let i = 0; i < items.length; i++) {
      if (closed) {
        group.set(i, { status: 'overloaded', retryAfterSeconds: 5 });
        continue;
      }
      const checked = admit(prepare(items[i] as T), tenant, group, i);
      if (checked.ok) enqueue(checked.record, group, i);
      else group.set(i, checked.outcome);
    }
    return group.promise;
  }

  function submitMany(inputs: readonly unknown[], tenant: Tenant): Promise<SubmitOutcome[]> {
    return submitEach(inputs, tenant, (input) => prepareRecord(input, tenant, registry, digestAlg));
  }

  submitter.start();
  return {
    submit: async (input, tenant) => (await submitMany([input], tenant))[0] as SubmitOutcome,
    submitMany,
    submitPrepared: (prepared, tenant) => submitEach(prepared, tenant, (p) => p),
    admission,
    flush: () => batcher.flush(),
    stats: () => ({ queued: batcher.queued, outboxDepth, sealedBatches, anchoredBatches: submitter.anchoredCount }),
    pauseAnchoring: () => submitter.pause(),
    resumeAnchoring: () => submitter.resume(),
    get anchoringPaused() {
      return submitter.paused;
    },
    async close() {
      closed = true;
      await batcher.flush();
      await submitter.stop();
    },
  };
}
