/**
 * Prepared records on their way back from a prepare worker (REST batches, gRPC requests): one flat
 * array of strings and numbers, six slots per record, instead of an object graph that structured
 * clone rebuilds one property at a time (the Kafka door does the same, src/ingest/kafka/prepared-wire.ts).
 *
 * An accepted record: source, id, digest (hex), type, sector, bytes. A refused one (rare): the
 * PreparedRecord itself, then five nulls. Slot 0 is the hash the digests were made with.
 */
import type { DigestAlg } from '../../core/digest.js';
import type { PreparedRecord } from '../../core/prepare.js';

const STRIDE = 6;

/** A worker's answer with its `records` flattened, when it has them. */
export type OnTheWire<T> = T extends { readonly records: readonly PreparedRecord[] } ? Omit<T, 'records'> & { readonly records: unknown[] } : T;

function flatten(records: readonly PreparedRecord[], digestAlg: DigestAlg): unknown[] {
  const out: unknown[] = [digestAlg];
  for (const record of records) {
    if (record.ok) out.push(record.recordId.source, record.recordId.id, record.digestHex, record.type, record.sector, record.bytes);
    else out.push(record, null, null, null, null, null);
  }
  return out;
}

function unflatten(flat: readonly unknown[]): PreparedRecord[] {
  const digestAlg = flat[0] as DigestAlg;
  const out = new Array<PreparedRecord>((flat.length - 1) / STRIDE);
  for (let at = 1, i = 0; at < flat.length; at += STRIDE, i++) {
    const first = flat[at];
    out[i] = typeof first !== 'string'
      ? first as PreparedRecord
      : {
        ok: true, recordId: { source: first, id: flat[at + 1] as string }, digestHex: flat[at + 2] as string, digestAlg,
        type: flat[at + 3] as string, sector: flat[at + 4] as string, bytes: flat[at + 5] as number,
      };
  }
  return out;
}

export function toWire<T extends { readonly kind: string }>(result: T, digestAlg: DigestAlg): OnTheWire<T> {
  const records = (result as { records?: readonly PreparedRecord[] }).records;
  return (records === undefined ? result : { ...result, records: flatten(records, digestAlg) }) as OnTheWire<T>;
}

export function fromWire<T extends { readonly kind: string }>(wire: OnTheWire<T>): T {
  const records = (wire as { records?: readonly unknown[] }).records;
  return (records === undefined ? wire : { ...wire, records: unflatten(records) }) as T;
}
