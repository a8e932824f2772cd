/**
 * The Kafka consumer against the real broker and the real pipeline (embedded store and ledger):
 * every sector's wire format in, one stored record per valid message, poison records in the DLQ
 * topic and the store's dead-letter index, offsets committed to the end, and fetching paused while
 * the pipeline is full.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Message } from 'kafkajs';
import { openEmbeddedLedger } from '../../adapters/chains/embedded/embedded-ledger.js';
import { DlqHeaders } from '../../adapters/kafka/dlq.js';
import { dlqTopic, sectors, type Sector, type SectorTopics } from '../../adapters/kafka/topics.js';
import { openEmbeddedStore } from '../../adapters/store/embedded-store.js';
import { schemaRegistry } from '../../schemas/registry.js';
import { newPipeline, type Pipeline } from '../../src/core/pipeline.js';
import type { ChainClient, Store } from '../../src/core/ports.js';
import { generatePrivateKey, newSigner } from '../../src/core/signer.js';
import type { Tenant } from '../../src/core/tenant.js';
import { defaultKafkaIngestOptions, KafkaIngest } from '../../src/ingest/kafka/kafka-ingest.js';
import { startPreparePool, type PreparePool } from '../../src/ingest/prepare/preparer.js';
import { KafkaTestContext, kafkaBrokers, uniqueGroupId, waitFor } from '../support/kafka.js';
import { casesAt, csvCanCarry, expectedAt, render, type CaseContext, type Door } from '../support/bad-inputs.js';
import { binaryMessage, cdrCsvMessage, sectorMessage, structuredMessage } from '../support/kafka-wire.js';
import { makeInvalidRecord, makeValidRecord, type GeneratedRecord, type RecordType } from '../support/record-factory.js';

const clock = { now: () => Date.now() };

const tenants: Tenant[] = [
  { id: 'metro', role: 'producer', sourcePrefixes: ['/beijing/transport'], allowedTypes: '*', requireProducerSignature: false, producerKeys: [] },
  { id: 'bank', role: 'producer', sourcePrefixes: ['/shanghai/finance'], allowedTypes: '*', requireProducerSignature: false, producerKeys: [] },
  { id: 'telco', role: 'producer', sourcePrefixes: ['/guangdong/telecom'], allowedTypes: '*', requireProducerSignature: false, producerKeys: [] },
  // For the bad-input table's "type the tenant may not submit": the longest prefix wins.
  { id: 'metro-trips-only', role: 'producer', sourcePrefixes: ['/beijing/transport/restricted'], allowedTypes: ['cn.gov.transport.trip'], requireProducerSignature: false, producerKeys: [] },
  { id: 'bank-payments-only', role: 'producer', sourcePrefixes: ['/shanghai/finance/restricted'], allowedTypes: ['cn.gov.finance.payment'], requireProducerSignature: false, producerKeys: [] },
];

interface Harness {
  dir: string;
  store: Store;
  chain: ChainClient;
  pipeline: Pipeline;
}

async function openHarness(limits: Partial<Parameters<typeof newPipeline>[0]['limits']> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'cg-kafka-ingest-'));
  const signer = newSigner('Ed25519', generatePrivateKey('Ed25519'));
  const store = await openEmbeddedStore({ dataDir: join(dir, 'store') });
  const chain = await openEmbeddedLedger({ dir: join(dir, 'ledger'), signer, clock });
  const pipeline = await newPipeline({
    registry: schemaRegistry, signer, store, chain, clock,
    limits: { maxBatchRecords: 2000, maxBatchBytes: 16 << 20, lingerMs: 50, maxQueuedRecords: 20_000, maxOutboxBatches: 1000, ...limits },
    retry: { initialBackoffMs: 50, maxBackoffMs: 500 },
  });
  return { dir, store, chain, pipeline };
}

async function closeHarness(h: Harness): Promise<void> {
  await h.pipeline.close();
  await h.chain.close();
  await h.store.close();
  rmSync(h.dir, { recursive: true, force: true });
}

/** The prepare workers, as the gateway shares them with REST; started by the suite. */
let workers: PreparePool | undefined;

