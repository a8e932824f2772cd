/**
 * One kafkajs eachBatch call: the records of one partition, in offset order, taken to durability.
 *
 * For each record: decode (sector decoder) → find the tenant by source prefix → prepare → pipeline.
 * With a preparer (the prepare workers, the default) the first three happen there and the records
 * reach the pipeline through submitPrepared; without one, here, through submitMany.
 * A record is durable when it is accepted or a duplicate (in a sealed batch in the outbox), or when it
 * has been rejected and is in the DLQ topic and the store's dead-letter index. The offset committed is
 * the one after the last record of the longest durable prefix (ARCHITECTURE.md invariant 1): a record
 * that could not be made durable (shutdown or rebalance while the store was down or the pipeline full)
 * and everything after it are left for the next owner of the partition, which will see duplicates of
 * the records already accepted, and the pipeline answers those from the store.
 *
 * A batch is handled in two steps. {@link PartitionBatchProcessor.take} hands its records to the
 * pipeline (with a preparer: sends them to the workers, and hands them on in offset order as the
 * answers come) and returns; kafkajs may then fetch on while the records become durable. The batch's `done`
 * settles once they are, after dead-lettering and committing. Commits of one partition go in fetch
 * order: a batch commits only after the batch before it (`previous`) has every record durable, so a
 * commit never passes a record that is not. Waiting for durability inside eachBatch instead left the
 * consumer idle once per fetch (kafkajs fetches again only when every batch of the last fetch has
 * returned): PostgreSQL store, 120,000 records, 17.4k-20.7k records/s with the machine 71 % busy.
 *
 * Records are submitted without waiting for each other, so the pipeline seals a whole fetch into one
 * batch. They go in chunks (one submitMany per tenant per chunk: one promise and one async chain per
 * chunk, not per record); the pipeline's admission is checked synchronously before each chunk, and only
 * when it is full does the partition wait (which pauses fetching). A chunk may still overshoot the
 * pipeline's room: its records answered 'overloaded' are submitted again once there is room, so at most
 * one chunk's worth of validation is redone per full pipeline.
 */
import type { Sector } from '../../../adapters/kafka/topics.js';
import type { FailedRecord } from '../../../adapters/kafka/dlq.js';
import type { KafkaHeaderValue } from '../../../adapters/kafka/kafka-message.js';
import type { Rejection } from '../../core/errors.js';
import type { TenantQuotas } from '../../core/quota.js';
import type { Pipeline, SubmitOutcome } from '../../core/pipeline.js';
import type { PreparedRecord } from '../../core/prepare.js';
import type { Tenant } from '../../core/tenant.js';
import type { Clock, RecordId } from '../../core/types.js';
import type { AdmissionGate, WaitControl } from './admission-gate.js';
import type { MessagePreparer } from '../prepare/preparer.js';
import type { DeadLetterEntry, DeadLetterSink } from './dead-letter-sink.js';
import { decodeForTenant, recordIdOf, stringField, type PreparedMessage } from './prepare-messages.js';

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
   * Commits `nextOffset` (last durable offset + 1) for this partition. False when it was not made:
   * refused because this member no longer owns the partition (dropped or rebalanced; the next owner
   * reads these records again and the pipeline answers them as duplicates), or failed (the
   * partition's next commit covers these records). Should not throw.
   */
  commit(nextOffset: string): Promise<boolean>;
}

export interface BatchProcessorDeps {
  readonly pipeline: Pick<Pipeline, 'submitMany' | 'admission'> & Partial<Pick<Pipeline, 'submitPrepared'>>;
  /**
   * Where messages are decoded and prepared (the prepare workers), leaving this thread ordering,
   * admission, batching and commits. Needs `pipeline.submitPrepared`. Absent: decoded here and
   * submitted as candidates (submitMany prepares them on this thread).
   */
  readonly preparer?: MessagePreparer;
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
  /**
   * The tenants' quota buckets (shared with REST). A run of a tenant over its quota is held before it
   * reaches the pipeline for as long as its rate needs: this partition waits, others go on.
   */
  readonly quotas?: Pick<TenantQuotas, 'reserve'>;
  /**
   * Most records per submitMany call (default 256). Bigger chunks cost fewer promises; a chunk that
   * overshoots the pipeline's room has its excess validated again when it is resubmitted.
   */
  readonly chunkRecords?: number;
}

