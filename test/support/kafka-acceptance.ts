/**
 * Checks for the Kafka acceptance tests (test/integration/kafka-acceptance-*.test.ts): gateway
 * processes consume a {@link SectorWorkload} into a PostgreSQL store, and these helpers say whether the
 * outcome is exact. Counting is done with SQL on the test database; receipts are verified offline
 * (digest, Merkle proof, batch signature) and against the embedded ledger(s) that anchored them.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import pg from 'pg';
import { openEmbeddedLedger, type EmbeddedLedger } from '../../adapters/chains/embedded/embedded-ledger.js';
import { DlqHeaders } from '../../adapters/kafka/dlq.js';
import { dlqTopic, sectors, type SectorTopics } from '../../adapters/kafka/topics.js';
import { openPostgresStore } from '../../adapters/store/postgres-store.js';
import { verifyAnchor, verifyReceipt } from '../../src/core/receipt.js';
import { generatePrivateKey, newSigner } from '../../src/core/signer.js';
import { createTestDatabase, http, type GatewayProcess } from './gateway.js';
import { KafkaTestContext, kafkaBrokers, randomTag, uniqueGroupId, waitFor, kafkaConsumerEnv } from './kafka.js';
import { recordKey, sectorWorkload, type SectorWorkload } from './kafka-workload.js';
import { prng } from './record-factory.js';

/**
 * `mixedRecord`'s invalid ratio that makes 10% of a {@link sectorWorkload} invalid: 8.85% of the mixed
 * stream, once the SIM registrations are left out (kafka-workload.ts).
 */
export const TEN_PERCENT_INVALID = 0.0885;

/** One test's own database, topics, consumer group and record ids. */
export interface Scenario {
  readonly db: { readonly url: string };
  readonly probe: StoreProbe;
  readonly topics: SectorTopics;
  readonly groupId: string;
  /** `count` records of this scenario's stream, 10% invalid; after `previous` when given (new ids). */
  workload(count: number, previous?: SectorWorkload): SectorWorkload;
}

export interface AcceptanceFixture {
  readonly ctx: KafkaTestContext;
  /** CROSSGATE_TEST_SEED, or random (printed before the tests, to rerun a failure). */
  readonly seed: number;
  scenario(purpose: string): Promise<Scenario>;
  /** Registers the gateway for cleanup at the end of the suite (killed, data directory removed). */
  track(gateway: GatewayProcess): GatewayProcess;
}

/**
 * Registers before/after hooks on the current suite: a Kafka test context (failing loudly without
 * CROSSGATE_TEST_KAFKA_BROKERS), the seed, and the cleanup of every database, topic and gateway made.
 */
export function acceptanceFixture(clientId: string): AcceptanceFixture {
  const seed = Number(process.env['CROSSGATE_TEST_SEED'] ?? randomInt(2 ** 31));
  const cleanups: (() => Promise<void>)[] = [];
  let ctx: KafkaTestContext | undefined;
  before(async () => {
    kafkaBrokers();
    console.log(`${clientId} seed: ${seed} (rerun with CROSSGATE_TEST_SEED=${seed})`);
    ctx = await KafkaTestContext.open(clientId);
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error(err));
    await ctx?.close();
  });
  const fixture: AcceptanceFixture = {
    get ctx(): KafkaTestContext {
      if (ctx === undefined) throw new Error('the Kafka test context is opened in before()');
      return ctx;
    },
    seed,
    async scenario(purpose) {
      const db = await createTestDatabase();
      cleanups.push(() => db.drop());
      const probe = StoreProbe.open(db.url);
      cleanups.push(() => probe.close());
      const { topics } = await fixture.ctx.createSectorTopics();
      const idPrefix = `${randomTag()}-`;
      return {
        db, probe, topics, groupId: uniqueGroupId(purpose),
        workload: (count, previous) => sectorWorkload(count, { invalidRatio: TEN_PERCENT_INVALID, seed, idPrefix, from: previous?.next ?? 0 }),
      };
    },
    track(gateway) {
      cleanups.push(() => gateway.cleanup());
      return gateway;
    },
  };
  return fixture;
}