/** A consumer; records are prepared on the prepare workers (the gateway's default) unless `onConsumerThread`. */
function ingestFor(
  h: Harness, topics: SectorTopics, groupId: string, pipeline: IngestPipeline = h.pipeline,
  options: { maxBytesPerPartition?: number; onConsumerThread?: boolean } = {},
): KafkaIngest {
  const { onConsumerThread, ...kafkaOptions } = options;
  const preparer = onConsumerThread === true ? undefined : workers;
  return new KafkaIngest({
    ...defaultKafkaIngestOptions,
    ...kafkaOptions,
    brokers: kafkaBrokers(),
    groupId,
    topics,
    retry: { initialMs: 50, maxMs: 500 },
    gatewayVersion: 'test-1',
  }, { pipeline, store: h.store, tenants: { tenants }, clock, ...(preparer === undefined ? {} : { preparer }) });
}

type IngestPipeline = Pick<Pipeline, 'submitMany' | 'submitPrepared' | 'admission'>;

/** Waits until the group has committed every partition of the sector topics up to its end. */
async function waitUntilCommittedToEnd(ctx: KafkaTestContext, groupId: string, topics: SectorTopics, timeoutMs = 90_000): Promise<void> {
  let detail = '';
  await waitFor(async () => {
    for (const sector of sectors) {
      const ends = await ctx.endOffsets(topics[sector]);
      const committed = await ctx.committedOffsets(groupId, topics[sector]);
      for (const [partition, end] of ends) {
        const at = committed.get(partition) ?? -1n;
        if (end > 0n && at !== end) {
          detail = `${topics[sector]}[${partition}] committed ${at}, end ${end}`;
          return false;
        }
      }
    }
    return true;
  }, timeoutMs, () => detail, 200);
}

const validTypes: Record<Sector, RecordType[]> = {
  transport: ['cn.gov.transport.trip', 'cn.gov.transport.toll-passage'],
  finance: ['cn.gov.finance.payment', 'cn.gov.finance.invoice'],
  telecom: ['cn.gov.telecom.cdr'],
};

/** Runs a consumer of the group until it has committed every partition to its end, then stops it. */
async function consumeToEnd(ctx: KafkaTestContext, h: Harness, topics: SectorTopics, groupId: string, onConsumerThread = false): Promise<void> {
  const ingest = ingestFor(h, topics, groupId, h.pipeline, { onConsumerThread });
  await ingest.start();
  try {
    await waitUntilCommittedToEnd(ctx, groupId, topics);
  } finally {
    await ingest.stop();
  }
}

