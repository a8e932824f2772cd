/**
 * The prepare pool gives the answer the request thread would give (the same function, one thread
 * over), for every kind of body and for consumed Kafka messages of every sector; and a worker that
 * dies fails at most the requests it held.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Message } from 'kafkajs';
import type { KafkaMessage } from '../../../../adapters/kafka/kafka-message.js';
import { sectors, type Sector } from '../../../../adapters/kafka/topics.js';
import { schemaRegistry } from '../../../../schemas/registry.js';
import { canonicalDigestHex } from '../../../../src/core/digest.js';
import { prepareRecord } from '../../../../src/core/prepare.js';
import type { Tenant } from '../../../../src/core/tenant.js';
import { prepareMessages } from '../../../../src/ingest/kafka/prepare-messages.js';
import { prepareJsonBatch } from '../../../../src/ingest/prepare/json-batch.js';
import { PrepareWorkerError, startPreparePool, type PreparePool } from '../../../../src/ingest/prepare/preparer.js';
import { sectorMessage } from '../../../support/kafka-wire.js';
import { INVALID_KIND_NAMES, makeInvalidRecord, makeValidRecord, RECORD_TYPES, type RecordType } from '../../../support/record-factory.js';

const SOURCE = '/test/prepare';
const tenant: Tenant = {
  id: 'prep', role: 'producer', sourcePrefixes: [SOURCE], allowedTypes: '*', requireProducerSignature: false, producerKeys: [],
};
const narrowTenant: Tenant = { ...tenant, id: 'narrow', allowedTypes: [RECORD_TYPES[0]] };

const utf8 = (text: string) => new TextEncoder().encode(text);

function mixedItems(): unknown[] {
  const items: unknown[] = RECORD_TYPES.map((type, i) => makeValidRecord(type, i, { source: SOURCE }));
  INVALID_KIND_NAMES.forEach((kind, i) => items.push(makeInvalidRecord(kind, i, { source: SOURCE })));
  items.push(makeValidRecord(RECORD_TYPES[1], 99, { source: '/someone/else' })); // not this tenant's source
  return items;
}

const bodies: Record<string, Uint8Array> = {
  mixed: utf8(JSON.stringify(mixedItems())),
  'with BOM': utf8(`\uFEFF${JSON.stringify([makeValidRecord(RECORD_TYPES[0], 1, { source: SOURCE })])}`),
  'number too large for JSON once parsed': utf8(`[${JSON.stringify(makeValidRecord(RECORD_TYPES[0], 2, { source: SOURCE })).replace(/}$/, ',"x":1e400}')}]`),
  empty: new Uint8Array(0),
  'not JSON': utf8('[{"id": '),
  'proto poisoning': utf8('[{"__proto__": {"polluted": true}}]'),
  'constructor poisoning': utf8('[{"constructor": {"prototype": {"polluted": true}}}]'),
  'an object, not an array': utf8(JSON.stringify(makeValidRecord(RECORD_TYPES[0], 3, { source: SOURCE }))),
  'an empty array': utf8('[]'),
  'more items than the limit': utf8(JSON.stringify(Array.from({ length: 51 }, (_, i) => makeValidRecord(RECORD_TYPES[0], i, { source: SOURCE })))),
};
const LIMIT = 50;

/** What each body is, independently of how prepareJsonBatch decides it. */
const expectedKind: Record<string, string> = {
  mixed: 'prepared', 'with BOM': 'prepared', 'number too large for JSON once parsed': 'prepared', empty: 'malformed',
  'not JSON': 'malformed', 'proto poisoning': 'malformed', 'constructor poisoning': 'malformed',
  'an object, not an array': 'not-array', 'an empty array': 'no-items', 'more items than the limit': 'too-many',
};

