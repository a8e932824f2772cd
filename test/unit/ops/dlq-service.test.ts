import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openEmbeddedLedger } from '../../../adapters/chains/embedded/embedded-ledger.js';
import { MemoryStore } from '../../../adapters/store/memory-store.js';
import { newSchemaRegistry, schemaRegistry, type SchemaRegistry } from '../../../schemas/registry.js';
import { ErrorCodes } from '../../../src/core/errors.js';
import { newPipeline, type Pipeline, type SubmitOutcome } from '../../../src/core/pipeline.js';
import type { ChainClient, DeadLetterInput, Store } from '../../../src/core/ports.js';
import { generatePrivateKey, newSigner } from '../../../src/core/signer.js';
import type { Tenant } from '../../../src/core/tenant.js';
import { recordRejections } from '../../../src/ingest/rest/dead-letters.js';
import { DlqService, type ReplayProgress } from '../../../src/ops/dlq-service.js';
import { createMetrics } from '../../../src/ops/metrics.js';
import { invalidTrip, trip, TRIP, TRIP_SOURCE, type TripRecord } from '../../support/ops-records.js';
import { tripV2 } from '../../support/schemas/trip-v2.js';
import { eventually } from '../../support/eventually.js';

const signer = newSigner('Ed25519', generatePrivateKey('Ed25519'));
const clock = { now: () => Date.now() };
const metro: Tenant = { id: 'metro', role: 'producer', sourcePrefixes: ['/beijing/transport'], allowedTypes: '*', requireProducerSignature: false, producerKeys: [] };
const bank: Tenant = { id: 'bank', role: 'producer', sourcePrefixes: ['/shanghai/finance'], allowedTypes: '*', requireProducerSignature: false, producerKeys: [] };
const tenants = { tenants: [metro, bank] };
const withV2 = newSchemaRegistry([...schemaRegistry.list(), tripV2]);
const open: Pipeline[] = [];

after(async () => {
  await Promise.all(open.map((p) => p.close()));
});

async function ledger(): Promise<ChainClient> {
  return openEmbeddedLedger({ dir: mkdtempSync(join(tmpdir(), 'cg-dlq-')), signer, clock });
}

async function pipelineOf(store: Store, chain: ChainClient, registry: SchemaRegistry): Promise<Pipeline> {
  const pipeline = await newPipeline({
    registry, signer, store, chain, clock,
    limits: { maxBatchRecords: 100, maxBatchBytes: 1 << 20, lingerMs: 5, maxQueuedRecords: 1000, maxOutboxBatches: 100 },
    retry: { initialBackoffMs: 5, maxBackoffMs: 20 },
    submitterPollMs: 5,
  });
  open.push(pipeline);
  return pipeline;
}

/** Submits like the REST edge does: rejections go to the dead-letter table with the bytes as sent. */
async function submitRest(pipeline: Pipeline, store: Store, tenant: Tenant, record: TripRecord): Promise<SubmitOutcome> {
  const outcome = await pipeline.submit(record, tenant);
  if (outcome.status === 'rejected') {
    await recordRejections(store, clock, (type) => withV2.sectorOf(type), tenant, [
      { recordId: outcome.recordId, type: outcome.type, rejection: outcome.rejection, payload: Buffer.from(JSON.stringify(record)) },
    ], { 'content-type': 'application/cloudevents+json' });
  }
  return outcome;
}

async function openIds(service: DlqService): Promise<string[]> {
  return (await service.list({}, 100, null)).items.map((d) => d.id);
}

