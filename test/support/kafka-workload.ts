/**
 * A mixed Kafka workload over the three sector topics, built from `mixedRecord` (record-factory.ts):
 * each entry goes to its sector's topic in that topic's wire format (kafka-wire.ts), valid records and
 * invalid ones of several kinds, with the rejection code each invalid one must get on the Kafka path.
 * Records are spread round-robin over the partitions (explicit partition numbers: every record of a
 * sector shares one source, so keying by source would put a whole sector on one partition).
 *
 * What the wire cannot carry is left out rather than bent: the telecom topic carries CDRs only, so
 * SIM registrations (valid, or with a broken ICCID) are skipped; an envelope defect or a value that
 * is not an object is sent on the transport topic in structured mode, where it survives the decoder.
 */
import type { Message } from 'kafkajs';
import { sectors, type Sector } from '../../adapters/kafka/topics.js';
import { ErrorCodes, type ErrorCode } from '../../src/core/errors.js';
import type { RecordId } from '../../src/core/types.js';
import { sectorMessage } from './kafka-wire.js';
import { INVALID_KINDS, mixedRecord, type GeneratedRecord, type InvalidKind } from './record-factory.js';

/** An invalid record as produced, and the code its DLQ record must carry. */
export interface InvalidEntry {
  readonly sector: Sector;
  readonly kind: InvalidKind;
  /** The Kafka value as sent (the DLQ record keeps these bytes). */
  readonly value: string;
  readonly code: ErrorCode;
}

export interface SectorWorkload {
  readonly messages: Readonly<Record<Sector, Message[]>>;
  readonly valid: readonly GeneratedRecord[];
  readonly invalid: readonly InvalidEntry[];
  /** The next `mixedRecord` index: pass it as `from` to extend the workload with new ids. */
  readonly next: number;
}

export interface WorkloadOptions {
  readonly invalidRatio: number;
  readonly seed: number;
  /** Prepended to every id (a per-test tag). */
  readonly idPrefix: string;
  /** First `mixedRecord` index (default 0). */
  readonly from?: number;
  /** Partitions per sector topic (default 3). */
  readonly partitions?: number;
}

const SIM_REGISTRATION = 'cn.gov.telecom.sim-registration';

/** The Kafka path's code for each invalid kind: a JSON value that is not an object fails decoding. */
function kafkaCode(kind: InvalidKind): ErrorCode {
  return kind === 'not-an-object' ? ErrorCodes.DecodeFailed : INVALID_KINDS[kind];
}

function sectorOfType(type: string): Sector | undefined {
  const sector = type.split('.')[2];
  return sectors.find((s) => s === sector);
}

/** `count` entries (after the skipped ones) of the mixed stream, as messages per sector topic. */
export function sectorWorkload(count: number, options: WorkloadOptions): SectorWorkload {
  const partitions = options.partitions ?? 3;
  const messages: Record<Sector, Message[]> = { transport: [], finance: [], telecom: [] };
  const valid: GeneratedRecord[] = [];
  const invalid: InvalidEntry[] = [];
  let i = options.from ?? 0;
  for (let made = 0; made < count; i++) {
    const { record, invalidKind } = mixedRecord(i, options.invalidRatio, options.seed, { idPrefix: options.idPrefix });
    const envelope = typeof record === 'object' && record !== null && !Array.isArray(record) ? record as GeneratedRecord : undefined;
    if (envelope?.type === SIM_REGISTRATION) continue;
    const structured = invalidKind === 'not-an-object' || invalidKind === 'bad-envelope';
    const sector = structured ? 'transport' : sectorOfType(envelope?.type ?? '') ?? 'transport';
    const message: Message = envelope === undefined
      ? { key: null, value: JSON.stringify(record), headers: { 'content-type': 'application/cloudevents+json' } }
      : sectorMessage(sector, envelope);
    message.partition = messages[sector].length % partitions;
    messages[sector].push(message);
    if (invalidKind === null) valid.push(envelope as GeneratedRecord);
    else invalid.push({ sector, kind: invalidKind, value: String(message.value), code: kafkaCode(invalidKind) });
    made += 1;
  }
  return { messages, valid, invalid, next: i };
}

/** Several workloads as one (e.g. records produced before and during an outage). */
export function concatWorkloads(...parts: readonly SectorWorkload[]): SectorWorkload {
  const messages: Record<Sector, Message[]> = { transport: [], finance: [], telecom: [] };
  for (const part of parts) for (const sector of sectors) messages[sector].push(...part.messages[sector]);
  return {
    messages,
    valid: parts.flatMap((p) => p.valid),
    invalid: parts.flatMap((p) => p.invalid),
    next: Math.max(0, ...parts.map((p) => p.next)),
  };
}

/** `source \u0000 id`, the key of a record identity in sets. */
export function recordKey(id: RecordId): string {
  return `${id.source}\u0000${id.id}`;
}