describe('prepare pool', () => {
  let pool: PreparePool;
  before(async () => {
    pool = await startPreparePool({ size: 2, registry: schemaRegistry, extraSchemas: [], digestAlg: 'sha256', respawnMs: 10, maxPendingBytes: 1 << 30 });
  });
  after(() => pool.close());

  it('starts the workers it was asked for', () => {
    assert.equal(pool.workers, 2);
    assert.equal(pool.threads().length, 2);
  });

  for (const [name, body] of Object.entries(bodies)) {
    it(`answers as the request thread does: ${name}`, async () => {
      for (const who of [tenant, narrowTenant]) {
        const answer = await pool.prepareBatch(body, who, LIMIT);
        assert.equal(answer.kind, expectedKind[name]);
        assert.deepEqual(answer, prepareJsonBatch(body, who, schemaRegistry, LIMIT, 'sha256'));
      }
    });
  }

  it('prepares each record of a batch exactly as prepareRecord does', async () => {
    const items = mixedItems();
    const batch = await pool.prepareBatch(utf8(JSON.stringify(items)), tenant, 1000);
    assert.equal(batch.kind, 'prepared');
    assert.ok(batch.kind === 'prepared');
    assert.deepEqual(batch.records, items.map((item) => prepareRecord(JSON.parse(JSON.stringify(item)), tenant, schemaRegistry, 'sha256')));
    const accepted = batch.records.filter((r) => r.ok).length;
    assert.equal(accepted, RECORD_TYPES.length, 'every valid record of this tenant, and nothing else, is ok');
  });

  it('digests with the hash it was started with: a pool for an SM2 gateway key gives SM3 digests', async () => {
    const sm3Pool = await startPreparePool({ size: 1, registry: schemaRegistry, extraSchemas: [], digestAlg: 'sm3', maxPendingBytes: 1 << 30 });
    try {
      const items = mixedItems();
      const batch = await sm3Pool.prepareBatch(utf8(JSON.stringify(items)), tenant, 1000);
      assert.ok(batch.kind === 'prepared');
      const accepted = batch.records.filter((r) => r.ok);
      assert.equal(accepted.length, RECORD_TYPES.length);
      for (const record of accepted) assert.equal(record.digestAlg, 'sm3');
      const shaDigests = new Set(items.map((item) => prepareRecord(item, tenant, schemaRegistry, 'sha256')).flatMap((r) => (r.ok ? [r.digestHex] : [])));
      const smDigests = items.map((item) => canonicalDigestHex(item, 'sm3'));
      for (const record of accepted) {
        assert.ok(smDigests.includes(record.digestHex), 'SM3 of the RFC 8785 form');
        assert.ok(!shaDigests.has(record.digestHex));
      }
    } finally {
      await sm3Pool.close();
    }
  });

  it('keeps each answer with its request when many are in flight on both workers', async () => {
    const requests = Array.from({ length: 40 }, (_, i) => [makeValidRecord(RECORD_TYPES[i % RECORD_TYPES.length] as RecordType, i, { source: SOURCE })]);
    const answers = await Promise.all(requests.map((items) => pool.prepareBatch(utf8(JSON.stringify(items)), tenant, LIMIT)));
    answers.forEach((answer, i) => {
      assert.ok(answer.kind === 'prepared');
      assert.deepEqual(answer.records[0], prepareRecord(requests[i]?.[0], tenant, schemaRegistry, 'sha256'));
    });
  });

  it('a worker that dies fails only what it held, and is replaced', async () => {
    const body = bodies['mixed'] as Uint8Array;
    const expected = prepareJsonBatch(body, tenant, schemaRegistry, 1000, 'sha256');
    const [victim] = pool.threads();
    assert.ok(victim !== undefined);
    const exited = new Promise((resolve) => victim.once('exit', resolve));
    void victim.terminate();
    // Sent while the victim is being stopped: each either gets its answer or fails with PrepareWorkerError.
    const during = await Promise.allSettled(Array.from({ length: 4 }, () => pool.prepareBatch(body, tenant, 1000)));
    for (const result of during) {
      if (result.status === 'fulfilled') assert.deepEqual(result.value, expected);
      else assert.ok(result.reason instanceof PrepareWorkerError, String(result.reason));
    }
    await exited;
    assert.deepEqual(await pool.prepareBatch(body, tenant, 1000), expected, 'the surviving worker answers');
    const deadline = Date.now() + 30_000;
    while (pool.workers < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(pool.workers, 2, 'the dead worker was replaced');
    assert.ok(!pool.threads().includes(victim));
  });

  it('a request that cannot be sent fails alone, at once, and later requests are answered', async () => {
    const unclonable = { ...tenant, extra: () => undefined } as unknown as Tenant;
    await assert.rejects(pool.prepareBatch(bodies['mixed'] as Uint8Array, unclonable, LIMIT), /could not be cloned/);
    const body = bodies['mixed'] as Uint8Array;
    const expected = prepareJsonBatch(body, tenant, schemaRegistry, LIMIT, 'sha256');
    for (const answer of await Promise.all([0, 1, 2, 3].map(() => pool.prepareBatch(body, tenant, LIMIT)))) assert.deepEqual(answer, expected);
  });

  it('with no worker alive, the request thread prepares', async () => {
    const solo = await startPreparePool({ size: 1, registry: schemaRegistry, extraSchemas: [], digestAlg: 'sha256', respawnMs: 60_000, maxPendingBytes: 1 << 30 });
    try {
      const [thread] = solo.threads();
      await thread?.terminate();
      assert.equal(solo.workers, 0);
      const body = bodies['mixed'] as Uint8Array;
      assert.deepEqual(await solo.prepareBatch(body, tenant, 1000), prepareJsonBatch(body, tenant, schemaRegistry, 1000, 'sha256'));
    } finally {
      await solo.close();
    }
  });

  it('bounds the bytes of bodies it holds: one body always, more only within maxPendingBytes, released when answered or failed', async () => {
    const body = bodies['mixed'] as Uint8Array;
    const bounded = await startPreparePool({ size: 1, registry: schemaRegistry, extraSchemas: [], digestAlg: 'sha256', respawnMs: 60_000, maxPendingBytes: body.byteLength + 10 });
    try {
      assert.equal(bounded.hasRoomFor(10 * body.byteLength), true, 'with nothing held, any body is taken');
      const first = bounded.prepareBatch(body, tenant, LIMIT);
      assert.equal(bounded.hasRoomFor(10), true, 'within the bound');
      assert.equal(bounded.hasRoomFor(11), false, 'past the bound');
      await first;
      assert.equal(bounded.hasRoomFor(10 * body.byteLength), true, 'released once answered');
      const held = bounded.prepareBatch(body, tenant, LIMIT);
      assert.equal(bounded.hasRoomFor(body.byteLength), false);
      await bounded.threads()[0]?.terminate();
      await assert.rejects(held, PrepareWorkerError);
      assert.equal(bounded.hasRoomFor(10 * body.byteLength), true, 'released when its worker died');
    } finally {
      await bounded.close();
    }
  });

  it('fails to start, loudly, when a worker cannot build its registry', async () => {
    await assert.rejects(
      startPreparePool({ size: 1, registry: schemaRegistry, extraSchemas: ['/nonexistent/crossgate-extra-schemas.js'], digestAlg: 'sha256', maxPendingBytes: 1 << 30 }),
      (error: unknown) => error instanceof PrepareWorkerError && /could not start/.test(error.message),
    );
  });
});

/** kafkajs's producer-side message as the consumer hands it over: Buffers for key, value and headers. */
function consumed(message: Message): KafkaMessage {
  const buffer = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(String(v)));
  return {
    key: message.key === null || message.key === undefined ? null : buffer(message.key),
    value: message.value === null ? null : buffer(message.value),
    headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, v]) => [name, Array.isArray(v) ? v.map(buffer) : buffer(v)])),
  };
}

