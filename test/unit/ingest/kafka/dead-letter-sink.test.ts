import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DlqHeaders } from '../../../../adapters/kafka/dlq.js';
import { ErrorCodes, rejection } from '../../../../src/core/errors.js';
import type { DeadLetterInput } from '../../../../src/core/ports.js';
import { newKafkaDeadLetterSink, type DeadLetterEntry } from '../../../../src/ingest/kafka/dead-letter-sink.js';

function entry(topic: string, offset: string, value: Buffer | null): DeadLetterEntry {
  return {
    record: { topic, partition: 0, offset, timestamp: '1700000000000', key: Buffer.from('k'), value, headers: { ce_id: Buffer.from('x'), h: ['a', 'b'] } },
    rejection: rejection(ErrorCodes.SchemaInvalid, 'bad', [{ path: ['data', 'x'], code: 'custom', message: 'no' }]),
    tenant: 'metro',
    recordId: { source: '/s', id: 'x' },
    type: 'cn.gov.transport.trip',
    sector: 'transport',
  };
}

describe('Kafka dead-letter sink', () => {
  it('publishes to each record topic\'s .dlq with acks=all in one request', async () => {
    const sent: unknown[] = [];
    const sink = newKafkaDeadLetterSink({
      producer: { sendBatch: async (batch) => { sent.push(batch); return []; } },
      store: { addDeadLetter: async () => 'id' },
      gatewayVersion: '9.9.9',
    });
    await sink.publish([entry('a.events', '1', Buffer.from('v1')), entry('b.events', '2', null), entry('a.events', '3', Buffer.from('v3'))], 42);
    assert.equal(sent.length, 1);
    const batch = sent[0] as { acks: number; topicMessages: { topic: string; messages: { value: Buffer | null; headers: Record<string, unknown> }[] }[] };
    assert.equal(batch.acks, -1);
    assert.deepEqual(batch.topicMessages.map((t) => [t.topic, t.messages.length]), [['a.events.dlq', 2], ['b.events.dlq', 1]]);
    const first = batch.topicMessages[0]?.messages[0];
    assert.equal(first?.headers[DlqHeaders.rejectedAt], '42');
    assert.equal(first?.headers[DlqHeaders.gatewayVersion], '9.9.9');
    assert.equal(first?.headers[DlqHeaders.recordId], 'x');
  });

  it('sends a copy the DLQ topic refuses as too large without its value, then without its original headers', async () => {
    // A fake broker that takes records up to `limit` bytes (value + headers), as message.max.bytes does.
    type Message = { value: Buffer | null; headers: Record<string, string | Buffer | (string | Buffer)[]> };
    const sizeOf = (m: Message) => (m.value?.length ?? 0) + Object.entries(m.headers).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
    const limit = 1000;
    const accepted: Message[] = [];
    const omitted: [string, number, boolean][] = [];
    let attempts = 0;
    const tooLarge = Object.assign(new Error('The request included a message larger than the max message size the server will accept'), { type: 'MESSAGE_TOO_LARGE', retriable: false });
    const sink = newKafkaDeadLetterSink({
      producer: {
        sendBatch: async (batch) => {
          attempts += 1;
          const messages = batch.topicMessages?.flatMap((t) => t.messages as Message[]) ?? [];
          // As kafkajs does for a non-retriable protocol error: wrapped, the broker's error as the cause.
          if (messages.some((m) => sizeOf(m) > limit)) throw Object.assign(new Error('wrapped'), { name: 'KafkaJSNonRetriableError', cause: tooLarge });
          accepted.push(...messages);
          return [];
        },
      },
      store: { addDeadLetter: async () => 'id' },
      gatewayVersion: '1',
      onValueOmitted: (record, valueBytes, withOriginalHeaders) => omitted.push([record.offset, valueBytes, withOriginalHeaders]),
    });
    const small = entry('a.events', '1', Buffer.from('v1'));
    const big = entry('a.events', '2', Buffer.alloc(900, 0x61));
    const bigHeaders = { ...entry('a.events', '3', Buffer.alloc(900, 0x61)), record: { ...entry('a.events', '3', null).record, value: Buffer.alloc(900, 0x61), headers: { trace: 'x'.repeat(900) } } };
    await sink.publish([small, big, bigHeaders], 5);
    assert.equal(accepted.length, 3, 'every record has a copy in its DLQ topic');
    const [one, two, three] = accepted;
    assert.deepEqual(one?.value, Buffer.from('v1'), 'copies that fit are sent whole');
    assert.equal(one?.headers[DlqHeaders.valueOmitted], undefined);
    assert.equal(two?.value, null);
    assert.equal(two?.headers[DlqHeaders.valueOmitted], '900');
    assert.equal(two?.headers['h'] !== undefined, true, 'original headers kept when they fit');
    assert.equal(two?.headers[DlqHeaders.offset], '2');
    assert.equal(three?.value, null);
    assert.equal(three?.headers['trace'], undefined, 'original headers left out when even they do not fit');
    assert.equal(three?.headers[DlqHeaders.code], 'CG_SCHEMA_INVALID');
    assert.equal(attempts, 1 + 1 + 2 + 3, 'all together, then one by one, shrinking only what is refused');
    assert.deepEqual(omitted, [['2', 900, true], ['3', 900, false]], 'each shrunken copy is reported for the logs');
  });

  it('passes other publish failures to the caller, which retries', async () => {
    const sink = newKafkaDeadLetterSink({
      producer: { sendBatch: async () => { throw Object.assign(new Error('leader not available'), { type: 'LEADER_NOT_AVAILABLE', retriable: true }); } },
      store: { addDeadLetter: async () => 'id' },
      gatewayVersion: '1',
    });
    await assert.rejects(sink.publish([entry('a.events', '1', Buffer.alloc(10))], 1), /leader not available/);
  });

  it('publishes nothing for no entries', async () => {
    let calls = 0;
    const sink = newKafkaDeadLetterSink({ producer: { sendBatch: async () => { calls += 1; return []; } }, store: { addDeadLetter: async () => 'id' }, gatewayVersion: '1' });
    await sink.publish([], 1);
    assert.equal(calls, 0);
  });

  it('indexes the record with its Kafka coordinates and original bytes', async () => {
    const added: DeadLetterInput[] = [];
    const sink = newKafkaDeadLetterSink({
      producer: { sendBatch: async () => [] },
      store: { addDeadLetter: async (input) => { added.push(input); return 'id'; } },
      gatewayVersion: '1',
    });
    await sink.index(entry('a.events', '7', Buffer.from([0xff, 0x00])), 99);
    await sink.index(entry('a.events', '8', null), 99);
    const [one, two] = added;
    assert.equal(one?.origin, 'kafka');
    assert.equal(one?.tenant, 'metro');
    assert.equal(one?.code, 'CG_SCHEMA_INVALID');
    assert.deepEqual(one?.issues, [{ path: ['data', 'x'], code: 'custom', message: 'no' }]);
    assert.deepEqual(Buffer.from(one?.payload ?? []), Buffer.from([0xff, 0x00]));
    assert.deepEqual(one?.headers, { ce_id: 'x', h: 'a, b' });
    assert.deepEqual(one?.kafka, { topic: 'a.events', partition: 0, offset: '7', key: 'k', timestamp: '1700000000000' });
    assert.equal(one?.createdAt, 99);
    assert.equal(two?.payload.length, 0, 'a record without a value is kept as empty bytes');
  });
});
