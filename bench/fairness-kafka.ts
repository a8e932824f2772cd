/**
 * Fairness on the Kafka door (issue 16, item 6): does a tenant flooding its topic hurt another
 * tenant's records on theirs? One real gateway process (PostgreSQL store, embedded ledger) consuming
 * the three sector topics, with a tenants file of two tenants: A (transport sources) and B (finance
 * sources), each with a quota of QUOTA records/s (burst QUOTA). B produces at 80 % of its quota
 * throughout (a produce every 100 ms); in each round A is silent for CROSSGATE_BENCH_SECONDS (10),
 * then produces at five times its quota for as long, then the bench waits for A's backlog to drain
 * (at A's quota) before the next round. B's latency is produce → accepted (the record durable in a
 * sealed batch, `acceptedAt` in the store), per phase; B's records produced while A's backlog drains
 * are left out of both. Rounds: CROSSGATE_BENCH_ROUNDS (3); medians reported.
 *
 * The ratio is B's p99 while A floods over B's p99 alone (the bound: at most 2).
 *
 *   npm run bench -- fairness-kafka
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresStore } from '../adapters/store/postgres-store.js';
import { hashApiKey } from '../src/config/tenants.js';
import { startGatewayProcess } from '../test/support/gateway.js';
import { KafkaTestContext, kafkaConsumerEnv, uniqueGroupId } from '../test/support/kafka.js';
import { sectorMessage } from '../test/support/kafka-wire.js';
import { makeValidRecord, type GeneratedRecord } from '../test/support/record-factory.js';
import { percentile, sleep } from './load.js';
import { createTestDatabaseFrom, pgAdminUrl } from './rest.js';
import type { BenchResult, Figure } from './result.js';

const SECONDS = Number(process.env['CROSSGATE_BENCH_SECONDS'] ?? 10);
const ROUNDS = Number(process.env['CROSSGATE_BENCH_ROUNDS'] ?? 3);
const QUOTA = Number(process.env['CROSSGATE_BENCH_FAIRNESS_QUOTA'] ?? 1000);
const TICK_MS = 100;

type PhaseName = `alone ${number}` | `flood ${number}` | 'other';

interface Produced {
  readonly record: GeneratedRecord;
  readonly at: number;
  readonly phase: PhaseName;
}

/** Produces `perSecond` records of one tenant every TICK_MS until stopped, labelling each with the current phase. */
class TickProducer {
  readonly produced: Produced[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #n = 0;
  #inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: KafkaTestContext,
    private readonly topic: string,
    private readonly make: (i: number) => GeneratedRecord,
    private readonly sector: 'transport' | 'finance',
    private readonly perSecond: number,
    private readonly phase: () => PhaseName,
  ) {}

