/**
 * Chaos: invariant 1 under faults. "A crash anywhere, then restart: one receipt per valid record,
 * none missing." One real gateway process (`node dist/src/main.js`, PostgreSQL store, embedded ledger)
 * takes continuous load on both doors while the bench
 *
 * - SIGKILLs it CROSSGATE_BENCH_CHAOS_CYCLES times (100) at seeded random moments (uptime after ready
 *   uniform in [1, CROSSGATE_BENCH_CHAOS_UP_MAX_S (6)] s, then 0-1 s down) and restarts it on the same
 *   data directory;
 * - once each, between cycles (after a quarter, half and three quarters of them), with the gateway
 *   running: kills PostgreSQL (`pg_ctl stop -m immediate`), kill -9s the Kafka broker, and stops the
 *   chain, each for a while, then brings it back. PostgreSQL and Kafka are down for
 *   CROSSGATE_BENCH_CHAOS_SERVICE_DOWN_S (10) s; the chain for CROSSGATE_BENCH_CHAOS_CHAIN_STOP_S (60) s.
 *   The chain is the embedded ledger inside the gateway process: there is no pause route or switch
 *   (Pipeline.pauseAnchoring exists but nothing exposes it), so the chain is stopped the way the
 *   ledger offers to operators: while `<data dir>/ledger/MAINTENANCE` exists it refuses every write
 *   with CG_CHAIN_UNAVAILABLE (retryable), as a chain that does not answer would.
 *
 * Load: REST, POST /v1/records/batch of CROSSGATE_BENCH_CHAOS_BATCH (20) records at
 * CROSSGATE_BENCH_CHAOS_REST_RATE (150) records/s, each request re-sent with the same records (same
 * (source, id)) until every item is answered accepted or duplicate (connection refused, 429/503 and
 * `overloaded` items are retried); Kafka, CROSSGATE_BENCH_CHAOS_KAFKA_RATE (150) records/s over the
 * three sector topics in their wire formats, a failed send re-sent until acknowledged (acks=-1).
 *
 * After the faults the load stops (REST requests out are finished), the bench waits until every
 * Kafka offset is committed and every batch in the store is anchored, then checks every accepted
 * record (REST: answered accepted/duplicate; Kafka: acknowledged by the broker):
 * - exactly one row in the store's records table (its primary key is (source, id), so a second
 *   acceptance would show as the record's digest among the leaves of a second batch: counted too);
 * - GET /v1/records/{source}/{id}/receipt answers 200 with a receipt that verifies offline
 *   (src/core/receipt.ts verifyReceipt, with the record for the digest check; then verifyAnchor
 *   against the embedded ledger read from the data directory), names the store's batch, and is signed
 *   by the one gateway key;
 * - the ledger's hash chain verifies and anchors each batch once.
 * Lost = accepted records without a store row or a receipt; duplicated = records in more than one
 * batch or with more than one row. Exit code 1 when lost, duplicated or invalid receipts > 0.
 *
 *   npm run bench -- chaos
 *   CROSSGATE_BENCH_CHAOS_CYCLES=3 CROSSGATE_BENCH_CHAOS_CHAIN_STOP_S=5 npm run bench -- chaos
 *
 * Services: its OWN PostgreSQL and Kafka, under CROSSGATE_BENCH_CHAOS_STATE_DIR (/tmp/crossgate-chaos),
 * started with scripts/postgres.sh and scripts/kafka.sh; it kills and restarts those, never the
 * default /tmp/crossgate-services ones (it refuses that directory).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { openEmbeddedLedger } from '../adapters/chains/embedded/embedded-ledger.js';
import { sectors, type Sector } from '../adapters/kafka/topics.js';
import { toHex } from '../src/core/encoding.js';
import { verifyAnchor, verifyReceipt } from '../src/core/receipt.js';
import { generatePrivateKey, newSigner } from '../src/core/signer.js';
import type { AnchoredBatch } from '../src/core/ports.js';
import type { Receipt } from '../src/core/types.js';
import { REPO_ROOT, startGatewayProcess, type GatewayProcess } from '../test/support/gateway.js';
import { brokersEnv, KafkaTestContext, kafkaConsumerEnv, uniqueGroupId } from '../test/support/kafka.js';
import type { GeneratedRecord } from '../test/support/record-factory.js';
import { KafkaLoad, kafkaRecord, keyOf, RestLoad, restRecord, scrapeMetrics, sleep } from './load.js';
import { createTestDatabaseFrom } from './rest.js';
import type { BenchResult } from './result.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const CYCLES = env('CROSSGATE_BENCH_CHAOS_CYCLES', 100);
const CHAIN_STOP_S = env('CROSSGATE_BENCH_CHAOS_CHAIN_STOP_S', 60);
const SERVICE_DOWN_S = env('CROSSGATE_BENCH_CHAOS_SERVICE_DOWN_S', 10);
const SEED = env('CROSSGATE_BENCH_CHAOS_SEED', 15);
const UP_MIN_S = 1;
const UP_MAX_S = env('CROSSGATE_BENCH_CHAOS_UP_MAX_S', 6);
const REST_RATE = env('CROSSGATE_BENCH_CHAOS_REST_RATE', 150);
const KAFKA_RATE = env('CROSSGATE_BENCH_CHAOS_KAFKA_RATE', 150);
const BATCH = env('CROSSGATE_BENCH_CHAOS_BATCH', 20);
const DRAIN_TIMEOUT_S = env('CROSSGATE_BENCH_CHAOS_DRAIN_TIMEOUT_S', 300);
const SESSION_TIMEOUT_MS = env('CROSSGATE_BENCH_CHAOS_SESSION_TIMEOUT_MS', 6000);
const RETRY_MAX_MS = env('CROSSGATE_BENCH_CHAOS_RETRY_MAX_MS', 5000);
const STATE_DIR = resolve(process.env['CROSSGATE_BENCH_CHAOS_STATE_DIR'] ?? '/tmp/crossgate-chaos');

/** mulberry32: a small seeded PRNG, so a run's fault moments can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FaultEntry {
  /** Seconds since the load started. */
  readonly at: number;
  readonly kind: 'gateway-sigkill' | 'postgres-immediate-stop' | 'kafka-sigkill' | 'chain-stop' | 'gateway-unexpected-exit';
  /** Milliseconds the fault lasted: down to ready again (gateway), or down time (services, chain). */
  readonly ms: number;
  readonly detail?: string;
}

