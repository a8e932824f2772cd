/**
 * The gateway process consuming Kafka end to end (ARCHITECTURE.md invariant 1, "at-least-once in,
 * exactly-once out"): records are produced to all three sector topics, the gateway is killed with
 * SIGKILL while it holds consumed records in an open batch, more arrive while it is down, and after a
 * restart every valid record is stored exactly once with a receipt, the poison records are dead
 * letters, and a SIGTERM leaves the group with every offset committed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Message } from 'kafkajs';
import { sectors, type Sector, type SectorTopics } from '../../adapters/kafka/topics.js';
import { openEmbeddedStore } from '../../adapters/store/embedded-store.js';
import { recordPath } from '../../src/ingest/rest/record-paths.js';
import { http, startGatewayProcess, type GatewayProcess } from '../support/gateway.js';
import { KafkaTestContext, kafkaConsumerEnv, uniqueGroupId, waitFor } from '../support/kafka.js';
import { sectorMessage } from '../support/kafka-wire.js';
import { makeValidRecord, type GeneratedRecord, type RecordType } from '../support/record-factory.js';

const API_KEY = 'kafka-e2e-dev-key-0123456789abcdef';
const typesOf: Record<Sector, RecordType[]> = {
  transport: ['cn.gov.transport.trip', 'cn.gov.transport.toll-passage'],
  finance: ['cn.gov.finance.payment', 'cn.gov.finance.invoice'],
  telecom: ['cn.gov.telecom.cdr'],
};

async function committedTotal(ctx: KafkaTestContext, groupId: string, topics: SectorTopics): Promise<bigint> {
  let total = 0n;
  for (const sector of sectors) {
    for (const offset of (await ctx.committedOffsets(groupId, topics[sector])).values()) if (offset > 0n) total += offset;
  }
  return total;
}

/** Records the gateway holds in its batcher, not yet sealed (GET /metrics). */
async function queueDepth(gateway: GatewayProcess): Promise<number> {
  const { text } = await http(gateway.url, 'GET', '/metrics');
  const line = text.split('\n').find((l) => l.startsWith('crossgate_queue_depth '));
  return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
}

async function endTotal(ctx: KafkaTestContext, topics: SectorTopics): Promise<bigint> {
  let total = 0n;
  for (const sector of sectors) for (const end of (await ctx.endOffsets(topics[sector])).values()) total += end;
  return total;
}

describe('gateway consuming Kafka (embedded store and ledger)', () => {
  let ctx: KafkaTestContext;
  let gateway: GatewayProcess | undefined;
  before(async () => {
    ctx = await KafkaTestContext.open('kafka-e2e');
  });
  after(async () => {
    await gateway?.cleanup();
    await ctx?.close();
  });

  it('survives SIGKILL mid-stream: every valid record once, poison records dead-lettered, all offsets committed', async () => {
    const { topics, prefix } = await ctx.createSectorTopics();
    const groupId = uniqueGroupId('e2e');
    const valid: GeneratedRecord[] = [];
    let poison = 0;
    const produceRound = async (round: number, perSector: number) => {
      for (const sector of sectors) {
        const messages: Message[] = [];
        for (let i = 0; i < perSector; i++) {
          const types = typesOf[sector];
          const record = makeValidRecord(types[i % types.length] as RecordType, round * 100_000 + i, { idPrefix: `${prefix}-` });
          valid.push(record);
          messages.push(sectorMessage(sector, record));
          if (i % 500 === 3) {
            messages.push({ key: 'poison', value: `not a ${sector} record ${round}-${i}` });
            poison += 1;
          }
        }
        await ctx.produce(topics[sector], messages);
      }
    };
    await produceRound(1, 2000);

    const env = {
      CROSSGATE_DEV_API_KEY: API_KEY,
      CROSSGATE_BATCH_LINGER_MS: '50',
      ...kafkaConsumerEnv(topics, groupId),
      CROSSGATE_LOG_LEVEL: 'warn',
    };
    gateway = await startGatewayProcess({ env, readyTimeoutMs: 120_000 });
    const endOfRound1 = await endTotal(ctx, topics);
    await waitFor(async () => (await committedTotal(ctx, groupId, topics)) === endOfRound1, 120_000,
      () => `round 1 not committed to the end (${endOfRound1}) within 120 s`, 250);

    // Round 2 (300 records, under the 1000 that seal a batch at once) arrives at an idle gateway that
    // now lingers a minute: it is killed while those records wait in its open batch, none committed.
    assert.equal(await gateway.stop(), 0);
    await gateway.restart({ CROSSGATE_BATCH_LINGER_MS: '60000' });
    await produceRound(2, 100);
    const endAtKill = await endTotal(ctx, topics);
    await waitFor(async () => (await queueDepth(gateway as GatewayProcess)) === 300, 60_000,
      () => 'the gateway did not take round 2 into its open batch within 60 s', 100);
    await gateway.kill9();
    const committedAtKill = await committedTotal(ctx, groupId, topics);
    assert.ok(committedAtKill < endAtKill, `the kill happened mid-stream (${committedAtKill} of ${endAtKill} committed)`);

    // Records keep arriving while the gateway is down.
    await produceRound(3, 500);
    const end = await endTotal(ctx, topics);

    await gateway.restart({ CROSSGATE_BATCH_LINGER_MS: '50' });
    await waitFor(async () => (await committedTotal(ctx, groupId, topics)) === end, 120_000,
      () => `offsets not committed to the end (${end}) within 120 s after the restart`, 250);

    // Every valid record has a status; a sample also gets its receipt once anchored.
    const url = gateway.url;
    for (const record of valid) {
      const status = await http(url, 'GET', recordPath({ source: record.source, id: record.id }), { apiKey: API_KEY });
      assert.equal(status.status, 200, `record ${record.id} is known to the gateway`);
    }
    const sample = valid[valid.length - 1] as GeneratedRecord;
    let receipt: unknown;
    await waitFor(async () => {
      const r = await http(url, 'GET', `${recordPath({ source: sample.source, id: sample.id })}/receipt`, { apiKey: API_KEY });
      receipt = r.body;
      return r.status === 200;
    }, 30_000, () => 'no receipt for the last record');
    assert.deepEqual((receipt as { recordId?: unknown }).recordId, { source: sample.source, id: sample.id });

    const exitCode = await gateway.stop();
    assert.equal(exitCode, 0, 'SIGTERM stops the gateway cleanly');
    assert.equal(await committedTotal(ctx, groupId, topics), end);

    // With the gateway stopped, read its store directly: each record once, each poison record once.
    const store = await openEmbeddedStore({ dataDir: join(gateway.dataDir, 'store') });
    try {
      const stored = await store.findRecords(valid.map((r) => ({ source: r.source, id: r.id })));
      assert.equal(stored.length, valid.length, 'none missing');
      assert.equal(new Set(stored.map((s) => `${s.recordId.source} ${s.recordId.id}`)).size, valid.length, 'none twice');
      const dead = await store.listDeadLetters({ origin: 'kafka' }, 1000, null);
      const offsets = dead.items.map((d) => `${d.kafka?.topic}/${d.kafka?.partition}/${d.kafka?.offset}`);
      assert.equal(dead.items.every((d) => d.code === 'CG_DECODE_FAILED'), true);
      // A poison record consumed before the kill but not committed is indexed again after the restart:
      // at-least-once into the DLQ, so count distinct Kafka coordinates.
      assert.equal(new Set(offsets).size, poison, 'every poison record is a dead letter');
    } finally {
      await store.close();
    }
  });
});
