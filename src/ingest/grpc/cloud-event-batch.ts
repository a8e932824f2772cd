/**
 * SubmitBatch and SubmitStream requests from their protobuf bytes to prepared records, so the work
 * per record (protobuf decoding, the envelope, RFC 7493 checks, authorization, schema, RFC 8785, digest)
 * runs on a prepare worker as for REST batches and Kafka messages, not on the gRPC thread. Both requests
 * are `repeated CloudEvent events = 1`, and concatenated protobuf messages of one type decode as one
 * message with the repeated fields joined: several stream requests are prepared in one go.
 * Pure: runs in a worker and, without workers, in the gateway's thread.
 */
import type { DigestAlg } from '../../core/digest.js';
import type { Rejection } from '../../core/errors.js';
import { prepareRecord, type PreparedRecord } from '../../core/prepare.js';
import type { Tenant } from '../../core/tenant.js';
import type { RecordId } from '../../core/types.js';
import type { RecordSchemaLookup } from '../../core/validate-record.js';
import { readCloudEvents } from './cloud-event-reader.js';
import { envelopeOfCloudEvent, type GrpcCloudEvent } from './grpc-records.js';

export type PreparedEvents =
  | { readonly kind: 'malformed'; readonly message: string }
  | { readonly kind: 'too-many'; readonly count: number }
  | {
    readonly kind: 'prepared';
    readonly records: readonly PreparedRecord[];
    /** For each record refused here, what the dead-letter index keeps (JSON); null for prepared ones. */
    readonly payloads: readonly (Uint8Array | null)[];
  };

/** The (source, id) of an event or a RecordId message, when both are strings. */
export function recordIdOf(value: unknown): RecordId | null {
  const v = value as { source?: unknown; id?: unknown } | null | undefined;
  return typeof v?.source === 'string' && typeof v.id === 'string' ? { source: v.source, id: v.id } : null;
}

/** What the dead-letter index keeps of a gRPC record: its JSON form (bytes as base64), replayable like REST's. */
export function payloadOf(event: GrpcCloudEvent | undefined, envelope: Record<string, unknown> | undefined): Uint8Array {
  return Buffer.from(JSON.stringify(envelope ?? event ?? null, (_, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));
}

function refused(event: GrpcCloudEvent | undefined, rejection: Rejection): PreparedRecord {
  return { ok: false, recordId: recordIdOf(event), type: typeof event?.type === 'string' ? event.type : null, sector: null, rejection };
}

export function prepareCloudEvents(bytes: Uint8Array, tenant: Tenant, registry: RecordSchemaLookup, limit: number, digestAlg: DigestAlg): PreparedEvents {
  const events = readCloudEvents(bytes);
  if (events === undefined) return { kind: 'malformed', message: 'the request is not a protobuf crossgate.v1 events message' };
  if (events.length > limit) return { kind: 'too-many', count: events.length };
  const records = new Array<PreparedRecord>(events.length);
  const payloads = new Array<Uint8Array | null>(events.length);
  events.forEach((event, i) => {
    const decoded = envelopeOfCloudEvent(event);
    const record = decoded.ok ? prepareRecord(decoded.envelope, tenant, registry, digestAlg) : refused(event, decoded.rejection);
    records[i] = record;
    payloads[i] = record.ok ? null : payloadOf(event, decoded.ok ? decoded.envelope : undefined);
  });
  return { kind: 'prepared', records, payloads };
}
