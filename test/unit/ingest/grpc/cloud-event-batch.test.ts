/**
 * The worker's side of SubmitBatch and SubmitStream: requests decoded from their bytes by protobufjs
 * give the same envelopes as @grpc/proto-loader's decoding (what the unary Submit handler gets), events
 * are counted from the top-level fields, and joined stream requests decode as their events in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSync } from '@grpc/proto-loader';
import { countEvents, decodeEvents } from '../../../../src/ingest/grpc/cloud-event-batch.js';
import { envelopeOfCloudEvent, type GrpcCloudEvent } from '../../../../src/ingest/grpc/grpc-records.js';
import { GATEWAY_PROTO, protoLoaderOptions } from '../../../../src/ingest/grpc/grpc.module.js';

const definition = loadSync(GATEWAY_PROTO, protoLoaderOptions);
const batch = (definition['crossgate.v1.Gateway'] as unknown as Record<string, { requestSerialize(v: unknown): Buffer; requestDeserialize(b: Buffer): { events?: GrpcCloudEvent[] } }>)['SubmitBatch']!;

const events: GrpcCloudEvent[] = [
  {
    specVersion: '1.0', id: 'a', source: '/beijing/transport/metro-3', type: 'cn.gov.transport.trip',
    attributes: {
      time: { ceTimestamp: { seconds: '1748764200', nanos: 5 } }, n: { ceInteger: -3 }, flag: { ceBoolean: false },
      blob: { ceBytes: Buffer.from([0, 255]) }, datacontenttype: { ceString: 'application/json' },
    },
    binaryData: Buffer.from('{"k":[1,2]}'),
  },
  { specVersion: '1.0', id: 'b', source: '/x', type: 't', textData: '{"é":"\\u00e9"}' },
  { specVersion: '1.0', id: 'c', source: '/x', type: 't', protoData: { typeUrl: 'x', value: Buffer.from('') } },
  { id: 'd' },
];

describe('SubmitBatch/SubmitStream bytes on the prepare worker', () => {
  it('decodes to the envelopes (and refusals) proto-loader\'s objects give', () => {
    const bytes = batch.requestSerialize({ events });
    const viaLoader = (batch.requestDeserialize(bytes).events ?? []).map(envelopeOfCloudEvent);
    const viaWorker = (decodeEvents(bytes) ?? []).map(envelopeOfCloudEvent);
    assert.equal(viaWorker.length, 4);
    assert.deepEqual(viaWorker, viaLoader);
    assert.equal(viaWorker[0]?.ok, true);
    assert.equal(viaWorker[2]?.ok, false, 'proto_data is refused');
  });

  it('counts events from the top-level fields and refuses bytes of another shape', () => {
    assert.equal(countEvents(batch.requestSerialize({ events: [] })), 0);
    assert.equal(countEvents(batch.requestSerialize({ events })), events.length);
    const joined = Buffer.concat([batch.requestSerialize({ events: events.slice(0, 1) }), batch.requestSerialize({ events: events.slice(1) })]);
    assert.equal(countEvents(joined), events.length);
    assert.deepEqual(decodeEvents(joined)?.map((e) => e.id), ['a', 'b', 'c', 'd'], 'joined requests decode as their events, in order');
    assert.equal(countEvents(Buffer.from([0x12, 0x00])), undefined, 'field 2 is not an event');
    assert.equal(countEvents(Buffer.from([0x0a, 0x05, 0x01])), undefined, 'truncated');
    assert.equal(decodeEvents(Buffer.from([0x0a, 0x05, 0x01])), undefined);
  });
});
