/**
 * Kafka ingestion throughput end to end: records/s the gateway process (`node dist/src/main.js`, embedded
 * store and ledger) takes from the three sector topics, in their wire formats (transport structured
 * JSON, finance binary `ce_*`, telecom CSV), until every offset is committed, i.e. every record is
 * durable in a sealed batch. Baseline: the raw consume rate of kafkajs alone on the same topics
 * (bench/kafka-raw.ts, eachBatch, consume and discard), plus @platformatic/kafka's for comparison.
 * Records are produced before the clock starts; the gateway's clock starts when it is listening
 * (its consumer joins the group after that, which the whole-drain figure includes). The sustained
 * figure leaves the start-up out: records committed after the first commit over the time from the
 * first commit to the last.
 *
 * This machine's speed moves by ±15-25 % between minutes, so throughput is measured in rounds
 * (CROSSGATE_BENCH_KAFKA_ROUNDS, 3): each round measures kafkajs's raw rate and then drains a fresh
 * backlog into the gateway on each store; the figures are each store's median round, and the ratio
 * is the median of the rounds' own ratios (gateway and baseline minutes apart, not half an hour).
 *
 *   npm run bench -- kafka
 *   CROSSGATE_BENCH_KAFKA_RECORDS=120000 CROSSGATE_BENCH_KAFKA_ROUNDS=1 npm run bench -- kafka
 *
 * CPU per record: utime + stime (/proc) of the gateway process (all its threads), of the broker JVM
 * and of every PostgreSQL process, over the drain, divided by the records committed.
 * CROSSGATE_BENCH_KAFKA_NODE_OPTIONS is given to the gateways as NODE_OPTIONS (e.g. `--cpu-prof`);
 * CROSSGATE_PREPARE_WORKERS, CROSSGATE_KAFKA_CONCURRENCY and CROSSGATE_KAFKA_PREPARE_ON_WORKERS
 * are passed to them as set (the A/B drains set the last one themselves).
 * Each round also drains PostgreSQL once with preparation on the consumer thread: the A/B of the
 * prepare workers, the order alternating between rounds.
 *
 * Brokers: CROSSGATE_TEST_KAFKA_BROKERS, or scripts/kafka.sh starts the local broker.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Message } from 'kafkajs';
import pg from 'pg';
import { sectors, type Sector, type SectorTopics } from '../adapters/kafka/topics.js';
import { REPO_ROOT, startGatewayProcess } from '../test/support/gateway.js';
import { brokersEnv, KafkaTestContext, uniqueGroupId, kafkaConsumerEnv } from '../test/support/kafka.js';
import { sectorMessage } from '../test/support/kafka-wire.js';
import { makeValidRecord, type RecordType } from '../test/support/record-factory.js';
import { measureKafkajsConsumeRate, measurePlatformaticConsumeRate } from './kafka-raw.js';
import { CpuMeter, mainThreadCpuMs, pidsMatching, pidsNamed, processCpuMs } from './process-cpu.js';
import { peakRssMiB, printResult, type BenchResult } from './result.js';
import { createTestDatabaseFrom, pgAdminUrl } from './rest.js';

// 240,000: with 60,000 the consumer's start-up (group join, first fetch, first batch; ~1 s before the
// first commit) was a third of a ~4 s drain.
const RECORDS = Number(process.env['CROSSGATE_BENCH_KAFKA_RECORDS'] ?? 240_000);
const ROUNDS = Math.max(1, Number(process.env['CROSSGATE_BENCH_KAFKA_ROUNDS'] ?? 3));
/** Steady produce rate (records/s, all sectors) and duration of the latency phase. */
const LATENCY_RATE = 3000;
const LATENCY_SECONDS = 10;
const typesOf: Record<Sector, RecordType[]> = {
  transport: ['cn.gov.transport.trip', 'cn.gov.transport.toll-passage'],
  finance: ['cn.gov.finance.payment', 'cn.gov.finance.invoice'],
  telecom: ['cn.gov.telecom.cdr'],
};

