/**
 * Fairness (issue 16, item 6): does one tenant flooding the REST door hurt another? One real gateway
 * process (`node dist/src/main.js`, PostgreSQL store, embedded ledger) with a tenants file of two
 * tenants, A and B, each with a quota of QUOTA records/s (burst QUOTA). B sends at 80 % of its quota
 * (POST /v1/records/batch, 100 records per request, open loop) throughout; in alternating phases of
 * CROSSGATE_BENCH_SECONDS (10) A is silent (baseline) or floods at five times its quota. Per phase:
 * B's request p99, B's records accepted and refused, A's records accepted/s and its 429 answers
 * (with Retry-After). Rounds of (alone, flooded), CROSSGATE_BENCH_ROUNDS (3); medians reported.
 *
 * The ratio is B's p99 under A's flood over B's p99 alone (the bound: at most 2).
 *
 *   npm run bench -- fairness
 *   CROSSGATE_BENCH_FAIRNESS_QUOTA=5000 npm run bench -- fairness
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashApiKey } from '../src/config/tenants.js';
import { startGatewayProcess } from '../test/support/gateway.js';
import { percentile, RestLoad, sleep } from './load.js';
import { createTestDatabaseFrom, pgAdminUrl } from './rest.js';
import type { BenchResult, Figure } from './result.js';

const SECONDS = Number(process.env['CROSSGATE_BENCH_SECONDS'] ?? 10);
const ROUNDS = Number(process.env['CROSSGATE_BENCH_ROUNDS'] ?? 3);
const QUOTA = Number(process.env['CROSSGATE_BENCH_FAIRNESS_QUOTA'] ?? 2000);
const BATCH = 100;

interface Phase {
  readonly flood: boolean;
  readonly bP99Ms: number;
  readonly bAccepted: number;
  readonly bRefused: number;
  readonly aAcceptedPerSecond: number;
  readonly a429: number;
  readonly a429WithRetryAfter: number;
}

const median = (values: number[]): number => percentile(values, 50);

export async function runFairnessBench(): Promise<BenchResult> {
  const db = await createTestDatabaseFrom(pgAdminUrl());
  const dir = mkdtempSync(join(tmpdir(), 'cg-fairness-'));
  const keyA = `cg_bench_a_${randomBytes(18).toString('base64url')}`;
  const keyB = `cg_bench_b_${randomBytes(18).toString('base64url')}`;
  const tenantsFile = join(dir, 'tenants.json');
  const quota = { recordsPerSecond: QUOTA, burst: QUOTA };
  writeFileSync(tenantsFile, JSON.stringify({
    tenants: [
      { id: 'a', apiKeySha256: hashApiKey(keyA), sourcePrefixes: ['/bench'], allowedTypes: '*', quota },
      { id: 'b', apiKeySha256: hashApiKey(keyB), sourcePrefixes: ['/bench'], allowedTypes: '*', quota },
    ],
  }));
  const gateway = await startGatewayProcess({
    env: { CROSSGATE_STORE: 'postgres', CROSSGATE_PG_URL: db.url, CROSSGATE_TENANTS_FILE: tenantsFile, CROSSGATE_LOG_LEVEL: 'warn' },
    readyTimeoutMs: 120_000,
  });
  const tag = randomBytes(4).toString('hex');
  try {
    const b = new RestLoad({ url: () => gateway.url, apiKey: keyB, recordsPerSecond: QUOTA * 0.8, batchSize: BATCH, tag: `${tag}b`, maxInFlight: 64, retryUntilAnswered: false });
    b.start();
    await sleep(3000); // warm-up: connections, JIT, the first batches anchored
    b.takeLatencies();
    const phases: Phase[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const flood of [false, true]) {
        const bBefore = { ...b.counters, statuses: { ...b.counters.statuses } };
        const a = flood
          ? new RestLoad({ url: () => gateway.url, apiKey: keyA, recordsPerSecond: QUOTA * 5, batchSize: BATCH, tag: `${tag}a${round}`, maxInFlight: 256, retryUntilAnswered: false })
          : undefined;
        a?.start();
        const started = performance.now();
        await sleep(SECONDS * 1000);
        await a?.stop();
        const seconds = (performance.now() - started) / 1000;
        const latencies = b.takeLatencies();
        const bRefused = Object.entries(b.counters.statuses).filter(([s]) => s !== '200').reduce((n, [s, c]) => n + c - (bBefore.statuses[s] ?? 0), 0) * BATCH
          + (b.counters.rejected - bBefore.rejected) + (b.counters.overloaded - bBefore.overloaded);
        const phase: Phase = {
          flood,
          bP99Ms: percentile(latencies, 99),
          bAccepted: b.counters.accepted - bBefore.accepted,
          bRefused,
          aAcceptedPerSecond: a === undefined ? 0 : Math.round(a.counters.accepted / seconds),
          a429: a?.counters.statuses['429'] ?? 0,
          a429WithRetryAfter: a?.counters.withRetryAfter ?? 0,
        };
        phases.push(phase);
        console.log(`fairness: round ${round + 1} ${flood ? 'A flooding' : 'B alone   '}: B p99 ${phase.bP99Ms.toFixed(1)} ms, B accepted ${phase.bAccepted}, B refused ${phase.bRefused}, A accepted ${phase.aAcceptedPerSecond}/s, A 429 ${phase.a429}`);
      }
    }
    await b.stop();
    const alone = phases.filter((p) => !p.flood);
    const flooded = phases.filter((p) => p.flood);
    const aloneP99 = median(alone.map((p) => p.bP99Ms));
    const floodedP99 = median(flooded.map((p) => p.bP99Ms));
    const sum = (list: Phase[], pick: (p: Phase) => number) => list.reduce((n, p) => n + pick(p), 0);
    const metrics: Record<string, Figure> = {
      'B request p99 while A floods at 5x its quota (median of rounds)': { value: round1(floodedP99), unit: 'ms' },
      'B records refused while A floods (all rounds)': { value: sum(flooded, (p) => p.bRefused), unit: 'records' },
      'B records accepted while A floods (all rounds)': { value: sum(flooded, (p) => p.bAccepted), unit: 'records' },
      'A records accepted/s while flooding (median of rounds)': { value: median(flooded.map((p) => p.aAcceptedPerSecond)), unit: 'records/s' },
      'A answers 429 (all rounds)': { value: sum(flooded, (p) => p.a429), unit: 'requests' },
      'A answers 429 without Retry-After (all rounds)': { value: sum(flooded, (p) => p.a429 - p.a429WithRetryAfter), unit: 'requests' },
      'quota of each tenant': { value: QUOTA, unit: 'records/s' },
      'B offered rate': { value: QUOTA * 0.8, unit: 'records/s' },
      'A offered rate while flooding': { value: QUOTA * 5, unit: 'records/s' },
    };
    return {
      scenario: 'fairness',
      date: new Date().toISOString(),
      metrics,
      baseline: {
        'B request p99 alone (median of rounds)': { value: round1(aloneP99), unit: 'ms' },
        'B records refused alone (all rounds)': { value: sum(alone, (p) => p.bRefused), unit: 'records' },
      },
      ratio: round3(floodedP99 / aloneP99),
      notes: [
        `Two tenants with quota ${QUOTA} records/s (burst ${QUOTA}); B at 80 % of it throughout, A silent or at 5x in alternating ${SECONDS} s phases, ${ROUNDS} rounds; 100 records per request, open loop; PostgreSQL store, embedded ledger; ratio = B p99 flooded / B p99 alone (bound: 2)`,
        `${cpus().length} CPU(s): ${cpus()[0]?.model ?? 'unknown'}; load generator in the same machine`,
      ],
      data: { phases },
    };
  } finally {
    await gateway.stop();
    await gateway.cleanup();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round1 = (v: number): number => Math.round(v * 10) / 10;
const round3 = (v: number): number => Math.round(v * 1000) / 1000;
