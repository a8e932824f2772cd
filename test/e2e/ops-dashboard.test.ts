/**
 * The ops dashboard in headless Chromium against the real gateway process (consuming Kafka as well):
 * an admin logs in, watches the figures move while records flow over REST and Kafka, opens a dead letter (a v2 trip the gateway did not know), sees its
 * replay fail, the operator adds the schema version (CROSSGATE_EXTRA_SCHEMAS) and restarts, the replay
 * succeeds and the page shows the record anchored with its chain transaction id. Screenshots go to
 * test/artifacts/.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { hashApiKey } from '../../src/config/tenants.js';
import type { SectorTopics } from '../../adapters/kafka/topics.js';
import { type GatewayProcess, http, REPO_ROOT, startGatewayProcess, waitFor } from '../support/gateway.js';
import { KafkaTestContext, kafkaBrokers, uniqueGroupId, kafkaConsumerEnv } from '../support/kafka.js';
import { trip, TRIP_SOURCE } from '../support/ops-records.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(REPO_ROOT, 'test', 'artifacts');
const TRIP_V2_MODULE = fileURLToPath(new URL('../support/schemas/trip-v2.js', import.meta.url));
const run = randomBytes(4).toString('hex');
const adminKey = `cg_admin_${randomBytes(24).toString('base64url')}`;
const producerKey = `cg_metro_${randomBytes(24).toString('base64url')}`;

let gateway: GatewayProcess;
let browser: Browser;
let page: Page;
let kafka: KafkaTestContext;
let topics: SectorTopics;

/** Sends small batches of valid trips over REST and the transport topic until stopped. */
function produce(): { stop(): Promise<number> } {
  let running = true;
  let accepted = 0;
  let n = 0;
  const loop = (async () => {
    const producer = await kafka.sharedProducer();
    while (running) {
      const batch = Array.from({ length: 5 }, () => trip(`${run}-flow-${n++}`));
      const res = await http(gateway.url, 'POST', '/v1/records/batch', { apiKey: producerKey, body: batch });
      assert.equal(res.status, 200, res.text);
      accepted += (res.body as { counts: { accepted: number } }).counts.accepted;
      const viaKafka = Array.from({ length: 5 }, () => trip(`${run}-flow-${n++}`));
      await producer.send({
        topic: topics.transport, acks: -1,
        messages: viaKafka.map((r) => ({ key: r.id, value: JSON.stringify(r), headers: { 'content-type': 'application/cloudevents+json' } })),
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  })();
  return { stop: async () => { running = false; await loop; return accepted; } };
}

async function login(url: string, hash = ''): Promise<void> {
  await page.goto(`${url}/ops${hash}`);
  await page.locator('#api-key').fill(adminKey);
  await page.locator('#login-form button[type=submit]').click();
  await page.locator('#view-login').waitFor({ state: 'hidden' });
}

async function textOf(selector: string): Promise<string> {
  return (await page.locator(selector).textContent())?.trim() ?? '';
}

const count = (text: string): number => Number(text.replace(/,/g, ''));

describe('ops dashboard (Chromium)', { timeout: 240_000 }, () => {
  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (the CI script installs it)`);
    kafkaBrokers(); // throws when the test setup did not start Kafka
    kafka = await KafkaTestContext.open('crossgate-ops-dashboard');
    ({ topics } = await kafka.createSectorTopics({ partitions: 2 }));
    mkdirSync(ARTIFACTS, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'cg-ops-e2e-'));
    const tenantsFile = join(dir, 'tenants.json');
    writeFileSync(tenantsFile, JSON.stringify({
      tenants: [
        { id: 'metro', apiKeySha256: hashApiKey(producerKey), sourcePrefixes: ['/beijing/transport'], allowedTypes: '*' },
        { id: 'ops-admin', role: 'admin', apiKeySha256: hashApiKey(adminKey) },
      ],
    }));
    gateway = await startGatewayProcess({
      readyTimeoutMs: 120_000,
      env: {
        CROSSGATE_TENANTS_FILE: tenantsFile, CROSSGATE_BATCH_LINGER_MS: '50',
        ...kafkaConsumerEnv(topics, uniqueGroupId('ops-dashboard')),
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await gateway?.cleanup();
    await kafka?.close();
  });

  it('refuses a producer key and accepts an admin key', async () => {
    await page.goto(`${gateway.url}/ops`);
    await page.locator('#api-key').fill(producerKey);
    await page.locator('#login-form button[type=submit]').click();
    await waitFor('the not-admin message', async () => ((await textOf('#login-error')).includes('not an admin') ? true : undefined));
    await login(gateway.url);
    // Ready once store, chain and the Kafka consumer are; the pill follows without a reload.
    await waitFor('the readiness pill', async () => ((await textOf('#status')) === 'ready' ? true : undefined), 60_000, 100);
    assert.match(await textOf('#dependencies'), /kafka ✓/);
  });

  it('shows the figures change while records flow, and a rejected record in the DLQ', async () => {
    const producer = produce();
    let seen: number[] = [];
    try {
      // The accepted count must be seen rising at least twice on the live page, without reloading it.
      seen = await waitFor('the accepted figure to rise twice', async () => {
        const value = count(await textOf('[data-testid=accepted-total]'));
        if (Number.isFinite(value) && value !== seen.at(-1)) seen.push(value);
        return seen.filter((v) => v > 0).length >= 3 ? seen : undefined;
      }, 60_000, 100);
      await waitFor('a non-zero rate', async () => (Number(await textOf('[data-testid=rate]')) > 0 ? true : undefined), 30_000, 100);
      await waitFor('an anchored batch with a tx id', async () => ((await page.locator('#batches td.state-anchored').count()) > 0 ? true : undefined), 30_000, 100);
      await waitFor('the consumer lag of each partition', async () => ((await page.locator('#lag tbody tr').count()) === 6 ? true : undefined), 30_000, 100);
      assert.match(await textOf('#lag'), new RegExp(topics.transport.replace(/\./g, '\\.')));

      const v2 = trip(`${run}-v2`, { version: 2 });
      const rejected = await http(gateway.url, 'POST', '/v1/records', { apiKey: producerKey, body: v2 });
      assert.equal(rejected.status, 422, rejected.text);
      assert.equal((rejected.body as { code: string }).code, 'CG_SCHEMA_UNKNOWN');
      await waitFor('the DLQ figure', async () => (count(await textOf('[data-testid=dlq-total]')) === 1 ? true : undefined), 30_000, 100);
      await page.screenshot({ path: join(ARTIFACTS, 'ops-dashboard.png'), fullPage: true });
    } finally {
      await producer.stop();
    }
    const rising = seen.filter((v) => v > 0);
    assert.ok(rising.every((v, i) => i === 0 || v > (rising[i - 1] as number)), `accepted figures: ${seen.join(', ')}`);
  });

  it('opens the entry, fails to replay it before the fix, replays it after the fix and sees it anchored', async () => {
    await page.locator('#dlq-reasons a.dlq-link').first().click();
    await page.locator('#view-dlq-list').waitFor();
    const link = page.locator('#dlq-rows a.entry-link');
    await link.first().waitFor();
    assert.equal(await link.count(), 1);
    assert.match(await textOf('#dlq-total'), /^1 matching/);
    await link.click();
    await page.locator('#view-dlq-entry').waitFor();
    await waitFor('the entry to load', async () => ((await textOf('#e-code')) === 'CG_SCHEMA_UNKNOWN' ? true : undefined));
    assert.match(await textOf('#e-payload'), /"co2Grams": 830/);
    assert.match(await textOf('#e-facts'), new RegExp(`${TRIP_SOURCE} · ${run}-v2`));
    const entryHash = new URL(page.url()).hash;

    await page.locator('#e-replay').click();
    await waitFor('the failed replay', async () => ((await textOf('#e-result')).startsWith('Rejected again: CG_SCHEMA_UNKNOWN') ? true : undefined));
    await waitFor('the audit line', async () => ((await textOf('#e-audit')).includes('replay-failed') ? true : undefined));
    assert.equal(await textOf('#e-state'), 'open');

    // The fix: the operator deploys trip v2 and restarts the gateway on the same data.
    await gateway.stop();
    await gateway.restart({ CROSSGATE_EXTRA_SCHEMAS: TRIP_V2_MODULE });
    await login(gateway.url, entryHash);
    await page.locator('#view-dlq-entry').waitFor();
    await waitFor('the entry to load', async () => ((await textOf('#e-code')) === 'CG_SCHEMA_UNKNOWN' ? true : undefined));
    await page.locator('#e-replay').click();
    await waitFor('the successful replay', async () => ((await textOf('#e-result')).startsWith('Replayed: accepted') ? true : undefined), 30_000);
    await waitFor('the record to be anchored', async () => ((await textOf('[data-testid=record-status] .pill')) === 'anchored' ? true : undefined), 30_000, 100);
    const txId = await textOf('[data-testid=tx-id]');
    assert.match(txId, /^[0-9a-f]{64}$/);
    assert.equal(await textOf('#e-state'), 'replayed');
    await page.screenshot({ path: join(ARTIFACTS, 'ops-dlq-entry.png'), fullPage: true });

    // The API agrees: the receipt exists and names the same transaction.
    const receipt = await http(gateway.url, 'GET', `/v1/records/${encodeURIComponent(TRIP_SOURCE)}/${encodeURIComponent(`${run}-v2`)}/receipt`, { apiKey: producerKey });
    assert.equal(receipt.status, 200, receipt.text);
    assert.equal((receipt.body as { chain: { txId: string } }).chain.txId, txId);

    // It left the open view, and the dashboard's DLQ figure went back to zero.
    await page.locator('#nav a[data-view=overview]').click();
    await waitFor('the DLQ figure to clear', async () => (count(await textOf('[data-testid=dlq-total]')) === 0 ? true : undefined), 30_000, 100);
  });
});
