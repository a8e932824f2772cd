/**
 * Dead-letter operations: browse, inspect, replay, discard.
 *
 * The store's dead-letter table is the one index of every rejected record, whatever its door: REST and
 * gRPC rejections live only there, Kafka rejections are also copied to `<topic>.dlq` (the append-only
 * record of what the partition skipped) and indexed in the store with their original bytes, headers and
 * topic coordinates. So one service serves both, and replay works from the stored bytes.
 *
 * Replay puts the original bytes through the whole pipeline again (decode, authorize, validate, batch),
 * as the same tenant that sent them, e.g. after a schema version was added:
 * - accepted, or a duplicate of an accepted record → the entry becomes `replayed` (it leaves the open view);
 * - rejected again → the entry stays `open` with the new reason;
 * - the gateway is overloaded → nothing changes; bulk replays wait and try again.
 * Every state change appends to the audit log in the same store transaction.
 *
 * Idempotency comes from the pipeline's (source, id) identity: replaying a record twice, concurrently or
 * from two dead letters of the same record, answers `duplicate` the second time and never makes a
 * second receipt. A `replayed` entry is not submitted again at all.
 */
import type { Logger } from 'pino';
import { decoders, defaultSectorTopics, sectorOfTopic, sectors, type Sector, type SectorTopics } from '../../adapters/kafka/topics.js';
import type { KafkaMessage } from '../../adapters/kafka/kafka-message.js';
import { ErrorCodes, type ErrorCode, type Issue, type Rejection } from '../core/errors.js';
import { iJsonViolation, utf8Violation } from '../core/i-json.js';
import type { Pipeline } from '../core/pipeline.js';
import type { DeadLetter, DeadLetterAuditEntry, DeadLetterFilter, DeadLetterState, OutboxEntry, Page, Store, StoredRecord } from '../core/ports.js';
import type { Tenant } from '../core/tenant.js';
import type { Clock, RecordId } from '../core/types.js';
import { tenantForSource } from '../ingest/kafka/tenant-for-source.js';
import type { ReplayResultLabel } from './metrics.js';

/** The result of replaying one dead letter. */
export type ReplayResult =
  | { readonly id: string; readonly status: 'replayed'; readonly outcome: 'accepted' | 'duplicate'; readonly recordId: RecordId; readonly batchId: string }
  | { readonly id: string; readonly status: 'failed'; readonly code: ErrorCode; readonly message: string; readonly issues: readonly Issue[] }
  | { readonly id: string; readonly status: 'overloaded'; readonly retryAfterSeconds: number }
  | { readonly id: string; readonly status: 'skipped'; readonly reason: SkipReason };

/** Why a dead letter was left alone. */
export type SkipReason = 'not-found' | 'already-replayed' | 'discarded' | 'tenant-unknown';

export type DiscardResult =
  | { readonly id: string; readonly status: 'discarded' }
  | { readonly id: string; readonly status: 'skipped'; readonly reason: 'not-found' | 'already-replayed' | 'discarded' };

/** Running totals of a bulk replay; the last one is the summary. */
export interface ReplayProgress {
  readonly total: number;
  readonly done: number;
  readonly replayed: number;
  readonly duplicate: number;
  readonly failed: number;
  readonly overloaded: number;
  readonly skipped: number;
  /** Failure counts by error code (what to fix next). */
  readonly failedByCode: Readonly<Record<string, number>>;
}

/** A dead letter with what an operator needs to decide: its audit trail and the record's current state. */
export interface DeadLetterDetail {
  readonly entry: DeadLetter;
  readonly audit: readonly DeadLetterAuditEntry[];
  /** The record as the store knows it now (after a successful replay: sealed, then anchored). */
  readonly record: StoredRecord | null;
  /** The batch holding the record, with its chain anchor once anchored. */
  readonly batch: OutboxEntry | null;
}

/** `state: 'all'` lists every state; the default view is `open`. */
export type DlqListFilter = Omit<DeadLetterFilter, 'state'> & { readonly state?: DeadLetterState | 'all' };