export function brokers(): string {
  const given = process.env[brokersEnv];
  if (given) return given;
  const script = join(REPO_ROOT, 'scripts', 'kafka.sh');
  execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const started = execFileSync('bash', [script, 'brokers'], { encoding: 'utf8' }).trim();
  process.env[brokersEnv] = started;
  return started;
}

async function committedTotal(ctx: KafkaTestContext, groupId: string, topics: SectorTopics): Promise<bigint> {
  let total = 0n;
  for (const sector of sectors) {
    for (const offset of (await ctx.committedOffsets(groupId, topics[sector])).values()) if (offset > 0n) total += offset;
  }
  return total;
}

/** Produces `perSector` valid records to each sector topic; returns when the broker has them all. */
async function produceRecords(ctx: KafkaTestContext, topics: SectorTopics, idPrefix: string, perSector: number, from = 0): Promise<void> {
  for (const sector of sectors) {
    const messages: Message[] = [];
    for (let i = from; i < from + perSector; i++) {
      const types = typesOf[sector];
      messages.push(sectorMessage(sector, makeValidRecord(types[i % types.length] as RecordType, i, { idPrefix })));
    }
    await ctx.produce(topics[sector], messages);
  }
}

/** Given to the gateways as NODE_OPTIONS, for diagnosis (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
const GATEWAY_NODE_OPTIONS = process.env['CROSSGATE_BENCH_KAFKA_NODE_OPTIONS'];
/** Gateway settings an A/B run may set from the bench's own environment. */
const PASSED_SETTINGS = ['CROSSGATE_KAFKA_PREPARE_ON_WORKERS', 'CROSSGATE_PREPARE_WORKERS', 'CROSSGATE_KAFKA_CONCURRENCY'];
const passedSettings = Object.fromEntries(PASSED_SETTINGS.flatMap((name) => {
  const value = process.env[name];
  return value === undefined ? [] : [[name, value]];
}));

function gatewayEnv(bootstrap: string, groupId: string, topics: SectorTopics, store: Record<string, string>): Record<string, string> {
  return {
    CROSSGATE_LOG_LEVEL: 'warn',
    ...passedSettings,
    ...store,
    ...(GATEWAY_NODE_OPTIONS === undefined ? {} : { NODE_OPTIONS: GATEWAY_NODE_OPTIONS }),
    ...kafkaConsumerEnv(topics, groupId, bootstrap),
  };
}

interface Drain {
  readonly total: number;
  /** From the gateway listening to every offset committed. */
  readonly seconds: number;
  /** Records committed after the first commit was seen, and the seconds from then to the last. */
  readonly sustained: { readonly records: number; readonly seconds: number };
  /** CPU ms from listening to every offset committed: the gateway process (all threads), the broker, PostgreSQL's processes. */
  readonly cpuMs: { readonly gateway: number; readonly gatewayMainThread: number; readonly broker: number; readonly postgres: number };
}

/** The broker JVM(s) on this machine (scripts/kafka.sh's, or any other `kafka.Kafka`). */
const brokerPids = () => pidsMatching('kafka.Kafka');
const postgresPids = () => pidsNamed('postgres');

/**
 * Drains a pre-produced backlog with `instances` gateways in one consumer group: from the first one
 * listening to every offset committed. Each gateway's CPU counts from its own listening.
 */
