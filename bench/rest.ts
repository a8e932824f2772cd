/**
 * REST ingestion throughput: records/s through POST /v1/records/batch (100 records per request) and
 * through POST /v1/records, with p50/p99 latency, measured with autocannon against the real gateway
 * process (`node dist/src/main.js`) on the embedded store and on PostgreSQL. Every request carries
 * fresh record ids, so each record really is validated, hashed, sealed, stored and anchored.
 * Baseline: the same requests against a bare Fastify server that only JSON-parses the body.
 * A request answers once its records are durable in a sealed batch, and batches seal after
 * CROSSGATE_BATCH_LINGER_MS (200 ms) unless full, so throughput needs records in flight: 64 connections
 * x 100 records keep about 6,400 in flight.
 *
 * The batch phase runs CROSSGATE_BENCH_REST_ROUNDS times (3) per server and reports the median round:
 * single runs of the same code on this VM differed by 18 % (27,214 and 32,069 records/s, back to back).
 *
 *   npm run bench -- rest
 *   CROSSGATE_BENCH_SECONDS=30 npm run bench -- rest
 *
 * PostgreSQL: a throwaway database beside CROSSGATE_TEST_PG_URL (or CROSSGATE_BENCH_PG_URL); without
 * either, scripts/postgres.sh starts the local test cluster.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { createTestDatabase, REPO_ROOT, startGatewayProcess, type GatewayProcess } from '../test/support/gateway.js';
import { makeValidRecord, RECORD_TYPES, type RecordType } from '../test/support/record-factory.js';
import { printResult, type BenchResult, type Figure } from './result.js';

const SECONDS = Number(process.env['CROSSGATE_BENCH_SECONDS'] ?? 15);
const BATCH = 100;
const BATCH_CONNECTIONS = Number(process.env['CROSSGATE_BENCH_BATCH_CONNECTIONS'] ?? 64);
const SINGLE_CONNECTIONS = Number(process.env['CROSSGATE_BENCH_SINGLE_CONNECTIONS'] ?? 256);
/** Rounds of the batch phase per server; its figure is the median round's. */
const ROUNDS = Math.max(1, Number(process.env['CROSSGATE_BENCH_REST_ROUNDS'] ?? 3));
const PLACEHOLDER = '\u0000ID\u0000';

/**
 * Request bodies with unique ids, built from pre-serialized templates by string concatenation so the
 * load generator (sharing this 2-core machine) spends little time per request.
 */
/**
 * Request bodies of `size` records with fresh ids, as bytes. The load generator shares the machine
 * with the gateway, so its own work is kept small: the records are encoded to UTF-8 once, and each
 * body is those bytes copied around the new (ASCII) ids. Building a string per request instead and
 * letting autocannon encode it cost the generator ~24 % of its CPU (~2 µs per record).
 */
export function bodyFactory(size: number): () => Buffer {
  const run = randomBytes(4).toString('hex');
  const templates = Array.from({ length: size }, (_, i) => {
    const record = makeValidRecord(RECORD_TYPES[i % RECORD_TYPES.length] as RecordType, i, { source: `/bench/${run}/sector-${i % 3}` });
    record.id = PLACEHOLDER;
    const [before = '', after = ''] = JSON.stringify(record).split(JSON.stringify(PLACEHOLDER));
    return { before: Buffer.from(before), after: Buffer.from(after) };
  });
  const array = size !== 1;
  let seq = 0;
  return () => {
    seq += 1;
    const ids = templates.map((_, i) => `"${run}-${seq}-${i}"`);
    let length = array ? 2 + (size - 1) : 0; // brackets and commas
    templates.forEach((t, i) => { length += t.before.length + (ids[i] as string).length + t.after.length; });
    const body = Buffer.allocUnsafe(length);
    let at = 0;
    if (array) at += body.write('[', at, 'latin1');
    templates.forEach((t, i) => {
      if (array && i > 0) at += body.write(',', at, 'latin1');
      at += t.before.copy(body, at);
      at += body.write(ids[i] as string, at, 'latin1');
      at += t.after.copy(body, at);
    });
    if (array) body.write(']', at, 'latin1');
    return body;
  };
}

export async function load(url: string, path: string, apiKey: string, size: number, connections: number, seconds: number): Promise<Result> {
  const next = bodyFactory(size);
  return autocannon({
    url,
    connections,
    duration: seconds,
    timeout: 30,
    requests: [{
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      setupRequest: (request) => ({ ...request, body: next() }),
    }],
  });
}

export interface Measured { readonly recordsPerSecond: number; readonly p50: number; readonly p99: number; readonly failed: number }