/** The gateway's environment for consuming `topics` as `groupId` into the PostgreSQL store at `pgUrl`. */
export function kafkaGatewayEnv(topics: SectorTopics, groupId: string, pgUrl: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    CROSSGATE_DEV_API_KEY: 'kafka-acceptance-dev-key-0123456789',
    CROSSGATE_STORE: 'postgres',
    CROSSGATE_PG_URL: pgUrl,
    CROSSGATE_BATCH_LINGER_MS: '50',
    ...kafkaConsumerEnv(topics, groupId),
    // The broker's minimum: a SIGKILLed instance's partitions are reassigned after 6 s, not 30 s.
    CROSSGATE_KAFKA_SESSION_TIMEOUT_MS: '6000',
    CROSSGATE_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Produces every message of the workload, each sector topic in order. */
export async function produceWorkload(ctx: KafkaTestContext, topics: SectorTopics, workload: SectorWorkload): Promise<void> {
  for (const sector of sectors) await ctx.produce(topics[sector], workload.messages[sector]);
}

export interface StoreCounts {
  readonly records: number;
  /** Records whose batch is anchored: each has a receipt. */
  readonly anchored: number;
  readonly sealedBatches: number;
  readonly failedBatches: number;
  readonly kafkaDeadLetters: number;
}

/** Reads the gateway's PostgreSQL store with SQL (its own small pool). */
export class StoreProbe {
  private constructor(private readonly pool: pg.Pool) {}

  static open(url: string): StoreProbe {
    return new StoreProbe(new pg.Pool({ connectionString: url, max: 2 }));
  }

  async counts(): Promise<StoreCounts> {
    const { rows } = await this.pool.query<Record<keyof StoreCounts, string>>(`SELECT
      (SELECT count(*) FROM records) AS records,
      (SELECT count(*) FROM records r JOIN batches b ON b.id = r.batch_id WHERE b.state = 'anchored') AS anchored,
      (SELECT count(*) FROM batches WHERE state = 'sealed') AS "sealedBatches",
      (SELECT count(*) FROM batches WHERE state = 'failed') AS "failedBatches",
      (SELECT count(*) FROM dead_letters WHERE origin = 'kafka') AS "kafkaDeadLetters"`);
    const row = rows[0];
    assert.ok(row !== undefined);
    return {
      records: Number(row.records), anchored: Number(row.anchored), sealedBatches: Number(row.sealedBatches),
      failedBatches: Number(row.failedBatches), kafkaDeadLetters: Number(row.kafkaDeadLetters),
    };
  }

  async recordCount(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM records');
    return Number(rows[0]?.n ?? 0);
  }

  /** Every stored record identity, as {@link recordKey}. */
  async recordKeys(): Promise<string[]> {
    const { rows } = await this.pool.query<{ source: string; id: string }>('SELECT source, id FROM records');
    return rows.map(recordKey);
  }

  /** Distinct Kafka coordinates (topic/partition/offset) of the store's Kafka dead letters. */
  async deadLetterCoordinates(): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ c: string }>(
      `SELECT DISTINCT (kafka->>'topic') || '/' || (kafka->>'partition') || '/' || (kafka->>'offset') AS c FROM dead_letters WHERE origin = 'kafka'`);
    return new Set(rows.map((r) => r.c));
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** Runs `step`; when it fails, the error carries the last log lines of each gateway (what went wrong inside). */
export async function withGatewayLogs<T>(step: Promise<T>, ...gateways: readonly GatewayProcess[]): Promise<T> {
  try {
    return await step;
  } catch (error) {
    const logs = gateways.map((g, i) => `--- gateway ${i + 1} (${g.dataDir}), last 30 lines:\n${g.output.slice(-30).join('\n')}`).join('\n');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logs}`, { cause: error });
  }
}

/**
 * Waits until the group has committed every produced record and the store holds `validCount` records,
 * all anchored (no batch left in the outbox).
 */
export async function waitUntilSettled(ctx: KafkaTestContext, probe: StoreProbe, groupId: string, topics: SectorTopics, validCount: number, timeoutMs: number): Promise<void> {
  let state = 'nothing read yet';
  await waitFor(async () => {
    const [end, committed, counts] = [await ctx.endTotal(topics), await ctx.committedTotal(groupId, topics), await probe.counts()];
    state = `committed ${committed} of ${end}; store ${JSON.stringify(counts)}; expected ${validCount} valid records`;
    return committed === end && counts.records >= validCount && counts.sealedBatches === 0;
  }, timeoutMs, () => state, 250);
}

/** Every valid record of the workload is stored exactly once, anchored, and nothing else is stored. */
export async function assertExactlyOnce(probe: StoreProbe, workload: SectorWorkload): Promise<void> {
  const counts = await probe.counts();
  assert.equal(counts.records, workload.valid.length, 'one stored record per valid record');
  assert.equal(counts.anchored, workload.valid.length, 'every stored record is in an anchored batch (has a receipt)');
  assert.equal(counts.sealedBatches, 0, 'nothing left in the outbox');
  assert.equal(counts.failedBatches, 0, 'no batch failed terminally');
  const expected = new Set(workload.valid.map(recordKey));
  assert.equal(expected.size, workload.valid.length, 'the workload has no repeated ids');
  const stored = await probe.recordKeys();
  const unexpected = stored.filter((k) => !expected.has(k));
  assert.deepEqual(unexpected.slice(0, 5), [], `${unexpected.length} stored records are not valid records of the workload`);
}

/**
 * Every invalid record is in its sector's DLQ topic with the expected code and a reason, and indexed in
 * the store. `exact`: each exactly once (no crash); otherwise at least once, counted by the Kafka
 * coordinates the DLQ headers name (a record consumed again after a crash is published again).
 */
export async function assertDeadLetters(ctx: KafkaTestContext, probe: StoreProbe, topics: SectorTopics, workload: SectorWorkload, exact: boolean): Promise<void> {
  const seen = new Map<string, string>();
  for (const sector of sectors) {
    const records = await ctx.readAll(dlqTopic(topics[sector]));
    for (const record of records) {
      const header = (name: string): string => {
        const value = record.headers[name];
        assert.equal(typeof value, 'string', `DLQ record ${record.partition}/${record.offset} has one ${name} header`);
        return value as string;
      };
      assert.equal(header(DlqHeaders.topic), topics[sector], 'dead-lettered into the DLQ of the topic it was read from');
      assert.ok(header(DlqHeaders.message).length > 0, 'the DLQ record says why');
      const at = `${header(DlqHeaders.topic)}/${header(DlqHeaders.partition)}/${header(DlqHeaders.offset)}`;
      const entry = `${sector} ${header(DlqHeaders.code)} ${record.value?.toString() ?? ''}`;
      const before = seen.get(at);
      if (before !== undefined) {
        assert.ok(!exact, `${at} dead-lettered twice without a crash`);
        assert.equal(entry, before, `${at} dead-lettered twice with different content`);
      }
      seen.set(at, entry);
    }
  }
  const want = workload.invalid.map((e) => `${e.sector} ${e.code} ${e.value}`).sort();
  assert.deepEqual([...seen.values()].sort(), want, 'the DLQ topics hold exactly the invalid records, each with its code');
  const indexed = await probe.deadLetterCoordinates();
  assert.deepEqual([...indexed].sort(), [...seen.keys()].sort(), "the store's dead-letter index names the same records");
  if (exact) assert.equal((await probe.counts()).kafkaDeadLetters, workload.invalid.length, 'each indexed once');
}

/**
 * Verifies `sampleSize` receipts picked with `seed` (plus the last valid record): fetched from the
 * store, checked offline against the record (digest, proof, batch id, signature), and the anchor
 * against the ledger files in `ledgerDirs` (one of them must hold the batch where the receipt says).
 */
export async function verifyReceiptSample(pgUrl: string, workload: SectorWorkload, ledgerDirs: readonly string[], sampleSize: number, seed: number): Promise<void> {
  const store = await openPostgresStore({ connectionString: pgUrl, poolSize: 2 });
  const signer = newSigner('Ed25519', generatePrivateKey('Ed25519'));
  const ledgers: EmbeddedLedger[] = [];
  try {
    for (const dir of ledgerDirs) ledgers.push(await openEmbeddedLedger({ dir, signer, clock: { now: () => Date.now() }, readOnly: true }));
    const random = prng(seed);
    const picks = new Set([workload.valid.length - 1]);
    while (picks.size < Math.min(sampleSize, workload.valid.length)) picks.add(Math.floor(random() * workload.valid.length));
    for (const index of picks) {
      const record = workload.valid[index];
      assert.ok(record !== undefined);
      const receipt = await store.getReceipt({ source: record.source, id: record.id });
      assert.ok(receipt !== undefined, `record ${record.id} has a receipt`);
      const offline = verifyReceipt(receipt, { record });
      assert.ok(offline.ok, `receipt of ${record.id}: ${offline.ok ? '' : `${offline.check}: ${offline.message}`}`);
      const onLedger = await Promise.all(ledgers.map(async (l) => verifyAnchor(receipt, await l.lookup(receipt.batch.id))));
      assert.ok(onLedger.some((v) => v.ok), `receipt of ${record.id} is anchored where it says: ${onLedger.map((v) => (v.ok ? 'ok' : v.message)).join('; ')}`);
    }
  } finally {
    for (const ledger of ledgers) await ledger.close();
    await store.close();
  }
}

/** The embedded ledger directory of a gateway with this data directory (src/gateway.ts). */
export function ledgerDir(dataDir: string): string {
  return join(dataDir, 'ledger');
}

/** Resident set size of a process, in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

/** Sum of a Prometheus metric's samples from a gateway's /metrics (all label sets). */
export async function scrapeMetric(url: string, name: string): Promise<number> {
  const res = await http(url, 'GET', '/metrics');
  assert.equal(res.status, 200, `/metrics answered ${res.status}`);
  let sum = 0;
  for (const line of res.text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (match?.[1] === name) sum += Number(match[2]);
  }
  return sum;
}
