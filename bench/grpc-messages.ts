/**
 * Pre-encoded SubmitStream messages for the grpc bench: the load generator shares the machine with
 * the gateway, so each request is a template's bytes with fresh fixed-length ids written in place, and
 * answers are counted, not decoded.
 */
import { randomBytes } from 'node:crypto';
import { loadProtoRoot } from '../src/ingest/grpc/proto-files.js';
import { makeValidRecord, RECORD_TYPES, type RecordType } from '../test/support/record-factory.js';

const root = loadProtoRoot(['crossgate/v1/gateway.proto']);
const SubmitStreamRequest = root.lookupType('crossgate.v1.SubmitStreamRequest');
const SubmitStreamResponse = root.lookupType('crossgate.v1.SubmitStreamResponse');

const ID_LENGTH = 20;
const PLACEHOLDER = '#'.repeat(ID_LENGTH);

/**
 * A factory of encoded requests of `size` events each, every event with an id never sent before. With
 * `reuse`, requests are written into a ring of that many buffers instead of a new one each (the
 * caller keeps fewer than `reuse` requests unsent): a 100-event request is ~70 KB, and allocating
 * one per request was most of the load generator's garbage.
 */
export function streamRequestFactory(size: number, reuse = 0): () => Buffer {
  const run = randomBytes(4).toString('hex');
  const events = Array.from({ length: size }, (_, i) => {
    const { specversion, id: _id, source, type, data, ...attributes } = makeValidRecord(RECORD_TYPES[i % RECORD_TYPES.length] as RecordType, i, { source: `/bench/${run}/sector-${i % 3}` }) as Record<string, unknown>;
    return {
      id: PLACEHOLDER, source, specVersion: specversion, type, textData: JSON.stringify(data),
      attributes: Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { ceString: String(value) }])),
    };
  });
  const template = Buffer.from(SubmitStreamRequest.encode(SubmitStreamRequest.fromObject({ events })).finish());
  const marker = Buffer.from(PLACEHOLDER);
  const offsets: number[] = [];
  for (let at = template.indexOf(marker); at !== -1; at = template.indexOf(marker, at + ID_LENGTH)) offsets.push(at);
  if (offsets.length !== size) throw new Error(`found ${offsets.length} id placeholders for ${size} events`);
  let seq = 0;
  const ring = Array.from({ length: reuse }, () => Buffer.allocUnsafe(template.length));
  return () => {
    seq += 1;
    const message = reuse === 0 ? Buffer.from(template) : ring[seq % reuse]!;
    if (reuse !== 0) template.copy(message);
    const prefix = `${run}-${seq.toString(16).padStart(6, '0')}-`;
    if (prefix.length + String(size - 1).length > ID_LENGTH) throw new Error(`request ${seq}: ids no longer fit ${ID_LENGTH} characters`);
    offsets.forEach((at, i) => message.write(`${prefix}${String(i).padStart(ID_LENGTH - prefix.length, '0')}`, at, 'latin1'));
    return message;
  };
}

/** An answer the size of the gateway's to a request of `size` accepted events (the echo server's reply). */
export function streamAnswerOf(size: number): Buffer {
  const hex = () => randomBytes(32).toString('hex');
  const results = Array.from({ length: size }, (_, i) => ({
    status: 1, recordId: { source: '/bench/echo/sector-0', id: PLACEHOLDER }, digest: hex(), batchId: hex(), leafIndex: i,
  }));
  return Buffer.from(SubmitStreamResponse.encode(SubmitStreamResponse.fromObject({ sequence: 1, results })).finish());
}
