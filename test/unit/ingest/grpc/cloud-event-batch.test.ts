/**
 * The worker's side of SubmitBatch and SubmitStream, and the reader of every gRPC submission: bytes
 * read by cloud-event-reader.ts give the envelopes (and refusals) that @grpc/proto-loader's objects
 * give, for any events protobufjs encodes (an independent implementation of the same wire format);
 * events are counted from the top-level fields; joined stream requests read as their events in
 * order; and what protobufjs would let through silently is refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadSync } from '@grpc/proto-loader';
import { countEvents, readCloudEvents } from '../../../../src/ingest/grpc/cloud-event-reader.js';
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

/** Well-formed text (protobufjs writes lone surrogates as bytes that are not UTF-8). */
const text = fc.string({ unit: 'binary', maxLength: 30 });
const attributeValue = fc.oneof(
  fc.record({ ceBoolean: fc.boolean() }),
  fc.record({ ceInteger: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
  fc.record({ ceString: text }),
  fc.record({ ceBytes: fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)) }),
  fc.record({ ceUri: text }),
  fc.record({ ceUriRef: text }),
  fc.record({ ceTimestamp: fc.record({ seconds: fc.integer({ min: -62135596800, max: 253402300799 }).map(String), nanos: fc.integer({ min: 0, max: 999_999_999 }) }) }),
);
const json = fc.json({ maxDepth: 2 });
const event: fc.Arbitrary<GrpcCloudEvent> = fc.record({
  id: text, source: text, specVersion: fc.constantFrom('1.0', '', '0.3'), type: text,
  attributes: fc.dictionary(fc.stringMatching(/^[a-z0-9]{1,6}$/), attributeValue, { maxKeys: 4 }),
  data: fc.oneof(
    json.map((t) => ({ textData: t })),
    json.map((t) => ({ binaryData: Buffer.from(t) })),
    fc.constant({}),
  ),
}, { requiredKeys: ['id'] }).map(({ data, ...rest }) => ({ ...rest, ...data }));