export function measured(result: Result, size: number): Measured {
  return {
    recordsPerSecond: (result['2xx'] * size) / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

interface Phases { readonly batch: Measured; readonly batchRounds: readonly number[]; readonly single: Measured }

async function measureBoth(url: string, apiKey: string): Promise<Phases> {
  await load(url, '/v1/records/batch', apiKey, BATCH, BATCH_CONNECTIONS, 3); // warm-up (JIT, store caches)
  const rounds: Measured[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    rounds.push(measured(await load(url, '/v1/records/batch', apiKey, BATCH, BATCH_CONNECTIONS, SECONDS), BATCH));
  }
  const single = measured(await load(url, '/v1/records', apiKey, 1, SINGLE_CONNECTIONS, SECONDS), 1);
  return { batch: medianRound(rounds), batchRounds: rounds.map((r) => Math.round(r.recordsPerSecond)), single };
}

/** The round with the median records/s (its latencies with it); this VM's speed drifts ±10 % minute to minute. */
function medianRound(rounds: readonly Measured[]): Measured {
  const sorted = [...rounds].sort((a, b) => a.recordsPerSecond - b.recordsPerSecond);
  return sorted[Math.floor(sorted.length / 2)] as Measured;
}

async function withBaselineServer<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const script = fileURLToPath(new URL('./rest-baseline-server.js', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.once('data', (line: string) => resolve(line.trim()));
      child.once('exit', (code) => reject(new Error(`baseline server exited with ${code}`)));
    });
    return await fn(url);
  } finally {
    child.kill('SIGTERM');
  }
}

export function pgAdminUrl(): string {
  const url = process.env['CROSSGATE_BENCH_PG_URL'] ?? process.env['CROSSGATE_TEST_PG_URL'];
  if (url) return url;
  const script = join(REPO_ROOT, 'scripts', 'postgres.sh');
  execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return execFileSync('bash', [script, 'url'], { encoding: 'utf8' }).trim();
}

export async function withGateway<T>(env: Record<string, string>, fn: (gw: GatewayProcess, apiKey: string) => Promise<T>): Promise<T> {
  const apiKey = `cg_bench_${randomBytes(24).toString('base64url')}`;
  const gw = await startGatewayProcess({
    env: { ...env, CROSSGATE_DEV_API_KEY: apiKey, CROSSGATE_LOG_LEVEL: 'warn', CROSSGATE_QUEUE_MAX_RECORDS: '200000' },
    readyTimeoutMs: 180_000,
  });
  try {
    return await fn(gw, apiKey);
  } finally {
    await gw.stop();
    await gw.cleanup();
  }
}

function figures(prefix: string, m: Measured): Record<string, Figure> {
  return {
    [`${prefix} records/s`]: { value: Math.round(m.recordsPerSecond), unit: 'records/s' },
    [`${prefix} p50 latency`]: { value: m.p50, unit: 'ms' },
    [`${prefix} p99 latency`]: { value: m.p99, unit: 'ms' },
    [`${prefix} failed requests`]: { value: m.failed, unit: 'requests' },
  };
}

export async function runRestBench(): Promise<BenchResult> {
  const baseline = await withBaselineServer((url) => measureBoth(url, 'unused'));
  const embedded = await withGateway({ CROSSGATE_STORE: 'embedded' }, (gw, key) => measureBoth(gw.url, key));
  const db = await createTestDatabaseFrom(pgAdminUrl());
  let postgres: Phases;
  try {
    postgres = await withGateway({ CROSSGATE_STORE: 'postgres', CROSSGATE_PG_URL: db.url }, (gw, key) => measureBoth(gw.url, key));
  } finally {
    await db.drop();
  }
  return {
    scenario: 'rest',
    date: new Date().toISOString(),
    metrics: {
      ...figures('embedded batch(100)', embedded.batch),
      ...figures('embedded single', embedded.single),
      ...figures('postgres batch(100)', postgres.batch),
      ...figures('postgres single', postgres.single),
    },
    baseline: {
      ...figures('bare fastify batch(100)', baseline.batch),
      ...figures('bare fastify single', baseline.single),
    },
    ratio: Math.round((embedded.batch.recordsPerSecond / baseline.batch.recordsPerSecond) * 1000) / 1000,
    notes: [
      `autocannon ${SECONDS} s per phase after a 3 s warm-up; batch: ${BATCH_CONNECTIONS} connections x ${BATCH} records/request, ${ROUNDS} rounds, figures of the median round; single: ${SINGLE_CONNECTIONS} connections, one round`,
      `batch rounds, records/s: bare fastify ${baseline.batchRounds.join(' / ')}; embedded ${embedded.batchRounds.join(' / ')}; postgres ${postgres.batchRounds.join(' / ')}`,
      'gateway: node dist/src/main.js as a child process, defaults (linger 200 ms, a batch ready at 1,000 records, one prepare worker per core but one), embedded ledger; load generator on the same machine',
      'ratio: embedded-store batch records/s over bare Fastify (JSON parse only) batch records/s',
      `target: >= 30000 records/s through the batch endpoint; machine: ${process.platform} ${process.arch}, ${(await import('node:os')).cpus().length} cores`,
    ],
  };
}

export async function createTestDatabaseFrom(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const saved = process.env['CROSSGATE_TEST_PG_URL'];
  process.env['CROSSGATE_TEST_PG_URL'] = adminUrl;
  try {
    return await createTestDatabase();
  } finally {
    if (saved === undefined) delete process.env['CROSSGATE_TEST_PG_URL'];
    else process.env['CROSSGATE_TEST_PG_URL'] = saved;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printResult(await runRestBench());
}
