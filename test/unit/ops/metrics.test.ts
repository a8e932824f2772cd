import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openEmbeddedLedger } from '../../../adapters/chains/embedded/embedded-ledger.js';
import { MemoryStore } from '../../../adapters/store/memory-store.js';
import { schemaRegistry } from '../../../schemas/registry.js';
import { ErrorCodes } from '../../../src/core/errors.js';
import { newPipeline } from '../../../src/core/pipeline.js';
import { generatePrivateKey, newSigner } from '../../../src/core/signer.js';
import type { Tenant } from '../../../src/core/tenant.js';
import { createMetrics } from '../../../src/ops/metrics.js';
import { startPreparePool } from '../../../src/ingest/prepare/preparer.js';
import { invalidTrip, trip } from '../../support/ops-records.js';

const signer = newSigner('Ed25519', generatePrivateKey('Ed25519'));
const clock = { now: () => Date.now() };
const metro: Tenant = { id: 'metro', role: 'producer', sourcePrefixes: ['/beijing/transport'], allowedTypes: '*', requireProducerSignature: false, producerKeys: [] };

/** The value of one sample line, e.g. `crossgate_records_accepted_total{sector="transport",type="x"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics', () => {
  it('labels rejected records of types nobody registered as "unknown", however many there are', async () => {
    const metrics = createMetrics(undefined, { sectorOf: (type) => schemaRegistry.sectorOf(type), processMetrics: false });
    for (let i = 0; i < 1000; i++) metrics.observer.recordRejected?.(ErrorCodes.SchemaUnknown, `made.up.type-${i}`, null);
    metrics.observer.recordRejected?.(ErrorCodes.TypeForbidden, 'cn.gov.transport.trip', null);
    const text = await metrics.render();
    assert.equal(sample(text, `crossgate_records_rejected_total{sector="unknown",type="unknown",code="${ErrorCodes.SchemaUnknown}"}`), 1000);
    assert.equal(text.includes('made.up.type'), false, 'no series per made-up type');
    assert.equal(sample(text, `crossgate_records_rejected_total{sector="transport",type="cn.gov.transport.trip",code="${ErrorCodes.TypeForbidden}"}`), 1);
  });

  it('counts exactly what the pipeline decided, by sector, type and code', async () => {
    const metrics = createMetrics(undefined, { sectorOf: (type) => schemaRegistry.sectorOf(type), processMetrics: false });
    const store = new MemoryStore();
    const chain = await openEmbeddedLedger({ dir: mkdtempSync(join(tmpdir(), 'cg-metrics-')), signer, clock });
    const pipeline = await newPipeline({
      registry: schemaRegistry, signer, store, chain, clock, observer: metrics.observer,
      limits: { maxBatchRecords: 4, maxBatchBytes: 1 << 20, lingerMs: 5, maxQueuedRecords: 1000, maxOutboxBatches: 100 },
      retry: { initialBackoffMs: 5, maxBackoffMs: 20 }, submitterPollMs: 5,
    });
    metrics.attach({ store, pipeline, dlqTopicOf: (sector) => `${sector}.events.dlq` });
    const valid = Array.from({ length: 10 }, (_, i) => trip(`m-${i}`));
    await pipeline.submitMany(valid, metro);
    await pipeline.submitMany([valid[0], valid[1]], metro); // duplicates
    await pipeline.submitMany([invalidTrip('m-bad-1'), invalidTrip('m-bad-2'), trip('m-v2', { version: 2 })], metro);
    await pipeline.submit({ not: 'an envelope' }, metro);
    await pipeline.submit(trip('elsewhere', { source: '/shanghai/finance/bank-1' }), metro);
    await store.addDeadLetter({
      origin: 'kafka', tenant: 'metro', recordId: null, type: null, sector: 'transport', code: ErrorCodes.DecodeFailed,
      message: 'x', issues: [], payload: Buffer.from('x'), headers: {}, kafka: null, createdAt: 1,
    });
    const deadline = Date.now() + 10_000;
    while (pipeline.stats().anchoredBatches < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));

    const text = await metrics.render();
    const t = 'sector="transport",type="cn.gov.transport.trip"';
    assert.equal(sample(text, `crossgate_records_accepted_total{${t}}`), 10);
    assert.equal(sample(text, `crossgate_records_duplicate_total{${t}}`), 2);
    assert.equal(sample(text, `crossgate_records_rejected_total{${t},code="${ErrorCodes.SchemaInvalid}"}`), 2);
    assert.equal(sample(text, `crossgate_records_rejected_total{${t},code="${ErrorCodes.SchemaUnknown}"}`), 1);
    assert.equal(sample(text, `crossgate_records_rejected_total{${t},code="${ErrorCodes.SourceForbidden}"}`), 1);
    assert.equal(sample(text, `crossgate_records_rejected_total{sector="unknown",type="unknown",code="${ErrorCodes.EnvelopeInvalid}"}`), 1);
    assert.equal(sample(text, `crossgate_records_received_total{${t}}`), 16);
    assert.equal(sample(text, 'crossgate_batches_sealed_total'), 3);
    assert.equal(sample(text, 'crossgate_batch_size_records_sum'), 10);
    assert.equal(sample(text, 'crossgate_batch_size_records_count'), 3);
    assert.equal(sample(text, 'crossgate_batch_seal_to_anchor_seconds_count'), 3);
    assert.equal(sample(text, 'crossgate_chain_submit_seconds_count'), 3);
    assert.equal(sample(text, 'crossgate_outbox_depth'), 0);
    assert.equal(sample(text, 'crossgate_queue_depth'), 0);
    assert.equal(sample(text, `crossgate_dlq_depth{origin="kafka",topic="transport.events.dlq",sector="transport",code="${ErrorCodes.DecodeFailed}"}`), 1);
    assert.deepEqual(await metrics.sectorTotals(), [
      { sector: 'transport', received: 16, accepted: 10, duplicate: 2, rejected: 4 },
      { sector: 'unknown', received: 1, accepted: 0, duplicate: 0, rejected: 1 },
    ]);
    await pipeline.close();
  });

  it('reports chain failures by code and Kafka lag per partition, and survives failing sources', async () => {
    const metrics = createMetrics(undefined, { processMetrics: false });
    metrics.observer.chainSubmitFailed?.('b1', ErrorCodes.ChainUnavailable, true);
    metrics.observer.chainSubmitFailed?.('b1', ErrorCodes.ChainUnavailable, true);
    metrics.observer.chainSubmitFailed?.('b2', ErrorCodes.ChainRejected, false);
    const failingStore = {
      outboxDepth: () => Promise.reject(new Error('down')),
      deadLetterCounts: () => Promise.reject(new Error('down')),
    };
    metrics.attach({
      store: failingStore,
      pipeline: { stats: () => ({ queued: 0, outboxDepth: 3, sealedBatches: 3, anchoredBatches: 0 }), anchoringPaused: true },
      kafka: {
        lag: async () => [{ topic: 'transport.events', partition: 0, lag: 7 }, { topic: 'transport.events', partition: 1, lag: 0 }],
        health: async () => ({ ok: true, detail: 'ok' }),
      },
    });
    const text = await metrics.render();
    assert.equal(sample(text, `crossgate_chain_submit_errors_total{code="${ErrorCodes.ChainUnavailable}",retryable="true"}`), 2);
    assert.equal(sample(text, `crossgate_chain_submit_errors_total{code="${ErrorCodes.ChainRejected}",retryable="false"}`), 1);
    assert.equal(sample(text, 'crossgate_kafka_consumer_lag{topic="transport.events",partition="0"}'), 7);
    assert.equal(sample(text, 'crossgate_kafka_consumer_lag{topic="transport.events",partition="1"}'), 0);
    assert.equal(sample(text, 'crossgate_outbox_depth'), 3, 'the store is down: the depth as this gateway last saw it');
    assert.equal(sample(text, 'crossgate_anchoring_paused'), 1);
    assert.equal(sample(text, 'crossgate_metrics_source_up{source="store"}'), 0);
    assert.equal(sample(text, 'crossgate_metrics_source_up{source="kafka"}'), 1);
    assert.equal(text.includes('crossgate_dlq_depth{'), false, 'no DLQ depth rather than a wrong one');
  });

  it("reports the prepare workers' heaps, which the process's heap figures leave out", async () => {
    const metrics = createMetrics(undefined, { processMetrics: false });
    assert.equal(sample(await metrics.render(), 'crossgate_prepare_worker_heap_bytes{kind="total"}'), undefined, 'nothing without workers');
    const pool = await startPreparePool({ size: 2, registry: schemaRegistry, extraSchemas: [], digestAlg: 'sha256', maxPendingBytes: 1 << 20 });
    try {
      metrics.attach({ workerHeaps: () => pool.workerHeaps() });
      const text = await metrics.render();
      const used = sample(text, 'crossgate_prepare_worker_heap_bytes{kind="used"}') ?? 0;
      const total = sample(text, 'crossgate_prepare_worker_heap_bytes{kind="total"}') ?? 0;
      const each = await pool.workerHeaps();
      assert.equal(each.length, 2);
      assert.ok(used > 1 << 20 && total >= used, `two workers' heaps: used ${used}, total ${total}`);
    } finally {
      await pool.close();
    }
  });

  it('includes process metrics by default and keeps registries apart', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.observer.recordsAccepted?.('t', 's', 1);
    assert.match(await a.render(), /process_cpu_user_seconds_total/);
    assert.match(await a.render(), /nodejs_eventloop_lag_seconds/);
    assert.equal(sample(await b.render(), 'crossgate_records_accepted_total{sector="s",type="t"}'), undefined);
    assert.equal(sample(await a.render(), 'crossgate_records_accepted_total{sector="s",type="t"}'), 1);
  });
});