describe('Kafka ingest', () => {
  let ctx: KafkaTestContext;
  before(async () => {
    ctx = await KafkaTestContext.open('kafka-ingest-test');
    workers = await startPreparePool({ size: 1, registry: schemaRegistry, extraSchemas: [], digestAlg: 'sha256', maxPendingBytes: 1 << 30 });
  });
  after(async () => {
    await workers?.close();
    await ctx?.close();
  });

  for (const onConsumerThread of [false, true]) it(`accepts every sector format, dead-letters poison records with their reason, and commits to the end (prepared on ${onConsumerThread ? 'the consumer thread' : 'the prepare workers'})`, async (t) => {
    const h = await openHarness();
    t.after(() => closeHarness(h));
    const { topics, prefix } = await ctx.createSectorTopics();
    const groupId = uniqueGroupId('ingest');
    const perSector = 150;
    const valid: GeneratedRecord[] = [];
    for (const sector of sectors) {
      const messages: Message[] = [];
      for (let i = 0; i < perSector; i++) {
        const types = validTypes[sector];
        const record = makeValidRecord(types[i % types.length] as RecordType, i, { idPrefix: `${prefix}-` });
        valid.push(record);
        messages.push(sectorMessage(sector, record));
        // Poison records between valid ones: the partition must move past them.
        if (i % 50 === 7) {
          messages.push(...poison(sector, i, prefix));
        }
      }
      await ctx.produce(topics[sector], messages);
    }
    const expectedDead = sectors.length * Math.ceil(perSector / 50) * 2;

    await consumeToEnd(ctx, h, topics, groupId, onConsumerThread);

    const stored = await h.store.findRecords(valid.map((r) => ({ source: r.source, id: r.id })));
    assert.equal(stored.length, valid.length, 'every valid record is in a sealed batch');
    const tenantOfType = new Map(stored.map((s) => [s.type, s.tenant]));
    assert.equal(tenantOfType.get('cn.gov.transport.trip'), 'metro', 'the tenant is found by source prefix');
    assert.equal(tenantOfType.get('cn.gov.finance.payment'), 'bank');
    assert.equal(tenantOfType.get('cn.gov.telecom.cdr'), 'telco');

    const dead = await h.store.listDeadLetters({ origin: 'kafka' }, 1000, null);
    const ours = dead.items.filter((d) => d.kafka?.topic.startsWith(prefix));
    assert.equal(ours.length, expectedDead, 'each poison record is indexed once');
    const codes = new Map<string, number>();
    for (const d of ours) codes.set(d.code, (codes.get(d.code) ?? 0) + 1);
    // Per sector three poison pairs (i = 7, 57, 107): a decode failure each, then a schema-invalid
    // transport record, and finance/telecom records from a source no tenant owns.
    assert.deepEqual(Object.fromEntries([...codes].sort()), { CG_DECODE_FAILED: 9, CG_SCHEMA_INVALID: 3, CG_SOURCE_FORBIDDEN: 6 });

    let dlqRecords = 0;
    for (const sector of sectors) {
      const records = await ctx.readAll(dlqTopic(topics[sector]));
      dlqRecords += records.length;
      for (const r of records) {
        assert.equal(r.headers[DlqHeaders.topic], topics[sector]);
        assert.equal(r.headers[DlqHeaders.gatewayVersion], 'test-1');
        assert.match(String(r.headers[DlqHeaders.code]), /^CG_/);
        const indexed = ours.find((d) => d.kafka?.topic === topics[sector] && d.kafka.partition === Number(r.headers[DlqHeaders.partition]) && d.kafka.offset === r.headers[DlqHeaders.offset]);
        assert.ok(indexed, 'the DLQ record and the index entry describe the same consumed record');
        assert.deepEqual(Buffer.from(indexed.payload), r.value ?? Buffer.alloc(0), 'original bytes kept in both');
      }
    }
    assert.equal(dlqRecords, expectedDead, 'each poison record is in its DLQ topic once');
  });

  it('dead-letters every class of the bad-input table with its code on every decoder, between good records that all get stored', async (t) => {
    const h = await openHarness();
    t.after(() => closeHarness(h));
    const { topics, prefix } = await ctx.createSectorTopics({ partitions: 1 });
    const groupId = uniqueGroupId('table');
    let n = 0;
    const contexts: Record<Sector, CaseContext & { type: RecordType; door: Door }> = {
      transport: { type: 'cn.gov.transport.trip', door: 'structured', unownedSource: '/nobody/transport', restrictedSource: '/beijing/transport/restricted/x', otherType: 'cn.gov.transport.toll-passage', numericField: 'distanceMeters' },
      finance: { type: 'cn.gov.finance.payment', door: 'binary', unownedSource: '/nobody/finance', restrictedSource: '/shanghai/finance/restricted/x', otherType: 'cn.gov.finance.invoice' },
      telecom: { type: 'cn.gov.telecom.cdr', door: 'csv', unownedSource: '/nobody/telecom', restrictedSource: '/guangdong/telecom/restricted/x', otherType: 'cn.gov.telecom.cdr', numericField: 'durationSeconds' },
    };
    // Per sector, by the offset of the bad message: the class and the code it must get.
    const expectedAtOffset: Record<Sector, Map<number, { name: string; code: string }>> = { transport: new Map(), finance: new Map(), telecom: new Map() };
    const mustStore: { source: string; id: string }[] = [];
    for (const sector of sectors) {
      const c = contexts[sector];
      const make = () => makeValidRecord(c.type, n++, { idPrefix: `${prefix}-` });
      const messages: Message[] = [];
      let classes = 0;
      for (const bad of casesAt(c.door)) {
        const record = make();
        if (bad.kind === 'record' && c.door === 'csv' && !csvCanCarry(record, bad.edit(record, c))) continue;
        classes++;
        const good = make();
        mustStore.push({ source: good.source, id: good.id });
        messages.push(sectorMessage(sector, good), render(bad, c.door, record, c) as Message);
        const expected = expectedAt(bad, c.door) as string;
        expectedAtOffset[sector].set(messages.length - 1, { name: bad.name, code: expected });
        if (expected === 'accepted') {
          const edited = bad.kind === 'record' ? bad.edit(record, c) : record;
          mustStore.push({ source: String(edited['source']), id: String(edited['id']) });
        }
      }
      assert.ok(classes >= 40, `${sector}: ${classes} classes`);
      await ctx.produce(topics[sector], messages);
    }
    await consumeToEnd(ctx, h, topics, groupId);
    const stored = await h.store.findRecords(mustStore);
    assert.equal(stored.length, mustStore.length, 'the good records, and the edge cases inside the limits, are stored');
    for (const sector of sectors) {
      const got = new Map<number, string>();
      for (const copy of await ctx.readAll(dlqTopic(topics[sector]))) {
        assert.ok(String(copy.headers[DlqHeaders.message]).length > 0, 'each with a reason');
        got.set(Number(copy.headers[DlqHeaders.offset]), String(copy.headers[DlqHeaders.code]));
      }
      const wrong: string[] = [];
      for (const [offset, { name, code }] of expectedAtOffset[sector]) {
        const outcome = got.get(offset) ?? 'accepted';
        if (outcome !== code) wrong.push(`${name}: expected ${code}, got ${outcome}`);
      }
      assert.deepEqual(wrong, [], sector);
      assert.equal(got.size, [...expectedAtOffset[sector].values()].filter((e) => e.code !== 'accepted').length, `${sector}: nothing else dead-lettered`);
    }
  });

  it('property (seeded): random values and headers on every decoder reach the DLQ or the store, and the partitions move on', async (t) => {
    const h = await openHarness();
    t.after(() => closeHarness(h));
    const { topics, prefix } = await ctx.createSectorTopics({ partitions: 1 });
    const groupId = uniqueGroupId('random');
    const bytes = fc.uint8Array({ maxLength: 120 }).map((a) => Buffer.from(a));
    const header = fc.dictionary(fc.constantFrom('content-type', 'ce_id', 'ce_source', 'ce_type', 'ce_specversion', 'ce_X', 'x-other'), fc.oneof(bytes, fc.string({ maxLength: 20 })), { maxKeys: 4 });
    const randomMessage = fc.record({ key: fc.constant('fuzz'), value: fc.oneof(bytes, fc.json({ maxDepth: 2 }).map((j) => Buffer.from(j))), headers: header });
    const good: GeneratedRecord[] = [];
    let produced = 0;
    for (const [i, sector] of sectors.entries()) {
      const randoms = fc.sample(randomMessage, { seed: 1520 + i, numRuns: 100 });
      const messages: Message[] = [];
      for (const m of randoms) {
        const record = makeValidRecord(validTypes[sector][0] as RecordType, good.length, { idPrefix: `${prefix}-` });
        good.push(record);
        messages.push(m, sectorMessage(sector, record));
      }
      produced += messages.length;
      await ctx.produce(topics[sector], messages);
    }
    await consumeToEnd(ctx, h, topics, groupId);
    assert.equal((await h.store.findRecords(good.map((r) => ({ source: r.source, id: r.id })))).length, good.length, 'every good record next to a random one is stored');
    let dead = 0;
    for (const sector of sectors) dead += (await ctx.readAll(dlqTopic(topics[sector]))).length;
    const storedRandom = produced - good.length - dead;
    assert.ok(storedRandom >= 0 && storedRandom <= 3, `random messages are dead letters (${dead} of ${produced - good.length})`);
  });

  it('moves past records carrying U+0000 (binary key, id, data key): PostgreSQL text cannot hold it', async (t) => {
    // Before the envelope refused control characters in ids and stores wrote NUL as text, the first
    // such record failed its batch or its dead-letter write on every retry and the partition stalled.
    const h = await openHarness();
    t.after(() => closeHarness(h));
    const { topics, prefix } = await ctx.createSectorTopics({ partitions: 1 });
    const groupId = uniqueGroupId('nul');
    const before = makeValidRecord('cn.gov.transport.trip', 1, { idPrefix: `${prefix}-` });
    const after = makeValidRecord('cn.gov.transport.trip', 2, { idPrefix: `${prefix}-` });
    const nulId = { ...makeValidRecord('cn.gov.transport.trip', 3, { idPrefix: `${prefix}-` }), id: `${prefix}-a\u0000b` };
    const nulKey = makeValidRecord('cn.gov.transport.trip', 4, { idPrefix: `${prefix}-` });
    const nulDataKey = makeValidRecord('cn.gov.transport.trip', 5, { idPrefix: `${prefix}-` });
    (nulDataKey.data as Record<string, unknown>)['x\u0000y'] = 1;
    const intKey = Buffer.from([0, 0, 0, 5]);
    await ctx.produce(topics.transport, [
      { ...structuredMessage(before), key: intKey },
      { ...structuredMessage(nulId), key: intKey },
      { ...structuredMessage(nulDataKey), key: intKey },
      { ...structuredMessage(nulKey), key: intKey, headers: { 'content-type': 'application/cloudevents+json', 'x-trace': 'a\u0000b' } },
      { ...structuredMessage(after), key: intKey },
    ]);
    await consumeToEnd(ctx, h, topics, groupId);
    const stored = await h.store.findRecords([before, nulKey, after].map((r) => ({ source: r.source, id: r.id })));
    assert.equal(stored.length, 3, 'the valid records around them, one with a NUL in its key and a header, are stored');
    const dead = (await h.store.listDeadLetters({ origin: 'kafka' }, 100, null)).items.filter((d) => d.kafka?.topic === topics.transport);
    assert.deepEqual(dead.map((d) => d.code).sort(), ['CG_ENVELOPE_INVALID', 'CG_SCHEMA_INVALID']);
    for (const d of dead) assert.equal(d.kafka?.key, '\\u0000\\u0000\\u0000\u0005', 'a NUL in stored text is written as \\u0000');
    const idRejection = dead.find((d) => d.code === 'CG_ENVELOPE_INVALID');
    assert.match(idRejection?.message ?? '', /id must not contain control characters/);
    assert.deepEqual(Buffer.from(idRejection!.payload), Buffer.from(JSON.stringify(nulId)), 'the exact bytes are kept');
  });

  it('dead-letters, on every decoder, what I-JSON forbids and identities that are not one (issue 15), with the reason headers', async (t) => {
    const h = await openHarness();
    t.after(() => closeHarness(h));
    const { topics, prefix } = await ctx.createSectorTopics({ partitions: 1 });
    const groupId = uniqueGroupId('strict');
    let n = 0;
    const valid = (type: RecordType) => makeValidRecord(type, n++, { idPrefix: `${prefix}-` });
    const withBytes = (text: string, marker: string, bytes: number[]) => {
      const [before, after] = text.split(marker) as [string, string];
      return Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
    };
    const trip = valid('cn.gov.transport.trip');
    const tripText = JSON.stringify({ ...trip, subject: 'MARK' });
    const payment = valid('cn.gov.finance.payment');
    const paymentMessage = binaryMessage(payment);
    const [firstKey, firstValue] = Object.entries(payment.data)[0] as [string, unknown];
    const cdr = valid('cn.gov.telecom.cdr');
    const cdrMessage = cdrCsvMessage(cdr);
    // [sector, message, expected code, expected reason]
    const bad: [Sector, Message, string, RegExp][] = [
      ['transport', { key: 'x', value: tripText.replace(/\}$/, `,"id":"${trip.id}-b"}`) }, 'CG_NOT_I_JSON', /member name "id" occurs more than once/],
      ['transport', { key: 'x', value: withBytes(tripText, 'MARK', [0xc0, 0xaf]) }, 'CG_NOT_I_JSON', /not well-formed UTF-8/],
      ['transport', { key: 'x', value: withBytes(tripText, 'MARK', [0xed, 0xa0, 0x80]) }, 'CG_NOT_I_JSON', /not well-formed UTF-8/],
      ['transport', { key: 'x', value: tripText.replace('MARK', '\\ud800') }, 'CG_NOT_I_JSON', /unpaired surrogate/],
      ['transport', structuredMessage({ ...trip, source: '/beijing/transport/../../shanghai/finance' }), 'CG_ENVELOPE_INVALID', /"\." or "\.\." path segments/],
      ['transport', structuredMessage({ ...trip, source: '/beijing/transport/%2e%2e/%2e%2e/shanghai' }), 'CG_ENVELOPE_INVALID', /upper-case hex/],
      ['transport', structuredMessage({ ...trip, id: 'a\u202eb\u200b' }), 'CG_ENVELOPE_INVALID', /bidi controls/],
      ['finance', { ...paymentMessage, headers: { ...paymentMessage.headers, ce_id: Buffer.from([0x61, 0xed, 0xa0, 0x80]) } }, 'CG_NOT_I_JSON', /'ce_id' is not well-formed UTF-8/],
      ['finance', { ...paymentMessage, value: (paymentMessage.value as string).replace(/\}$/, `,${JSON.stringify(firstKey)}:${JSON.stringify(firstValue)}}`) }, 'CG_NOT_I_JSON', /occurs more than once/],
      ['finance', { ...paymentMessage, headers: { ...paymentMessage.headers, ce_source: '/shanghai/finance/./bank-7' } }, 'CG_ENVELOPE_INVALID', /"\." or "\.\." path segments/],
      ['finance', { ...paymentMessage, headers: { ...paymentMessage.headers, ce_source: '/shanghai/finance//bank-7' } }, 'CG_ENVELOPE_INVALID', /empty path segments/],
      ['finance', { ...paymentMessage, headers: { ...paymentMessage.headers, ce_id: 'p\u2066ay' } }, 'CG_ENVELOPE_INVALID', /bidi controls/],
      ['telecom', { ...cdrMessage, value: withBytes(cdrMessage.value as string, cdr.id, [0x63, 0xc0, 0x80]) }, 'CG_NOT_I_JSON', /not well-formed UTF-8/],
      ['telecom', { ...cdrMessage, value: (cdrMessage.value as string).replace(cdr.source, '/guangdong/telecom/%2E%2E/x') }, 'CG_ENVELOPE_INVALID', /unreserved character/],
      ['telecom', { ...cdrMessage, value: (cdrMessage.value as string).replace(cdr.id, `${cdr.id}\ufeff`) }, 'CG_ENVELOPE_INVALID', /zero-width/],
    ];
    const good: GeneratedRecord[] = [];
    for (const sector of sectors) {
      const first = valid(validTypes[sector][0] as RecordType);
      const last = valid(validTypes[sector][0] as RecordType);
      good.push(first, last);
      await ctx.produce(topics[sector], [sectorMessage(sector, first), ...bad.filter(([s]) => s === sector).map(([, m]) => m), sectorMessage(sector, last)]);
    }
    await consumeToEnd(ctx, h, topics, groupId);
    assert.equal((await h.store.findRecords(good.map((r) => ({ source: r.source, id: r.id })))).length, good.length, 'the good records around them are stored');
    for (const sector of sectors) {
      const copies = await ctx.readAll(dlqTopic(topics[sector]));
      const expected = bad.filter(([s]) => s === sector);
      assert.equal(copies.length, expected.length, `${sector}: each bad message in its DLQ once`);
      copies.forEach((copy, i) => {
        const [, , code, reason] = expected[i] as (typeof bad)[number];
        assert.equal(copy.headers[DlqHeaders.code], code, `${sector} #${i}: ${String(copy.headers[DlqHeaders.message])}`);
        assert.match(String(copy.headers[DlqHeaders.message]) + String(copy.headers[DlqHeaders.issues]), reason, `${sector} #${i}`);
      });
    }
  });

  it('moves past an invalid record as large as the broker takes, whose DLQ copy with its reason headers is larger', async (t) => {
    const h = await openHarness();
    t.after(() => closeHarness(h));
    const { topics, prefix } = await ctx.createSectorTopics({ partitions: 1 });
    const groupId = uniqueGroupId('big');
    const after = makeValidRecord('cn.gov.transport.trip', 2, { idPrefix: `${prefix}-` });
    // Before, the DLQ copy (the value plus the reason headers) was refused as too large on every retry
    // and the partition stalled. The broker's default message.max.bytes is 1,048,588 per record batch.
    const big = Buffer.alloc(1_048_588 - 120, 0x61);
    await ctx.produce(topics.transport, [{ key: 'k', value: big, headers: { 'content-type': 'application/cloudevents+json' } }]);
    await ctx.produce(topics.transport, [structuredMessage(after)]);
    await consumeToEnd(ctx, h, topics, groupId);
    assert.equal((await h.store.findRecords([{ source: after.source, id: after.id }])).length, 1);
    const dead = (await h.store.listDeadLetters({ origin: 'kafka' }, 100, null)).items.filter((d) => d.kafka?.topic === topics.transport);
    assert.equal(dead.length, 1);
    assert.equal(dead[0]?.payload.length, big.length, 'the store index keeps every byte');
    const copies = await ctx.readAll(dlqTopic(topics.transport));
    assert.equal(copies.length, 1, 'one copy in the DLQ topic');
    assert.equal(copies[0]?.value, null, 'without the value the topic could not take');
    assert.equal(copies[0]?.headers[DlqHeaders.valueOmitted], String(big.length));
    assert.equal(copies[0]?.headers[DlqHeaders.code], 'CG_DECODE_FAILED');
  });

  it('while the store fails, takes at most two fetches per partition, commits nothing, and catches up once it is back', async (t) => {
    const h = await openHarness();
    t.after(() => closeHarness(h));
    const { topics, prefix } = await ctx.createSectorTopics();
    const groupId = uniqueGroupId('store-down');
    const records = Array.from({ length: 3000 }, (_, i) => makeValidRecord('cn.gov.transport.trip', i, { idPrefix: `${prefix}-` }));
    // Small producer batches: a fetch returns at least one whole record batch whatever its byte limit.
    await ctx.produce(topics.transport, records.map((r) => sectorMessage('transport', r)), 30);

    // ~16 KiB per partition per fetch: ~35 of these records, so 3,000 records are ~30 fetches per partition.
    const fetchBytes = 16 * 1024;
    let down = true;
    const attempts = new Map<string, number>();
    const attempt = (id: string) => attempts.set(id, (attempts.get(id) ?? 0) + 1);
    const failing: IngestPipeline = {
      submitMany: async (inputs, tenant) => {
        for (const input of inputs) attempt((input as { id: string }).id);
        if (down) throw new Error('store unavailable (test)');
        return h.pipeline.submitMany(inputs, tenant);
      },
      submitPrepared: async (prepared, tenant) => {
        for (const record of prepared) if (record.recordId !== null) attempt(record.recordId.id);
        if (down) throw new Error('store unavailable (test)');
        return h.pipeline.submitPrepared(prepared, tenant);
      },
      admission: () => h.pipeline.admission(),
    };
    const ingest = ingestFor(h, topics, groupId, failing, { maxBytesPerPartition: fetchBytes });
    await ingest.start();
    try {
      // Retries back off up to 500 ms: once every record taken has been tried four times, an unbounded
      // consumer would have had seconds to take many more fetches.
      await waitFor(() => attempts.size > 0 && [...attempts.values()].every((n) => n >= 4), 60_000,
        () => `${attempts.size} records taken, tries ${Math.min(...attempts.values())}..${Math.max(...attempts.values())}`);
      const perFetch = Math.ceil(fetchBytes / Buffer.byteLength(JSON.stringify(records[0])));
      assert.ok(attempts.size <= 3 * 2 * (perFetch + 5), `taken while the store is down: ${attempts.size} records, at most two fetches of ~${perFetch} on each of 3 partitions`);
      const committed = await ctx.committedOffsets(groupId, topics.transport);
      assert.ok([...committed.values()].every((o) => o === -1n), 'nothing committed while the store is down');

      down = false;
      await waitUntilCommittedToEnd(ctx, groupId, topics);
    } finally {
      await ingest.stop();
    }
    assert.equal(attempts.size, records.length, 'every record was taken');
    assert.equal((await h.store.findRecords(records.map((r) => ({ source: r.source, id: r.id })))).length, records.length);
  });

  it('on stop, lets the batches in hand become durable and commits them before leaving the group', async (t) => {
    // A linger far longer than the hand-over keeps every record waiting in the batcher when stop() is
    // called: nothing is durable or committed yet, and all of it must be by the time stop() returns.
    const h = await openHarness({ lingerMs: 1500, maxBatchRecords: 10_000 });
    t.after(() => closeHarness(h));
    const { topics, prefix } = await ctx.createSectorTopics();
    const groupId = uniqueGroupId('stop-in-hand');
    const records = Array.from({ length: 300 }, (_, i) => makeValidRecord('cn.gov.transport.trip', i, { idPrefix: `${prefix}-` }));
    await ctx.produce(topics.transport, records.map((r) => sectorMessage('transport', r)));

    let handedOver = 0;
    const counting: IngestPipeline = {
      submitMany: (inputs, tenant) => {
        handedOver += inputs.length;
        return h.pipeline.submitMany(inputs, tenant);
      },
      submitPrepared: (prepared, tenant) => {
        handedOver += prepared.length;
        return h.pipeline.submitPrepared(prepared, tenant);
      },
      admission: () => h.pipeline.admission(),
    };
    const ingest = ingestFor(h, topics, groupId, counting);
    await ingest.start();
    let stopped = false;
    try {
      await waitFor(() => handedOver === records.length, 30_000, () => `${handedOver} of ${records.length} records handed to the pipeline`);
      const before = await ctx.committedOffsets(groupId, topics.transport);
      assert.ok([...before.values()].every((o) => o === -1n), 'nothing is committed while the records wait for their batch');
      await ingest.stop();
      stopped = true;
    } finally {
      if (!stopped) await ingest.stop();
    }
    const ends = await ctx.endOffsets(topics.transport);
    const committed = await ctx.committedOffsets(groupId, topics.transport);
    assert.ok([...ends.values()].some((end) => end > 0n));
    for (const [partition, end] of ends) {
      if (end > 0n) assert.equal(committed.get(partition), end, `partition ${partition} committed to its end when stop() returned`);
    }
    assert.equal((await h.store.findRecords(records.map((r) => ({ source: r.source, id: r.id })))).length, records.length);
    assert.equal(handedOver, records.length, 'each record handed over once');
  });

  it('pauses fetching while the pipeline is full and takes the records once it drains', async (t) => {
    const h = await openHarness();
    t.after(() => closeHarness(h));
    const { topics, prefix } = await ctx.createSectorTopics();
    const groupId = uniqueGroupId('pause');
    const records = Array.from({ length: 60 }, (_, i) => makeValidRecord('cn.gov.transport.trip', i, { idPrefix: `${prefix}-` }));
    await ctx.produce(topics.transport, records.map((r) => sectorMessage('transport', r)));

    let full = true;
    const gated = { submitMany: h.pipeline.submitMany, submitPrepared: h.pipeline.submitPrepared, admission: () => (full ? 'full' as const : h.pipeline.admission()) };
    const ingest = ingestFor(h, topics, groupId, gated);
    await ingest.start();
    try {
      await waitFor(() => ingest.paused, 30_000, () => 'the consumer never paused for the full pipeline');
      const committed = await ctx.committedOffsets(groupId, topics.transport);
      assert.ok([...committed.values()].every((o) => o === -1n), 'nothing committed while the pipeline is full');
      assert.equal((await h.store.findRecords(records.map((r) => ({ source: r.source, id: r.id })))).length, 0);
      assert.equal((await ingest.health()).ok, true, 'paused is healthy: back-pressure, not failure');
      const lagWhilePaused = await ingest.lag();
      assert.equal(lagWhilePaused.filter((l) => l.topic === topics.transport).reduce((n, l) => n + l.lag, 0), records.length);
      assert.equal(lagWhilePaused.length, 9, 'three partitions of each sector topic');

      full = false;
      await waitUntilCommittedToEnd(ctx, groupId, topics);
      assert.equal(ingest.paused, false);
      assert.ok((await ingest.lag()).every((l) => l.lag === 0), 'no lag once everything is committed');
    } finally {
      await ingest.stop();
    }
    assert.equal((await ingest.health()).ok, false, 'a stopped consumer is not ready');
    assert.equal((await h.store.findRecords(records.map((r) => ({ source: r.source, id: r.id })))).length, records.length);
  });
});

/**
 * Two poison messages per call: one the decoder refuses, and one that decodes but is refused later
 * (schema-invalid transport; a source no tenant owns for finance and telecom).
 */
function poison(sector: Sector, i: number, prefix: string): Message[] {
  switch (sector) {
    case 'transport':
      return [
        { key: 'x', value: `{"not json ${i}` },
        { key: 'x', value: JSON.stringify(makeInvalidRecord('end-before-start', i, { idPrefix: `${prefix}-bad-` })) },
      ];
    case 'finance': {
      const orphan = makeValidRecord('cn.gov.finance.payment', 10_000 + i, { idPrefix: `${prefix}-`, source: '/nobody/finance' });
      return [
        { key: 'x', value: '{}', headers: { ce_specversion: '1.0', ce_source: '/shanghai/finance/bank-12', ce_type: 'cn.gov.finance.payment', 'content-type': 'application/json' } },
        sectorMessage('finance', orphan),
      ];
    }
    case 'telecom': {
      const orphan = makeValidRecord('cn.gov.telecom.cdr', 10_000 + i, { idPrefix: `${prefix}-`, source: '/nobody/telecom' });
      return [{ key: 'x', value: 'only,three,columns' }, sectorMessage('telecom', orphan)];
    }
  }
}