export interface BatchResult {
  readonly accepted: number;
  readonly duplicates: number;
  readonly deadLettered: number;
  /** The offset committed (next to read), or null when nothing of this batch was committed. */
  readonly committed: string | null;
  /**
   * The partition's next batch may commit past this one: every record of it is durable (whether or
   * not its own commit went through), or the partition was sought elsewhere meanwhile (kafkajs reads
   * on from the new position, so the records given up on are not waited for).
   */
  readonly nextMayCommit: boolean;
}

/** A batch whose records have been handed to the pipeline. */
export interface TakenBatch {
  /** Offset of the last record taken (kafkajs fetches on after it), or null when none was. */
  readonly lastTaken: string | null;
  /**
   * Settles once the records taken are durable (or given up on: the consumer stopped or the partition
   * was sought elsewhere) and the durable prefix is committed. Does not reject: heartbeat failures
   * after the hand-over are kafkajs' to act on (it heartbeats between fetches and rejoins itself).
   */
  readonly done: Promise<BatchResult>;
}

/**
 * What became of one record of the fetch. A slot left undefined is a record not (yet) durable: never
 * submitted (shutdown, rebalance, gate given up) or given up on while the store was down.
 */
type Settled =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'dead'; readonly entry: DeadLetterEntry };

const acceptedSlot: Settled = { kind: 'accepted' };
const duplicateSlot: Settled = { kind: 'duplicate' };

/** Records of one chunk that share a tenant: one submitMany (or submitPrepared) call. */
interface Run {
  readonly tenant: Tenant;
  /** Envelope candidates, or with `names` records prepared elsewhere. */
  readonly inputs: unknown[];
  /** Index in the fetch of each input. */
  readonly positions: number[];
  /** Prepared runs: what the DLQ names each record by, should the pipeline refuse it. */
  readonly names?: Name[];
}

interface Dispatched {
  readonly tenants: readonly Tenant[];
  /** Each chunk's answer; null: the preparer failed twice, decode it on this thread. */
  readonly chunks: readonly Promise<PreparedMessage[] | null>[];
}

interface Name {
  readonly recordId: RecordId | null;
  readonly type: string | null;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const defaultChunkRecords = 256;

/** The run of `tenant` in `runs` (`current` when it is that one), made if there is none yet. */
function runFor(runs: Run[], current: Run | undefined, tenant: Tenant, prepared: boolean): Run {
  if (current?.tenant === tenant) return current;
  let run = runs.find((r) => r.tenant === tenant);
  if (run === undefined) {
    run = prepared ? { tenant, inputs: [], positions: [], names: [] } : { tenant, inputs: [], positions: [] };
    runs.push(run);
  }
  return run;
}

/** The consumed record as the DLQ keeps it; built only for records that are dead-lettered. */
function failedRecord(batch: PartitionBatch, message: ConsumedMessage): FailedRecord {
  return {
    topic: batch.topic, partition: batch.partition, offset: message.offset, timestamp: message.timestamp,
    key: message.key, value: message.value, headers: message.headers ?? {},
  };
}

export class PartitionBatchProcessor {
  readonly #deps: BatchProcessorDeps;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #chunkRecords: number;

  constructor(deps: BatchProcessorDeps) {
    this.#deps = deps;
    this.#sleep = deps.sleep ?? defaultSleep;
    this.#chunkRecords = Math.max(1, deps.chunkRecords ?? defaultChunkRecords);
    if (deps.preparer !== undefined && deps.pipeline.submitPrepared === undefined) throw new TypeError('a preparer needs a pipeline with submitPrepared');
  }

  /** Takes the batch to durability and commits its durable prefix: {@link take}, then its `done`. */
  async process(batch: PartitionBatch, control: BatchControl): Promise<BatchResult> {
    return (await this.take(batch, control)).done;
  }