  start(): void {
    const perTick = Math.max(1, Math.round((this.perSecond * TICK_MS) / 1000));
    this.#timer = setInterval(() => {
      const records = Array.from({ length: perTick }, () => this.make(this.#n++));
      const at = Date.now();
      const phase = this.phase();
      for (const record of records) this.produced.push({ record, at, phase });
      this.#inFlight = this.#inFlight.then(() => this.ctx.produce(this.topic, records.map((r) => sectorMessage(this.sector, r))));
    }, TICK_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#inFlight;
  }
}

export async function runFairnessKafkaBench(): Promise<BenchResult> {
  const db = await createTestDatabaseFrom(pgAdminUrl());
  const dir = mkdtempSync(join(tmpdir(), 'cg-fairness-kafka-'));
  const ctx = await KafkaTestContext.open('fairness-kafka');
  const { topics, prefix } = await ctx.createSectorTopics();
  const tenantsFile = join(dir, 'tenants.json');
  const quota = { recordsPerSecond: QUOTA, burst: QUOTA };
  writeFileSync(tenantsFile, JSON.stringify({
    tenants: [
      { id: 'a', apiKeySha256: hashApiKey(`cg_bench_a_${randomBytes(18).toString('base64url')}`), sourcePrefixes: ['/beijing/transport'], allowedTypes: '*', quota },
      { id: 'b', apiKeySha256: hashApiKey(`cg_bench_b_${randomBytes(18).toString('base64url')}`), sourcePrefixes: ['/shanghai/finance'], allowedTypes: '*', quota },
    ],
  }));
  const groupId = uniqueGroupId('fairness');
  const gateway = await startGatewayProcess({
    env: { CROSSGATE_STORE: 'postgres', CROSSGATE_PG_URL: db.url, CROSSGATE_TENANTS_FILE: tenantsFile, CROSSGATE_BATCH_LINGER_MS: '50', CROSSGATE_LOG_LEVEL: 'warn', ...kafkaConsumerEnv(topics, groupId) },
    readyTimeoutMs: 120_000,
  });
  const store = await openPostgresStore({ connectionString: db.url, poolSize: 2, queryTimeoutMs: 30_000 });
  let phase: PhaseName = 'other';
  const aPhases: { round: number; from: number; to: number }[] = [];
  try {
    const b = new TickProducer(ctx, topics.finance, (i) => makeValidRecord('cn.gov.finance.payment', i, { idPrefix: `${prefix}-b-`, source: '/shanghai/finance/bank-2' }), 'finance', QUOTA * 0.8, () => phase);
    b.start();
    await sleep(3000); // warm-up: connections, JIT, the first batches anchored
    const transportEnd = async () => [...(await ctx.endOffsets(topics.transport)).values()].reduce((n, v) => n + v, 0n);
    const transportCommitted = async () => [...(await ctx.committedOffsets(groupId, topics.transport)).values()].reduce((n, v) => n + (v > 0n ? v : 0n), 0n);
    let aCount = 0;
    const aRounds: GeneratedRecord[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      phase = `alone ${round}`;
      await sleep(SECONDS * 1000);
      phase = `flood ${round}`;
      const a = new TickProducer(ctx, topics.transport, (i) => makeValidRecord('cn.gov.transport.trip', aCount + i, { idPrefix: `${prefix}-a-`, source: '/beijing/transport/flood' }), 'transport', QUOTA * 5, () => phase);
      const from = Date.now();
      a.start();
      await sleep(SECONDS * 1000);
      await a.stop();
      aPhases.push({ round, from, to: Date.now() });
      aCount += a.produced.length;
      aRounds.push(a.produced.map((p) => p.record));
      phase = 'other';
      // A's backlog drains at A's quota; the next round starts with A silent for real.
      const end = await transportEnd();
      const drainStarted = Date.now();
      while ((await transportCommitted()) < end) {
        if (Date.now() - drainStarted > SECONDS * 12_000) throw new Error('A\'s backlog did not drain');
        await sleep(250);
      }
      console.log(`fairness-kafka: round ${round + 1} done (A produced ${a.produced.length}, drained in ${((Date.now() - drainStarted) / 1000).toFixed(1)} s)`);
    }
    await b.stop();
    const financeEnd = [...(await ctx.endOffsets(topics.finance)).values()].reduce((n, v) => n + v, 0n);
    for (let waited = 0; ; waited += 250) {
      const committed = [...(await ctx.committedOffsets(groupId, topics.finance)).values()].reduce((n, v) => n + (v > 0n ? v : 0n), 0n);
      if (committed >= financeEnd) break;
      if (waited > 120_000) throw new Error('B\'s records were not all committed');
      await sleep(250);
    }

    const stored = new Map<string, number>();
    const ids = b.produced.map((p) => ({ source: p.record.source, id: p.record.id }));
    for (let i = 0; i < ids.length; i += 5000) {
      for (const row of await store.findRecords(ids.slice(i, i + 5000))) stored.set(row.recordId.id, row.acceptedAt);
    }
    const bLost = b.produced.filter((p) => !stored.has(p.record.id)).length;
    const latencies = (name: string) => b.produced.filter((p) => p.phase === name).map((p) => (stored.get(p.record.id) ?? Number.NaN) - p.at).filter(Number.isFinite);
    const aloneP99s: number[] = [];
    const floodP99s: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      aloneP99s.push(percentile(latencies(`alone ${round}`), 99));
      floodP99s.push(percentile(latencies(`flood ${round}`), 99));
      console.log(`fairness-kafka: round ${round + 1}: B p99 alone ${aloneP99s.at(-1)} ms, while A floods ${floodP99s.at(-1)} ms`);
    }
    // A's rate per round: its records over the time from its first accepted to its last.
    const aRates: number[] = [];
    let aLost = 0;
    for (const records of aRounds) {
      const accepted: number[] = [];
      for (let i = 0; i < records.length; i += 5000) {
        for (const row of await store.findRecords(records.slice(i, i + 5000).map((r) => ({ source: r.source, id: r.id })))) accepted.push(row.acceptedAt);
      }
      aLost += records.length - accepted.length;
      accepted.sort((x, y) => x - y);
      aRates.push(Math.round(accepted.length / Math.max(((accepted.at(-1) ?? 0) - (accepted[0] ?? 0)) / 1000, 1e-9)));
    }
    const median = (values: number[]) => percentile(values, 50);
    const floodedP99 = median(floodP99s);
    const aloneP99 = median(aloneP99s);
    const metrics: Record<string, Figure> = {
      'B produce-to-accepted p99 while A floods at 5x its quota (median of rounds)': { value: floodedP99, unit: 'ms' },
      'B records lost (all phases)': { value: bLost, unit: 'records' },
      'B records produced': { value: b.produced.length, unit: 'records' },
      'A records accepted/s, first to last of a round (median of rounds)': { value: percentile(aRates, 50), unit: 'records/s' },
      'A records lost': { value: aLost, unit: 'records' },
      'quota of each tenant': { value: QUOTA, unit: 'records/s' },
      'B offered rate': { value: QUOTA * 0.8, unit: 'records/s' },
      'A offered rate while flooding': { value: QUOTA * 5, unit: 'records/s' },
    };
    return {
      scenario: 'fairness-kafka',
      date: new Date().toISOString(),
      metrics,
      baseline: { 'B produce-to-accepted p99 alone (median of rounds)': { value: aloneP99, unit: 'ms' } },
      ratio: Math.round((floodedP99 / aloneP99) * 1000) / 1000,
      notes: [
        `Two tenants with quota ${QUOTA} records/s (burst ${QUOTA}), A on the transport topic, B on the finance topic (3 partitions each); B at 80 % of its quota throughout, A silent then at 5x for ${SECONDS} s each, then A's backlog drained; ${ROUNDS} rounds; PostgreSQL store, embedded ledger, linger 50 ms; ratio = B p99 flooded / B p99 alone (bound: 2)`,
        `rounds' B p99 (ms): alone ${aloneP99s.join(', ')}; while A floods ${floodP99s.join(', ')}; A accepted/s: ${aRates.join(', ')}`,
        `${cpus().length} CPU(s): ${cpus()[0]?.model ?? 'unknown'}; producers in the same machine`,
      ],
      data: { aPhases },
    };
  } finally {
    await store.close();
    await gateway.stop();
    await gateway.cleanup();
    await ctx.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