const KAFKA_SOURCE = '/test/prepare/kafka';
const kafkaTenants: readonly Tenant[] = [
  { ...tenant, id: 'kafka-all', sourcePrefixes: [KAFKA_SOURCE] },
  { ...tenant, id: 'kafka-trips', sourcePrefixes: [`${KAFKA_SOURCE}/trips`], allowedTypes: ['cn.gov.transport.trip'] },
];

/** Each sector's good records, one type each tenant may not submit, a source no tenant owns, and bytes that are not a record. */
function sectorMessages(sector: Sector): KafkaMessage[] {
  const types = RECORD_TYPES.filter((type) => schemaRegistry.sectorOf(type) === sector);
  const records = types.flatMap((type, i) => [
    makeValidRecord(type, i, { source: `${KAFKA_SOURCE}/a` }),
    makeValidRecord(type, 100 + i, { source: `${KAFKA_SOURCE}/trips/b` }),
    makeValidRecord(type, 200 + i, { source: '/nobody/owns/this' }),
  ]);
  const messages = records.map((record) => consumed(sectorMessage(sector, record)));
  messages.push({ key: null, value: Buffer.from([0x7b, 0xff, 0x7d]), headers: { 'content-type': Buffer.from('application/cloudevents+json') } });
  messages.push({ key: null, value: null, headers: {} });
  return messages;
}

