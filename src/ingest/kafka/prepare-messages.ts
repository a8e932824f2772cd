/**
 * Consumed messages of one sector to prepared records: decode (sector decoder), find the tenant by
 * source prefix, then prepare (src/core/prepare.ts: envelope, authorization, schema, RFC 8785,
 * digest). Pure and synchronous, so a prepare worker and the consumer's own thread give the same answer.
 */
import type { KafkaMessage } from '../../../adapters/kafka/kafka-message.js';
import { decoders, type Sector } from '../../../adapters/kafka/topics.js';
import type { DigestAlg } from '../../core/digest.js';
import { parseEnvelope } from '../../core/envelope.js';
import { ErrorCodes, rejection, type Rejection } from '../../core/errors.js';
import { prepareRecord, type PreparedRecord } from '../../core/prepare.js';
import type { Tenant } from '../../core/tenant.js';
import type { RecordId } from '../../core/types.js';
import type { RecordSchemaLookup } from '../../core/validate-record.js';
import { tenantIndexForSource } from './tenant-for-source.js';

/**
 * One message's answer. `dead`: the pipeline cannot be asked (not decodable, or no tenant for its
 * source). `record`: for the pipeline, prepared for `tenants[tenant]`; when the record is refused,
 * `recordId` and `type` are what the DLQ names it by (read from the candidate where the envelope
 * could not say).
 */
export type PreparedMessage =
  | { readonly kind: 'dead'; readonly rejection: Rejection; readonly recordId: RecordId | null; readonly type: string | null }
  | {
    readonly kind: 'record';
    readonly tenant: number;
    readonly record: PreparedRecord;
    readonly recordId: RecordId | null;
    readonly type: string | null;
  };

/** A string member of a candidate envelope, read without trusting its shape. */
export function stringField(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const field = (value as Record<string, unknown>)[name];
  return typeof field === 'string' ? field : undefined;
}

/** The (source, id) a candidate names, for a DLQ entry, when both are strings. */
export function recordIdOf(candidate: unknown): RecordId | null {
  const source = stringField(candidate, 'source');
  const id = stringField(candidate, 'id');
  return source !== undefined && id !== undefined ? { source, id } : null;
}

/** A message decoded and given its tenant: an envelope candidate for `tenants[tenant]`, or dead. */
export type DecodedMessage =
  | Extract<PreparedMessage, { kind: 'dead' }>
  | { readonly kind: 'candidate'; readonly tenant: number; readonly candidate: unknown };

/** Decodes one message of `sector` and finds its tenant by source prefix; never throws for bad input. */
export function decodeForTenant(sector: Sector, message: KafkaMessage, tenants: readonly Tenant[]): DecodedMessage {
  const decoded = decoders[sector](message);
  if (!decoded.ok) return { kind: 'dead', rejection: decoded.rejection, recordId: null, type: null };
  const candidate = decoded.envelope;
  const source = stringField(candidate, 'source');
  const tenant = source === undefined ? -1 : tenantIndexForSource(tenants, source);
  if (tenant >= 0) return { kind: 'candidate', tenant, candidate };
  // Without a tenant the pipeline cannot be asked; report an invalid envelope as such first.
  const parsed = parseEnvelope(candidate);
  return parsed.ok
    ? {
      kind: 'dead', rejection: rejection(ErrorCodes.SourceForbidden, `no tenant may submit records from source ${parsed.envelope.source}`),
      recordId: recordIdOf(candidate), type: stringField(candidate, 'type') ?? null,
    }
    : { kind: 'dead', rejection: parsed.rejection, recordId: null, type: null };
}

function prepareMessage(
  sector: Sector, message: KafkaMessage, tenants: readonly Tenant[], registry: RecordSchemaLookup, digestAlg: DigestAlg,
): PreparedMessage {
  const decoded = decodeForTenant(sector, message, tenants);
  if (decoded.kind === 'dead') return decoded;
  const { tenant: index, candidate } = decoded;
  const record = prepareRecord(candidate, tenants[index] as Tenant, registry, digestAlg);
  return record.ok
    ? { kind: 'record', tenant: index, record, recordId: record.recordId, type: record.type }
    : {
      kind: 'record', tenant: index, record,
      recordId: record.recordId ?? recordIdOf(candidate), type: record.type ?? stringField(candidate, 'type') ?? null,
    };
}

/** Prepares each message of `sector` for the tenants given; never throws for bad input. */
export function prepareMessages(
  sector: Sector, messages: readonly KafkaMessage[], tenants: readonly Tenant[], registry: RecordSchemaLookup, digestAlg: DigestAlg,
): PreparedMessage[] {
  return messages.map((message) => prepareMessage(sector, message, tenants, registry, digestAlg));
}
