/**
 * Wire shapes of the DLQ API (`/v1/dlq`): query and body schemas (zod, parsed once at the edge) and the
 * JSON views of dead letters. Times are RFC 3339 on the wire; payload bytes are shown as UTF-8 text
 * when they are valid UTF-8 (and parsed when they are JSON), base64 otherwise.
 */
import { z } from 'zod';
import type { DeadLetter, DeadLetterAuditEntry, OutboxEntry, StoredRecord } from '../core/ports.js';
import type { DeadLetterDetail, DlqListFilter } from './dlq-service.js';

/** An instant as RFC 3339 or epoch milliseconds. */
const instant = z.union([
  z.string().regex(/^\d{1,15}$/).transform(Number),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

/** Filter fields, shared by the list query and the bulk replay/discard bodies. */
const filterShape = {
  state: z.enum(['open', 'replayed', 'discarded', 'all']).optional(),
  sector: z.string().min(1).max(64).optional(),
  tenant: z.string().min(1).max(128).optional(),
  /** Record source prefix, e.g. `/beijing/transport`. */
  source: z.string().min(1).max(4096).optional(),
  code: z.string().regex(/^CG_[A-Z_]+$/).optional(),
  origin: z.enum(['rest', 'kafka', 'grpc']).optional(),
  from: instant.optional(),
  to: instant.optional(),
};

export const dlqFilterSchema = z.object(filterShape).strict();
export type DlqFilterInput = z.infer<typeof dlqFilterSchema>;

export const listQuerySchema = z.object({
  ...filterShape,
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().min(1).max(512).optional(),
}).strict();

/** Bulk replay: explicit ids, a filter, or `all: true` (an empty filter alone is refused, by design). */
export const replayBodySchema = z.object({
  ids: z.array(z.string().min(1).max(128)).min(1).max(100_000).optional(),
  filter: dlqFilterSchema.optional(),
  all: z.literal(true).optional(),
}).strict().refine((b) => [b.ids, b.filter, b.all].filter((x) => x !== undefined).length === 1, {
  message: 'give exactly one of ids, filter or all: true',
}).refine((b) => b.filter === undefined || Object.keys(b.filter).length > 0, {
  message: 'an empty filter matches everything: send all: true to replay every open dead letter',
});

export const discardOneSchema = z.object({ reason: z.string().trim().min(3).max(2000) }).strict();

export const discardManySchema = z.object({
  ids: z.array(z.string().min(1).max(128)).min(1).max(100_000).optional(),
  filter: dlqFilterSchema.optional(),
  all: z.literal(true).optional(),
  reason: z.string().trim().min(3).max(2000),
}).strict().refine((b) => [b.ids, b.filter, b.all].filter((x) => x !== undefined).length === 1, {
  message: 'give exactly one of ids, filter or all: true',
});

/** The service filter of a parsed wire filter. */
export function toFilter(input: DlqFilterInput): DlqListFilter {
  const filter: { -readonly [K in keyof DlqListFilter]: DlqListFilter[K] } = {};
  if (input.state !== undefined) filter.state = input.state;
  if (input.sector !== undefined) filter.sector = input.sector;
  if (input.tenant !== undefined) filter.tenant = input.tenant;
  if (input.source !== undefined) filter.sourcePrefix = input.source;
  if (input.code !== undefined) filter.code = input.code;
  if (input.origin !== undefined) filter.origin = input.origin;
  if (input.from !== undefined) filter.from = input.from;
  if (input.to !== undefined) filter.to = input.to;
  return filter;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A dead letter in a list: everything but its bytes and headers. */
export function deadLetterSummary(d: DeadLetter) {
  return {
    id: d.id,
    state: d.state,
    origin: d.origin,
    tenant: d.tenant,
    recordId: d.recordId,
    type: d.type,
    sector: d.sector,
    code: d.code,
    message: d.message,
    createdAt: iso(d.createdAt),
    resolvedAt: iso(d.resolvedAt),
    resolution: d.resolution,
    kafka: d.kafka,
  };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The payload for display: text when it is UTF-8 (and the parsed value when it is JSON), else base64. */
export function payloadView(bytes: Uint8Array): { encoding: 'utf8'; text: string; json?: unknown; size: number } | { encoding: 'base64'; base64: string; size: number } {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return { encoding: 'base64', base64: Buffer.from(bytes).toString('base64'), size: bytes.length };
  }
  try {
    const json = JSON.parse(text) as unknown;
    // JSON.parse takes nesting that a recursive JSON.stringify (this view's own serializer) cannot
    // write back: such a payload is shown as text only, instead of failing the whole answer.
    JSON.stringify(json);
    return { encoding: 'utf8', text, json, size: bytes.length };
  } catch {
    return { encoding: 'utf8', text, size: bytes.length };
  }
}

function auditView(a: DeadLetterAuditEntry) {
  return { action: a.action, actor: a.actor, reason: a.reason, at: iso(a.at) };
}

function recordView(r: StoredRecord, batch: OutboxEntry | null) {
  return {
    status: r.status, batchId: r.batchId, leafIndex: r.leafIndex, digest: r.digest, acceptedAt: iso(r.acceptedAt),
    anchor: batch?.anchor ?? null, anchoredAt: iso(batch?.anchoredAt ?? null),
  };
}

/** A batch as the dashboard lists it. */
export function batchView(b: OutboxEntry) {
  return {
    id: b.header.id, size: b.header.size, sealedAt: b.header.sealedAt, state: b.state, attempts: b.attempts,
    lastError: b.lastError, anchor: b.anchor, anchoredAt: iso(b.anchoredAt),
  };
}

/** One dead letter with its original payload, headers, reason, audit trail and the record's state now. */
export function deadLetterDetailView(detail: DeadLetterDetail) {
  const { entry } = detail;
  return {
    ...deadLetterSummary(entry),
    issues: entry.issues,
    headers: entry.headers,
    payload: payloadView(entry.payload),
    audit: detail.audit.map(auditView),
    record: detail.record === null ? null : recordView(detail.record, detail.batch),
  };
}