export interface DlqServiceDeps {
  readonly store: Store;
  readonly pipeline: Pick<Pipeline, 'submit'>;
  /** Tenants by id: a record is replayed as the tenant that sent it. */
  readonly tenants: { readonly tenants: readonly Tenant[] };
  readonly clock: Clock;
  /** Sector topics of the Kafka consumer, to pick the decoder of a Kafka dead letter. */
  readonly sectorTopics?: SectorTopics;
  /** Tenant to replay a Kafka dead letter as when it carries none; by default the owner of its source. */
  readonly kafkaTenant?: (entry: DeadLetter) => Tenant | undefined;
  readonly metrics?: { replayed(result: ReplayResultLabel): void; discarded(): void };
  readonly logger?: Logger;
  /** Replays in flight at once in a bulk replay (the batcher seals them together). Default 256. */
  readonly concurrency?: number;
  /** Bulk replays retry an overloaded record this many times, waiting as the pipeline says. Default 10. */
  readonly overloadRetries?: number;
  /** Waits between overload retries; injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const PAGE = 500;

function reasonOf(r: Rejection): { code: ErrorCode; message: string; issues: readonly Issue[] } {
  return { code: r.code, message: r.message, issues: r.issues ?? [] };
}

/** What an entry's bytes decode to: the JSON value the pipeline takes, or why not. */
type Decoded = { readonly ok: true; readonly input: unknown } | { readonly ok: false; readonly rejection: Rejection };

export class DlqService {
  readonly #deps: DlqServiceDeps;
  readonly #topics: SectorTopics;

  constructor(deps: DlqServiceDeps) {
    this.#deps = deps;
    this.#topics = deps.sectorTopics ?? defaultSectorTopics;
  }

  /** One page of dead letters, newest first as the store orders them. */
  list(filter: DlqListFilter, limit: number, cursor: string | null): Promise<Page<DeadLetter>> {
    return this.#deps.store.listDeadLetters(storeFilter(filter), limit, cursor);
  }

  async show(id: string): Promise<DeadLetterDetail | undefined> {
    const entry = await this.#deps.store.getDeadLetter(id);
    if (entry === undefined) return undefined;
    const [audit, records] = await Promise.all([
      this.#deps.store.deadLetterAudit(id),
      entry.recordId === null ? Promise.resolve([]) : this.#deps.store.findRecords([entry.recordId]),
    ]);
    const record = records[0] ?? null;
    const batch = record === null ? undefined : await this.#deps.store.getBatch(record.batchId);
    return { entry, audit, record, batch: batch ?? null };
  }

  /** Replays one dead letter through the full pipeline. Rejects only when the store fails. */
  async replay(id: string, actor: string): Promise<ReplayResult> {
    const result = await this.#replayOnce(id, actor);
    this.#deps.metrics?.replayed(metricLabel(result));
    return result;
  }

  async #replayOnce(id: string, actor: string): Promise<ReplayResult> {
    const { store, pipeline, clock } = this.#deps;
    const entry = await store.getDeadLetter(id);
    if (entry === undefined) return { id, status: 'skipped', reason: 'not-found' };
    if (entry.state === 'replayed') return { id, status: 'skipped', reason: 'already-replayed' };
    if (entry.state === 'discarded') return { id, status: 'skipped', reason: 'discarded' };
    const decoded = this.#decode(entry);
    const tenant = this.#tenantOf(entry, decoded);
    if (tenant === 'unknown') return { id, status: 'skipped', reason: 'tenant-unknown' };
    const outcome = !decoded.ok
      ? { status: 'rejected' as const, rejection: decoded.rejection }
      : tenant === 'no-owner'
        ? { status: 'rejected' as const, rejection: { code: ErrorCodes.SourceForbidden, message: `no tenant's source prefixes cover the record's source` } }
        : await pipeline.submit(decoded.input, tenant);
    const log = this.#deps.logger?.child({ deadLetterId: id, recordId: entry.recordId ?? undefined });
    switch (outcome.status) {
      case 'accepted':
      case 'duplicate': {
        await store.resolveDeadLetter(id, 'replayed', {
          deadLetterId: id, action: 'replayed', actor, at: clock.now(),
          reason: `${outcome.status} in batch ${outcome.batchId} (leaf ${outcome.leafIndex})`,
        });
        log?.info({ batchId: outcome.batchId, outcome: outcome.status }, 'dead letter replayed');
        return { id, status: 'replayed', outcome: outcome.status, recordId: outcome.recordId, batchId: outcome.batchId };
      }
      case 'rejected': {
        const why = reasonOf(outcome.rejection);
        await store.resolveDeadLetter(id, 'open', {
          deadLetterId: id, action: 'replay-failed', actor, at: clock.now(), reason: `${why.code}: ${why.message}`,
        }, why);
        log?.info({ code: why.code }, 'dead letter replay rejected again');
        return { id, status: 'failed', ...why };
      }
      case 'overloaded':
        return { id, status: 'overloaded', retryAfterSeconds: outcome.retryAfterSeconds };
    }
  }

