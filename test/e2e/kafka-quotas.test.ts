/**
 * Per-tenant quotas on the Kafka door (issue 16, item 6), against the real broker and a gateway
 * process: tenant A's backlog is twelve times what its quota lets through in a second, tenant B's
 * sits on another topic. Outcomes, read from the gateway's store afterwards: nothing of either is
 * lost, A was held to its rate (its records were accepted over at least the time its rate needs),
 * and B was not held behind A (all of B was accepted before A's backlog was through).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openEmbeddedStore } from '../../adapters/store/embedded-store.js';
import { hashApiKey } from '../../src/config/tenants.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway.js';
import { KafkaTestContext, kafkaConsumerEnv, uniqueGroupId, waitFor } from '../support/kafka.js';
import { sectorMessage } from '../support/kafka-wire.js';
import { makeValidRecord, type GeneratedRecord } from '../support/record-factory.js';

const RATE = 250;
const BURST = 250;
const FLOOD = RATE * 12;
const CALM = 600;

describe('per-tenant quotas (Kafka)', () => {
  let ctx: KafkaTestContext;
  let gateway: GatewayProcess | undefined;
  before(async () => {
    ctx = await KafkaTestContext.open('kafka-quotas');
  });
  after(async () => {
    await gateway?.cleanup();
    await ctx?.close();
  });

  it('a tenant over its quota is slowed to its rate, loses nothing, and does not hold up another tenant\'s partitions', async () => {
    const { topics, prefix } = await ctx.createSectorTopics();
    const flood: GeneratedRecord[] = Array.from({ length: FLOOD }, (_, i) => makeValidRecord('cn.gov.transport.trip', i, { idPrefix: `${prefix}-a-`, source: '/beijing/transport/flood' }));
    const calm: GeneratedRecord[] = Array.from({ length: CALM }, (_, i) => makeValidRecord('cn.gov.finance.payment', i, { idPrefix: `${prefix}-b-`, source: '/shanghai/finance/calm' }));
    await ctx.produce(topics.transport, flood.map((r) => sectorMessage('transport', r)));
    await ctx.produce(topics.finance, calm.map((r) => sectorMessage('finance', r)));

    const dir = mkdtempSync(join(tmpdir(), 'cg-kafka-quota-'));
    const tenantsFile = join(dir, 'tenants.json');
    writeFileSync(tenantsFile, JSON.stringify({
      tenants: [
        { id: 'flood', apiKeySha256: hashApiKey('cg_flood-tenant-key-000000001'), sourcePrefixes: ['/beijing/transport'], allowedTypes: '*', quota: { recordsPerSecond: RATE, burst: BURST } },
        { id: 'calm', apiKeySha256: hashApiKey('cg_calm-tenant-key-0000000001'), sourcePrefixes: ['/shanghai/finance'], allowedTypes: '*' },
      ],
    }));
    const groupId = uniqueGroupId('quota');
    gateway = await startGatewayProcess({
      env: { CROSSGATE_TENANTS_FILE: tenantsFile, CROSSGATE_BATCH_LINGER_MS: '50', CROSSGATE_LOG_LEVEL: 'warn', ...kafkaConsumerEnv(topics, groupId) },
      readyTimeoutMs: 120_000,
    });
    const end = BigInt(FLOOD + CALM);
    await waitFor(async () => (await ctx.committedTotal(groupId, topics)) === end, 180_000, () => `offsets not committed to the end (${end}) within 180 s`, 250);
    assert.equal(await gateway.stop(), 0);

    const store = await openEmbeddedStore({ dataDir: join(gateway.dataDir, 'store') });
    try {
      const floodStored = await store.findRecords(flood.map((r) => ({ source: r.source, id: r.id })));
      const calmStored = await store.findRecords(calm.map((r) => ({ source: r.source, id: r.id })));
      assert.equal(floodStored.length, FLOOD, 'the slowed tenant loses nothing');
      assert.equal(calmStored.length, CALM, 'the other tenant loses nothing');
      const times = (rows: readonly { acceptedAt: number }[]) => rows.map((r) => r.acceptedAt).sort((x, y) => x - y);
      const floodTimes = times(floodStored);
      const calmTimes = times(calmStored);
      const floodSpanMs = (floodTimes.at(-1) ?? 0) - (floodTimes[0] ?? 0);
      // The burst goes at once, the rest at the rate: (FLOOD − BURST) / RATE seconds at the least.
      const needMs = ((FLOOD - BURST) / RATE) * 1000;
      assert.ok(floodSpanMs >= needMs - 500, `the flooding tenant was held to its rate: accepted over ${floodSpanMs} ms, its rate needs ${needMs} ms`);
      assert.ok((calmTimes.at(-1) ?? Infinity) < (floodTimes.at(-1) ?? 0), 'the other tenant was through before the flood was');
    } finally {
      await store.close();
    }
  });
});