describe('DLQ service', () => {
  it('replays a record after its schema version is added: open → failed again → replayed → anchored', async () => {
    const store = new MemoryStore();
    const chain = await ledger();
    const before = await pipelineOf(store, chain, schemaRegistry);
    const record = trip('fix-1', { version: 2 });
    const first = await submitRest(before, store, metro, record);
    assert.equal(first.status === 'rejected' && first.rejection.code, ErrorCodes.SchemaUnknown);
    const [id] = await openIds(new DlqService({ store, pipeline: before, tenants, clock }));
    assert.ok(id !== undefined);

    // Replayed before the fix: rejected again, stays open, the audit says so.
    const metrics = createMetrics(undefined, { processMetrics: false });
    const stale = new DlqService({ store, pipeline: before, tenants, clock, metrics });
    const again = await stale.replay(id, 'ops-admin');
    assert.equal(again.status, 'failed');
    assert.equal(again.status === 'failed' && again.code, ErrorCodes.SchemaUnknown);
    assert.deepEqual(await openIds(stale), [id]);
    assert.deepEqual((await store.deadLetterAudit(id)).map((a) => [a.action, a.actor]), [['replay-failed', 'ops-admin']]);

    // The operator deploys v2 (a new pipeline over the same store), then replays.
    const fixed = new DlqService({ store, pipeline: await pipelineOf(store, chain, withV2), tenants, clock, metrics });
    const result = await fixed.replay(id, 'ops-admin');
    assert.equal(result.status, 'replayed', JSON.stringify(result));
    assert.equal(result.status === 'replayed' && result.outcome, 'accepted');
    assert.deepEqual(await openIds(fixed), [], 'a replayed entry leaves the open view');
    const detail = await fixed.show(id);
    assert.equal(detail?.entry.state, 'replayed');
    assert.deepEqual(detail?.audit.map((a) => a.action), ['replay-failed', 'replayed']);
    assert.equal(detail?.record?.recordId.id, 'fix-1');
    const receipt = await eventually(() => store.getReceipt({ source: TRIP_SOURCE, id: 'fix-1' }), 'the replayed record to be anchored');
    assert.equal(receipt.batch.id, result.status === 'replayed' ? result.batchId : '');
    const text = await metrics.render();
    assert.match(text, /crossgate_dlq_replays_total\{result="failed"\} 1/);
    assert.match(text, /crossgate_dlq_replays_total\{result="replayed"\} 1/);
  });

  it('keeps an entry open with its new reason when the replay fails for another reason', async () => {
    const store = new MemoryStore();
    const chain = await ledger();
    const before = await pipelineOf(store, chain, schemaRegistry);
    const bad = { ...trip('fix-2', { version: 2 }), data: { ...trip('x', { version: 2 }).data, co2Grams: -5 } };
    await submitRest(before, store, metro, bad);
    const service = new DlqService({ store, pipeline: await pipelineOf(store, chain, withV2), tenants, clock });
    const [id] = await openIds(service);
    const result = await service.replay(id as string, 'ops');
    assert.equal(result.status === 'failed' && result.code, ErrorCodes.SchemaInvalid);
    const entry = await store.getDeadLetter(id as string);
    assert.equal(entry?.state, 'open');
    assert.equal(entry?.code, ErrorCodes.SchemaInvalid);
    assert.ok((entry?.issues.length ?? 0) > 0);
    assert.deepEqual((await store.deadLetterAudit(id as string)).map((a) => a.action), ['replay-failed']);
  });

  it('never makes a second receipt: replaying twice, concurrently, or two dead letters of one record', async () => {
    const store = new MemoryStore();
    const chain = await ledger();
    const before = await pipelineOf(store, chain, schemaRegistry);
    const record = trip('twice-1', { version: 2 });
    await submitRest(before, store, metro, record);
    await submitRest(before, store, metro, record); // the producer retried: two dead letters, one record
    const other = trip('twice-2', { version: 2 });
    await submitRest(before, store, metro, other);
    const service = new DlqService({ store, pipeline: await pipelineOf(store, chain, withV2), tenants, clock });
    const [a, b, c] = await openIds(service);
    assert.ok(a !== undefined && b !== undefined && c !== undefined);

    const [one, two] = await Promise.all([service.replay(a, 'ops'), service.replay(b, 'ops')]);
    assert.deepEqual([one.status, two.status], ['replayed', 'replayed']);
    const outcomes = [one, two].map((r) => (r.status === 'replayed' ? r.outcome : r.status)).sort();
    assert.deepEqual(outcomes, ['accepted', 'duplicate']);

    const concurrent = await Promise.all([service.replay(c, 'ops'), service.replay(c, 'ops')]);
    const statuses = concurrent.map((r) => (r.status === 'replayed' ? r.outcome : r.status)).sort();
    assert.deepEqual(statuses, ['accepted', 'duplicate']);

    const third = await service.replay(a, 'ops');
    assert.deepEqual(third, { id: a, status: 'skipped', reason: 'already-replayed' });

    const stored = await store.findRecords([{ source: TRIP_SOURCE, id: 'twice-1' }, { source: TRIP_SOURCE, id: 'twice-2' }]);
    assert.equal(stored.length, 2);
    const batches = await eventually(async () => {
      const all = await store.recentBatches(100);
      return all.every((batch) => batch.state === 'anchored') ? all : undefined;
    }, 'anchoring');
    assert.equal(batches.reduce((sum, batch) => sum + batch.header.size, 0), 2, 'exactly one leaf per record');
  });

  it('discards with a reason kept in the audit log, and never replays a discarded entry', async () => {
    const store = new MemoryStore();
    const chain = await ledger();
    const pipeline = await pipelineOf(store, chain, withV2);
    await submitRest(pipeline, store, metro, invalidTrip('junk-1'));
    const metrics = createMetrics(undefined, { processMetrics: false });
    const service = new DlqService({ store, pipeline, tenants, clock, metrics });
    const [id] = await openIds(service);
    assert.deepEqual(await service.discard(id as string, 'test data from a misconfigured meter', 'alice'), { id, status: 'discarded' });
    assert.deepEqual(await openIds(service), []);
    const audit = await store.deadLetterAudit(id as string);
    assert.deepEqual(audit.map((a) => [a.action, a.actor, a.reason]), [['discarded', 'alice', 'test data from a misconfigured meter']]);
    assert.deepEqual(await service.replay(id as string, 'alice'), { id, status: 'skipped', reason: 'discarded' });
    assert.deepEqual(await service.discard(id as string, 'again', 'alice'), { id, status: 'skipped', reason: 'discarded' });
    assert.deepEqual(await service.discard('nope', 'x', 'alice'), { id: 'nope', status: 'skipped', reason: 'not-found' });
    assert.match(await metrics.render(), /crossgate_dlq_discards_total 1/);
  });

  it('lists with filters (state, tenant, code, sector, source, time) and pages', async () => {
    const store = new MemoryStore();
    const service = new DlqService({ store, pipeline: { submit: () => Promise.reject(new Error('unused')) }, tenants, clock });
    const base: DeadLetterInput = {
      origin: 'rest', tenant: 'metro', recordId: { source: TRIP_SOURCE, id: '0' }, type: TRIP, sector: 'transport',
      code: ErrorCodes.SchemaInvalid, message: 'bad', issues: [], payload: Buffer.from('{}'), headers: {}, kafka: null, createdAt: 1000,
    };
    for (let i = 0; i < 7; i++) {
      await store.addDeadLetter({ ...base, recordId: { source: TRIP_SOURCE, id: String(i) }, createdAt: 1000 + i, code: i % 2 === 0 ? ErrorCodes.SchemaInvalid : ErrorCodes.SchemaUnknown });
    }
    await store.addDeadLetter({ ...base, tenant: 'bank', sector: 'finance', recordId: { source: '/shanghai/finance/bank-12', id: 'f' }, createdAt: 2000 });
    assert.equal((await service.list({}, 100, null)).total, 8);
    assert.equal((await service.list({ tenant: 'bank' }, 100, null)).total, 1);
    assert.equal((await service.list({ sector: 'transport', code: ErrorCodes.SchemaUnknown }, 100, null)).total, 3);
    assert.equal((await service.list({ sourcePrefix: '/shanghai' }, 100, null)).total, 1);
    assert.equal((await service.list({ from: 1002, to: 1005 }, 100, null)).total, 3);
    const first = await service.list({}, 3, null);
    assert.equal(first.items.length, 3);
    assert.ok(first.next !== null);
    const second = await service.list({}, 3, first.next);
    assert.equal(new Set([...first.items, ...second.items].map((d) => d.id)).size, 6);

    const [id] = (await service.list({ tenant: 'bank' }, 1, null)).items.map((d) => d.id);
    await service.discard(id as string, 'gone', 'ops');
    assert.equal((await service.list({}, 100, null)).total, 7, 'default view: open only');
    assert.equal((await service.list({ state: 'discarded' }, 100, null)).total, 1);
    assert.equal((await service.list({ state: 'all' }, 100, null)).total, 8);
  });

  it('replays a whole filter with progress, and a summary that counts each outcome', async () => {
    const store = new MemoryStore();
    const chain = await ledger();
    const before = await pipelineOf(store, chain, schemaRegistry);
    for (let i = 0; i < 30; i++) await submitRest(before, store, metro, trip(`bulk-${i}`, { version: 2 }));
    for (let i = 0; i < 3; i++) await submitRest(before, store, metro, invalidTrip(`bulk-bad-${i}`));
    const service = new DlqService({ store, pipeline: await pipelineOf(store, chain, withV2), tenants, clock, concurrency: 8 });
    const progress: ReplayProgress[] = [];
    const summary = await service.replayMany({ filter: { code: ErrorCodes.SchemaUnknown } }, 'ops', (p) => progress.push(p));
    assert.deepEqual({ ...summary, failedByCode: undefined }, { total: 30, done: 30, replayed: 30, duplicate: 0, failed: 0, overloaded: 0, skipped: 0, failedByCode: undefined });
    assert.equal(progress.length, 31, 'one report before the first and one after each record');
    assert.ok(progress.every((p, i) => i === 0 || p.done === (progress[i - 1] as ReplayProgress).done + 1));
    assert.equal((await service.list({}, 100, null)).total, 3, 'only the invalid ones remain open');

    const all = await service.replayMany({ filter: {} }, 'ops');
    assert.equal(all.total, 3);
    assert.equal(all.failed, 3);
    assert.deepEqual(all.failedByCode, { [ErrorCodes.SchemaInvalid]: 3 });
  });

  it('retries an overloaded replay after the delay the pipeline asks for', async () => {
    const store = new MemoryStore();
    const id = await store.addDeadLetter({
      origin: 'rest', tenant: 'metro', recordId: { source: TRIP_SOURCE, id: 'o' }, type: TRIP, sector: 'transport',
      code: ErrorCodes.SchemaUnknown, message: 'x', issues: [], payload: Buffer.from(JSON.stringify(trip('o'))), headers: {}, kafka: null, createdAt: 1,
    });
    let calls = 0;
    const waits: number[] = [];
    const pipeline = {
      submit: async (): Promise<SubmitOutcome> => {
        calls += 1;
        return calls < 3
          ? { status: 'overloaded', retryAfterSeconds: 2 }
          : { status: 'accepted', recordId: { source: TRIP_SOURCE, id: 'o' }, digest: 'd', batchId: 'b', leafIndex: 0 };
      },
    };
    const service = new DlqService({ store, pipeline, tenants, clock, sleep: async (ms) => { waits.push(ms); } });
    assert.equal((await service.replay(id, 'ops')).status, 'overloaded', 'a single replay reports overload and changes nothing');
    assert.equal((await store.getDeadLetter(id))?.state, 'open');
    const summary = await service.replayMany({ ids: [id] }, 'ops');
    assert.equal(summary.replayed, 1);
    assert.deepEqual(waits, [2000]);
  });

  it('replays Kafka dead letters through the sector decoder of their topic, from the stored bytes', async () => {
    const store = new MemoryStore();
    const chain = await ledger();
    const pipeline = await pipelineOf(store, chain, withV2);
    const record = trip('k-1', { version: 2 });
    const kafka = { topic: 'transport.events', partition: 0, offset: '41', key: 'k-1', timestamp: '1700000000000' };
    const structured = await store.addDeadLetter({
      origin: 'kafka', tenant: 'metro', recordId: { source: TRIP_SOURCE, id: 'k-1' }, type: TRIP, sector: 'transport',
      code: ErrorCodes.SchemaUnknown, message: 'unknown', issues: [], payload: Buffer.from(JSON.stringify(record)),
      headers: { 'content-type': 'application/cloudevents+json' }, kafka, createdAt: 1,
    });
    // Bytes the decoder cannot read fail again with the decoder's own reason.
    const broken = await store.addDeadLetter({
      origin: 'kafka', tenant: 'metro', recordId: null, type: null, sector: null,
      code: ErrorCodes.DecodeFailed, message: 'not JSON', issues: [], payload: Buffer.from('{oops'),
      headers: {}, kafka: { ...kafka, offset: '42' }, createdAt: 2,
    });
    // Stored without a tenant (the consumer could not decode it then): the owner of its source is found.
    const undecoded = await store.addDeadLetter({
      origin: 'kafka', tenant: null, recordId: null, type: null, sector: null,
      code: ErrorCodes.DecodeFailed, message: 'was not JSON then', issues: [], payload: Buffer.from(JSON.stringify(trip('k-2', { version: 2 }))),
      headers: {}, kafka: { ...kafka, offset: '43' }, createdAt: 3,
    });
    const orphan = await store.addDeadLetter({
      origin: 'kafka', tenant: null, recordId: null, type: null, sector: null,
      code: ErrorCodes.DecodeFailed, message: 'x', issues: [], payload: Buffer.from(JSON.stringify(trip('k-3', { version: 2, source: '/nobody/owns/this' }))),
      headers: {}, kafka: { ...kafka, offset: '44' }, createdAt: 4,
    });
    const service = new DlqService({ store, pipeline, tenants, clock });
    const found = await service.replay(undecoded, 'ops');
    assert.equal(found.status === 'replayed' && found.outcome, 'accepted', JSON.stringify(found));
    assert.equal((await store.findRecords([{ source: TRIP_SOURCE, id: 'k-2' }]))[0]?.tenant, 'metro');
    const unowned = await service.replay(orphan, 'ops');
    assert.equal(unowned.status === 'failed' && unowned.code, ErrorCodes.SourceForbidden);
    const ok = await service.replay(structured, 'ops');
    assert.equal(ok.status === 'replayed' && ok.outcome, 'accepted', JSON.stringify(ok));
    const bad = await service.replay(broken, 'ops');
    assert.equal(bad.status === 'failed' && bad.code, ErrorCodes.DecodeFailed);
    assert.match(bad.status === 'failed' ? bad.message : '', /not JSON/);
  });

  it('leaves an entry alone when its tenant no longer exists', async () => {
    const store = new MemoryStore();
    const id = await store.addDeadLetter({
      origin: 'rest', tenant: 'gone', recordId: null, type: null, sector: null,
      code: ErrorCodes.SchemaUnknown, message: 'x', issues: [], payload: Buffer.from('{}'), headers: {}, kafka: null, createdAt: 1,
    });
    const service = new DlqService({ store, pipeline: { submit: () => Promise.reject(new Error('must not be called')) }, tenants, clock });
    assert.deepEqual(await service.replay(id, 'ops'), { id, status: 'skipped', reason: 'tenant-unknown' });
    assert.equal((await store.getDeadLetter(id))?.state, 'open');
  });
});
