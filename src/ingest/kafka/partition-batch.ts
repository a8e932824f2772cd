/**
 * One kafkajs eachBatch call: the records of one partition, in offset order, taken to durability.
 *
 * For each record: decode (sector decoder) → find the tenant by source prefix → pipeline.submit.
 * A record is durable when it is accepted or a duplicate (in a sealed batch in the outbox), or when it
 * has been rejected and is in the DLQ topic and the store's dead-letter index. The offset committed is
 * the one after the last record of the longest durable prefix (ARCHITECTURE.md invariant 1): a record
 * that could not be made durable (shutdown or rebalance while the store was down or the pipeline full)
 * and everything after it are left for the next owner of the partition, which will see duplicates of
 * the records already accepted, and the pipeline answers those from the store.
 *
 * Records are submitted without waiting for each other, so the pipeline seals a whole fetch into one
 * batch; the pipeline's admission is checked before each, which pauses fetching when it is full.
 */
import { decoders, type Sector } from '../../../adapters/kafka/topics.js';
import type { FailedRecord } from '../../../adapters/kafka/dlq.js';
import type { KafkaHeaderValue } from '../../../adapters/kafka/kafka-message.js';
import { parseEnvelope } from '../../core/envelope.js';
import { ErrorCodes, rejection } from '../../core/errors.js';
import type { Pipeline } from '../../core/pipeline.js';
import type { Tenant } from '../../core/tenant.js';
import type { Clock, RecordId } from '../../core/types.js';
import type { AdmissionGate, WaitControl } from './admission-gate.js';
import type { DeadLetterEntry, DeadLetterSink } from './dead-letter-sink.js';
import { tenantForSource } from './tenant-for-source.js';

/** A consumed record as kafkajs hands it over. */
export interface ConsumedMessage {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, KafkaHeaderValue>>;
}

export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly sector: Sector;
  readonly messages: readonly ConsumedMessage[];
}

/** The parts of kafkajs' EachBatchPayload the processor uses, plus the commit. */
export interface BatchControl extends WaitControl {
  resolveOffset(offset: string): void;
  /**
   * Commits `nextOffset` (last durable offset + 1) for this partition. False when the group refused it
   * because this member no longer owns the partition (dropped or rebalanced): the next owner reads
   * these records again and the pipeline answers them as duplicates.
   */
  commit(nextOffset: string): Promise<boolean>;
}

export interface BatchProcessorDeps {
  readonly pipeline: Pick<Pipeline, 'submit'>;
  readonly tenants: { readonly tenants: readonly Tenant[] };
  readonly gate: Pick<AdmissionGate, 'waitForRoom'>;
  readonly deadLetters: DeadLetterSink;
  readonly clock: Clock;
  /** Backoff while the store or the DLQ topic fails. */
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
  readonly sleep?: (ms: number) => Promise<void>;
  /** Rejections the pipeline never saw (decode failure, no tenant for the source), for metrics. */
  readonly onRejected?: (code: string, sector: string) => void;
  /** A failure that is being retried (store or DLQ unavailable), for logs. */
  readonly onRetry?: (step: 'submit' | 'dlq-publish' | 'dlq-index', error: unknown) => void;
  /**
   * How often to heartbeat while a batch is in hand (default 1000 ms; kafkajs sends at most one per
   * heartbeat interval). kafkajs heartbeats only when asked, and a fetch can take longer to become
   * durable than the session timeout (2 MiB per partition into a loaded store).
   */
  readonly keepAliveMs?: number;
}

export interface BatchResult {
  readonly accepted: number;
  readonly duplicates: number;
  readonly deadLettered: number;
  /** The offset committed (next to read), or null when nothing of this batch became durable. */
  readonly committed: string | null;
}

type Prepared =
  | { readonly kind: 'dead'; readonly entry: DeadLetterEntry }
  | { readonly kind: 'submit'; readonly input: unknown; readonly tenant: Tenant; readonly failed: FailedRecord; readonly recordId: RecordId | null; readonly type: string | null };

