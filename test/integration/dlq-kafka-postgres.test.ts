/**
 * Dead letters from both doors, over the real Kafka broker and real PostgreSQL, through the real gateway
 * process: a known workload over REST and the transport topic, then
 *  - a /metrics scrape that shows exactly that workload;
 *  - the DLQ API: list, filters (origin, code, sector, tenant, source, time range), paging, show;
 *  - the operator adds the missing schema version and restarts; `crossgate dlq replay --code ...`
 *    replays the REST and the Kafka entry (progress bar, summary), receipts appear, a second replay
 *    makes no second receipt, invalid records fail again and stay open with the audit saying so;
 *  - `crossgate dlq discard` with a reason kept in the audit log.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { SectorTopics } from '../../adapters/kafka/topics.js';
import { hashApiKey } from '../../src/config/tenants.js';
import { createTestDatabase, type GatewayProcess, http, startGatewayProcess, waitFor } from '../support/gateway.js';
import { KafkaTestContext, kafkaBrokers, uniqueGroupId, kafkaConsumerEnv } from '../support/kafka.js';
import { invalidTrip, trip, TRIP, TRIP_SOURCE, type TripRecord } from '../support/ops-records.js';
import { CLI } from '../support/run-cli.js';

const TRIP_V2_MODULE = fileURLToPath(new URL('../support/schemas/trip-v2.js', import.meta.url));
const run = randomBytes(4).toString('hex');
const producerKey = `cg_metro_${randomBytes(24).toString('base64url')}`;
const adminKey = `cg_admin_${randomBytes(24).toString('base64url')}`;
const id = (name: string) => `${run}-${name}`;

let gateway: GatewayProcess;
let database: { url: string; drop(): Promise<void> };
let kafka: KafkaTestContext;
let topics: SectorTopics;
let kafkaStartedAt = 0;

interface Entry { id: string; origin: string; code: string; state: string; tenant: string | null; sector: string | null; recordId: { source: string; id: string } | null }
interface Page { items: Entry[]; next: string | null; total: number }

async function dlq(query: string): Promise<Page> {
  const res = await http(gateway.url, 'GET', `/v1/dlq${query}`, { apiKey: adminKey });
  assert.equal(res.status, 200, res.text);
  return res.body as Page;
}

/** Sum of a metric's samples whose labels include all of `labels`. */
function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(match[3]);
  }
  return sum;
}