export async function drainBacklog(ctx: KafkaTestContext, bootstrap: string, store: Record<string, string>, instances = 1): Promise<Drain> {
  const { topics, prefix } = await ctx.createSectorTopics();
  const perSector = Math.ceil(RECORDS / sectors.length);
  await produceRecords(ctx, topics, `${prefix}-`, perSector);
  const total = perSector * sectors.length;
  const groupId = uniqueGroupId('bench');
  const broker = new CpuMeter(brokerPids);
  const postgres = new CpuMeter(postgresPids);
  let started: number | undefined;
  const listening = Array.from({ length: instances }, async () => {
    const gateway = await startGatewayProcess({ env: gatewayEnv(bootstrap, groupId, topics, store), readyTimeoutMs: 180_000 });
    if (started === undefined) {
      started = performance.now();
      broker.start();
      postgres.start();
    }
    return { gateway, cpuAtStart: processCpuMs(gateway.pid), mainAtStart: mainThreadCpuMs(gateway.pid) };
  });
  const settled = await Promise.allSettled(listening);
  const gateways = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  try {
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    const from0 = started ?? performance.now();
    const deadline = from0 + 600_000;
    let first: { at: number; committed: bigint } | undefined;
    for (;;) {
      const committed = await committedTotal(ctx, groupId, topics);
      const now = performance.now();
      if (first === undefined && committed > 0n) first = { at: now, committed };
      if (committed >= BigInt(total)) {
        const from = first ?? { at: now, committed };
        const gatewayMs = gateways.reduce((sum, { gateway, cpuAtStart }) => sum + processCpuMs(gateway.pid) - cpuAtStart, 0);
        const gatewayMainThread = gateways.reduce((sum, { gateway, mainAtStart }) => sum + mainThreadCpuMs(gateway.pid) - mainAtStart, 0);
        const cpuMs = { gateway: gatewayMs, gatewayMainThread, broker: broker.elapsedMs(), postgres: postgres.elapsedMs() };
        return { total, seconds: (now - from0) / 1000, sustained: { records: Number(BigInt(total) - from.committed), seconds: (now - from.at) / 1000 }, cpuMs };
      }
      if (now > deadline) throw new Error('the gateways did not commit every offset within 10 minutes');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    for (const { gateway } of gateways) {
      await gateway.stop();
      await gateway.cleanup();
    }
  }
}

interface Round {
  readonly raw: number;
  readonly embedded: Drain;
  readonly postgres: Drain;
  /** The same PostgreSQL drain with preparation on the consumer's thread (CROSSGATE_KAFKA_PREPARE_ON_WORKERS=false). */
  readonly postgresOneThread: Drain;
}

const rateOf = (drain: Drain): number => drain.total / drain.seconds;
/** µs of CPU per record committed, one decimal. */
const cpuPerRecord = (drain: Drain, who: keyof Drain['cpuMs']): number => Math.round((drain.cpuMs[who] * 1000 / drain.total) * 10) / 10;

/** The median element by `key` (the lower middle one for an even count). */
function medianBy<T>(items: readonly T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  if (median === undefined) throw new Error('no rounds');
  return median;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * Produce-to-receipt latency on the PostgreSQL store: records are produced at a steady rate while the
 * gateway runs, and each one's latency is its batch's anchoring time (from the store) minus the time
 * its chunk was handed to the producer.
 */
async function measureLatency(ctx: KafkaTestContext, bootstrap: string, pgUrl: string): Promise<{ p50: number; p99: number; count: number; rate: number }> {
  const { topics, prefix } = await ctx.createSectorTopics();
  const groupId = uniqueGroupId('bench-latency');
  const gateway = await startGatewayProcess({ env: gatewayEnv(bootstrap, groupId, topics, { CROSSGATE_STORE: 'postgres', CROSSGATE_PG_URL: pgUrl }), readyTimeoutMs: 180_000 });
  const producedAt = new Map<string, number>();
  const perChunk = LATENCY_RATE / 10 / sectors.length;
  try {
    const started = performance.now();
    for (let chunk = 0; chunk < LATENCY_SECONDS * 10; chunk++) {
      const sentAt = Date.now();
      const keys = await Promise.all(sectors.map((sector) => produceSector(ctx, topics, sector, `${prefix}-${sector}-`, chunk * perChunk, perChunk)));
      for (const key of keys.flat()) producedAt.set(key, sentAt);
      const pause = started + (chunk + 1) * 100 - performance.now();
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
    }
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      const deadline = performance.now() + 300_000;
      for (;;) {
        const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM records r JOIN batches b ON b.id = r.batch_id WHERE b.state = 'anchored'`);
        if (Number(rows[0]?.n) >= producedAt.size) break;
        if (performance.now() > deadline) throw new Error('records were not all anchored within 5 minutes');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const { rows } = await client.query<{ source: string; id: string; anchored_at: string }>(`SELECT r.source, r.id, b.anchored_at FROM records r JOIN batches b ON b.id = r.batch_id`);
      const latencies = rows.map((row) => Number(row.anchored_at) - (producedAt.get(`${row.source}\u0000${row.id}`) ?? Number.NaN)).filter(Number.isFinite).sort((a, b) => a - b);
      if (latencies.length !== producedAt.size) throw new Error(`matched ${latencies.length} of ${producedAt.size} produced records`);
      return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), count: latencies.length, rate: LATENCY_RATE };
    } finally {
      await client.end();
    }
  } finally {
    await gateway.stop();
    await gateway.cleanup();
  }
}

/** Produces `count` records to one sector topic; returns their `source\u0000id` keys. */
async function produceSector(ctx: KafkaTestContext, topics: SectorTopics, sector: Sector, idPrefix: string, from: number, count: number): Promise<string[]> {
  const types = typesOf[sector];
  const messages: Message[] = [];
  const keys: string[] = [];
  for (let i = from; i < from + count; i++) {
    const record = makeValidRecord(types[i % types.length] as RecordType, i, { idPrefix });
    keys.push(`${record.source}\u0000${record.id}`);
    messages.push(sectorMessage(sector, record));
  }
  await ctx.produce(topics[sector], messages);
  return keys;
}

export async function runKafkaBench(): Promise<BenchResult> {
  const bootstrap = brokers();
  const ctx = await KafkaTestContext.open('crossgate-bench-kafka');
  const adminUrl = pgAdminUrl();
  try {
    const { topics, prefix } = await ctx.createSectorTopics();
    const perSector = Math.ceil(RECORDS / sectors.length);
    await produceRecords(ctx, topics, `${prefix}-`, perSector);
    const consumed = { brokers: bootstrap.split(','), topics: sectors.map((s) => topics[s]), expected: perSector * sectors.length };
    const rounds: Round[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const raw = (await measureKafkajsConsumeRate(consumed)).recordsPerSecond;
      const embedded = await drainBacklog(ctx, bootstrap, {});
      // Preparation on the workers against on the consumer's thread: one drain each, the order
      // alternating between rounds (the second drain of a round runs on a warmer machine).
      const drains = new Map<boolean, Drain>();
      for (const onWorkers of round % 2 === 0 ? [true, false] : [false, true]) {
        const db = await createTestDatabaseFrom(adminUrl);
        try {
          drains.set(onWorkers, await drainBacklog(ctx, bootstrap, {
            CROSSGATE_STORE: 'postgres', CROSSGATE_PG_URL: db.url, CROSSGATE_KAFKA_PREPARE_ON_WORKERS: String(onWorkers),
          }));
        } finally {
          await db.drop();
        }
      }
      rounds.push({ raw, embedded, postgres: drains.get(true) as Drain, postgresOneThread: drains.get(false) as Drain });
    }
    // Scale-out: one and then two instances in one group on one PostgreSQL, back to back.
    const scaleOut: Drain[] = [];
    for (const instances of [1, 2]) {
      const db = await createTestDatabaseFrom(adminUrl);
      try {
        scaleOut.push(await drainBacklog(ctx, bootstrap, { CROSSGATE_STORE: 'postgres', CROSSGATE_PG_URL: db.url }, instances));
      } finally {
        await db.drop();
      }
    }
    const [oneInstance, twoInstances] = scaleOut as [Drain, Drain];
    const rawConcurrent = await measureKafkajsConsumeRate({ ...consumed, partitionsConsumedConcurrently: 3 });
    const platformatic = await measurePlatformaticConsumeRate(consumed);
    const latencyDb = await createTestDatabaseFrom(adminUrl);
    let latency: { p50: number; p99: number; count: number; rate: number };
    try {
      latency = await measureLatency(ctx, bootstrap, latencyDb.url);
    } finally {
      await latencyDb.drop();
    }
    const embedded = medianBy(rounds.map((r) => r.embedded), rateOf);
    const postgres = medianBy(rounds.map((r) => r.postgres), rateOf);
    const postgresOneThread = medianBy(rounds.map((r) => r.postgresOneThread), rateOf);
    const workersGain = medianBy(rounds.map((r) => rateOf(r.postgres) / rateOf(r.postgresOneThread)), (x) => x);
    const raw = medianBy(rounds.map((r) => r.raw), (rate) => rate);
    const ratio = medianBy(rounds.map((r) => Math.max(rateOf(r.embedded), rateOf(r.postgres)) / r.raw), (x) => x);
    const embeddedRate = rateOf(embedded);
    const postgresRate = rateOf(postgres);
    const sustained = (drain: Drain) => Math.round(drain.sustained.records / drain.sustained.seconds);
    const perRound = (pick: (r: Round) => number) => rounds.map((r) => Math.round(pick(r))).join(' / ');
    return {
      scenario: 'kafka',
      date: new Date().toISOString(),
      metrics: {
        'gateway records/s, embedded store (consume to committed)': { value: Math.round(embeddedRate), unit: 'records/s' },
        'gateway records/s, PostgreSQL store (consume to committed)': { value: Math.round(postgresRate), unit: 'records/s' },
        'gateway records/s sustained (after the first commit), embedded store': { value: sustained(embedded), unit: 'records/s' },
        'gateway records/s sustained (after the first commit), PostgreSQL store': { value: sustained(postgres), unit: 'records/s' },
        'gateway CPU per record, PostgreSQL store (process CPU, all threads, over records committed)': { value: cpuPerRecord(postgres, 'gateway'), unit: 'µs' },
        'gateway CPU per record, embedded store': { value: cpuPerRecord(embedded, 'gateway'), unit: 'µs' },
        'PostgreSQL store, preparation on the consumer thread (CROSSGATE_KAFKA_PREPARE_ON_WORKERS=false), records/s': { value: Math.round(rateOf(postgresOneThread)), unit: 'records/s' },
        'PostgreSQL store, preparation on the consumer thread, gateway CPU per record': { value: cpuPerRecord(postgresOneThread, 'gateway'), unit: 'µs' },
        'gateway main-thread CPU per record, PostgreSQL store (the per-instance ceiling where cores are free)': { value: cpuPerRecord(postgres, 'gatewayMainThread'), unit: 'µs' },
        'gateway main-thread CPU per record, PostgreSQL store, preparation on the consumer thread': { value: cpuPerRecord(postgresOneThread, 'gatewayMainThread'), unit: 'µs' },
        'PostgreSQL store, rate with preparation on the workers over on the consumer thread (median of the rounds)': { value: Math.round(workersGain * 1000) / 1000, unit: 'x' },
        'broker CPU per record (PostgreSQL store drain)': { value: cpuPerRecord(postgres, 'broker'), unit: 'µs' },
        'PostgreSQL CPU per record (all its processes)': { value: cpuPerRecord(postgres, 'postgres'), unit: 'µs' },
        'scale-out: 1 instance, PostgreSQL store, records/s': { value: Math.round(rateOf(oneInstance)), unit: 'records/s' },
        'scale-out: 2 instances in one consumer group, PostgreSQL store, records/s': { value: Math.round(rateOf(twoInstances)), unit: 'records/s' },
        'scale-out: gateway CPU per record, 1 instance': { value: cpuPerRecord(oneInstance, 'gateway'), unit: 'µs' },
        'scale-out: gateway CPU per record, 2 instances (both processes)': { value: cpuPerRecord(twoInstances, 'gateway'), unit: 'µs' },
        'scale-out: PostgreSQL CPU per record, 1 instance': { value: cpuPerRecord(oneInstance, 'postgres'), unit: 'µs' },
        'scale-out: PostgreSQL CPU per record, 2 instances': { value: cpuPerRecord(twoInstances, 'postgres'), unit: 'µs' },
        [`produce-to-anchored p50 at ${latency.rate} records/s, PostgreSQL store`]: { value: latency.p50, unit: 'ms' },
        [`produce-to-anchored p99 at ${latency.rate} records/s, PostgreSQL store`]: { value: latency.p99, unit: 'ms' },
        'bench process peak RSS': { value: Math.round(peakRssMiB()), unit: 'MiB' },
      },
      baseline: {
        'kafkajs raw consume (eachBatch, discard)': { value: Math.round(raw), unit: 'records/s' },
        'kafkajs raw consume, 3 partitions concurrently': { value: Math.round(rawConcurrent.recordsPerSecond), unit: 'records/s' },
        '@platformatic/kafka raw consume (stream, discard)': { value: Math.round(platformatic.recordsPerSecond), unit: 'records/s' },
      },
      ratio: Math.round(ratio * 1000) / 1000,
      notes: [
        `throughput: ${embedded.total} valid records over 3 sector topics x 3 partitions (transport structured JSON, finance binary ce_ headers, telecom CSV), produced before timing; ${ROUNDS} rounds, each store's median round reported`,
        `rounds, records/s: kafkajs raw ${perRound((r) => r.raw)}; embedded ${perRound((r) => rateOf(r.embedded))}; PostgreSQL ${perRound((r) => rateOf(r.postgres))}; PostgreSQL, preparation on the consumer thread ${perRound((r) => rateOf(r.postgresOneThread))}`,
        `rounds, gateway CPU µs per record: embedded ${rounds.map((r) => cpuPerRecord(r.embedded, 'gateway')).join(' / ')}; PostgreSQL ${rounds.map((r) => cpuPerRecord(r.postgres, 'gateway')).join(' / ')}; PostgreSQL, preparation on the consumer thread ${rounds.map((r) => cpuPerRecord(r.postgresOneThread, 'gateway')).join(' / ')}`,
        `scale-out: one and then two gateway processes in one consumer group, one PostgreSQL, the same backlog size, measured back to back after the rounds; sustained ${sustained(oneInstance)} / ${sustained(twoInstances)} records/s; on 2 cores the second instance shares the machine with the first, the broker and PostgreSQL`,
        'CPU per record: utime + stime from /proc over the drain (listening to every offset committed) divided by the records committed; the median round of each store',
        'gateway: node dist/src/main.js child process, embedded ledger, defaults (linger 200 ms, 3 partitions concurrently); timed from listening to every offset committed (every record durable)',
        `sustained: records committed after the first commit over the seconds from it to the last (first commit after ${(embedded.seconds - embedded.sustained.seconds).toFixed(2)} s embedded, ${(postgres.seconds - postgres.sustained.seconds).toFixed(2)} s PostgreSQL); committed offsets polled every 100 ms`,
        `latency: ${latency.count} records produced at ${latency.rate} records/s for ${LATENCY_SECONDS} s while the gateway ran; latency = the batch's anchored_at in the store minus the time its chunk was handed to the producer`,
        'raw: one consumer, fresh group, from the earliest offset, timed from the first record to the last',
        'ratio: median over the rounds of the better gateway records/s over kafkajs raw records/s (1 partition at a time) in the same round; the other two raw figures are measured once, after the rounds',
        `machine: ${process.platform} ${process.arch}, ${cpus().length} cores, broker and PostgreSQL on the same machine`,
      ],
    };
  } finally {
    await ctx.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printResult(await runKafkaBench());
}