type Settled =
  | { readonly kind: 'accepted' | 'duplicate' }
  | { readonly kind: 'dead'; readonly entry: DeadLetterEntry }
  | { readonly kind: 'aborted' };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function stringField(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const field = (value as Record<string, unknown>)[name];
  return typeof field === 'string' ? field : undefined;
}

export class PartitionBatchProcessor {
  readonly #deps: BatchProcessorDeps;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(deps: BatchProcessorDeps) {
    this.#deps = deps;
    this.#sleep = deps.sleep ?? defaultSleep;
  }

  /**
   * Takes the batch to durability and commits its durable prefix, heartbeating all along: a member
   * that stays silent for the session timeout is dropped from the group, its commit is refused, and
   * the next owner redoes the whole fetch, which on a loaded machine can take as long again.
   */
  async process(batch: PartitionBatch, control: BatchControl): Promise<BatchResult> {
    const keepAlive = setInterval(() => {
      // A failed heartbeat (rebalance under way) is kafkajs' to act on after this batch: it heartbeats
      // itself when eachBatch returns and rejoins then; the commit below is still accepted meanwhile.
      control.heartbeat().catch(() => undefined);
    }, this.#deps.keepAliveMs ?? 1000);
    try {
      return await this.#process(batch, control);
    } finally {
      clearInterval(keepAlive);
    }
  }

  async #process(batch: PartitionBatch, control: BatchControl): Promise<BatchResult> {
    const pending: Promise<Settled>[] = [];
    for (const message of batch.messages) {
      if (!control.isRunning() || control.isStale()) break;
      const prepared = this.#prepare(batch, message);
      if (prepared.kind === 'dead') {
        pending.push(Promise.resolve(prepared));
        continue;
      }
      if (!(await this.#deps.gate.waitForRoom(control))) break;
      pending.push(this.#submitUntilSettled(prepared, batch.sector, control));
    }
    const settled = await Promise.all(pending);

    const firstAborted = settled.findIndex((s) => s.kind === 'aborted');
    const durable = firstAborted === -1 ? settled : settled.slice(0, firstAborted);
    const dead = durable.flatMap((s) => (s.kind === 'dead' ? [s.entry] : []));
    const counts = {
      accepted: durable.filter((s) => s.kind === 'accepted').length,
      duplicates: durable.filter((s) => s.kind === 'duplicate').length,
      deadLettered: dead.length,
    };
    if (dead.length > 0 && !(await this.#deadLetter(dead, control))) return { ...counts, deadLettered: 0, committed: null };
    const last = batch.messages[durable.length - 1];
    if (last === undefined) return { ...counts, committed: null };
    control.resolveOffset(last.offset);
    // A revoked partition belongs to another member now: its commit would be refused, and it will
    // redo these records (as duplicates) from the last offset that was committed.
    if (control.isStale()) return { ...counts, committed: null };
    const next = (BigInt(last.offset) + 1n).toString();
    if (!(await control.commit(next))) return { ...counts, committed: null };
    return { ...counts, committed: next };
  }

  #prepare(batch: PartitionBatch, message: ConsumedMessage): Prepared {
    const failed: FailedRecord = {
      topic: batch.topic, partition: batch.partition, offset: message.offset, timestamp: message.timestamp,
      key: message.key, value: message.value, headers: message.headers ?? {},
    };
    const dead = (why: ReturnType<typeof rejection>, recordId: RecordId | null, type: string | null): Prepared => {
      this.#deps.onRejected?.(why.code, batch.sector);
      return { kind: 'dead', entry: { record: failed, rejection: why, tenant: null, recordId, type, sector: batch.sector } };
    };

    const decoded = decoders[batch.sector]({ key: message.key, value: message.value, headers: failed.headers });
    if (!decoded.ok) return dead(decoded.rejection, null, null);
    const candidate = decoded.envelope;
    const source = stringField(candidate, 'source');
    const id = stringField(candidate, 'id');
    const type = stringField(candidate, 'type') ?? null;
    const recordId = source !== undefined && id !== undefined ? { source, id } : null;
    const tenant = source === undefined ? undefined : tenantForSource(this.#deps.tenants.tenants, source);
    if (tenant === undefined) {
      // Without a tenant the pipeline cannot be asked; report an invalid envelope as such first.
      const parsed = parseEnvelope(candidate);
      if (!parsed.ok) return dead(parsed.rejection, null, null);
      return dead(rejection(ErrorCodes.SourceForbidden, `no tenant may submit records from source ${parsed.envelope.source}`), recordId, type);
    }
    return { kind: 'submit', input: candidate, tenant, failed, recordId, type };
  }

  async #submitUntilSettled(prepared: Extract<Prepared, { kind: 'submit' }>, sector: Sector, control: BatchControl): Promise<Settled> {
    let delay = this.#deps.retry.initialMs;
    for (;;) {
      let outcome;
      try {
        outcome = await this.#deps.pipeline.submit(prepared.input, prepared.tenant);
      } catch (error) {
        // The store failed: nothing was kept. Retry until it is back, or give the partition up.
        this.#deps.onRetry?.('submit', error);
        if (!(await this.#backoff(delay, control))) return { kind: 'aborted' };
        delay = Math.min(delay * 2, this.#deps.retry.maxMs);
        continue;
      }
      switch (outcome.status) {
        case 'accepted':
        case 'duplicate':
          return { kind: outcome.status };
        case 'rejected':
          return {
            kind: 'dead',
            entry: {
              record: prepared.failed, rejection: outcome.rejection, tenant: prepared.tenant.id,
              recordId: outcome.recordId ?? prepared.recordId, type: outcome.type ?? prepared.type, sector,
            },
          };
        case 'overloaded':
          // Admission said open, but others filled the queue first: wait for room, then a short
          // pause so a pipeline that keeps answering overloaded (closing) is not spun on.
          if (!(await this.#deps.gate.waitForRoom(control))) return { kind: 'aborted' };
          if (!(await this.#backoff(Math.min(50, this.#deps.retry.initialMs), control))) return { kind: 'aborted' };
      }
    }
  }

  /** DLQ topic first, then the store index, each retried on its own until done or given up. */
  async #deadLetter(entries: readonly DeadLetterEntry[], control: BatchControl): Promise<boolean> {
    const rejectedAt = this.#deps.clock.now();
    if (!(await this.#retrying('dlq-publish', () => this.#deps.deadLetters.publish(entries, rejectedAt), control))) return false;
    for (const entry of entries) {
      if (!(await this.#retrying('dlq-index', () => this.#deps.deadLetters.index(entry, rejectedAt), control))) return false;
    }
    return true;
  }

  async #retrying(step: 'dlq-publish' | 'dlq-index', attempt: () => Promise<void>, control: BatchControl): Promise<boolean> {
    let delay = this.#deps.retry.initialMs;
    for (;;) {
      try {
        await attempt();
        return true;
      } catch (error) {
        this.#deps.onRetry?.(step, error);
        if (!(await this.#backoff(delay, control))) return false;
        delay = Math.min(delay * 2, this.#deps.retry.maxMs);
      }
    }
  }

  /** Waits `ms` in short slices, heartbeating; false as soon as the consumer stops or loses the partition. */
  async #backoff(ms: number, control: WaitControl): Promise<boolean> {
    let left = ms;
    do {
      if (!control.isRunning() || control.isStale()) return false;
      await control.heartbeat();
      const slice = Math.min(left, 250);
      await this.#sleep(slice);
      left -= slice;
    } while (left > 0);
    return control.isRunning() && !control.isStale();
  }
}
