import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { openEmbeddedLedger } from '../../../adapters/chains/embedded/embedded-ledger.js';
import { MemoryStore } from '../../../adapters/store/memory-store.js';
import { ChainError, ErrorCodes } from '../../../src/core/errors.js';
import { newPipeline, type PipelineDeps, type SubmitOutcome } from '../../../src/core/pipeline.js';
import type { AnchorRequest, ChainClient } from '../../../src/core/ports.js';
import { verifyReceipt } from '../../../src/core/receipt.js';
import { generatePrivateKey, newSigner } from '../../../src/core/signer.js';
import { prepareRecord } from '../../../src/core/prepare.js';
import type { Tenant } from '../../../src/core/tenant.js';
import { schemaRegistry } from '../../../schemas/registry.js';
import { makeValidRecord, RECORD_TYPES } from '../../support/record-factory.js';
import { eventually } from '../../support/eventually.js';

const signer = newSigner('Ed25519', generatePrivateKey('Ed25519'));
const clock = { now: () => Date.now() };
const tenant: Tenant = { id: 'all', role: 'producer', sourcePrefixes: ['/'], allowedTypes: '*', requireProducerSignature: false, producerKeys: [] };
const recordTypes = RECORD_TYPES;

async function ledger(): Promise<ChainClient> {
  return openEmbeddedLedger({ dir: mkdtempSync(join(tmpdir(), 'cg-pipe-')), signer, clock });
}

function deps(overrides: Partial<PipelineDeps> & Pick<PipelineDeps, 'store' | 'chain'>): PipelineDeps {
  return {
    registry: schemaRegistry, signer, clock,
    limits: { maxBatchRecords: 50, maxBatchBytes: 1 << 20, lingerMs: 5, maxQueuedRecords: 1000, maxOutboxBatches: 100 },
    retry: { initialBackoffMs: 5, maxBackoffMs: 20 },
    submitterPollMs: 5,
    ...overrides,
  };
}

function accepted(outcome: SubmitOutcome) {
  assert.equal(outcome.status, 'accepted', JSON.stringify(outcome));
  return outcome as Extract<SubmitOutcome, { status: 'accepted' }>;
}

