import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes, rejection } from '../../../../src/core/errors.js';
import type { SubmitOutcome } from '../../../../src/core/pipeline.js';
import { TenantQuotas } from '../../../../src/core/quota.js';
import type { PreparedRecord } from '../../../../src/core/prepare.js';
import type { Tenant } from '../../../../src/core/tenant.js';
import type { WaitControl } from '../../../../src/ingest/kafka/admission-gate.js';
import type { DeadLetterEntry, DeadLetterSink } from '../../../../src/ingest/kafka/dead-letter-sink.js';
import {
  PartitionBatchProcessor, type BatchControl, type ConsumedMessage, type PartitionBatch,
} from '../../../../src/ingest/kafka/partition-batch.js';
import type { PreparedMessage } from '../../../../src/ingest/kafka/prepare-messages.js';
import type { MessagePreparer } from '../../../../src/ingest/prepare/preparer.js';
import { waitFor } from '../../../support/kafka.js';

const transportTenant: Tenant = {
  id: 'metro', role: 'producer', sourcePrefixes: ['/beijing/transport'], allowedTypes: '*', requireProducerSignature: false, producerKeys: [],
};

function event(id: string, extra: Record<string, unknown> = {}) {
  return { specversion: '1.0', id, source: '/beijing/transport/metro-3', type: 'cn.gov.transport.trip', data: { n: id }, ...extra };
}

function message(offset: number, value: unknown): ConsumedMessage {
  return {
    offset: String(offset),
    timestamp: String(1_700_000_000_000 + offset),
    key: Buffer.from(`k${offset}`),
    value: typeof value === 'string' ? Buffer.from(value) : Buffer.from(JSON.stringify(value)),
    headers: { 'content-type': 'application/cloudevents+json' },
  };
}

function batch(...messages: ConsumedMessage[]): PartitionBatch {
  return { topic: 'transport.events', partition: 1, sector: 'transport', messages };
}

/** A controllable fake of kafkajs' batch payload. */
function fakeControl() {
  const state = { running: true, stale: false, refuseCommit: false, resolved: [] as string[], commits: [] as string[], heartbeats: 0 };
  const control: BatchControl = {
    isRunning: () => state.running,
    isStale: () => state.stale,
    heartbeat: async () => { state.heartbeats += 1; },
    resolveOffset: (offset) => { state.resolved.push(offset); },
    commit: async (next) => { state.commits.push(next); return !state.refuseCommit; },
  };
  return { control, state };
}

/** A DLQ sink recording calls; `failPublish`/`failIndex` make the next N calls fail. */
function fakeSink() {
  const calls: string[] = [];
  const published: DeadLetterEntry[][] = [];
  const indexed: DeadLetterEntry[] = [];
  const faults = { publish: 0, index: 0 };
  const sink: DeadLetterSink = {
    async publish(entries) {
      calls.push(`publish ${entries.map((e) => e.record.offset).join(',')}`);
      if (faults.publish > 0) { faults.publish -= 1; throw new Error('broker down'); }
      published.push([...entries]);
    },
    async index(entry) {
      calls.push(`index ${entry.record.offset}`);
      if (faults.index > 0) { faults.index -= 1; throw new Error('store down'); }
      indexed.push(entry);
    },
  };
  return { sink, calls, published, indexed, faults };
}

const openGate = { waitForRoom: async (_: WaitControl) => true };

type SubmitMany = (inputs: readonly unknown[], tenant: Tenant) => Promise<SubmitOutcome[]>;

/**
 * A processor over a fake pipeline: either `submitMany` itself, or a per-record `submit` that the fake
 * calls for every input of a chunk at once (a failure fails the whole call, as the pipeline's does).
 */
