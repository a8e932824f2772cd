/**
 * Turns database rows into the port's types. The two drivers disagree on a few representations
 * (`pg` returns int8 as a string and bytea as a Buffer, PGlite returns numbers and Uint8Array), so every
 * value read goes through one of these normalizers.
 */
import type { ErrorCode, Issue } from '../../src/core/errors.js';
import type {
  DeadLetter, DeadLetterAuditEntry, DeadLetterOrigin, DeadLetterState, OutboxEntry, StoredRecord,
} from '../../src/core/ports.js';
import type { BatchHeader, BatchState, ChainAnchor } from '../../src/core/types.js';

export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' || typeof v === 'bigint') return Number(v);
  throw new TypeError(`expected a number from the database, got ${typeof v}`);
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}

/** jsonb arrives parsed from both drivers; a string means a custom type parser is installed. */
export function json<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

export function bytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  throw new TypeError('expected bytea from the database');
}

export interface BatchRow {
  id: string;
  header: unknown;
  signature: string;
  state: string;
  attempts: unknown;
  next_attempt_at: unknown;
  last_error: string | null;
  anchor: unknown;
  anchored_at: unknown;
}

/** Columns selected for an {@link OutboxEntry}. */
export const batchColumns = 'id, header, signature, state, attempts, next_attempt_at, last_error, anchor, anchored_at';

export function toOutboxEntry(row: BatchRow): OutboxEntry {
  return {
    header: json<BatchHeader>(row.header),
    signature: row.signature,
    state: row.state as BatchState,
    attempts: num(row.attempts),
    nextAttemptAt: num(row.next_attempt_at),
    lastError: row.last_error,
    anchor: row.anchor === null ? null : json<ChainAnchor>(row.anchor),
    anchoredAt: numOrNull(row.anchored_at),
  };
}

export interface RecordRow {
  source: string;
  id: string;
  digest: string;
  type: string;
  tenant: string;
  batch_id: string;
  leaf_index: unknown;
  accepted_at: unknown;
  state: string;
}

export function toStoredRecord(row: RecordRow): StoredRecord {
  return {
    recordId: { source: row.source, id: row.id },
    digest: row.digest,
    type: row.type,
    tenant: row.tenant,
    batchId: row.batch_id,
    leafIndex: num(row.leaf_index),
    status: row.state === 'anchored' ? 'anchored' : 'sealed',
    acceptedAt: num(row.accepted_at),
  };
}

export interface DeadLetterRow {
  id: string;
  seq: unknown;
  origin: string;
  tenant: string | null;
  source: string | null;
  record_id: string | null;
  type: string | null;
  sector: string | null;
  code: string;
  message: string;
  issues: unknown;
  payload: unknown;
  headers: unknown;
  kafka: unknown;
  created_at: unknown;
  state: string;
  resolved_at: unknown;
  resolution: string | null;
}

export const deadLetterColumns =
  'id, seq, origin, tenant, source, record_id, type, sector, code, message, issues, payload, headers, kafka, created_at, state, resolved_at, resolution';

export function toDeadLetter(row: DeadLetterRow): DeadLetter {
  return {
    id: row.id,
    origin: row.origin as DeadLetterOrigin,
    tenant: row.tenant,
    recordId: row.source !== null && row.record_id !== null ? { source: row.source, id: row.record_id } : null,
    type: row.type,
    sector: row.sector,
    code: row.code as ErrorCode,
    message: row.message,
    issues: json<Issue[]>(row.issues),
    payload: bytes(row.payload),
    headers: json<Record<string, string>>(row.headers),
    kafka: row.kafka === null ? null : json<NonNullable<DeadLetter['kafka']>>(row.kafka),
    createdAt: num(row.created_at),
    state: row.state as DeadLetterState,
    resolvedAt: numOrNull(row.resolved_at),
    resolution: row.resolution,
  };
}

export interface AuditRow {
  dead_letter_id: string;
  action: string;
  actor: string;
  reason: string;
  at: unknown;
}

export function toAuditEntry(row: AuditRow): DeadLetterAuditEntry {
  return {
    deadLetterId: row.dead_letter_id,
    action: row.action as DeadLetterAuditEntry['action'],
    actor: row.actor,
    reason: row.reason,
    at: num(row.at),
  };
}
