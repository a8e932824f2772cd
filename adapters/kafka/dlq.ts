/**
 * Dead-letter records for Kafka: a record that cannot be accepted is copied to `<topic>.dlq` with its
 * original key, value and headers, plus headers saying why and where it came from, so the partition
 * moves on (ARCHITECTURE.md invariant 4) and the record can be inspected and replayed later.
 *
 * Header names follow Kafka Connect's DLQ context headers (`errors.deadletterqueue.context.headers.enable`:
 * `__connect.errors.topic`, `.partition`, `.offset`, `.exception.message`, ...) in a `__cg.errors.`
 * namespace of our own: these records were not produced by Connect, and tools that interpret
 * `__connect.*` (stack traces, connector names) would find fields missing. All values are UTF-8 text:
 *
 *   __cg.errors.code               stable error code (CG_DECODE_FAILED, CG_SCHEMA_INVALID, ...)
 *   __cg.errors.message            human-readable reason
 *   __cg.errors.issues             JSON array of { path, code, message } (empty array when none)
 *   __cg.errors.topic              topic the record was consumed from
 *   __cg.errors.partition          its partition (decimal)
 *   __cg.errors.offset             its offset (decimal)
 *   __cg.errors.timestamp          its Kafka timestamp (ms since the epoch, decimal, as consumed)
 *   __cg.errors.rejected.at        when the gateway rejected it (ms since the epoch, decimal)
 *   __cg.errors.gateway.version    version of the gateway that rejected it
 *   __cg.errors.record.source      CloudEvents source, when it could be read
 *   __cg.errors.record.id          CloudEvents id, when it could be read
 *   __cg.errors.value.omitted      only on a copy the DLQ topic refused as too large (a record near
 *                                  the topic's max message size, plus these headers): the original
 *                                  value's size in bytes. The value is left out (and the original
 *                                  headers too when that is not enough); the exact bytes are in the
 *                                  gateway's dead-letter index (GET /v1/dlq/{id}), so nothing is lost
 *                                  and the partition still moves on.
 *
 * A record that failed before (a replayed dead letter) carries old `__cg.errors.*` headers; they are
 * replaced rather than repeated, so each DLQ record states exactly one reason.
 */
import type { Rejection } from '../../src/core/errors.js';
import type { RecordId } from '../../src/core/types.js';
import type { KafkaHeaderValue } from './kafka-message.js';

export const dlqHeaderPrefix = '__cg.errors.';

export const DlqHeaders = {
  code: `${dlqHeaderPrefix}code`,
  message: `${dlqHeaderPrefix}message`,
  issues: `${dlqHeaderPrefix}issues`,
  topic: `${dlqHeaderPrefix}topic`,
  partition: `${dlqHeaderPrefix}partition`,
  offset: `${dlqHeaderPrefix}offset`,
  timestamp: `${dlqHeaderPrefix}timestamp`,
  rejectedAt: `${dlqHeaderPrefix}rejected.at`,
  gatewayVersion: `${dlqHeaderPrefix}gateway.version`,
  recordSource: `${dlqHeaderPrefix}record.source`,
  recordId: `${dlqHeaderPrefix}record.id`,
  valueOmitted: `${dlqHeaderPrefix}value.omitted`,
} as const;

/** The consumed record that failed, as kafkajs hands it to eachBatch. */
export interface FailedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** Kafka timestamp, ms since the epoch as a decimal string (kafkajs' representation). */
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, KafkaHeaderValue>>;
}

export interface DlqContext {
  readonly gatewayVersion: string;
  /** When the record was rejected, ms since the epoch. */
  readonly rejectedAt: number;
  /** The record's identity when decoding got that far. */
  readonly recordId?: RecordId | null;
}

/** A record ready for `producer.send({ topic: dlqTopic(topic), messages: [message] })`. */
export interface DlqMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, Buffer | string | (Buffer | string)[]>;
}

/** Builds the dead-letter copy of a failed record. Pure: the same inputs give the same message. */
export function buildDlqMessage(record: FailedRecord, why: Rejection, context: DlqContext): DlqMessage {
  const headers: Record<string, Buffer | string | (Buffer | string)[]> = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (value === undefined || name.startsWith(dlqHeaderPrefix)) continue;
    headers[name] = value;
  }
  headers[DlqHeaders.code] = why.code;
  headers[DlqHeaders.message] = why.message;
  headers[DlqHeaders.issues] = JSON.stringify(why.issues ?? []);
  headers[DlqHeaders.topic] = record.topic;
  headers[DlqHeaders.partition] = String(record.partition);
  headers[DlqHeaders.offset] = record.offset;
  headers[DlqHeaders.timestamp] = record.timestamp;
  headers[DlqHeaders.rejectedAt] = String(context.rejectedAt);
  headers[DlqHeaders.gatewayVersion] = context.gatewayVersion;
  if (context.recordId) {
    headers[DlqHeaders.recordSource] = context.recordId.source;
    headers[DlqHeaders.recordId] = context.recordId.id;
  }
  return { key: record.key, value: record.value, headers };
}

/**
 * The copy to send when the DLQ topic refuses `message` as too large: its reason and coordinates
 * without the value, and without the original headers unless `keepOriginalHeaders`.
 */
export function withoutValue(message: DlqMessage, keepOriginalHeaders: boolean): DlqMessage {
  const headers: Record<string, Buffer | string | (Buffer | string)[]> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (keepOriginalHeaders || name.startsWith(dlqHeaderPrefix)) headers[name] = value;
  }
  headers[DlqHeaders.valueOmitted] = String(message.value?.length ?? 0);
  return { key: message.key, value: null, headers };
}

/** True when kafkajs reports that the broker refused a record as larger than the topic takes. */
export function isMessageTooLarge(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const e = pending.pop();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    const { type, cause, originalError, errors } = e as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
    if (type === 'MESSAGE_TOO_LARGE') return true;
    pending.push(cause, originalError, ...(Array.isArray(errors) ? errors : []));
  }
  return false;
}

/** The original headers of a record, as UTF-8 text (for the store's dead-letter index), without DLQ context. */
export function headersAsText(headers: Readonly<Record<string, KafkaHeaderValue>>): Record<string, string> {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    // Repeated keys are joined the way HTTP joins repeated fields; the exact bytes stay in the DLQ topic.
    const values = Array.isArray(value) ? value : [value];
    text[name] = values.map((v) => (typeof v === 'string' ? v : v.toString('utf8'))).join(', ');
  }
  return text;
}