describe('pipeline', () => {
  it('turns valid records of every type into receipts that verify against the record', async () => {
    const store = new MemoryStore();
    const pipeline = await newPipeline(deps({ store, chain: await ledger() }));
    const records = recordTypes.flatMap((type) => [0, 1, 2].map((i) => makeValidRecord(type, i)));
    const outcomes = await pipeline.submitMany(records, tenant);
    outcomes.forEach(accepted);
    for (const [i, record] of records.entries()) {
      const outcome = accepted(outcomes[i] as SubmitOutcome);
      const receipt = await eventually(() => store.getReceipt(outcome.recordId), 'anchoring');
      assert.equal(receipt.digest, outcome.digest);
      const verification = verifyReceipt(receipt, { record });
      assert.equal(verification.ok, true, JSON.stringify(verification));
    }
    await pipeline.close();
  });

  it('counts accepted records per type for each sealed batch, and records prepared elsewhere the same', async () => {
    const counted = new Map<string, number>();
    const sealedBatches: number[] = [];
    const pipeline = await newPipeline(deps({
      store: new MemoryStore(), chain: await ledger(),
      observer: {
        recordsAccepted: (type, sector, count) => counted.set(`${sector} ${type}`, (counted.get(`${sector} ${type}`) ?? 0) + count),
        batchSealed: (header) => sealedBatches.push(header.size),
      },
    }));
    const records = recordTypes.flatMap((type) => Array.from({ length: 30 }, (_, i) => makeValidRecord(type, i)));
    const half = records.length / 2;
    const prepared = records.slice(half).map((record) => prepareRecord(record, tenant, schemaRegistry, 'sha256'));
    const outcomes = [...await pipeline.submitMany(records.slice(0, half), tenant), ...await pipeline.submitPrepared(prepared, tenant)];
    outcomes.forEach(accepted);
    assert.ok(sealedBatches.length > 1, 'more than one batch (maxBatchRecords 50)');
    assert.equal(sealedBatches.reduce((a, b) => a + b, 0), records.length);
    assert.equal([...counted.values()].reduce((a, b) => a + b, 0), records.length);
    for (const type of recordTypes) assert.equal(counted.get(`${schemaRegistry.sectorOf(type)} ${type}`), 30, type);
    await pipeline.close();
  });

  it('rejects bad records with typed errors and never throws, whatever the input', async () => {
    const pipeline = await newPipeline(deps({ store: new MemoryStore(), chain: await ledger() }));
    const noData = { ...makeValidRecord(recordTypes[0], 1), data: { nonsense: true } };
    const outcome = await pipeline.submit(noData, tenant);
    assert.equal(outcome.status, 'rejected');
    assert.equal(outcome.status === 'rejected' && outcome.rejection.code, ErrorCodes.SchemaInvalid);
    assert.ok(outcome.status === 'rejected' && (outcome.rejection.issues?.length ?? 0) > 0);
    await fc.assert(fc.asyncProperty(fc.jsonValue(), async (value) => {
      const result = await pipeline.submit(value, tenant);
      assert.equal(result.status, 'rejected');
    }), { numRuns: 300 });
    await pipeline.close();
  });

  it('answers a repeat with the original result, and a changed repeat with a conflict', async () => {
    const store = new MemoryStore();
    const pipeline = await newPipeline(deps({ store, chain: await ledger() }));
    const record = makeValidRecord(recordTypes[0], 7);
    const [first, concurrent] = await Promise.all([pipeline.submit(record, tenant), pipeline.submit(structuredClone(record), tenant)]);
    const original = accepted(first as SubmitOutcome);
    assert.equal(concurrent?.status, 'duplicate');
    const later = await pipeline.submit(record, tenant);
    assert.deepEqual(later, { ...original, status: 'duplicate' });
    const changed = { ...record, time: '2020-01-01T00:00:00Z' };
    const conflict = await pipeline.submit(changed, tenant);
    assert.equal(conflict.status === 'rejected' && conflict.rejection.code, ErrorCodes.DuplicateConflict);
    assert.equal((await store.dueBatches(Number.MAX_SAFE_INTEGER, 100)).length + (await store.recentBatches(100)).length > 0, true);
    await pipeline.close();
  });

  it('lets two gateways share a store and still accept each record once', async () => {
    const store = new MemoryStore();
    const chain = await ledger();
    const a = await newPipeline(deps({ store, chain }));
    const b = await newPipeline(deps({ store, chain, signer: newSigner('ES256', generatePrivateKey('ES256')) }));
    const records = Array.from({ length: 40 }, (_, i) => makeValidRecord(recordTypes[i % recordTypes.length]!, 100 + i));
    const [fromA, fromB] = await Promise.all([a.submitMany(records, tenant), b.submitMany(records, tenant)]);
    for (let i = 0; i < records.length; i += 1) {
      const statuses = [fromA[i]?.status, fromB[i]?.status].sort();
      assert.deepEqual(statuses, ['accepted', 'duplicate'], `record ${i}`);
    }
    await a.close();
    await b.close();
  });

  it('answers overloaded at the queue bound instead of growing', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    class SlowStore extends MemoryStore {
      override async saveBatch(...args: Parameters<MemoryStore['saveBatch']>) {
        await gate;
        return super.saveBatch(...args);
      }
    }
    const pipeline = await newPipeline(deps({
      store: new SlowStore(), chain: await ledger(),
      limits: { maxBatchRecords: 4, maxBatchBytes: 1 << 20, lingerMs: 1, maxQueuedRecords: 8, maxOutboxBatches: 100 },
    }));
    const pending = Array.from({ length: 8 }, (_, i) => pipeline.submit(makeValidRecord(recordTypes[0], 200 + i), tenant));
    assert.equal(pipeline.admission(), 'full');
    const refused = await pipeline.submit(makeValidRecord(recordTypes[0], 300), tenant);
    assert.equal(refused.status, 'overloaded');
    assert.ok(refused.status === 'overloaded' && refused.retryAfterSeconds >= 1);
    release();
    (await Promise.all(pending)).forEach(accepted);
    assert.equal(pipeline.admission(), 'open');
    await pipeline.close();
  });

  it('holds batches in the outbox while the chain is down, stops at the outbox bound, and anchors each once after', async () => {
    const inner = await ledger();
    let down = true;
    const anchorCalls = new Map<string, number>();
    const flaky: ChainClient = {
      kind: inner.kind, network: inner.network,
      async anchor(request: AnchorRequest) {
        anchorCalls.set(request.header.id, (anchorCalls.get(request.header.id) ?? 0) + 1);
        if (down) throw new ChainError(ErrorCodes.ChainUnavailable, 'peer unreachable');
        return inner.anchor(request);
      },
      lookup: (id) => inner.lookup(id), health: () => inner.health(), close: () => inner.close(),
    };
    const store = new MemoryStore();
    const pipeline = await newPipeline(deps({
      store, chain: flaky,
      limits: { maxBatchRecords: 2, maxBatchBytes: 1 << 20, lingerMs: 1, maxQueuedRecords: 100, maxOutboxBatches: 3 },
    }));
    const records = Array.from({ length: 6 }, (_, i) => makeValidRecord(recordTypes[1], 400 + i));
    // Two at a time, so each pair fills one batch (maxBatchRecords 2) at once.
    for (let i = 0; i < records.length; i += 2) (await pipeline.submitMany(records.slice(i, i + 2), tenant)).forEach(accepted);
    assert.equal(await store.outboxDepth(), 3);
    assert.equal(pipeline.admission(), 'full');
    assert.equal((await pipeline.submit(makeValidRecord(recordTypes[1], 500), tenant)).status, 'overloaded');
    down = false;
    await eventually(async () => ((await store.outboxDepth()) === 0 ? true : undefined), 'outbox to drain');
    for (const record of records) {
      const r = record as { source: string; id: string };
      assert.ok(await store.getReceipt({ source: r.source, id: r.id }));
    }
    assert.equal(inner instanceof Object && (await Promise.all([...anchorCalls.keys()].map((id) => inner.lookup(id)))).every(Boolean), true);
    assert.equal(pipeline.admission(), 'open');
    await pipeline.close();
  });

  it('rejects the submit (not a silent loss) when the store fails, and recovers with it', async () => {
    const store = new MemoryStore();
    const pipeline = await newPipeline(deps({ store, chain: await ledger() }));
    store.failing = true;
    await assert.rejects(pipeline.submit(makeValidRecord(recordTypes[2], 1), tenant), /simulated outage/);
    store.failing = false;
    accepted(await pipeline.submit(makeValidRecord(recordTypes[2], 1), tenant));
    await pipeline.close();
  });

  it('continues the batch chain after a restart and anchors what the outbox still holds', async () => {
    const store = new MemoryStore();
    const chain = await ledger();
    const first = await newPipeline(deps({ store, chain }));
    first.pauseAnchoring();
    const a = accepted(await first.submit(makeValidRecord(recordTypes[3], 1), tenant));
    await first.close();
    assert.equal(await store.outboxDepth(), 1);
    const second = await newPipeline(deps({ store, chain }));
    const b = accepted(await second.submit(makeValidRecord(recordTypes[3], 2), tenant));
    const batchB = await store.getBatch(b.batchId);
    assert.equal(batchB?.header.prev, a.batchId);
    await eventually(async () => ((await store.outboxDepth()) === 0 ? true : undefined), 'outbox to drain after restart');
    await second.close();
  });

  it('rotates the signing key at the configured moment, without a restart: the prev chain runs on across the switch and after a restart', async () => {
    const next = newSigner('Ed25519', generatePrivateKey('Ed25519'));
    let now = Date.parse('2027-01-01T00:00:00Z');
    const manual = { now: () => now };
    const store = new MemoryStore();
    const chain = await openEmbeddedLedger({ dir: mkdtempSync(join(tmpdir(), 'cg-pipe-')), signer, clock: manual });
    const rotation = { next, atMillis: Date.parse('2027-01-01T00:01:00Z') };
    const pipeline = await newPipeline(deps({ store, chain, clock: manual, rotation }));
    const before = accepted(await pipeline.submit(makeValidRecord(recordTypes[0], 1), tenant));
    now = rotation.atMillis - 1;
    const lastBefore = accepted(await pipeline.submit(makeValidRecord(recordTypes[0], 2), tenant));
    now = rotation.atMillis;
    const after = accepted(await pipeline.submit(makeValidRecord(recordTypes[0], 3), tenant));
    const headers = await Promise.all([before, lastBefore, after].map(async (o) => (await store.getBatch(o.batchId))?.header));
    assert.deepEqual(headers.map((h) => h?.signer.keyId), [signer.keyId, signer.keyId, next.keyId]);
    assert.equal(headers[1]?.prev, before.batchId);
    assert.equal(headers[2]?.prev, lastBefore.batchId, 'the first batch of the new key names the last of the old');
    for (const [i, outcome] of [before, lastBefore, after].entries()) {
      const receipt = await eventually(() => store.getReceipt(outcome.recordId), 'anchoring');
      assert.equal(verifyReceipt(receipt, { record: makeValidRecord(recordTypes[0], i + 1) }).ok, true);
    }
    await pipeline.close();

    // A restart after the moment starts from the new key's last batch; one without any new-key batch yet, from the old key's.
    const restarted = await newPipeline(deps({ store, chain, clock: manual, rotation }));
    const later = accepted(await restarted.submit(makeValidRecord(recordTypes[0], 4), tenant));
    assert.equal((await store.getBatch(later.batchId))?.header.prev, after.batchId);
    await restarted.close();
    const fresh = new MemoryStore();
    const early = await newPipeline(deps({ store: fresh, chain, clock: { now: () => rotation.atMillis - 10 } }));
    const old = accepted(await early.submit(makeValidRecord(recordTypes[0], 5), tenant));
    await early.close();
    const switched = await newPipeline(deps({ store: fresh, chain, clock: manual, rotation }));
    const first = accepted(await switched.submit(makeValidRecord(recordTypes[0], 6), tenant));
    const firstHeader = (await fresh.getBatch(first.batchId))?.header;
    assert.equal(firstHeader?.signer.keyId, next.keyId);
    assert.equal(firstHeader?.prev, old.batchId);
    await switched.close();

    const sm2 = newSigner('SM2', generatePrivateKey('SM2'));
    await assert.rejects(newPipeline(deps({ store: new MemoryStore(), chain, rotation: { next: sm2, atMillis: 0 } })), /a rotation keeps the suite/);
  });
});