  /**
   * Hands the batch's records to the pipeline (waiting for room when it is full) and resolves the
   * offset of the last one taken, so kafkajs fetches on from there. Heartbeats all along, until `done`:
   * a member that stays silent for the session timeout is dropped from the group, its commit is
   * refused, and the next owner redoes the whole fetch, which on a loaded machine can take as long again.
   *
   * @param previous the `done` of the partition's batch before this one, when it may not be settled:
   *   this batch commits only once that one has every record durable.
   */
  async take(batch: PartitionBatch, control: BatchControl, previous?: Promise<BatchResult>): Promise<TakenBatch> {
    const keepAlive = setInterval(() => {
      // A failed heartbeat (rebalance under way) is kafkajs' to act on: it heartbeats itself after
      // eachBatch returns and rejoins then; a commit made meanwhile is still accepted.
      control.heartbeat().catch(() => undefined);
    }, this.#deps.keepAliveMs ?? 1000);
    const messages = batch.messages;
    const settled = new Array<Settled | undefined>(messages.length);
    const runs: Promise<void>[] = [];
    // What runs on after eachBatch returns heartbeats without throwing: a rebalance is kafkajs'
    // to handle between fetches, and a failure here must not leave records taken but never settled.
    // It also remembers whether a seek was pending at any point (see BatchResult.nextMayCommit).
    const sought = { seen: false };
    const isStale = () => {
      const stale = control.isStale();
      if (stale) sought.seen = true;
      return stale;
    };
    const background: BatchControl = { ...control, isStale, heartbeat: () => control.heartbeat().catch(() => undefined) };
    let taken = 0;
    // `waiting`: how to heartbeat while the pipeline is full (eachBatch's own, or the background's).
    const handOver = async (preparing: Dispatched | undefined, waiting: WaitControl): Promise<void> => {
      for (let from = 0, chunk = 0; from < messages.length; from += this.#chunkRecords, chunk++) {
        if (!control.isRunning() || isStale()) break;
        if (this.#deps.pipeline.admission() === 'full' && !(await this.#deps.gate.waitForRoom(waiting))) break;
        const to = Math.min(messages.length, from + this.#chunkRecords);
        const prepared = preparing === undefined ? null : await (preparing.chunks[chunk] as Promise<PreparedMessage[] | null>);
        if (prepared !== null && (!control.isRunning() || isStale())) break;
        const chunkRuns = prepared === null || preparing === undefined
          ? this.#prepareChunk(batch, from, to, settled)
          : this.#preparedRuns(batch, from, preparing.tenants, prepared, settled);
        // A tenant over its quota holds this partition (and only it) for the time its rate needs.
        const holdMs = this.#holdFor(chunkRuns);
        if (holdMs > 0 && !(await this.#backoff(holdMs, waiting))) break;
        taken = to;
        for (const run of chunkRuns) runs.push(this.#submitUntilSettled(run, batch, settled, background));
      }
    };
    let handing: Promise<void>;
    if (this.#deps.preparer === undefined) {
      try {
        await handOver(undefined, { ...control, isStale });
      } catch (error) {
        clearInterval(keepAlive);
        // The runs already started settle on their own; nothing of this batch is committed.
        void Promise.allSettled(runs);
        throw error;
      }
      handing = Promise.resolve();
    } else {
      // The workers prepare this fetch while kafkajs fetches the next one: the whole fetch counts as
      // taken, and what is not handed to the pipeline in the end (shutdown, seek) is not committed.
      // A partition still holds at most two fetches (KafkaIngest waits for the one before).
      handing = handOver(this.#dispatch(batch), background);
      taken = messages.length;
    }
    const lastTaken = taken > 0 ? (messages[taken - 1] as ConsumedMessage).offset : null;
    if (lastTaken !== null) control.resolveOffset(lastTaken);
    const done = handing.then(() => this.#complete(batch, background, settled, runs, previous, sought));
    done.then(() => clearInterval(keepAlive), () => clearInterval(keepAlive));
    return { lastTaken, done };
  }

  /** Waits for the records taken, then dead-letters and commits the durable prefix after `previous`. */
  async #complete(
    batch: PartitionBatch, control: BatchControl, settled: readonly (Settled | undefined)[], runs: readonly Promise<void>[],
    previous: Promise<BatchResult> | undefined, sought: { readonly seen: boolean },
  ): Promise<BatchResult> {
    await Promise.all(runs);
    // The batch before may have records that are not durable (the consumer is stopping): then
    // committing here would pass over them, and dead-lettering would only repeat itself when they are
    // read again.
    const before = previous === undefined ? undefined : await previous.then((result) => result.nextMayCommit, () => false);
    const result = await this.#settle(batch, control, settled, before);
    // A seek makes kafkajs read on from elsewhere: what this batch gave up on is not waited for.
    return sought.seen || control.isStale() ? { ...result, nextMayCommit: true } : result;
  }

  /** Counts the durable prefix, dead-letters it and commits it, unless the batch before forbids it. */
  async #settle(
    batch: PartitionBatch, control: BatchControl, settled: readonly (Settled | undefined)[], before: boolean | undefined,
  ): Promise<BatchResult> {
    const messages = batch.messages;
    let durable = 0;
    let accepted = 0;
    let duplicates = 0;
    const dead: DeadLetterEntry[] = [];
    for (; durable < settled.length; durable++) {
      const slot = settled[durable];
      if (slot === undefined) break;
      if (slot.kind === 'accepted') accepted += 1;
      else if (slot.kind === 'duplicate') duplicates += 1;
      else dead.push(slot.entry);
    }
    const counts = { accepted, duplicates, deadLettered: dead.length };
    if (before === false) return { ...counts, deadLettered: 0, committed: null, nextMayCommit: false };
    if (dead.length > 0 && !(await this.#deadLetter(dead, control))) return { ...counts, deadLettered: 0, committed: null, nextMayCommit: false };
    const nextMayCommit = durable === messages.length;
    const last = messages[durable - 1];
    if (last === undefined) return { ...counts, committed: null, nextMayCommit };
    // A seek is pending (kafkajs recovering from an out-of-range offset): the partition is read
    // again from elsewhere, and this batch's offset is no longer the one to commit.
    if (control.isStale()) return { ...counts, committed: null, nextMayCommit };
    const next = (BigInt(last.offset) + 1n).toString();
    if (!(await control.commit(next))) return { ...counts, committed: null, nextMayCommit };
    return { ...counts, committed: next, nextMayCommit };
  }

  /**
   * Sends each chunk of the batch to the preparer; undefined without one. The tenant directory is
   * read once, so the tenant indexes the chunks come back with name entries of `tenants`.
   */
  #dispatch(batch: PartitionBatch): Dispatched | undefined {
    const preparer = this.#deps.preparer;
    if (preparer === undefined) return undefined;
    const tenants = this.#deps.tenants.tenants;
    const chunks: Promise<PreparedMessage[] | null>[] = [];
    for (let from = 0; from < batch.messages.length; from += this.#chunkRecords) {
      const messages = batch.messages.slice(from, from + this.#chunkRecords).map((m) => ({ key: m.key, value: m.value, headers: m.headers ?? {} }));
      // A worker that stops fails only its requests: the pool is asked again (another worker, or its
      // own thread); null after a second failure, and the chunk is decoded here.
      chunks.push(preparer.prepareMessages(batch.sector, messages, tenants)
        .catch(() => preparer.prepareMessages(batch.sector, messages, tenants))
        .catch(() => null));
    }
    return { tenants, chunks };
  }

  /** Prepared messages of the chunk at `from`: the dead settled here, the rest grouped by tenant. */
  #preparedRuns(
    batch: PartitionBatch, from: number, tenants: readonly Tenant[], prepared: readonly PreparedMessage[], settled: (Settled | undefined)[],
  ): Run[] {
    const runs: Run[] = [];
    let current: Run | undefined;
    for (let i = 0; i < prepared.length; i++) {
      const at = from + i;
      const item = prepared[i] as PreparedMessage;
      if (item.kind === 'dead') {
        settled[at] = this.#dead(batch, batch.messages[at] as ConsumedMessage, item.rejection, item.recordId, item.type);
        continue;
      }
      current = runFor(runs, current, tenants[item.tenant] as Tenant, true);
      current.inputs.push(item.record);
      current.positions.push(at);
      current.names?.push({ recordId: item.recordId, type: item.type });
    }
    return runs;
  }

  /**
   * Decodes messages [from, to): records the pipeline cannot be asked about are settled as dead here;
   * the rest are returned grouped by tenant (usually one run per chunk).
   */
  #prepareChunk(batch: PartitionBatch, from: number, to: number, settled: (Settled | undefined)[]): Run[] {
    const tenants = this.#deps.tenants.tenants;
    const runs: Run[] = [];
    let current: Run | undefined;
    for (let at = from; at < to; at++) {
      const message = batch.messages[at] as ConsumedMessage;
      const decoded = decodeForTenant(batch.sector, { key: message.key, value: message.value, headers: message.headers ?? {} }, tenants);
      if (decoded.kind === 'dead') {
        settled[at] = this.#dead(batch, message, decoded.rejection, decoded.recordId, decoded.type);
        continue;
      }
      current = runFor(runs, current, tenants[decoded.tenant] as Tenant, false);
      current.inputs.push(decoded.candidate);
      current.positions.push(at);
    }
    return runs;
  }

  #dead(batch: PartitionBatch, message: ConsumedMessage, why: Rejection, recordId: RecordId | null, type: string | null): Settled {
    this.#deps.onRejected?.(why.code, batch.sector);
    return { kind: 'dead', entry: { record: failedRecord(batch, message), rejection: why, tenant: null, recordId, type, sector: batch.sector } };
  }

  /**
   * Submits one run until each of its records is settled, or gives up on the ones left when the
   * consumer stops or loses the partition. A store failure fails the whole call (which of its records
   * were kept is not known), so the whole run is submitted again: those kept come back as duplicates.
   */
  async #submitUntilSettled(run: Run, batch: PartitionBatch, settled: (Settled | undefined)[], control: BatchControl): Promise<void> {
    let { inputs, positions, names } = run;
    const submitPrepared = this.#deps.pipeline.submitPrepared;
    let delay = this.#deps.retry.initialMs;
    for (;;) {
      let outcomes: SubmitOutcome[];
      try {
        outcomes = names === undefined || submitPrepared === undefined
          ? await this.#deps.pipeline.submitMany(inputs, run.tenant)
          : await submitPrepared(inputs as PreparedRecord[], run.tenant);
      } catch (error) {
        // The store failed. Some records of the run may have been kept before it did; none is counted
        // durable until a later call says so. Retry until it is back, or give the partition up.
        this.#deps.onRetry?.('submit', error);
        if (!(await this.#backoff(delay, control))) return;
        delay = Math.min(delay * 2, this.#deps.retry.maxMs);
        continue;
      }
      let overloadedInputs: unknown[] | undefined;
      let overloadedPositions: number[] | undefined;
      let overloadedNames: Name[] | undefined;
      for (let i = 0; i < outcomes.length; i++) {
        const outcome = outcomes[i] as SubmitOutcome;
        const at = positions[i] as number;
        switch (outcome.status) {
          case 'accepted':
            settled[at] = acceptedSlot;
            break;
          case 'duplicate':
            settled[at] = duplicateSlot;
            break;
          case 'rejected': {
            const input = inputs[i];
            const name = names?.[i];
            settled[at] = {
              kind: 'dead',
              entry: {
                record: failedRecord(batch, batch.messages[at] as ConsumedMessage), rejection: outcome.rejection, tenant: run.tenant.id,
                recordId: outcome.recordId ?? (name === undefined ? recordIdOf(input) : name.recordId),
                type: outcome.type ?? (name === undefined ? stringField(input, 'type') ?? null : name.type), sector: batch.sector,
              },
            };
            break;
          }
          case 'overloaded':
            (overloadedInputs ??= []).push(inputs[i]);
            (overloadedPositions ??= []).push(at);
            if (names !== undefined) (overloadedNames ??= []).push(names[i] as Name);
        }
      }
      if (overloadedInputs === undefined || overloadedPositions === undefined) return;
      inputs = overloadedInputs;
      positions = overloadedPositions;
      names = overloadedNames;
      // Admission said open, but the chunk went past the room or others filled the queue first: a
      // short pause so a pipeline that keeps answering overloaded (closing) is not spun on, then wait
      // for room.
      if (!(await this.#backoff(Math.min(50, this.#deps.retry.initialMs), control))) return;
      if (this.#deps.pipeline.admission() === 'full' && !(await this.#deps.gate.waitForRoom(control))) return;
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

  /** How long the chunk's runs must wait for their tenants' quotas (the longest of them); each run's records are reserved. */
  #holdFor(runs: readonly Run[]): number {
    const quotas = this.#deps.quotas;
    if (quotas === undefined) return 0;
    let hold = 0;
    for (const run of runs) hold = Math.max(hold, quotas.reserve(run.tenant, run.inputs.length));
    return hold;
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