describe('reading CloudEvents from protobuf bytes', () => {
  it('gives the envelopes (and refusals) proto-loader\'s objects give', () => {
    const bytes = batch.requestSerialize({ events });
    const viaLoader = (batch.requestDeserialize(bytes).events ?? []).map(envelopeOfCloudEvent);
    const viaReader = (readCloudEvents(bytes) ?? []).map(envelopeOfCloudEvent);
    assert.equal(viaReader.length, 4);
    assert.deepEqual(viaReader, viaLoader);
    assert.equal(viaReader[0]?.ok, true);
    assert.equal(viaReader[2]?.ok, false, 'proto_data is refused');
  });

  it('agrees with proto-loader for any events protobufjs encodes', () => {
    fc.assert(fc.property(fc.array(event, { maxLength: 5 }), (generated) => {
      const bytes = batch.requestSerialize({ events: generated });
      const viaLoader = (batch.requestDeserialize(bytes).events ?? []).map(envelopeOfCloudEvent);
      assert.deepEqual((readCloudEvents(bytes) ?? []).map(envelopeOfCloudEvent), viaLoader);
    }), { numRuns: 400 });
  });

  it('counts events from the top-level fields and refuses bytes of another shape', () => {
    assert.equal(countEvents(batch.requestSerialize({ events: [] })), 0);
    assert.equal(countEvents(batch.requestSerialize({ events })), events.length);
    const joined = Buffer.concat([batch.requestSerialize({ events: events.slice(0, 1) }), batch.requestSerialize({ events: events.slice(1) })]);
    assert.equal(countEvents(joined), events.length);
    assert.deepEqual(readCloudEvents(joined)?.map((e) => e.id), ['a', 'b', 'c', 'd'], 'joined requests read as their events, in order');
    assert.equal(countEvents(Buffer.from([0x12, 0x00])), undefined, 'field 2 is not an event');
    assert.equal(countEvents(Buffer.from([0x0a, 0x05, 0x01])), undefined, 'truncated');
  });

  it('refuses malformed wire data: truncation, overlong varints, wrong wire types, field 0, groups', () => {
    const malformed: [string, number[]][] = [
      ['truncated event', [0x0a, 0x05, 0x01]],
      ['truncated string', [0x0a, 0x03, 0x0a, 0x05, 0x61]],
      ['varint past 10 bytes', [0x0a, 0x0c, 0x28, ...Array<number>(11).fill(0xff)]],
      ['length past 32 bits', [0x0a, 0x06, 0x0a, 0xff, 0xff, 0xff, 0xff, 0x7f]],
      ['id as a varint', [0x0a, 0x02, 0x08, 0x01]],
      ['field 0', [0x0a, 0x02, 0x00, 0x01]],
      ['a group', [0x0a, 0x02, 0x4b, 0x4c]],
      ['events as a varint', [0x08, 0x01]],
    ];
    for (const [name, bytes] of malformed) assert.equal(readCloudEvents(Buffer.from(bytes)), undefined, name);
    assert.deepEqual(readCloudEvents(Buffer.from([0x0a, 0x05, 0x48, 0x07, 0x0a, 0x01, 0x61])), [{ id: 'a' }], 'an unknown field (9) is skipped');
  });

  it('refuses string fields that are not UTF-8 (protobufjs would turn them into U+FFFD), naming the field', () => {
    const good = batch.requestSerialize({ events: [{ specVersion: '1.0', id: 'x\uFFFDy', source: '/x', type: 't', textData: '{"a":"\uFFFD"}' }] });
    assert.equal(readCloudEvents(good)?.[0]?.notUtf8, undefined, 'U+FFFD sent as UTF-8 is text like any other');
    const cases: [string, Buffer][] = [
      ['text_data', Buffer.from('{"a":"\xff"}', 'latin1')],
      ['text_data', Buffer.from([0x7b, 0x7d, 0xc0, 0xaf])], // overlong '/'
      ['text_data', Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])], // an encoded surrogate
    ];
    for (const [field, bad] of cases) {
      const bytes = Buffer.concat([Buffer.from([0x0a, 3 + 2 + bad.length, 0x0a, 0x01, 0x61, 0x3a, bad.length]), bad]);
      const [read] = readCloudEvents(bytes) ?? [];
      assert.equal(read?.notUtf8, field);
      const result = envelopeOfCloudEvent(read);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.rejection.code, 'CG_NOT_I_JSON');
    }
    const badId = Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0xff]);
    assert.equal(readCloudEvents(badId)?.[0]?.notUtf8, 'id');
  });

  it('refuses an attribute named __proto__ instead of dropping it', () => {
    const bytes = batch.requestSerialize({ events: [{ specVersion: '1.0', id: 'a', source: '/x', type: 't', attributes: { ['__proto__']: { ceString: 'x' } } }] });
    const result = envelopeOfCloudEvent(readCloudEvents(bytes)?.[0]);
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.rejection.message : '', /__proto__/);
  });

  it('keeps protobuf\'s rules: the last oneof member and the last map entry for a key win', () => {
    const first = batch.requestSerialize({ events: [{ id: 'a', textData: '1', attributes: { k: { ceString: 'old' } } }] });
    const second = batch.requestSerialize({ events: [{ binaryData: Buffer.from('2'), attributes: { k: { ceInteger: 7 } } }] });
    // One event's fields split over two length-delimited parts would be a merge; here: one event, fields repeated.
    const eventBytes = Buffer.concat([first.subarray(2), second.subarray(2)]);
    const [read] = readCloudEvents(Buffer.concat([Buffer.from([0x0a, eventBytes.length]), eventBytes])) ?? [];
    assert.equal(read?.data, 'binaryData');
    assert.deepEqual(read?.attributes, { k: { attr: 'ceInteger', ceInteger: 7 } });
  });
});
