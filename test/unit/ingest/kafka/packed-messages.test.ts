/**
 * Packing consumed messages for a prepare worker loses nothing: keys, values and headers (single or
 * repeated, bytes or strings, absent) come back byte for byte, header names included (`__proto__`
 * stays a header), and only the messages' own bytes are copied, not the buffers they are views on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { KafkaHeaderValue, KafkaMessage } from '../../../../adapters/kafka/kafka-message.js';
import { packMessages, transferList, unpackMessages } from '../../../../src/ingest/kafka/packed-messages.js';

const bytes = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b));
const headerValue: fc.Arbitrary<KafkaHeaderValue> = fc.oneof(
  bytes, fc.string({ unit: 'grapheme', maxLength: 16 }), fc.constant(undefined), fc.array(fc.oneof(bytes, fc.string({ maxLength: 8 })), { maxLength: 3 }),
);
const headerName = fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'ce_id'));
const message: fc.Arbitrary<KafkaMessage> = fc.record({
  key: fc.option(bytes, { nil: null }),
  value: fc.option(bytes, { nil: null }),
  headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 5 }).map((entries) => Object.fromEntries(entries)),
});

/** Plain data for comparison: Buffers as byte arrays, header order as given. */
function plain(m: KafkaMessage): unknown {
  const value = (v: KafkaHeaderValue): unknown => (Buffer.isBuffer(v) ? { bytes: [...v] } : Array.isArray(v) ? v.map(value) : v);
  return {
    key: m.key === null ? null : [...m.key],
    value: m.value === null ? null : [...m.value],
    headers: Object.entries(m.headers).map(([name, v]) => [name, value(v)]),
  };
}

describe('packed Kafka messages', () => {
  it('property: unpack(pack(messages)) is the messages, byte for byte', () => {
    fc.assert(fc.property(fc.array(message, { maxLength: 20 }), (messages) => {
      const back = unpackMessages(packMessages(messages));
      // Object.entries lists own properties only: a `__proto__` header set through the setter would be missing.
      assert.deepEqual(back.map(plain), messages.map(plain));
    }), { numRuns: 300, seed: 1415 });
  });

  it('copies only the bytes of the messages, not the fetch buffer they are views on', () => {
    const fetch = Buffer.alloc(1 << 20, 0x61);
    const messages: KafkaMessage[] = [
      { key: fetch.subarray(0, 3), value: fetch.subarray(100, 110), headers: { 'content-type': fetch.subarray(200, 204) } },
      { key: null, value: fetch.subarray(5000, 5020), headers: {} },
    ];
    const packed = packMessages(messages);
    assert.equal(packed.bytes.byteLength, 3 + 10 + 'content-type'.length + 4 + 20);
    assert.deepEqual(transferList(packed), [packed.bytes, packed.layout.buffer]);
    assert.deepEqual(unpackMessages(packed).map(plain), messages.map(plain));
  });

  it('survives the transfer to another thread: the sender loses the buffers, the receiver reads them', async () => {
    const { MessageChannel } = await import('node:worker_threads');
    const messages: KafkaMessage[] = [{ key: Buffer.from('k'), value: Buffer.from('{"id":"1"}'), headers: { ce_id: [Buffer.from('a'), 'b'] } }];
    const packed = packMessages(messages);
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<KafkaMessage[]>((resolve) => port2.once('message', (p) => resolve(unpackMessages(p))));
    port1.postMessage(packed, transferList(packed));
    assert.equal(packed.bytes.byteLength, 0, 'transferred, not copied');
    assert.deepEqual((await received).map(plain), messages.map(plain));
    port1.close();
  });
});
