/**
 * A batch whose prepare worker stops under it is answered 503 with Retry-After (nothing of it was
 * submitted, so a retry is safe), not 500; any other preparer failure is still an internal error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { openEmbeddedLedger } from '../../../../adapters/chains/embedded/embedded-ledger.js';
import { MemoryStore } from '../../../../adapters/store/memory-store.js';
import { schemaRegistry } from '../../../../schemas/registry.js';
import { hashApiKey, newTenantDirectory } from '../../../../src/config/tenants.js';
import { ErrorCodes } from '../../../../src/core/errors.js';
import { newPipeline, type Pipeline } from '../../../../src/core/pipeline.js';
import { generatePrivateKey, newSigner } from '../../../../src/core/signer.js';
import { createGatewayApp } from '../../../../src/http-app.js';
import { PrepareWorkerError, type RecordPreparer } from '../../../../src/ingest/prepare/preparer.js';
import { createLogger } from '../../../../src/logging.js';
import { registrySchemaCatalog } from '../../../../src/schema-catalog.js';
import { trip } from '../../../support/ops-records.js';

const signer = newSigner('Ed25519', generatePrivateKey('Ed25519'));
const clock = { now: () => Date.now() };
const producerKey = 'cg_test_producer_key_0123456789';
const tenants = newTenantDirectory([
  { tenant: { id: 'metro', role: 'producer', sourcePrefixes: ['/beijing/transport'], allowedTypes: '*', requireProducerSignature: false, producerKeys: [] }, keyHashes: [Buffer.from(hashApiKey(producerKey), 'hex')] },
]);

describe('POST /v1/records/batch when the prepare worker fails', () => {
  let app: NestFastifyApplication;
  let pipeline: Pipeline;
  let store: MemoryStore;
  let failure: Error = new PrepareWorkerError('prepare worker stopped (exit code 1)');
  let submitted = 0;
  let prepared = 0;
  let room = true;

  before(async () => {
    store = new MemoryStore();
    const chain = await openEmbeddedLedger({ dir: mkdtempSync(join(tmpdir(), 'cg-prepfail-')), signer, clock });
    pipeline = await newPipeline({
      registry: schemaRegistry, signer, store, chain, clock,
      limits: { maxBatchRecords: 100, maxBatchBytes: 1 << 20, lingerMs: 5, maxQueuedRecords: 1000, maxOutboxBatches: 100 },
      retry: { initialBackoffMs: 5, maxBackoffMs: 20 }, submitterPollMs: 5,
    });
    const counted: Pipeline = { ...pipeline, submitPrepared: (records, tenant) => { submitted += records.length; return pipeline.submitPrepared(records, tenant); } };
    const failing: RecordPreparer = {
      workers: 1, hasRoomFor: () => room, prepareBatch: async () => { prepared += 1; throw failure; }, close: async () => undefined,
    };
    app = await createGatewayApp({
      pipeline: counted, store, chain, tenants, clock, preparer: failing,
      schemas: registrySchemaCatalog(schemaRegistry), sectorOf: (t: string) => schemaRegistry.sectorOf(t), rest: { batchLimit: 100 },
    }, { logger: createLogger({ level: 'silent' }), bodyLimitBytes: 1 << 20 });
  });

  after(async () => {
    await app?.close();
    await pipeline?.close();
  });

  async function postBatch() {
    return app.getHttpAdapter().getInstance().inject({
      method: 'POST', url: '/v1/records/batch',
      headers: { authorization: `Bearer ${producerKey}`, 'content-type': 'application/json' },
      payload: JSON.stringify([trip('pf-1'), trip('pf-2')]),
    });
  }

  it('answers 503 with Retry-After and a problem saying nothing was submitted', async () => {
    failure = new PrepareWorkerError('prepare worker stopped (exit code 1)');
    const res = await postBatch();
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.headers['retry-after'], '1');
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const body = res.json() as { code: string; detail: string; retryAfterSeconds: number };
    assert.equal(body.code, ErrorCodes.Overloaded);
    assert.equal(body.retryAfterSeconds, 1);
    assert.match(body.detail, /nothing of it was submitted/);
    assert.equal(submitted, 0);
    assert.equal((await store.findRecords([{ source: trip('pf-1').source, id: 'pf-1' }])).length, 0);
  });

  it('answers 503 with Retry-After without preparing anything while the workers hold their bound', async () => {
    room = false;
    try {
      const before = prepared;
      const res = await postBatch();
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.headers['retry-after'], '1');
      assert.equal((res.json() as { code: string }).code, ErrorCodes.Overloaded);
      assert.equal(prepared, before, 'the body was not sent to a worker');
      assert.equal(submitted, 0);
    } finally {
      room = true;
    }
  });

  it('still answers 500 for a failure that is not a stopped worker', async () => {
    failure = new TypeError('a bug');
    const res = await postBatch();
    assert.equal(res.statusCode, 500, res.body);
  });
});