  /**
   * Replays the given ids, or every open dead letter matching `filter`, reporting progress after each.
   * The matching ids are collected first: replayed entries leave the open view, so paging through it
   * while replaying would skip entries.
   */
  async replayMany(target: { readonly ids: readonly string[] } | { readonly filter: DlqListFilter }, actor: string, onProgress?: (p: ReplayProgress) => void): Promise<ReplayProgress> {
    const ids = 'ids' in target ? [...new Set(target.ids)] : await this.matchingIds({ ...target.filter, state: 'open' });
    const counts = { total: ids.length, done: 0, replayed: 0, duplicate: 0, failed: 0, overloaded: 0, skipped: 0 };
    const failedByCode: Record<string, number> = {};
    const snapshot = (): ReplayProgress => ({ ...counts, failedByCode: { ...failedByCode } });
    onProgress?.(snapshot());
    const retries = this.#deps.overloadRetries ?? 10;
    const sleep = this.#deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++] as string;
        let result = await this.replay(id, actor);
        for (let attempt = 0; result.status === 'overloaded' && attempt < retries; attempt++) {
          await sleep(Math.min(5, Math.max(0.05, result.retryAfterSeconds)) * 1000);
          result = await this.replay(id, actor);
        }
        counts.done += 1;
        if (result.status === 'replayed') counts[result.outcome === 'accepted' ? 'replayed' : 'duplicate'] += 1;
        else if (result.status === 'failed') {
          counts.failed += 1;
          failedByCode[result.code] = (failedByCode[result.code] ?? 0) + 1;
        } else counts[result.status] += 1;
        onProgress?.(snapshot());
      }
    };
    const width = Math.max(1, Math.min(this.#deps.concurrency ?? 256, ids.length));
    await Promise.all(Array.from({ length: width }, worker));
    return snapshot();
  }

  /** Discards an open dead letter; the reason is kept in the audit log. */
  async discard(id: string, reason: string, actor: string): Promise<DiscardResult> {
    const { store, clock } = this.#deps;
    const entry = await store.getDeadLetter(id);
    if (entry === undefined) return { id, status: 'skipped', reason: 'not-found' };
    if (entry.state === 'replayed') return { id, status: 'skipped', reason: 'already-replayed' };
    if (entry.state === 'discarded') return { id, status: 'skipped', reason: 'discarded' };
    await store.resolveDeadLetter(id, 'discarded', { deadLetterId: id, action: 'discarded', actor, reason, at: clock.now() });
    this.#deps.metrics?.discarded();
    this.#deps.logger?.info({ deadLetterId: id, recordId: entry.recordId ?? undefined, actor }, 'dead letter discarded');
    return { id, status: 'discarded' };
  }

  /** Discards the given ids or every open dead letter matching `filter`. */
  async discardMany(target: { readonly ids: readonly string[] } | { readonly filter: DlqListFilter }, reason: string, actor: string): Promise<{ discarded: number; skipped: number; results: DiscardResult[] }> {
    const ids = 'ids' in target ? [...new Set(target.ids)] : await this.matchingIds({ ...target.filter, state: 'open' });
    const results: DiscardResult[] = [];
    for (const id of ids) results.push(await this.discard(id, reason, actor));
    const discarded = results.filter((r) => r.status === 'discarded').length;
    return { discarded, skipped: results.length - discarded, results };
  }

  /** Every id matching the filter, paging through the store. */
  async matchingIds(filter: DlqListFilter): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<DeadLetter> = await this.list(filter, PAGE, cursor);
      ids.push(...page.items.map((d) => d.id));
      cursor = page.next;
    } while (cursor !== null);
    return ids;
  }

  /**
   * The tenant to replay as: the one that sent the record. A Kafka record that could not be decoded
   * was stored without one (Kafka carries no API key; the consumer finds the tenant from the record's
   * source), so it is found the consumer's way once the bytes decode: the longest matching source prefix.
   * 'unknown': the entry names a tenant that no longer exists; 'no-owner': no tenant covers the source.
   */
  #tenantOf(entry: DeadLetter, decoded: Decoded): Tenant | 'unknown' | 'no-owner' {
    const tenants = this.#deps.tenants.tenants;
    if (entry.tenant !== null) return tenants.find((t) => t.id === entry.tenant) ?? 'unknown';
    if (entry.origin !== 'kafka') return 'unknown';
    const configured = this.#deps.kafkaTenant?.(entry);
    if (configured !== undefined) return configured;
    const source = decoded.ok && typeof decoded.input === 'object' && decoded.input !== null ? (decoded.input as { source?: unknown }).source : undefined;
    if (typeof source !== 'string') return 'no-owner';
    // The same rule the Kafka consumer applies, so a replay runs as the tenant the record first ran as.
    return tenantForSource(tenants, source) ?? 'no-owner';
  }

  #decode(entry: DeadLetter): Decoded {
    if (entry.origin !== 'kafka') {
      // REST and gRPC keep the record as JSON text, held to I-JSON as it was on the way in.
      const bytes = Buffer.from(entry.payload);
      const notUtf8 = utf8Violation(bytes);
      if (notUtf8 !== null) return { ok: false, rejection: notUtf8 };
      const text = bytes.toString('utf8');
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch (error) {
        return { ok: false, rejection: { code: ErrorCodes.DecodeFailed, message: `the stored payload is not JSON: ${(error as Error).message}` } };
      }
      const violation = iJsonViolation(text, input);
      return violation === null ? { ok: true, input } : { ok: false, rejection: violation };
    }
    const sector = this.#sectorOf(entry);
    if (sector === undefined) {
      return { ok: false, rejection: { code: ErrorCodes.DecodeFailed, message: `no decoder for topic '${entry.kafka?.topic ?? '?'}'` } };
    }
    const message: KafkaMessage = {
      key: entry.kafka?.key === null || entry.kafka?.key === undefined ? null : Buffer.from(entry.kafka.key, 'utf8'),
      value: Buffer.from(entry.payload),
      headers: { ...entry.headers },
    };
    const decoded = decoders[sector](message);
    return decoded.ok ? { ok: true, input: decoded.envelope } : decoded;
  }

  #sectorOf(entry: DeadLetter): Sector | undefined {
    const byTopic = entry.kafka === null ? undefined : sectorOfTopic(this.#topics, entry.kafka.topic);
    if (byTopic !== undefined) return byTopic;
    return sectors.find((s) => s === entry.sector);
  }
}

function storeFilter(filter: DlqListFilter): DeadLetterFilter {
  const { state, ...rest } = filter;
  if (state === 'all') return rest;
  return { ...rest, state: state ?? 'open' };
}

function metricLabel(result: ReplayResult): ReplayResultLabel {
  switch (result.status) {
    case 'replayed': return result.outcome === 'accepted' ? 'replayed' : 'duplicate';
    case 'failed': return 'failed';
    case 'overloaded': return 'overloaded';
    case 'skipped': return 'skipped';
  }
}