function script(name: 'postgres.sh' | 'kafka.sh', command: string): string {
  return execFileSync('bash', [join(REPO_ROOT, 'scripts', name), command], {
    encoding: 'utf8',
    env: { ...process.env, CROSSGATE_STATE_DIR: STATE_DIR },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

function pgCtl(): string {
  const found = readdirSync('/usr/lib/postgresql').map((v) => join('/usr/lib/postgresql', v, 'bin', 'pg_ctl')).filter((p) => existsSync(p)).sort();
  const last = found.at(-1);
  if (last === undefined) throw new Error('no pg_ctl under /usr/lib/postgresql/*/bin');
  return last;
}

/** `pg_ctl stop -m immediate` on this bench's own cluster (as its owner, like scripts/postgres.sh). */
function killPostgres(): void {
  const args = ['-D', join(STATE_DIR, 'postgres', 'data'), 'stop', '-m', 'immediate'];
  if (process.getuid?.() === 0) execFileSync('runuser', ['-u', 'postgres', '--', pgCtl(), ...args], { stdio: 'ignore' });
  else execFileSync(pgCtl(), args, { stdio: 'ignore' });
}

/** kill -9 of this bench's own broker (the pid file of scripts/kafka.sh, checked against its config). */
function killKafka(): number {
  const stateKafka = join(STATE_DIR, 'kafka');
  const pid = Number(readFileSync(join(stateKafka, 'kafka.pid'), 'utf8').trim());
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  if (!cmdline.includes(join(stateKafka, 'server.properties'))) throw new Error(`pid ${pid} is not the broker of ${stateKafka}`);
  process.kill(pid, 'SIGKILL');
  return pid;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function runChaosBench(): Promise<BenchResult> {
  if (STATE_DIR === resolve('/tmp/crossgate-services')) {
    throw new Error('chaos kills its PostgreSQL and Kafka: give it its own CROSSGATE_BENCH_CHAOS_STATE_DIR, not the shared /tmp/crossgate-services');
  }
  const runStarted = performance.now();
  script('postgres.sh', 'start');
  script('kafka.sh', 'start');
  const adminUrl = script('postgres.sh', 'url');
  const bootstrap = script('kafka.sh', 'brokers');
  process.env[brokersEnv] = bootstrap;
  const random = prng(SEED);
  const tag = `chaos-${randomBytes(3).toString('hex')}`;
  const apiKey = `cg_bench_${randomBytes(24).toString('base64url')}`;
  const ctx = await KafkaTestContext.open('crossgate-bench-chaos');
  const db = await createTestDatabaseFrom(adminUrl);
  const { topics } = await ctx.createSectorTopics();
  const groupId = uniqueGroupId('chaos');
  const faults: FaultEntry[] = [];
  const startFailures: string[] = [];
  let gw: GatewayProcess | undefined;
  const t0 = performance.now();
  const at = () => Math.round((performance.now() - t0) / 100) / 10;
  try {
    gw = await startGatewayProcess({
      env: {
        CROSSGATE_STORE: 'postgres',
        CROSSGATE_PG_URL: db.url,
        CROSSGATE_DEV_API_KEY: apiKey,
        CROSSGATE_LOG_LEVEL: 'warn',
        CROSSGATE_KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
        CROSSGATE_RETRY_MAX_MS: String(RETRY_MAX_MS),
        ...kafkaConsumerEnv(topics, groupId, bootstrap),
      },
      readyTimeoutMs: 120_000,
    });
    const gateway = gw;
    const maintenance = join(gateway.dataDir, 'ledger', 'MAINTENANCE');
    // A kafkajs client of its own with patient retries: the broker goes away on purpose.
    const kafka = new Kafka({
      clientId: 'crossgate-bench-chaos-load',
      brokers: bootstrap.split(','),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 15000,
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 3000 },
    });
    const rest = new RestLoad({ url: () => gateway.url, apiKey, recordsPerSecond: REST_RATE, batchSize: BATCH, tag, maxInFlight: 32, retryUntilAnswered: true });
    const producer = new KafkaLoad({ kafka, topics, recordsPerSecond: KAFKA_RATE, tag });

    /** Starts the gateway again until it is ready (it may not start while PostgreSQL is down). */
    const restart = async () => {
      for (;;) {
        try {
          await gateway.restart();
          return;
        } catch (error) {
          startFailures.push(`${at()} s: ${(error as Error).message.split('\n')[0] ?? ''}`);
          await gateway.kill9();
          await sleep(1000);
        }
      }
    };
    /** Restarts the gateway if it exited on its own (a finding: logged as a fault with its last lines). */
    const ensureAlive = async () => {
      if (alive(gateway.pid)) return;
      const since = performance.now();
      const tail = gateway.output.slice(-8).join(' | ').slice(0, 1500);
      await gateway.kill9();
      await restart();
      faults.push({ at: at(), kind: 'gateway-unexpected-exit', ms: Math.round(performance.now() - since), detail: tail });
    };
    /** Sleeps `ms`, checking every 250 ms that the gateway still runs. */
    const watch = async (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until) {
        await sleep(Math.min(250, until - performance.now()));
        await ensureAlive();
      }
    };
    const ready = async (timeoutMs: number) => {
      const until = performance.now() + timeoutMs;
      while (performance.now() < until) {
        await ensureAlive();
        try {
          const res = await fetch(`${gateway.url}/health/ready`, { signal: AbortSignal.timeout(2000) });
          if (res.status === 200) return true;
        } catch { /* not yet */ }
        await sleep(250);
      }
      return false;
    };

    const faultAfter = new Map<number, 'postgres' | 'kafka' | 'chain'>([
      [Math.floor(CYCLES / 4), 'postgres'],
      [Math.floor(CYCLES / 2), 'kafka'],
      [Math.floor((3 * CYCLES) / 4), 'chain'],
    ]);
    const runFault = async (fault: 'postgres' | 'kafka' | 'chain') => {
      const since = performance.now();
      const before = { ...rest.counters.statuses };
      let detail = '';
      if (fault === 'postgres') {
        killPostgres();
        await watch(SERVICE_DOWN_S * 1000);
        script('postgres.sh', 'start');
        const back = await ready(120_000);
        detail = `down ${SERVICE_DOWN_S} s; gateway /health/ready 200 again ${back ? `${Math.round(performance.now() - since) / 1000} s after the kill` : 'NOT within 120 s'}`;
      } else if (fault === 'kafka') {
        const pid = killKafka();
        await watch(SERVICE_DOWN_S * 1000);
        script('kafka.sh', 'start');
        const back = await ready(120_000);
        detail = `broker pid ${pid} SIGKILLed, down ${SERVICE_DOWN_S} s; gateway ready again ${back ? `${Math.round(performance.now() - since) / 1000} s after the kill` : 'NOT within 120 s'}`;
      } else {
        writeFileSync(maintenance, 'chaos bench: chain stopped\n');
        let outboxMax = 0;
        const until = performance.now() + CHAIN_STOP_S * 1000;
        while (performance.now() < until) {
          await watch(Math.min(1000, until - performance.now()));
          const m = await scrapeMetrics(gateway.url).catch(() => new Map<string, number>());
          outboxMax = Math.max(outboxMax, m.get('crossgate_outbox_depth_batches') ?? m.get('crossgate_outbox_depth') ?? 0);
        }
        rmSync(maintenance, { force: true });
        detail = `<data dir>/ledger/MAINTENANCE for ${CHAIN_STOP_S} s; outbox depth max ${outboxMax} batches`;
      }
      const after = rest.counters.statuses;
      const delta = Object.keys(after).filter((s) => s !== '200').map((s) => `${s}: ${(after[s] ?? 0) - (before[s] ?? 0)}`).filter((d) => !d.endsWith(': 0'));
      const kind = fault === 'postgres' ? 'postgres-immediate-stop' : fault === 'kafka' ? 'kafka-sigkill' : 'chain-stop';
      faults.push({ at: at(), kind, ms: Math.round(performance.now() - since), detail: `${detail}; REST answers other than 200 meanwhile: ${delta.join(', ') || 'none'}` });
      console.log(`chaos: ${kind} done at ${at()} s: ${detail}`);
    };

    await producer.start();
    rest.start();
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await watch((UP_MIN_S + random() * (UP_MAX_S - UP_MIN_S)) * 1000);
      const killedAt = performance.now();
      await gateway.kill9();
      await sleep(random() * 1000);
      await restart();
      faults.push({ at: at(), kind: 'gateway-sigkill', ms: Math.round(performance.now() - killedAt) });
      if ((cycle + 1) % 10 === 0 || CYCLES <= 10) console.log(`chaos: cycle ${cycle + 1}/${CYCLES} at ${at()} s; REST answered ${rest.answered.length}, Kafka acknowledged ${producer.total}`);
      const fault = faultAfter.get(cycle);
      if (fault !== undefined) await runFault(fault);
    }
    const loadSeconds = (performance.now() - t0) / 1000;
    console.log('chaos: faults done; stopping the load and draining');
    await Promise.all([rest.stop(), producer.stop()]);

    // Drain: every Kafka offset committed, every batch anchored.
    const drainStarted = performance.now();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      for (;;) {
        await ensureAlive();
        const [committed, end] = [await ctx.committedTotal(groupId, topics), await ctx.endTotal(topics)];
        const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM batches WHERE state <> 'anchored'`);
        if (committed >= end && Number(rows[0]?.n) === 0) break;
        if (performance.now() - drainStarted > DRAIN_TIMEOUT_S * 1000) throw new Error(`not drained within ${DRAIN_TIMEOUT_S} s: Kafka committed ${committed} of ${end}, ${rows[0]?.n} batches not anchored`);
        await sleep(500);
      }
      const drainSeconds = (performance.now() - drainStarted) / 1000;
      console.log(`chaos: drained in ${drainSeconds.toFixed(1)} s; checking receipts`);
      const checkStarted = performance.now();
      const check = await checkEverything(client, gateway, apiKey, tag, rest, producer);
      const checkSeconds = (performance.now() - checkStarted) / 1000;
      const kills = faults.filter((f) => f.kind === 'gateway-sigkill');
      const unexpected = faults.filter((f) => f.kind === 'gateway-unexpected-exit');
      const bad = check.lost + check.duplicated + check.invalidReceipts + check.doubleAnchoredBatches + (check.ledgerOk ? 0 : 1) + rest.counters.rejected;
      if (bad > 0) process.exitCode = 1;
      const restartMs = kills.map((f) => f.ms).sort((a, b) => a - b);
      const short = CYCLES < 100 || CHAIN_STOP_S < 60;
      return {
        scenario: 'chaos',
        date: new Date().toISOString(),
        metrics: {
          pass: { value: bad === 0 ? 1 : 0, unit: '1 when nothing was lost or duplicated and every receipt verified, else 0' },
          cycles: { value: kills.length, unit: 'gateway SIGKILLs and restarts' },
          'faults: PostgreSQL immediate stops': { value: faults.filter((f) => f.kind === 'postgres-immediate-stop').length, unit: 'faults' },
          'faults: Kafka broker SIGKILLs': { value: faults.filter((f) => f.kind === 'kafka-sigkill').length, unit: 'faults' },
          'faults: chain stops': { value: faults.filter((f) => f.kind === 'chain-stop').length, unit: 'faults' },
          'gateway exits not caused by the bench': { value: unexpected.length, unit: 'exits' },
          'records accepted': { value: check.expected, unit: 'records' },
          'records accepted, REST (answered accepted or duplicate)': { value: check.expectedRest, unit: 'records' },
          'records accepted, Kafka (acknowledged by the broker)': { value: check.expectedKafka, unit: 'records' },
          receipts: { value: check.receipts, unit: 'receipts (200, verified offline and against the ledger)' },
          lost: { value: check.lost, unit: 'records' },
          duplicated: { value: check.duplicated, unit: 'records' },
          'invalid receipts': { value: check.invalidReceipts, unit: 'receipts' },
          'batches anchored more than once on the ledger': { value: check.doubleAnchoredBatches, unit: 'batches' },
          'store rows not from an accepted record': { value: check.unexpectedRows, unit: 'records' },
          'valid records rejected': { value: rest.counters.rejected, unit: 'records' },
          'REST answered duplicate (a retry of a record already accepted)': { value: rest.counters.duplicate, unit: 'records' },
          'REST requests (incl. retries)': { value: rest.counters.requests, unit: 'requests' },
          'gateway kill to ready again, median': { value: restartMs[Math.floor(restartMs.length / 2)] ?? Number.NaN, unit: 'ms' },
          'gateway kill to ready again, max': { value: restartMs.at(-1) ?? Number.NaN, unit: 'ms' },
          'batches': { value: check.batches, unit: 'batches' },
          'load seconds': { value: Math.round(loadSeconds), unit: 's' },
          'drain seconds': { value: Math.round(drainSeconds), unit: 's' },
          'check seconds': { value: Math.round(checkSeconds), unit: 's' },
          'whole run seconds': { value: Math.round((performance.now() - runStarted) / 1000), unit: 's' },
        },
        baseline: {
          'records offered, REST (issued)': { value: rest.issued, unit: 'records' },
          'records offered, Kafka (acknowledged)': { value: producer.total, unit: 'records' },
        },
        ratio: check.expected === 0 ? 0 : Math.round((check.receipts / check.expected) * 1e6) / 1e6,
        notes: [
          ...(short ? [`SHORT RUN: ${CYCLES} cycles, chain stopped ${CHAIN_STOP_S} s (the full run is 100 cycles and 60 s)`] : []),
          `seed ${SEED}: gateway up ${UP_MIN_S}-${UP_MAX_S} s after ready, then SIGKILL, 0-1 s down, restart on the same data directory; PostgreSQL (pg_ctl stop -m immediate) and the Kafka broker (kill -9) each down ${SERVICE_DOWN_S} s, after cycles ${[...faultAfter.keys()].map((c) => c + 1).join(', ')} (PostgreSQL, Kafka, chain)`,
          'chain stop: the embedded ledger runs inside the gateway and has no pause route or switch (Pipeline.pauseAnchoring is not exposed); the bench creates <data dir>/ledger/MAINTENANCE, which makes the ledger refuse writes with CG_CHAIN_UNAVAILABLE (retryable) until removed',
          `load: REST ${REST_RATE} records/s in batches of ${BATCH} (POST /v1/records/batch), each re-sent with the same (source, id) until every item is accepted or duplicate; Kafka ${KAFKA_RATE} records/s over three sector topics (structured JSON, binary ce_ headers, CSV), a failed send re-sent until acknowledged (acks=-1, idempotent producer)`,
          `gateway: node dist/src/main.js, PostgreSQL store, embedded ledger, defaults except CROSSGATE_KAFKA_SESSION_TIMEOUT_MS=${SESSION_TIMEOUT_MS} (the minimum: a SIGKILLed member otherwise holds its partitions for the 30 s default) and CROSSGATE_RETRY_MAX_MS=${RETRY_MAX_MS} (anchoring retries back off to 5 s, not 30 s)`,
          'check: each accepted record has one store row, its digest in one batch\'s leaves only, and a receipt (GET /v1/records/{source}/{id}/receipt, 200) that verifyReceipt accepts (with the record as sent for REST and the structured transport topic, so the digest is checked; finance binary and telecom CSV envelopes are rebuilt by the decoders, so there the digest is compared with the store row instead), that names the store\'s batch and the one signer key, and that verifyAnchor accepts against the embedded ledger; the ledger chain verifies and anchors each batch once',
          `ratio: receipts / records accepted; services: own PostgreSQL and Kafka under ${STATE_DIR}; machine: ${process.platform} ${process.arch}, ${cpus().length} cores, shared`,
        ],
        data: {
          faults: faults.filter((f) => f.kind !== 'gateway-sigkill'),
          gatewayKillToReadyMs: restartMs,
          gatewayStartFailures: startFailures.slice(0, 20),
          restStatuses: rest.counters.statuses,
          restRetries: rest.counters.retries,
          rejectedSamples: rest.rejectedSamples,
          kafkaFailedSends: producer.failedSends,
          kafkaProducersRenewed: producer.producersRenewed,
          problems: check.problems.slice(0, 20),
        },
      };
    } finally {
      await client.end();
    }
  } finally {
    await gw?.stop();
    await gw?.cleanup();
    await ctx.close().catch(() => undefined);
    await db.drop();
  }
}

interface Check {
  expected: number;
  expectedRest: number;
  expectedKafka: number;
  receipts: number;
  lost: number;
  duplicated: number;
  invalidReceipts: number;
  doubleAnchoredBatches: number;
  unexpectedRows: number;
  batches: number;
  ledgerOk: boolean;
  problems: string[];
}

interface Expected {
  readonly record: GeneratedRecord;
  /** The envelope reaches the gateway as sent, so the receipt's digest can be checked against it. */
  readonly exact: boolean;
}

async function checkEverything(client: pg.Client, gw: GatewayProcess, apiKey: string, tag: string, rest: RestLoad, producer: KafkaLoad): Promise<Check> {
  const problems: string[] = [];
  const expected = new Map<string, Expected>();
  for (const i of rest.answered) {
    const record = restRecord(tag, i);
    expected.set(keyOf(record), { record, exact: true });
  }
  const expectedRest = expected.size;
  for (const sector of sectors) {
    for (let i = 0; i < producer.acknowledged[sector]; i++) {
      const record = kafkaRecord(tag, sector, i);
      expected.set(keyOf(record), { record, exact: sector === ('transport' satisfies Sector) });
    }
  }

  // The store: rows per (source, id), and each digest among the leaves of how many batches.
  const { rows } = await client.query<{ source: string; id: string; batch_id: string; digest: string }>('SELECT source, id, batch_id, digest FROM records');
  const rowsOf = new Map<string, { batchId: string; digest: string; n: number }>();
  for (const row of rows) {
    const key = `${row.source}\u0000${row.id}`;
    const seen = rowsOf.get(key);
    if (seen) seen.n += 1;
    else rowsOf.set(key, { batchId: row.batch_id, digest: row.digest, n: 1 });
  }
  const leafCount = new Map<string, number>();
  const batchRows = await client.query<{ id: string; leaves: Buffer | null }>('SELECT id, leaves FROM batches');
  for (const batch of batchRows.rows) {
    const leaves = batch.leaves ?? Buffer.alloc(0);
    for (let at = 0; at + 32 <= leaves.length; at += 32) {
      const digest = toHex(leaves.subarray(at, at + 32));
      leafCount.set(digest, (leafCount.get(digest) ?? 0) + 1);
    }
  }

  // The ledger, read-only from the data directory (the gateway keeps writing it; everything is anchored).
  const ledger = await openEmbeddedLedger({ dir: join(gw.dataDir, 'ledger'), signer: newSigner('Ed25519', generatePrivateKey('Ed25519')), clock: { now: () => Date.now() }, readOnly: true });
  const anchors = new Map<string, number>();
  for (const line of readFileSync(join(gw.dataDir, 'ledger', 'ledger.jsonl'), 'utf8').split('\n')) {
    if (line === '') continue;
    for (const a of (JSON.parse(line) as { anchors: { batchId: string }[] }).anchors) anchors.set(a.batchId, (anchors.get(a.batchId) ?? 0) + 1);
  }
  const verification = ledger.verifyChain();
  if (!verification.ok) problems.push(`ledger: ${verification.message} at height ${verification.height}`);
  const lookups = new Map<string, Promise<AnchoredBatch | undefined>>();

  let receipts = 0;
  let lost = 0;
  let duplicated = 0;
  let invalidReceipts = 0;
  const signers = new Set<string>();
  const entries = [...expected];
  // Batch order keeps the gateway's tree cache warm.
  entries.sort(([a], [b]) => (rowsOf.get(a)?.batchId ?? '').localeCompare(rowsOf.get(b)?.batchId ?? ''));
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const [key, { record, exact }] = entries[next++] as [string, Expected];
      const row = rowsOf.get(key);
      if (row === undefined) {
        lost += 1;
        if (problems.length < 20) problems.push(`no store row: ${key.replace('\u0000', ' ')}`);
        continue;
      }
      if (row.n > 1 || (leafCount.get(row.digest) ?? 0) > 1) duplicated += 1;
      const res = await fetch(`${gw.url}/v1/records/${encodeURIComponent(record.source)}/${encodeURIComponent(record.id)}/receipt`, { headers: { authorization: `Bearer ${apiKey}` } });
      const text = await res.text();
      if (res.status !== 200) {
        lost += 1;
        if (problems.length < 20) problems.push(`receipt ${res.status}: ${key.replace('\u0000', ' ')}: ${text.slice(0, 200)}`);
        continue;
      }
      receipts += 1;
      const receipt = JSON.parse(text) as Receipt;
      const verdict = verifyReceipt(receipt, exact ? { record } : {});
      let why = verdict.ok ? '' : `${verdict.check}: ${verdict.message}`;
      if (verdict.ok) {
        if (receipt.recordId.source !== record.source || receipt.recordId.id !== record.id) why = 'names another record';
        else if (receipt.batch.id !== row.batchId) why = `batch ${receipt.batch.id}, store says ${row.batchId}`;
        else if (receipt.digest !== row.digest) why = 'digest differs from the store row';
        else {
          let lookup = lookups.get(receipt.batch.id);
          if (lookup === undefined) {
            lookup = ledger.lookup(receipt.batch.id);
            lookups.set(receipt.batch.id, lookup);
          }
          const anchored = verifyAnchor(receipt, await lookup);
          if (!anchored.ok) why = `${anchored.check}: ${anchored.message}`;
        }
      }
      signers.add(receipt.batch.signer.keyId);
      if (why !== '') {
        invalidReceipts += 1;
        if (problems.length < 20) problems.push(`receipt of ${key.replace('\u0000', ' ')}: ${why}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  await ledger.close();
  if (signers.size > 1) {
    problems.push(`receipts signed by ${signers.size} keys: ${[...signers].join(', ')}`);
    invalidReceipts += 1;
  }
  let unexpectedRows = 0;
  for (const key of rowsOf.keys()) if (!expected.has(key)) unexpectedRows += 1;
  const doubleAnchoredBatches = [...anchors.values()].filter((n) => n > 1).length;
  const unanchored = batchRows.rows.filter((b) => !anchors.has(b.id)).length;
  if (unanchored > 0) problems.push(`${unanchored} store batches not on the ledger`);
  return {
    expected: expected.size,
    expectedRest,
    expectedKafka: expected.size - expectedRest,
    receipts,
    lost,
    duplicated,
    invalidReceipts,
    doubleAnchoredBatches,
    unexpectedRows,
    batches: batchRows.rows.length,
    ledgerOk: verification.ok && unanchored === 0,
    problems,
  };
}
