/**
 * Proves the test broker from scripts/kafka.sh is a real Kafka with the settings the gateway's tests rely
 * on: explicit topics only, three partitions by default, keyed partitioning, headers, consumer groups
 * with manually committed offsets that a new group member resumes from.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EachBatchPayload } from 'kafkajs';
import {
  KafkaTestContext, randomTag, uniqueGroupId, withDeadline,
} from '../support/kafka.js';

describe('Kafka test broker', () => {
  let ctx: KafkaTestContext;
  before(async () => {
    ctx = await KafkaTestContext.open('kafka-broker-test');
  });
  after(async () => {
    await ctx?.close();
  });

  it('is a KRaft cluster with one broker that refuses to auto-create topics', async () => {
    const cluster = await ctx.admin.describeCluster();
    assert.equal(cluster.brokers.length, 1);
    assert.ok(cluster.controller !== null && cluster.controller >= 0, 'a controller is elected');

    const missing = `cg-test-${randomTag()}-never-created`;
    const producer = ctx.kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 1, initialRetryTime: 100 } });
    await producer.connect();
    try {
      await assert.rejects(producer.send({ topic: missing, acks: -1, messages: [{ value: 'x' }] }));
    } finally {
      await producer.disconnect();
    }
    const topics = await ctx.admin.listTopics();
    assert.equal(topics.includes(missing), false, 'auto.create.topics.enable=false');
  });

  it('creates sector topics and their DLQs with three partitions', async () => {
    const { topics } = await ctx.createSectorTopics();
    const metadata = await ctx.admin.fetchTopicMetadata({ topics: [topics.finance, `${topics.finance}.dlq`] });
    assert.deepEqual(metadata.topics.map((t) => t.partitions.length), [3, 3]);
  });

  it('round-trips keys, values and headers, and resumes a group from its committed offsets', async () => {
    const topic = `cg-test-${randomTag()}-roundtrip`;
    await ctx.createTopics([topic]);
    const total = 600;
    await ctx.produceN(topic, total, (i) => ({
      key: `key-${i % 17}`,
      value: JSON.stringify({ i }),
      headers: { ce_id: `id-${i}`, 'content-type': 'application/json' },
    }), 250);

    const ends = await ctx.endOffsets(topic);
    assert.equal([...ends.values()].reduce((a, b) => a + b, 0n), BigInt(total), 'every message landed');
    assert.ok([...ends.values()].every((end) => end > 0n), 'keys spread over all three partitions');

    // First member: consumes only the first half of each partition, committing offset+1 by hand.
    const groupId = uniqueGroupId('roundtrip');
    const half = new Map([...ends].map(([partition, end]) => [partition, end / 2n]));
    const seen = new Map<number, { key: string; i: number; ceId: string }[]>();
    const firstDone = consumeUntil(ctx, groupId, topic, async ({ batch, resolveOffset }, commit) => {
      const stop = half.get(batch.partition) ?? 0n;
      let last: string | undefined;
      for (const message of batch.messages) {
        if (BigInt(message.offset) >= stop) break;
        const body = JSON.parse(message.value?.toString() ?? 'null') as { i: number };
        const list = seen.get(batch.partition) ?? [];
        list.push({ key: message.key?.toString() ?? '', i: body.i, ceId: message.headers?.['ce_id']?.toString() ?? '' });
        seen.set(batch.partition, list);
        resolveOffset(message.offset);
        last = message.offset;
      }
      if (last !== undefined) await commit(batch.partition, BigInt(last) + 1n);
    }, async () => {
      const committed = await ctx.committedOffsets(groupId, topic);
      return [...half].every(([partition, stop]) => (committed.get(partition) ?? -1n) === stop);
    });
    await withDeadline(firstDone, 30_000, () => 'first consumer did not commit half of each partition');

    const committed = await ctx.committedOffsets(groupId, topic);
    assert.deepEqual(committed, half, 'committed offset = last processed + 1, per partition');
    for (const list of seen.values()) {
      for (const { i, key, ceId } of list) {
        assert.equal(key, `key-${i % 17}`);
        assert.equal(ceId, `id-${i}`);
      }
    }

    // Second member of the same group: starts exactly at the committed offsets and reads the rest.
    const rest = new Map<number, bigint[]>();
    const secondDone = consumeUntil(ctx, groupId, topic, async ({ batch, resolveOffset }, commit) => {
      for (const message of batch.messages) {
        const list = rest.get(batch.partition) ?? [];
        list.push(BigInt(message.offset));
        rest.set(batch.partition, list);
        resolveOffset(message.offset);
      }
      await commit(batch.partition, BigInt(batch.lastOffset()) + 1n);
    }, async () => {
      const now = await ctx.committedOffsets(groupId, topic);
      return [...ends].every(([partition, end]) => (now.get(partition) ?? -1n) === end);
    });
    await withDeadline(secondDone, 30_000, () => 'second consumer did not reach the end offsets');

    for (const [partition, end] of ends) {
      const offsets = rest.get(partition) ?? [];
      const start = half.get(partition) ?? 0n;
      assert.equal(offsets[0], start, `partition ${partition} resumed at its committed offset`);
      assert.equal(BigInt(offsets.length), end - start, `partition ${partition} read each remaining record once`);
    }
    const firstHalf = [...seen.values()].reduce((n, list) => n + list.length, 0);
    const secondHalf = [...rest.values()].reduce((n, list) => n + list.length, 0);
    assert.equal(firstHalf + secondHalf, total);
  });

  it('reads a whole topic back with readAll', async () => {
    const topic = `cg-test-${randomTag()}-readall`;
    await ctx.createTopics([topic]);
    await ctx.produce(topic, [
      { key: 'a', value: 'one', headers: { h: ['x', 'y'] } },
      { key: 'b', value: 'two' },
      { key: 'c', value: null },
    ]);
    const records = await ctx.readAll(topic);
    assert.deepEqual(records.map((r) => r.value?.toString() ?? null).sort(), ['one', 'two', null].sort());
    assert.deepEqual(records.find((r) => r.key?.toString() === 'a')?.headers, { h: ['x', 'y'] });
    assert.deepEqual(await ctx.readAll(`cg-test-${randomTag()}-empty`).catch((e: unknown) => e instanceof Error ? 'error' : 'other'), 'error',
      'reading a topic that does not exist fails instead of returning nothing');
  });
});

/**
 * Runs a consumer until `done()` holds (checked after each batch), then stops it. eachBatch with
 * autoCommit off and explicit commitOffsets (offset = next record to read) is how the gateway consumes.
 */
async function consumeUntil(
  ctx: KafkaTestContext,
  groupId: string,
  topic: string,
  handle: (payload: EachBatchPayload, commit: (partition: number, next: bigint) => Promise<void>) => Promise<void>,
  done: () => Promise<boolean>,
): Promise<void> {
  const consumer = ctx.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
  await consumer.connect();
  let finish!: () => void;
  let fail!: (error: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => { finish = resolve; fail = reject; });
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        try {
          await handle(payload, (partition, next) => consumer.commitOffsets([{ topic, partition, offset: next.toString() }]));
          if (await done()) finish();
        } catch (error) {
          fail(error);
        }
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
}