describe('prepare pool: consumed Kafka messages', () => {
  let pool: PreparePool;
  before(async () => {
    pool = await startPreparePool({ size: 1, registry: schemaRegistry, extraSchemas: [], digestAlg: 'sha256', respawnMs: 10, maxPendingBytes: 1 << 30 });
  });
  after(() => pool.close());

  for (const sector of sectors) {
    it(`answers as the consumer thread does: ${sector}`, async () => {
      const messages = sectorMessages(sector);
      const answers = await pool.prepareMessages(sector, messages, kafkaTenants);
      assert.deepEqual(answers, prepareMessages(sector, messages, kafkaTenants, schemaRegistry, 'sha256'));
      const kinds = answers.map((a) => (a.kind === 'dead' ? a.rejection.code : a.record.ok ? `ok:${kafkaTenants[a.tenant]?.id}` : a.record.rejection.code));
      assert.ok(kinds.includes('ok:kafka-all') && kinds.includes('CG_SOURCE_FORBIDDEN') && kinds.some((k) => k.startsWith('CG_') && k !== 'CG_SOURCE_FORBIDDEN'), kinds.join(' '));
      if (sector === 'transport') assert.ok(kinds.includes('ok:kafka-trips') && kinds.includes('CG_TYPE_FORBIDDEN'), kinds.join(' '));
    });
  }

  it('answers for the tenant directory it is given: a reloaded directory reaches the worker', async () => {
    const messages = sectorMessages('finance');
    const before = await pool.prepareMessages('finance', messages, kafkaTenants);
    const reloaded: readonly Tenant[] = [{ ...tenant, id: 'everyone', sourcePrefixes: ['/'] }];
    const after = await pool.prepareMessages('finance', messages, reloaded);
    assert.deepEqual(after, prepareMessages('finance', messages, reloaded, schemaRegistry, 'sha256'));
    assert.ok(before.some((a) => a.kind === 'dead' && a.rejection.code === 'CG_SOURCE_FORBIDDEN'));
    assert.ok(after.every((a) => a.kind === 'dead' || a.tenant === 0), 'every decodable record now belongs to the one tenant');
    assert.deepEqual(await pool.prepareMessages('finance', messages, kafkaTenants), before, 'and the first directory again');
  });

  it('a worker that dies fails only its requests; the consumer asks again and is answered', async () => {
    const solo = await startPreparePool({ size: 1, registry: schemaRegistry, extraSchemas: [], digestAlg: 'sha256', respawnMs: 60_000, maxPendingBytes: 1 << 30 });
    try {
      const messages = sectorMessages('telecom');
      const expected = prepareMessages('telecom', messages, kafkaTenants, schemaRegistry, 'sha256');
      const held = solo.prepareMessages('telecom', messages, kafkaTenants);
      await solo.threads()[0]?.terminate();
      await held.then((answer) => assert.deepEqual(answer, expected), (error: unknown) => assert.ok(error instanceof PrepareWorkerError));
      assert.equal(solo.workers, 0);
      assert.deepEqual(await solo.prepareMessages('telecom', messages, kafkaTenants), expected, 'prepared on this thread meanwhile');
    } finally {
      await solo.close();
    }
  });
});