/** Runs the CLI asynchronously (the gateway keeps serving meanwhile). */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, '--url', gateway.url], { env: { ...process.env, CROSSGATE_API_KEY: adminKey } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    child.once('error', reject);
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

function structured(record: TripRecord | string, key: string) {
  return { key, value: typeof record === 'string' ? record : JSON.stringify(record), headers: { 'content-type': 'application/cloudevents+json' } };
}

describe('DLQ over Kafka and PostgreSQL', { timeout: 300_000 }, () => {
  before(async () => {
    kafkaBrokers(); // throws when the test setup did not start Kafka
    database = await createTestDatabase();
    kafka = await KafkaTestContext.open('crossgate-dlq-test');
    ({ topics } = await kafka.createSectorTopics({ partitions: 2 }));
    const dir = mkdtempSync(join(tmpdir(), 'cg-dlq-'));
    const tenantsFile = join(dir, 'tenants.json');
    writeFileSync(tenantsFile, JSON.stringify({
      tenants: [
        { id: 'metro', apiKeySha256: hashApiKey(producerKey), sourcePrefixes: ['/beijing/transport'], allowedTypes: '*' },
        { id: 'ops', role: 'admin', apiKeySha256: hashApiKey(adminKey) },
      ],
    }));
    gateway = await startGatewayProcess({
      readyTimeoutMs: 120_000,
      env: {
        CROSSGATE_STORE: 'postgres', CROSSGATE_PG_URL: database.url, CROSSGATE_TENANTS_FILE: tenantsFile, CROSSGATE_BATCH_LINGER_MS: '20',
        ...kafkaConsumerEnv(topics, uniqueGroupId('dlq')),
      },
    });
  });

  after(async () => {
    await gateway?.cleanup();
    await kafka?.close();
    await database?.drop();
  });

  it('counts a known workload exactly in /metrics', async () => {
    // REST: 6 valid, 1 repeat, 2 invalid, 1 unknown version (v2).
    const valid = Array.from({ length: 6 }, (_, i) => trip(id(`rest-${i}`)));
    const batch = await http(gateway.url, 'POST', '/v1/records/batch', {
      apiKey: producerKey, body: [...valid, valid[0], invalidTrip(id('rest-bad-1')), invalidTrip(id('rest-bad-2')), trip(id('rest-v2'), { version: 2 })],
    });
    assert.equal(batch.status, 200, batch.text);
    assert.deepEqual((batch.body as { counts: unknown }).counts, { accepted: 6, duplicate: 1, rejected: 3, overloaded: 0 });

    // Kafka: 4 valid, 1 unknown version, 1 value that is not JSON, 1 source no tenant owns.
    kafkaStartedAt = Date.now();
    const producer = await kafka.sharedProducer();
    await producer.send({
      topic: topics.transport, acks: -1,
      messages: [
        ...Array.from({ length: 4 }, (_, i) => structured(trip(id(`kafka-${i}`)), id(`kafka-${i}`))),
        structured(trip(id('kafka-v2'), { version: 2 }), id('kafka-v2')),
        structured('{"specversion":"1.0", oops', id('kafka-garbage')),
        structured(trip(id('kafka-stranger'), { source: '/nobody/transport/x' }), id('kafka-stranger')),
      ],
    });
    await waitFor('the Kafka records to be processed', async () => ((await dlq('?origin=kafka')).total === 3 ? true : undefined), 60_000, 100);
    const text = await waitFor('10 accepted in /metrics', async () => {
      const res = await http(gateway.url, 'GET', '/metrics');
      return metricSum(res.text, 'crossgate_records_accepted_total') === 10 ? res.text : undefined;
    }, 60_000, 100);

    const trips = { sector: 'transport', type: TRIP };
    assert.equal(metricSum(text, 'crossgate_records_accepted_total', trips), 10);
    assert.equal(metricSum(text, 'crossgate_records_duplicate_total', trips), 1);
    assert.equal(metricSum(text, 'crossgate_records_rejected_total', { ...trips, code: 'CG_SCHEMA_INVALID' }), 2);
    assert.equal(metricSum(text, 'crossgate_records_rejected_total', { ...trips, code: 'CG_SCHEMA_UNKNOWN' }), 2);
    assert.equal(metricSum(text, 'crossgate_records_rejected_total', { sector: 'transport', code: 'CG_DECODE_FAILED' }), 1);
    assert.equal(metricSum(text, 'crossgate_records_rejected_total', { sector: 'transport', code: 'CG_SOURCE_FORBIDDEN' }), 1);
    assert.equal(metricSum(text, 'crossgate_records_rejected_total'), 6);
    assert.equal(metricSum(text, 'crossgate_records_received_total'), 17);
    assert.equal(metricSum(text, 'crossgate_dlq_depth'), 6);
    assert.equal(metricSum(text, 'crossgate_dlq_depth', { origin: 'rest', topic: 'store', code: 'CG_SCHEMA_INVALID' }), 2);
    assert.equal(metricSum(text, 'crossgate_dlq_depth', { origin: 'kafka', topic: `${topics.transport}.dlq` }), 3);
    const anchored = await waitFor('every batch anchored', async () => {
      const res = await http(gateway.url, 'GET', '/metrics');
      return metricSum(res.text, 'crossgate_outbox_depth') === 0 && metricSum(res.text, 'crossgate_batches_anchored_total') > 0 ? res.text : undefined;
    }, 60_000, 100);
    assert.equal(metricSum(anchored, 'crossgate_batch_size_records_sum'), 10, 'the batches hold exactly the 10 accepted records');
    assert.equal(metricSum(anchored, 'crossgate_batches_anchored_total'), metricSum(anchored, 'crossgate_batches_sealed_total'));
    assert.equal(metricSum(anchored, 'crossgate_batch_seal_to_anchor_seconds_count'), metricSum(anchored, 'crossgate_batches_sealed_total'));
    // Offsets are committed after the seal, so the lag reaches 0 a moment after the outbox empties.
    await waitFor('the consumer lag to reach 0', async () => {
      const res = await http(gateway.url, 'GET', '/metrics');
      return metricSum(res.text, 'crossgate_kafka_consumer_lag', { topic: topics.transport }) === 0 ? true : undefined;
    }, 60_000, 100);
  });

  it('lists, filters, pages and shows dead letters from both doors', async () => {
    assert.equal((await dlq('')).total, 6);
    assert.equal((await dlq('?origin=rest')).total, 3);
    assert.equal((await dlq('?code=CG_SCHEMA_UNKNOWN')).total, 2);
    assert.deepEqual((await dlq('?code=CG_SCHEMA_UNKNOWN')).items.map((d) => d.origin).sort(), ['kafka', 'rest']);
    assert.equal((await dlq('?sector=transport&tenant=metro')).total, 4, 'REST 3 + the Kafka v2 record (the others have no tenant)');
    assert.equal((await dlq(`?source=${encodeURIComponent('/nobody')}`)).total, 1);
    assert.equal((await dlq(`?from=${kafkaStartedAt}`)).total, 3, 'a time range');
    assert.equal((await dlq(`?to=${new Date(kafkaStartedAt).toISOString()}`)).total, 3);
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: Page = await dlq(`?limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      assert.ok(page.items.length <= 2);
      page.items.forEach((d) => seen.add(d.id));
      cursor = page.next;
    } while (cursor !== null);
    assert.equal(seen.size, 6, 'paging visits every entry once');

    const [garbage] = (await dlq('?code=CG_DECODE_FAILED')).items;
    assert.ok(garbage !== undefined);
    const shown = await http(gateway.url, 'GET', `/v1/dlq/${garbage.id}`, { apiKey: adminKey });
    assert.equal(shown.status, 200);
    const detail = shown.body as { payload: { encoding: string; text: string }; headers: Record<string, string>; kafka: { topic: string; partition: number; offset: string; key: string } };
    assert.equal(detail.payload.text, '{"specversion":"1.0", oops');
    assert.equal(detail.headers['content-type'], 'application/cloudevents+json');
    assert.equal(detail.kafka.topic, topics.transport);
    assert.equal(detail.kafka.key, id('kafka-garbage'));
    assert.match(detail.kafka.offset, /^\d+$/);

    assert.equal((await http(gateway.url, 'GET', '/v1/dlq', { apiKey: producerKey })).status, 403, 'admin only');
    assert.equal((await http(gateway.url, 'GET', '/v1/dlq')).status, 401);
  });

  it('replays after the schema fix (CLI, with progress and a summary), idempotently', async () => {
    const before = await cli(['dlq', 'replay', '--code', 'CG_SCHEMA_UNKNOWN']);
    assert.equal(before.status, 1, 'records failing again exit 1');
    assert.match(before.stdout, /failed again\s+2/);
    assert.equal((await dlq('?code=CG_SCHEMA_UNKNOWN')).total, 2, 'still open');

    await gateway.stop();
    await gateway.restart({ CROSSGATE_EXTRA_SCHEMAS: TRIP_V2_MODULE });
    const after = await cli(['dlq', 'replay', '--code', 'CG_SCHEMA_UNKNOWN']);
    assert.equal(after.status, 0, after.stderr);
    assert.match(after.stderr, /\[#+\] 100%\s+2\/2/, 'a progress bar on stderr');
    assert.match(after.stdout, /replayed 2 of 2 dead letters/);
    assert.match(after.stdout, /accepted\s+2/);
    assert.equal((await dlq('?code=CG_SCHEMA_UNKNOWN')).total, 0, 'replayed entries leave the open view');
    assert.equal((await dlq('?code=CG_SCHEMA_UNKNOWN&state=replayed')).total, 2);

    for (const name of ['rest-v2', 'kafka-v2']) {
      await waitFor(`the receipt of ${name}`, async () => {
        const res = await http(gateway.url, 'GET', `/v1/records/${encodeURIComponent(TRIP_SOURCE)}/${encodeURIComponent(id(name))}/receipt`, { apiKey: producerKey });
        return res.status === 200 ? true : undefined;
      }, 60_000, 100);
    }
    // Again, by id: nothing is submitted twice; the batches still hold exactly one leaf per record.
    const replayed = (await dlq('?code=CG_SCHEMA_UNKNOWN&state=replayed')).items;
    for (const entry of replayed) {
      const res = await http(gateway.url, 'POST', `/v1/dlq/${entry.id}/replay`, { apiKey: adminKey });
      assert.deepEqual(res.body, { id: entry.id, status: 'skipped', reason: 'already-replayed' });
    }
    const metrics = (await http(gateway.url, 'GET', '/metrics')).text;
    assert.equal(metricSum(metrics, 'crossgate_records_accepted_total'), 2, 'this process accepted the two replayed records only');
    assert.equal(metricSum(metrics, 'crossgate_dlq_replays_total', { result: 'replayed' }), 2);

    const invalid = await cli(['dlq', 'replay', '--code', 'CG_SCHEMA_INVALID']);
    assert.equal(invalid.status, 1);
    assert.match(invalid.stdout, /failed again\s+2\s+\(CG_SCHEMA_INVALID ×2/);
    const [bad] = (await dlq('?code=CG_SCHEMA_INVALID')).items;
    const shown = (await http(gateway.url, 'GET', `/v1/dlq/${bad?.id}`, { apiKey: adminKey })).body as { state: string; audit: { action: string; actor: string }[] };
    assert.equal(shown.state, 'open');
    assert.deepEqual(shown.audit.map((a) => [a.action, a.actor]), [['replay-failed', 'ops']]);
  });

  it('discards with a reason kept in the audit log (CLI)', async () => {
    const [garbage] = (await dlq('?code=CG_DECODE_FAILED')).items;
    assert.ok(garbage !== undefined);
    const res = await cli(['dlq', 'discard', garbage.id, '--reason', 'corrupt test message, producer fixed']);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /discarded 1/);
    const shown = await cli(['dlq', 'show', garbage.id, '--json']);
    const detail = JSON.parse(shown.stdout) as { state: string; audit: { action: string; reason: string; actor: string }[] };
    assert.equal(detail.state, 'discarded');
    assert.deepEqual(detail.audit.map((a) => [a.action, a.actor, a.reason]), [['discarded', 'ops', 'corrupt test message, producer fixed']]);
    assert.equal((await dlq('')).total, 3, 'open: 2 invalid + the unknown source');
    const list = await cli(['dlq', 'list', '--state', 'all', '--json']);
    assert.equal((JSON.parse(list.stdout) as Page).total, 6);
    const refused = await cli(['dlq', 'discard', '--all']);
    assert.equal(refused.status, 2, 'a discard needs a reason');
  });
});