function processor(options: {
  submit?: (input: unknown, tenant: Tenant) => Promise<SubmitOutcome>;
  submitMany?: SubmitMany;
  admission?: () => 'open' | 'full';
  sink?: DeadLetterSink;
  gate?: { waitForRoom(control: WaitControl): Promise<boolean> };
  onRejected?: (code: string, sector: string) => void;
  onRetry?: (step: string, error: unknown) => void;
  sleep?: (ms: number) => Promise<void>;
  keepAliveMs?: number;
  chunkRecords?: number;
  tenants?: readonly Tenant[];
}) {
  const submit = options.submit;
  const submitMany: SubmitMany = options.submitMany
    ?? (async (inputs, tenant) => Promise.all(inputs.map((input) => (submit as NonNullable<typeof submit>)(input, tenant))));
  return new PartitionBatchProcessor({
    pipeline: { submitMany, admission: options.admission ?? (() => 'open') },
    tenants: { tenants: options.tenants ?? [transportTenant] },
    gate: options.gate ?? openGate,
    deadLetters: options.sink ?? fakeSink().sink,
    clock: { now: () => 1_700_000_999_000 },
    retry: { initialMs: 10, maxMs: 40 },
    sleep: options.sleep ?? (async () => undefined),
    ...(options.onRejected ? { onRejected: options.onRejected } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    ...(options.keepAliveMs === undefined ? {} : { keepAliveMs: options.keepAliveMs }),
    ...(options.chunkRecords === undefined ? {} : { chunkRecords: options.chunkRecords }),
  });
}

function ids(inputs: readonly unknown[]): string {
  return inputs.map((input) => (input as { id: string }).id).join(',');
}

function accepted(input: unknown, index = 0): SubmitOutcome {
  const { source, id } = input as { source: string; id: string };
  return { status: 'accepted', recordId: { source, id }, digest: 'd', batchId: 'b', leafIndex: index };
}

describe('PartitionBatchProcessor', () => {
  it('submits a whole fetch without waiting record by record, then commits the offset after the last', async () => {
    const started: string[] = [];
    let release!: () => void;
    const sealed = new Promise<void>((resolve) => { release = resolve; });
    const p = processor({
      submit: async (input) => {
        started.push((input as { id: string }).id);
        if (started.length === 3) release();
        await sealed; // like the batcher: nothing settles until the batch is sealed
        return accepted(input);
      },
    });
    const { control, state } = fakeControl();
    const result = await p.process(batch(message(10, event('a')), message(11, event('b')), message(12, event('c'))), control);
    assert.deepEqual(started, ['a', 'b', 'c']);
    assert.deepEqual(result, { accepted: 3, duplicates: 0, deadLettered: 0, committed: '13', nextMayCommit: true });
    assert.deepEqual(state.commits, ['13']);
    assert.deepEqual(state.resolved, ['12']);
  });

  it('counts duplicates as durable', async () => {
    const p = processor({
      submit: async (input) => ({ status: 'duplicate', recordId: { source: '/beijing/transport/metro-3', id: (input as { id: string }).id }, digest: 'd', batchId: 'b', leafIndex: 0 }),
    });
    const { control, state } = fakeControl();
    const result = await p.process(batch(message(0, event('a'))), control);
    assert.equal(result.duplicates, 1);
    assert.deepEqual(state.commits, ['1']);
  });

  it('dead-letters decode failures, unknown sources and pipeline rejections, publishing before indexing, then commits', async () => {
    const fake = fakeSink();
    const rejectedCodes: string[] = [];
    const p = processor({
      sink: fake.sink,
      onRejected: (code) => rejectedCodes.push(code),
      submit: async (input) => {
        const { source, id } = input as { source: string; id: string };
        return id === 'bad'
          ? { status: 'rejected', recordId: { source, id }, type: 'cn.gov.transport.trip', rejection: rejection(ErrorCodes.SchemaInvalid, 'data does not match', [{ path: ['data'], code: 'custom', message: 'x' }]) }
          : accepted(input);
      },
    });
    const { control, state } = fakeControl();
    const result = await p.process(batch(
      message(0, event('a')),
      message(1, '{not json'),
      message(2, event('bad')),
      message(3, event('x', { source: '/nowhere/else' })),
      message(4, { id: 'no-source' }),
      message(5, event('b')),
    ), control);

    assert.deepEqual(result, { accepted: 2, duplicates: 0, deadLettered: 4, committed: '6', nextMayCommit: true });
    assert.deepEqual(fake.calls, ['publish 1,2,3,4', 'index 1', 'index 2', 'index 3', 'index 4']);
    const [decode, schema, source, envelope] = fake.indexed;
    assert.equal(decode?.rejection.code, 'CG_DECODE_FAILED');
    assert.equal(decode?.tenant, null);
    assert.deepEqual(decode?.record.value, Buffer.from('{not json'), 'the original bytes are kept');
    assert.equal(schema?.rejection.code, 'CG_SCHEMA_INVALID');
    assert.equal(schema?.tenant, 'metro');
    assert.deepEqual(schema?.recordId, { source: '/beijing/transport/metro-3', id: 'bad' });
    assert.equal(schema?.rejection.issues?.length, 1);
    assert.equal(source?.rejection.code, 'CG_SOURCE_FORBIDDEN');
    assert.deepEqual(source?.recordId, { source: '/nowhere/else', id: 'x' });
    assert.equal(envelope?.rejection.code, 'CG_ENVELOPE_INVALID');
    assert.ok(fake.indexed.every((e) => e.sector === 'transport' && e.record.topic === 'transport.events' && e.record.partition === 1));
    assert.deepEqual(rejectedCodes, ['CG_DECODE_FAILED', 'CG_SOURCE_FORBIDDEN', 'CG_ENVELOPE_INVALID'], 'the pipeline counts its own rejections');
    assert.deepEqual(state.commits, ['6']);
  });

  it('retries a failed DLQ publish, and a failed index without publishing again', async () => {
    const fake = fakeSink();
    fake.faults.publish = 2;
    fake.faults.index = 1;
    const p = processor({ sink: fake.sink, submit: async (input) => accepted(input) });
    const { control, state } = fakeControl();
    const result = await p.process(batch(message(7, 'nope')), control);
    assert.deepEqual(fake.calls, ['publish 7', 'publish 7', 'publish 7', 'index 7', 'index 7']);
    assert.equal(fake.published.length, 1);
    assert.equal(fake.indexed.length, 1);
    assert.deepEqual(state.commits, ['8']);
    assert.equal(result.deadLettered, 1);
  });

  it('retries submissions while the store fails, with capped backoff', async () => {
    let failures = 3;
    const sleeps: number[] = [];
    const p = processor({
      sleep: async (ms) => { sleeps.push(ms); },
      submit: async (input) => {
        if (failures-- > 0) throw new Error('store down');
        return accepted(input);
      },
    });
    const { control, state } = fakeControl();
    const result = await p.process(batch(message(3, event('a'))), control);
    assert.equal(result.accepted, 1);
    assert.deepEqual(sleeps, [10, 20, 40]);
    assert.deepEqual(state.commits, ['4']);
  });

  it('on shutdown during a store outage, commits only the durable prefix', async () => {
    const { control, state } = fakeControl();
    const p = processor({
      chunkRecords: 1,
      sleep: async () => { state.running = false; },
      submit: async (input) => {
        if ((input as { id: string }).id === 'b') throw new Error('store down');
        return accepted(input);
      },
    });
    const result = await p.process(batch(message(20, event('a')), message(21, event('b')), message(22, event('c'))), control);
    // c was accepted too, but after b: only the prefix [a] is committed and counted.
    assert.deepEqual(result, { accepted: 1, duplicates: 0, deadLettered: 0, committed: '21', nextMayCommit: false });
    assert.deepEqual(state.commits, ['21'], 'b and c will be read again by the next owner');
  });

  it('stops taking records when the consumer stops, committing what is durable', async () => {
    const { control, state } = fakeControl();
    const p = processor({
      chunkRecords: 1,
      submit: async (input) => {
        state.running = false; // SIGTERM arrives while the first record is submitted
        return accepted(input);
      },
    });
    const result = await p.process(batch(message(0, event('a')), message(1, event('b'))), control);
    assert.deepEqual(result.committed, '1', 'b was in the next chunk, never submitted');
  });

  it('resubmits the records of a chunk answered overloaded once there is room, and only those', async () => {
    let admission: 'open' | 'full' = 'open';
    let room = 2;
    const calls: string[] = [];
    const sleeps: number[] = [];
    let waits = 0;
    const p = processor({
      admission: () => admission,
      gate: { waitForRoom: async () => { waits += 1; admission = 'open'; room = 10; return true; } },
      sleep: async (ms) => { sleeps.push(ms); },
      submitMany: async (inputs) => {
        calls.push(ids(inputs));
        const outcomes = inputs.map((input): SubmitOutcome => (room-- > 0 ? accepted(input) : { status: 'overloaded', retryAfterSeconds: 1 }));
        if (room <= 0) admission = 'full';
        return outcomes;
      },
    });
    const { control, state } = fakeControl();
    const result = await p.process(batch(message(5, event('a')), message(6, event('b')), message(7, event('c')), message(8, event('d'))), control);
    assert.deepEqual(calls, ['a,b,c,d', 'c,d']);
    assert.equal(waits, 1, 'waited once, because the pipeline was full after the first chunk');
    assert.deepEqual(sleeps, [10], 'a short pause before resubmitting (min of 50 ms and the initial backoff)');
    assert.deepEqual(result, { accepted: 4, duplicates: 0, deadLettered: 0, committed: '9', nextMayCommit: true });
    assert.deepEqual(state.commits, ['9']);
  });

  it('keeps resubmitting while the pipeline answers overloaded with admission open (closing), pausing each time', async () => {
    let overloaded = 2;
    const sleeps: number[] = [];
    const p = processor({
      sleep: async (ms) => { sleeps.push(ms); },
      submit: async (input) => (overloaded-- > 0 ? { status: 'overloaded', retryAfterSeconds: 1 } : accepted(input)),
    });
    const { control, state } = fakeControl();
    const result = await p.process(batch(message(5, event('a'))), control);
    assert.equal(result.accepted, 1);
    assert.deepEqual(sleeps, [10, 10]);
    assert.deepEqual(state.commits, ['6']);
  });

  it('leaves overloaded records and everything after them uncommitted when the consumer stops while they wait', async () => {
    const { control, state } = fakeControl();
    const p = processor({
      admission: () => 'full',
      gate: { waitForRoom: async (c) => c.isRunning() },
      sleep: async () => { state.running = false; },
      submitMany: async (inputs) => inputs.map((input): SubmitOutcome => ((input as { id: string }).id === 'b' ? { status: 'overloaded', retryAfterSeconds: 1 } : accepted(input))),
    });
    const result = await p.process(batch(message(0, event('a')), message(1, event('b')), message(2, event('c'))), control);
    assert.deepEqual(result, { accepted: 1, duplicates: 0, deadLettered: 0, committed: '1', nextMayCommit: false });
  });

  it('commits nothing when the pipeline is full and the gate gives up before the first record', async () => {
    let submits = 0;
    const p = processor({
      admission: () => 'full',
      gate: { waitForRoom: async () => false },
      submit: async (input) => { submits += 1; return accepted(input); },
    });
    const { control, state } = fakeControl();
    const result = await p.process(batch(message(0, event('a'))), control);
    assert.equal(result.committed, null);
    assert.deepEqual(state.commits, []);
    assert.equal(submits, 0);
  });

  it('does not ask the gate while the pipeline admits records', async () => {
    let waits = 0;
    const p = processor({ gate: { waitForRoom: async () => { waits += 1; return true; } }, chunkRecords: 1, submit: async (input) => accepted(input) });
    const { control } = fakeControl();
    const result = await p.process(batch(message(0, event('a')), message(1, event('b')), message(2, event('c'))), control);
    assert.equal(result.committed, '3');
    assert.equal(waits, 0);
  });

  it('submits a fetch in chunks, all before any settles, and commits after the last', async () => {
    const calls: string[] = [];
    let release!: () => void;
    const sealed = new Promise<void>((resolve) => { release = resolve; });
    const p = processor({
      chunkRecords: 2,
      submitMany: async (inputs) => {
        calls.push(ids(inputs));
        if (calls.length === 3) release();
        await sealed;
        return inputs.map((input) => accepted(input));
      },
    });
    const { control, state } = fakeControl();
    const result = await p.process(batch(...['a', 'b', 'c', 'd', 'e'].map((id, i) => message(40 + i, event(id)))), control);
    assert.deepEqual(calls, ['a,b', 'c,d', 'e']);
    assert.deepEqual(result, { accepted: 5, duplicates: 0, deadLettered: 0, committed: '45', nextMayCommit: true });
    assert.deepEqual(state.resolved, ['44']);
  });

  it('waits for room between chunks when the pipeline fills up mid-fetch', async () => {
    let admission: 'open' | 'full' = 'open';
    const events: string[] = [];
    const p = processor({
      chunkRecords: 2,
      admission: () => admission,
      gate: { waitForRoom: async () => { events.push('wait'); admission = 'open'; return true; } },
      submitMany: async (inputs) => {
        events.push(ids(inputs));
        admission = 'full';
        return inputs.map((input) => accepted(input));
      },
    });
    const { control } = fakeControl();
    const result = await p.process(batch(...['a', 'b', 'c'].map((id, i) => message(i, event(id)))), control);
    assert.deepEqual(events, ['a,b', 'wait', 'c']);
    assert.equal(result.committed, '3');
  });

  it('resubmits a whole chunk after a store failure in its middle; the records kept come back as duplicates', async () => {
    const stored = new Set<string>();
    let faults = 1;
    const calls: string[] = [];
    const retries: string[] = [];
    const p = processor({
      onRetry: (step) => retries.push(step),
      submitMany: async (inputs) => {
        calls.push(ids(inputs));
        const outcomes: SubmitOutcome[] = [];
        let failed = false;
        for (const input of inputs) {
          const { source, id } = input as { source: string; id: string };
          if (id === 'b' && faults > 0) {
            faults -= 1;
            failed = true;
          } else if (stored.has(id)) {
            outcomes.push({ status: 'duplicate', recordId: { source, id }, digest: 'd', batchId: 'b', leafIndex: 0 });
          } else {
            stored.add(id);
            outcomes.push(accepted(input));
          }
        }
        if (failed) throw new Error('store down');
        return outcomes;
      },
    });
    const { control, state } = fakeControl();
    const result = await p.process(batch(message(0, event('a')), message(1, event('b')), message(2, event('c'))), control);
    assert.deepEqual(calls, ['a,b,c', 'a,b,c']);
    assert.deepEqual(retries, ['submit'], 'one retry for the chunk, not one per record');
    assert.deepEqual(result, { accepted: 1, duplicates: 2, deadLettered: 0, committed: '3', nextMayCommit: true });
    assert.deepEqual(state.commits, ['3']);
  });

  it('on shutdown during a store outage, commits the chunks before the failed one and nothing of it', async () => {
    const { control, state } = fakeControl();
    const p = processor({
      chunkRecords: 2,
      sleep: async () => { state.running = false; },
      submitMany: async (inputs) => {
        if (ids(inputs).includes('c')) throw new Error('store down');
        return inputs.map((input) => accepted(input));
      },
    });
    const result = await p.process(batch(...['a', 'b', 'c', 'd', 'e'].map((id, i) => message(i, event(id)))), control);
    // d may have been kept before the failure, but which records of the chunk were is not known.
    assert.deepEqual(result, { accepted: 2, duplicates: 0, deadLettered: 0, committed: '2', nextMayCommit: false });
  });

  it('stops submitting when a seek is pending mid-fetch, commits nothing, and does not hold up the batches read after the seek', async () => {
    const { control, state } = fakeControl();
    const calls: string[] = [];
    const p = processor({
      chunkRecords: 2,
      submitMany: async (inputs) => {
        calls.push(ids(inputs));
        state.stale = true;
        return inputs.map((input) => accepted(input));
      },
    });
    const result = await p.process(batch(...['a', 'b', 'c', 'd'].map((id, i) => message(i, event(id)))), control);
    assert.deepEqual(calls, ['a,b'], 'the chunks after the seek are left: kafkajs reads on from the new position');
    // nextMayCommit: kafkajs reads on from where it was sought, so c and d are not waited for.
    assert.deepEqual(result, { accepted: 2, duplicates: 0, deadLettered: 0, committed: null, nextMayCommit: true });
    assert.deepEqual(state.resolved, ['1']);
    assert.deepEqual(state.commits, []);
  });

  it('submits the records of each tenant of a chunk together and maps their outcomes back to their offsets', async () => {
    const financeTenant: Tenant = { ...transportTenant, id: 'bank', sourcePrefixes: ['/beijing/finance'] };
    const fake = fakeSink();
    const calls: string[] = [];
    const p = processor({
      tenants: [transportTenant, financeTenant],
      sink: fake.sink,
      submitMany: async (inputs, tenant) => {
        calls.push(`${tenant.id}:${ids(inputs)}`);
        return inputs.map((input): SubmitOutcome => ((input as { id: string }).id === 'f2'
          ? { status: 'rejected', recordId: null, type: null, rejection: rejection(ErrorCodes.EnvelopeInvalid, 'bad time') }
          : accepted(input)));
      },
    });
    const { control, state } = fakeControl();
    const fin = (id: string) => event(id, { source: '/beijing/finance/bank-1', type: 'cn.gov.finance.payment' });
    const result = await p.process(batch(
      message(0, event('t1')), message(1, fin('f1')), message(2, event('t2')), message(3, fin('f2')), message(4, event('t3')),
    ), control);
    assert.deepEqual(calls, ['metro:t1,t2,t3', 'bank:f1,f2']);
    assert.deepEqual(result, { accepted: 4, duplicates: 0, deadLettered: 1, committed: '5', nextMayCommit: true });
    assert.equal(fake.indexed.length, 1);
    const [entry] = fake.indexed;
    assert.equal(entry?.record.offset, '3');
    assert.equal(entry?.tenant, 'bank');
    assert.deepEqual(entry?.recordId, { source: '/beijing/finance/bank-1', id: 'f2' }, 'the record id read from the record when the pipeline had none');
    assert.equal(entry?.type, 'cn.gov.finance.payment');
    assert.deepEqual(state.commits, ['5']);
  });

  it('does not commit for a partition that was revoked meanwhile', async () => {
    const { control, state } = fakeControl();
    const p = processor({
      submit: async (input) => {
        state.stale = true;
        return accepted(input);
      },
    });
    const result = await p.process(batch(message(0, event('a'))), control);
    assert.equal(result.committed, null);
    assert.deepEqual(state.commits, []);
  });

  it('reports nothing committed when the group refuses the commit (the partition has a new owner)', async () => {
    const { control, state } = fakeControl();
    state.refuseCommit = true;
    const p = processor({ submit: async (input) => accepted(input) });
    const result = await p.process(batch(message(0, event('a'))), control);
    assert.deepEqual(result, { accepted: 1, duplicates: 0, deadLettered: 0, committed: null, nextMayCommit: true });
    assert.deepEqual(state.commits, ['1']);
  });

  it('heartbeats while a slow fetch becomes durable, so the group does not drop the member, and stops after', async () => {
    const { control, state } = fakeControl();
    let release!: () => void;
    const sealed = new Promise<void>((resolve) => { release = resolve; });
    const p = processor({
      keepAliveMs: 5,
      submit: async (input) => {
        await sealed; // a store far slower than the session timeout
        return accepted(input);
      },
    });
    const processing = p.process(batch(message(0, event('a')), message(1, event('b'))), control);
    try {
      await waitFor(() => state.heartbeats >= 3, 30_000, () => `${state.heartbeats} heartbeats while the batch was in hand`, 1);
    } finally {
      release();
    }
    assert.equal((await processing).committed, '2');
    const after = state.heartbeats;
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(state.heartbeats, after, 'no heartbeats once the batch is done');
  });
  describe('take: handing over, then durability and commit in fetch order', () => {
    /** A fake pipeline whose records settle only when the test releases their id. */
    function heldPipeline() {
      const waiting = new Map<string, () => void>();
      const submitted: string[] = [];
      const p = processor({
        submit: async (input) => {
          const id = (input as { id: string }).id;
          submitted.push(id);
          await new Promise<void>((resolve) => waiting.set(id, resolve));
          return accepted(input);
        },
      });
      const release = (...idsToRelease: string[]) => {
        for (const id of idsToRelease) {
          const resolve = waiting.get(id);
          assert.ok(resolve, `${id} was submitted`);
          resolve();
        }
      };
      return { p, submitted, release };
    }

    it('returns once the records are handed over, before they are durable, with kafkajs resolved past them', async () => {
      const { p, submitted, release } = heldPipeline();
      const { control, state } = fakeControl();
      const taken = await p.take(batch(message(7, event('a')), message(8, event('b'))), control);
      assert.deepEqual(submitted, ['a', 'b']);
      assert.equal(taken.lastTaken, '8');
      assert.deepEqual(state.resolved, ['8'], 'kafkajs fetches on from offset 9');
      assert.deepEqual(state.commits, [], 'nothing is committed before the records are durable');
      release('a', 'b');
      assert.deepEqual(await taken.done, { accepted: 2, duplicates: 0, deadLettered: 0, committed: '9', nextMayCommit: true });
      assert.deepEqual(state.commits, ['9']);
    });

    it('commits a batch that became durable first only after the batch fetched before it', async () => {
      const { p, release } = heldPipeline();
      const { control, state } = fakeControl();
      const first = await p.take(batch(message(0, event('a'))), control);
      const second = await p.take(batch(message(1, event('b'))), control, first.done);
      const order: string[] = [];
      void second.done.then(() => order.push('second'));
      release('b');
      // Let everything the second batch could do without the first happen.
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(state.commits, [], 'offset 2 is not committed while offset 0 is not durable');
      assert.deepEqual(order, []);
      release('a');
      assert.equal((await second.done).committed, '2');
      assert.deepEqual(state.commits, ['1', '2']);
    });

    it('commits and dead-letters nothing after a batch that does not have every record durable', async () => {
      const { control, state } = fakeControl();
      const { sink, calls } = fakeSink();
      const p = processor({
        chunkRecords: 1,
        sink,
        sleep: async () => { state.running = false; },
        submit: async (input) => {
          if ((input as { id: string }).id === 'b') throw new Error('store down');
          return accepted(input);
        },
      });
      const first = await p.take(batch(message(0, event('a')), message(1, event('b'))), control);
      state.running = true; // the second batch was taken before the consumer stopped
      const second = await p.take(batch(message(2, event('c')), message(3, 'not json')), control, first.done);
      const firstResult = await first.done;
      assert.deepEqual(firstResult, { accepted: 1, duplicates: 0, deadLettered: 0, committed: '1', nextMayCommit: false });
      assert.deepEqual(await second.done, { accepted: 1, duplicates: 0, deadLettered: 0, committed: null, nextMayCommit: false });
      assert.deepEqual(state.commits, ['1'], 'offset 1 (b) is read again, and c and the poison record after it');
      assert.deepEqual(calls, [], 'the poison record is dead-lettered when it is read again, not twice');
    });

    it('commits nothing after a batch whose completion failed (a heartbeat error during a rebalance)', async () => {
      const { control, state } = fakeControl();
      const p = processor({ submit: async (input) => accepted(input) });
      const failed = Promise.reject(new Error('The group is rebalancing, so a rejoin is needed'));
      failed.catch(() => undefined);
      const taken = await p.take(batch(message(5, event('e'))), control, failed);
      assert.deepEqual(await taken.done, { accepted: 1, duplicates: 0, deadLettered: 0, committed: null, nextMayCommit: false });
      assert.deepEqual(state.commits, []);
    });

    it('keeps retrying after the hand-over when a heartbeat fails (a rebalance is kafkajs\' to handle), and commits', async () => {
      const { control, state } = fakeControl();
      let heartbeatFails = true;
      control.heartbeat = async () => {
        state.heartbeats += 1;
        if (heartbeatFails) throw new Error('The group is rebalancing, so a rejoin is needed');
      };
      let storeDown = true;
      const retries: string[] = [];
      const p = processor({
        onRetry: (step) => retries.push(step),
        sleep: async () => {
          storeDown = false; // the store comes back during the first backoff
          heartbeatFails = false;
        },
        submit: async (input) => {
          if (storeDown) throw new Error('store down');
          return accepted(input);
        },
      });
      const taken = await p.take(batch(message(3, event('r'))), control);
      assert.deepEqual(await taken.done, { accepted: 1, duplicates: 0, deadLettered: 0, committed: '4', nextMayCommit: true });
      assert.deepEqual(retries, ['submit']);
      assert.ok(state.heartbeats >= 1, 'it heartbeat while waiting');
    });

    it('commits a batch read after a seek even though the batch before it gave records up to the seek', async () => {
      const { control, state } = fakeControl();
      const p = processor({
        chunkRecords: 1,
        submit: async (input) => {
          if ((input as { id: string }).id === 'a') state.stale = true; // kafkajs must seek (out of range)
          return accepted(input);
        },
      });
      const before = await p.take(batch(message(0, event('a')), message(1, event('b'))), control);
      assert.equal((await before.done).nextMayCommit, true);
      state.stale = false; // the seek is applied; the next batch comes from the new position
      const after = await p.take(batch(message(50, event('z'))), control, before.done);
      assert.equal((await after.done).committed, '51');
      assert.deepEqual(state.commits, ['51']);
    });

    it('takes nothing once the consumer stops, and resolves no offset', async () => {
      const { control, state } = fakeControl();
      state.running = false;
      const p = processor({ submit: async (input) => accepted(input) });
      const taken = await p.take(batch(message(0, event('a'))), control);
      assert.equal(taken.lastTaken, null);
      assert.deepEqual(state.resolved, []);
      assert.deepEqual(await taken.done, { accepted: 0, duplicates: 0, deadLettered: 0, committed: null, nextMayCommit: false });
    });
  });
});

/** A preparer whose answers the test releases; each answer is what a prepare worker would give for `event(...)` values. */
function fakePreparer() {
  const requests: { ids: string[]; answer(fail?: boolean): void }[] = [];
  const preparer: MessagePreparer = {
    prepareMessages: (_sector, messages) => new Promise<PreparedMessage[]>((resolve, reject) => {
      const values = messages.map((m) => JSON.parse(String(m.value)) as { id: string; source: string; type: string; bad?: boolean });
      requests.push({
        ids: values.map((v) => v.id),
        answer: (fail = false) => (fail ? reject(new Error('worker stopped')) : resolve(values.map((v): PreparedMessage => {
          const recordId = { source: v.source, id: v.id };
          if (v.bad === true) {
            return { kind: 'record', tenant: 0, record: { ok: false, recordId, type: v.type, sector: null, rejection: rejection(ErrorCodes.SchemaInvalid, 'bad') }, recordId, type: v.type };
          }
          return { kind: 'record', tenant: 0, record: { ok: true, recordId, digestHex: `d-${v.id}`, digestAlg: 'sha256', type: v.type, sector: 'transport', bytes: 10 }, recordId, type: v.type };
        }))),
      });
    }),
  };
  return { preparer, requests };
}

function preparedProcessor(preparer: MessagePreparer, submitted: string[], options: { sink?: DeadLetterSink; submitMany?: SubmitMany } = {}) {
  const submitPrepared = async (prepared: readonly PreparedRecord[]): Promise<SubmitOutcome[]> => prepared.map((p, i): SubmitOutcome => {
    submitted.push(`prepared:${p.recordId?.id}`);
    return p.ok ? { status: 'accepted', recordId: p.recordId, digest: p.digestHex, batchId: 'b', leafIndex: i } : { status: 'rejected', recordId: p.recordId, type: p.type, rejection: p.rejection };
  });
  const submitMany: SubmitMany = options.submitMany ?? (async (inputs) => inputs.map((input, i) => {
    submitted.push(`candidate:${(input as { id: string }).id}`);
    return accepted(input, i);
  }));
  return new PartitionBatchProcessor({
    pipeline: { submitMany, submitPrepared, admission: () => 'open' },
    preparer,
    tenants: { tenants: [transportTenant] },
    gate: openGate,
    deadLetters: options.sink ?? fakeSink().sink,
    clock: { now: () => 1_700_000_999_000 },
    retry: { initialMs: 10, maxMs: 40 },
    sleep: async () => undefined,
    chunkRecords: 2,
  });
}

describe('PartitionBatchProcessor with a preparer (the prepare workers)', () => {
  const fetch = () => batch(message(10, event('a')), message(11, event('b')), message(12, event('c')), message(13, event('d')), message(14, event('e')));

  /** A processor over a fake preparer, with `taken` already handed the batch. */
  async function takeWithPreparer(taking: PartitionBatch = fetch()) {
    const { preparer, requests } = fakePreparer();
    const submitted: string[] = [];
    const { control, state } = fakeControl();
    const taken = await preparedProcessor(preparer, submitted).take(taking, control);
    return { requests, submitted, state, taken };
  }

  it('takes the whole fetch before the workers answer, hands chunks over in offset order, then commits after the last', async () => {
    const { requests, submitted, state, taken } = await takeWithPreparer();
    assert.equal(taken.lastTaken, '14', 'taken before any answer: kafkajs fetches on meanwhile');
    assert.deepEqual(state.resolved, ['14']);
    assert.deepEqual(requests.map((r) => r.ids.join(',')), ['a,b', 'c,d', 'e'], 'one request per chunk, all sent at once');
    requests[2]?.answer();
    requests[1]?.answer();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(submitted, [], 'a later chunk does not pass the first');
    requests[0]?.answer();
    const result = await taken.done;
    assert.deepEqual(submitted, ['a', 'b', 'c', 'd', 'e'].map((id) => `prepared:${id}`));
    assert.deepEqual(result, { accepted: 5, duplicates: 0, deadLettered: 0, committed: '15', nextMayCommit: true });
  });

  it('commits nothing past what reached the pipeline when the consumer stops while the workers prepare', async () => {
    const { requests, submitted, state, taken } = await takeWithPreparer();
    requests[0]?.answer();
    await new Promise((resolve) => setImmediate(resolve));
    state.running = false;
    requests[1]?.answer();
    requests[2]?.answer();
    const result = await taken.done;
    assert.deepEqual(submitted, ['prepared:a', 'prepared:b']);
    assert.deepEqual(result, { accepted: 2, duplicates: 0, deadLettered: 0, committed: '12', nextMayCommit: false });
    assert.deepEqual(state.commits, ['12']);
  });

  it('asks again when a worker fails, and decodes a chunk on its own thread after a second failure', async () => {
    const { requests, submitted, taken } = await takeWithPreparer(batch(message(10, event('a')), message(11, event('b')), message(12, event('c'))));
    requests[0]?.answer(true);
    requests[1]?.answer();
    await waitFor(() => requests.length === 3, 5_000, () => 'the failed chunk was not asked again');
    assert.equal(requests[2]?.ids.join(','), 'a,b');
    requests[2]?.answer(true);
    const result = await taken.done;
    assert.deepEqual(submitted, ['candidate:a', 'candidate:b', 'prepared:c'], 'the twice-failed chunk went through submitMany, in order');
    assert.equal(result.committed, '13');
  });

  it('dead-letters a record the workers refused, named by the prepared answer', async () => {
    const { preparer, requests } = fakePreparer();
    const sink = fakeSink();
    const p = preparedProcessor(preparer, [], { sink: sink.sink });
    const { control } = fakeControl();
    const taken = await p.take(batch(message(10, event('a')), message(11, event('b', { bad: true }))), control);
    requests[0]?.answer();
    const result = await taken.done;
    assert.deepEqual(result, { accepted: 1, duplicates: 0, deadLettered: 1, committed: '12', nextMayCommit: true });
    const [entry] = sink.indexed;
    assert.deepEqual(entry?.recordId, { source: '/beijing/transport/metro-3', id: 'b' });
    assert.equal(entry?.type, 'cn.gov.transport.trip');
    assert.equal(entry?.tenant, 'metro');
    assert.equal(entry?.rejection.code, ErrorCodes.SchemaInvalid);
  });
});

describe('PartitionBatchProcessor with tenant quotas', () => {
  it('holds a partition whose tenant is over its quota for the time its rate needs, while another tenant\'s partition goes on', async () => {
    let now = 1_700_000_000_000;
    const quotas = new TenantQuotas({ now: () => now });
    const metro: Tenant = { ...transportTenant, quota: { recordsPerSecond: 10, burst: 10 } };
    const bank: Tenant = { ...transportTenant, id: 'bank', sourcePrefixes: ['/shanghai/finance'] };
    const submittedAt: { tenant: string; id: string; at: number }[] = [];
    const submitMany: SubmitMany = async (inputs, tenant) => {
      for (const input of inputs) submittedAt.push({ tenant: tenant.id, id: (input as { id: string }).id, at: now });
      return inputs.map((input, i) => accepted(input, i));
    };
    // The flooding tenant's waits pass only when the test lets them; each advances the clock.
    const holds: number[] = [];
    let releaseHolds!: () => void;
    const held = new Promise<void>((resolve) => { releaseHolds = resolve; });
    const floodSleep = async (ms: number) => {
      holds.push(ms);
      await held;
      now += ms;
    };
    const make = (sleep: (ms: number) => Promise<void>) => new PartitionBatchProcessor({
      pipeline: { submitMany, admission: () => 'open' }, tenants: { tenants: [metro, bank] }, quotas,
      gate: openGate, deadLetters: fakeSink().sink, clock: { now: () => now }, retry: { initialMs: 10, maxMs: 40 }, sleep, chunkRecords: 10,
    });
    const flooded = make(floodSleep);
    const calm = make(async () => assert.fail('the calm tenant is never held'));
    const floodControl = fakeControl();
    const calmControl = fakeControl();
    const floodBatch = batch(...Array.from({ length: 30 }, (_, i) => message(i, event(`m${i}`))));
    const calmBatch: PartitionBatch = {
      topic: 'transport.events', partition: 2, sector: 'transport',
      messages: Array.from({ length: 30 }, (_, i) => message(i, event(`b${i}`, { source: '/shanghai/finance/bank-1' }))),
    };
    const floodDone = flooded.process(floodBatch, floodControl.control);
    await waitFor(() => holds.length > 0, 5_000, () => 'the flooded partition to be held');
    const calmResult = await calm.process(calmBatch, calmControl.control);
    assert.equal(calmResult.accepted, 30, 'the other tenant loses nothing and is not held');
    assert.deepEqual(calmControl.state.commits, ['30']);
    assert.equal(submittedAt.filter((s) => s.tenant === 'metro').length, 10, 'only the burst went through before the hold');

    releaseHolds();
    const floodResult = await floodDone;
    assert.equal(floodResult.accepted, 30, 'held, not dropped');
    assert.deepEqual(floodControl.state.commits, ['30']);
    const metroTimes = submittedAt.filter((s) => s.tenant === 'metro').map((s) => s.at - 1_700_000_000_000);
    // 10 at once (the burst), then 10 more per second: the rate, not faster.
    assert.deepEqual([metroTimes[0], metroTimes[10], metroTimes[20]], [0, 1000, 2000]);
    assert.equal(holds.reduce((a, b) => a + b, 0), 2000);
  });
});
