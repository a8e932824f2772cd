/**
 * The ops module's HTTP surface, in process (Fastify inject, no socket): health, metrics, the admin
 * guard, the DLQ API's answers and its NDJSON replay stream, the dashboard's assets and headers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { openEmbeddedLedger } from '../../../adapters/chains/embedded/embedded-ledger.js';
import { MemoryStore } from '../../../adapters/store/memory-store.js';
import { schemaRegistry } from '../../../schemas/registry.js';
import { hashApiKey, newTenantDirectory } from '../../../src/config/tenants.js';
import { ErrorCodes } from '../../../src/core/errors.js';
import { newPipeline, type Pipeline } from '../../../src/core/pipeline.js';
import { generatePrivateKey, newSigner } from '../../../src/core/signer.js';
import { createGatewayApp } from '../../../src/http-app.js';
import { startPreparePool } from '../../../src/ingest/prepare/preparer.js';
import { createLogger } from '../../../src/logging.js';
import { createMetrics } from '../../../src/ops/metrics.js';
import { OpsModule } from '../../../src/ops/ops.module.js';
import { registrySchemaCatalog } from '../../../src/schema-catalog.js';
import { invalidTrip, trip } from '../../support/ops-records.js';

const signer = newSigner('Ed25519', generatePrivateKey('Ed25519'));
const clock = { now: () => Date.now() };
const adminKey = 'cg_test_admin_key_0123456789';
const producerKey = 'cg_test_producer_key_0123456789';
const tenants = newTenantDirectory([
  { tenant: { id: 'ops', role: 'admin', sourcePrefixes: [], allowedTypes: [], requireProducerSignature: false, producerKeys: [] }, keyHashes: [Buffer.from(hashApiKey(adminKey), 'hex')] },
  { tenant: { id: 'metro', role: 'producer', sourcePrefixes: ['/beijing/transport'], allowedTypes: '*', requireProducerSignature: false, producerKeys: [] }, keyHashes: [Buffer.from(hashApiKey(producerKey), 'hex')] },
]);

let app: NestFastifyApplication;
let store: MemoryStore;
let pipeline: Pipeline;

type Inject = { statusCode: number; headers: Record<string, unknown>; body: string; json(): unknown };
async function call(method: 'GET' | 'POST', url: string, options: { key?: string; body?: unknown } = {}): Promise<Inject> {
  const fastify = app.getHttpAdapter().getInstance();
  return fastify.inject({
    method, url,
    headers: { ...(options.key ? { authorization: `Bearer ${options.key}` } : {}), ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}),
  }) as unknown as Promise<Inject>;
}

describe('ops module over HTTP', () => {
  before(async () => {
    store = new MemoryStore();
    const chain = await openEmbeddedLedger({ dir: mkdtempSync(join(tmpdir(), 'cg-opsmod-')), signer, clock });
    const metrics = createMetrics(undefined, { sectorOf: (t) => schemaRegistry.sectorOf(t), processMetrics: false });
    pipeline = await newPipeline({
      registry: schemaRegistry, signer, store, chain, clock, observer: metrics.observer,
      limits: { maxBatchRecords: 100, maxBatchBytes: 1 << 20, lingerMs: 5, maxQueuedRecords: 1000, maxOutboxBatches: 100 },
      retry: { initialBackoffMs: 5, maxBackoffMs: 20 }, submitterPollMs: 5,
    });
    const logger = createLogger({ level: 'silent' });
    const deps = {
      pipeline, store, chain, tenants, clock,
      schemas: registrySchemaCatalog(schemaRegistry), sectorOf: (t: string) => schemaRegistry.sectorOf(t), rest: { batchLimit: 100 },
      preparer: await startPreparePool({ size: 0, registry: schemaRegistry, extraSchemas: [], digestAlg: 'sha256', maxPendingBytes: 1 << 30 }),
    };
    app = await createGatewayApp(deps, { logger, bodyLimitBytes: 1 << 20, modules: [OpsModule.forRoot({ ...deps, logger, metrics })] });
  });

  after(async () => {
    await app?.close();
    await pipeline?.close();
  });

  it('answers liveness, and readiness with 503 and the detail while the store is down', async () => {
    assert.deepEqual((await call('GET', '/health/live')).json(), { status: 'live' });
    const ready = await call('GET', '/health/ready');
    assert.equal(ready.statusCode, 200);
    assert.equal((ready.json() as { status: string }).status, 'ready');
    store.failing = true;
    try {
      const down = await call('GET', '/health/ready');
      assert.equal(down.statusCode, 503);
      const body = down.json() as { status: string; checks: Record<string, { ok: boolean; detail: string }> };
      assert.equal(body.status, 'not-ready');
      assert.deepEqual(Object.keys(body.checks).sort(), ['chain', 'store']);
      assert.equal(body.checks.store?.ok, false);
      assert.equal(body.checks.chain?.ok, true);
    } finally {
      store.failing = false;
    }
  });

  it('serves Prometheus text at /metrics without authentication', async () => {
    const res = await call('GET', '/metrics');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(res.body, /# TYPE crossgate_records_accepted_total counter/);
  });

  it('keeps the DLQ API for admins: 401 without a key, 403 for a producer', async () => {
    assert.equal((await call('GET', '/v1/dlq')).statusCode, 401);
    const forbidden = await call('GET', '/v1/dlq', { key: producerKey });
    assert.equal(forbidden.statusCode, 403);
    assert.equal((forbidden.json() as { code: string }).code, 'CG_FORBIDDEN');
    assert.equal((await call('GET', '/ops/api/overview', { key: producerKey })).statusCode, 403);
    assert.equal((await call('GET', '/v1/dlq', { key: adminKey })).statusCode, 200);
    const bad = await call('GET', '/v1/dlq?limit=0', { key: adminKey });
    assert.equal(bad.statusCode, 400);
    assert.equal((bad.json() as { code: string }).code, 'CG_REQUEST_INVALID');
    assert.equal((await call('GET', '/v1/dlq/no-such-id', { key: adminKey })).statusCode, 404);
    assert.equal((await call('POST', '/v1/dlq/no-such-id/replay', { key: adminKey })).statusCode, 404);
  });

  it('streams a bulk replay as NDJSON progress lines and a summary', async () => {
    const rejected = await call('POST', '/v1/records/batch', { key: producerKey, body: [invalidTrip('m-bad-1'), invalidTrip('m-bad-2'), trip('m-ok')] });
    assert.equal(rejected.statusCode, 200, rejected.body);
    const list = (await call('GET', '/v1/dlq', { key: adminKey })).json() as { total: number; items: { id: string }[] };
    assert.equal(list.total, 2);
    const shown = (await call('GET', `/v1/dlq/${list.items[0]?.id}`, { key: adminKey })).json() as { payload: { json: { id: string } }; code: string };
    assert.equal(shown.code, ErrorCodes.SchemaInvalid);
    assert.match(shown.payload.json.id, /^m-bad-/);

    assert.equal((await call('POST', '/v1/dlq/replay', { key: adminKey, body: { filter: {} } })).statusCode, 400, 'an empty filter is refused');
    const res = await call('POST', '/v1/dlq/replay', { key: adminKey, body: { all: true } });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/x-ndjson/);
    const lines = res.body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; done: number; total: number; failed: number });
    assert.equal(lines[0]?.type, 'progress');
    assert.equal(lines[0]?.done, 0);
    assert.deepEqual(lines.at(-1), { type: 'summary', total: 2, done: 2, replayed: 0, duplicate: 0, failed: 2, overloaded: 0, skipped: 0, failedByCode: { [ErrorCodes.SchemaInvalid]: 2 } });

    const discarded = await call('POST', `/v1/dlq/${list.items[0]?.id}/discard`, { key: adminKey, body: { reason: 'meter misconfigured' } });
    assert.deepEqual(discarded.json(), { id: list.items[0]?.id, status: 'discarded' });
    assert.equal((await call('POST', `/v1/dlq/${list.items[1]?.id}/discard`, { key: adminKey, body: {} })).statusCode, 400, 'a reason is required');
    const counts = (await call('GET', '/v1/dlq/counts', { key: adminKey })).json() as { total: number };
    assert.equal(counts.total, 1);
  });

  it('serves the dashboard with a strict CSP, its assets, and the overview to admins', async () => {
    const page = await call('GET', '/ops');
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    assert.match(page.body, /<script src="\/ops\/app\.js"><\/script>/);
    assert.doesNotMatch(page.body, /https?:\/\//, 'no external assets (the machine may be offline)');
    const script = await call('GET', '/ops/app.js');
    assert.match(String(script.headers['content-type']), /^text\/javascript/);
    assert.doesNotThrow(() => new Function(script.body), 'the script parses');
    assert.doesNotMatch(script.body, /innerHTML/, 'API data goes in with textContent only');
    assert.match(String((await call('GET', '/ops/app.css')).headers['content-type']), /^text\/css/);
    const overview = (await call('GET', '/ops/api/overview', { key: adminKey })).json() as {
      readiness: { status: string }; sectors: { sector: string; accepted: number }[]; kafka: { configured: boolean }; dlq: { counts: unknown[] }; batches: { items: unknown[] };
    };
    assert.equal(overview.readiness.status, 'ready');
    assert.deepEqual(overview.sectors.map((s) => [s.sector, s.accepted]), [['transport', 1]]);
    assert.equal(overview.kafka.configured, false);
    assert.equal(overview.dlq.counts.length, 1);
    assert.equal(overview.batches.items.length, 1);
  });
});
