/**
 * A fetch that takes longer to become durable than the consumer's session timeout (a loaded store),
 * against the real broker: the consumer must keep heartbeating while it waits, so the group keeps the
 * member, the commit is accepted and no record is submitted twice. Without the keep-alive the broker
 * drops the silent member, refuses its commit, and the fetch is done again after a rejoin.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SubmitOutcome } from '../../src/core/pipeline.js';
import type { Tenant } from '../../src/core/tenant.js';
import { defaultKafkaIngestOptions, KafkaIngest } from '../../src/ingest/kafka/kafka-ingest.js';
import { KafkaTestContext, kafkaBrokers, uniqueGroupId, waitFor } from '../support/kafka.js';
import { sectorMessage } from '../support/kafka-wire.js';
import { makeValidRecord } from '../support/record-factory.js';

const SESSION_TIMEOUT_MS = 6_000;
const tenant: Tenant = { id: 'all', role: 'producer', sourcePrefixes: ['/'], allowedTypes: '*', requireProducerSignature: false, producerKeys: [] };

describe('Kafka ingest with a batch slower than the session timeout', () => {
  let ctx: KafkaTestContext;
  before(async () => {
    ctx = await KafkaTestContext.open('kafka-slow-batch');
  });
  after(async () => {
    await ctx?.close();
  });

  it('keeps its group membership while the batch is in hand, commits it once, and submits each record once', async () => {
    const { topics } = await ctx.createSectorTopics({ partitions: 1 });
    const groupId = uniqueGroupId('slow');
    const records = Array.from({ length: 30 }, (_, i) => makeValidRecord('cn.gov.transport.trip', i, { idPrefix: `${groupId}-` }));
    await ctx.produce(topics.transport, records.map((r) => sectorMessage('transport', r)));

    // The first fetch settles only after 1.5 session timeouts, like a store that has slowed to a crawl.
    const submits = new Map<string, number>();
    let slowUntil: number | undefined;
    const pipeline = {
      admission: () => 'open' as const,
      async submitMany(inputs: readonly unknown[]): Promise<SubmitOutcome[]> {
        slowUntil ??= Date.now() + SESSION_TIMEOUT_MS * 1.5;
        const outcomes = inputs.map((input): SubmitOutcome => {
          const { source, id } = input as { source: string; id: string };
          submits.set(id, (submits.get(id) ?? 0) + 1);
          return { status: 'accepted', recordId: { source, id }, digest: 'd'.repeat(64), batchId: 'b'.repeat(64), leafIndex: 0 };
        });
        const wait = slowUntil - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        return outcomes;
      },
    };
    const joins: string[] = [];
    const problems: string[] = [];
    const ingest = new KafkaIngest({
      ...defaultKafkaIngestOptions,
      brokers: kafkaBrokers(),
      groupId,
      topics,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 1_000,
      retry: { initialMs: 50, maxMs: 500 },
      gatewayVersion: 'test-1',
    }, {
      pipeline,
      store: { addDeadLetter: () => Promise.reject(new Error('no dead letters expected')) },
      tenants: { tenants: [tenant] },
      clock: { now: () => Date.now() },
      logger: {
        info: (_obj, msg) => { if (msg === 'joined the consumer group') joins.push(msg); },
        warn: (_obj, msg) => { problems.push(`warn: ${msg}`); },
        error: (_obj, msg) => { problems.push(`error: ${msg}`); },
      },
    });
    try {
      await ingest.start();
      await waitFor(async () => (await ctx.committedOffsets(groupId, topics.transport)).get(0) === 30n, 60_000,
        () => `offset 30 not committed; submits ${JSON.stringify([...submits.values()])}; log: ${problems.join(' | ')}`, 200);
    } finally {
      await ingest.stop();
    }
    assert.equal(submits.size, records.length);
    assert.deepEqual([...submits.values()].filter((n) => n !== 1), [], 'no record submitted twice (the fetch was not redone)');
    assert.equal(joins.length, 1, `one group join, no rebalance (log: ${problems.join(' | ')})`);
  });
});
