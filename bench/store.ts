/**
 * Store saveBatch throughput: records/s for 5,000-record sealed batches, on PostgreSQL and on the
 * embedded PGlite store. The baseline is the same parameters sent through the same `unnest` insert into
 * a bare table (no keys, no sort, no conflict check, no batch row): what moving the bytes in costs.
 *
 *   node dist/bench/store.js                  both backends (PostgreSQL needs CROSSGATE_TEST_PG_URL);
 *                                             writes bench/results/store.json
 *   CROSSGATE_BENCH_BATCHES=20 node dist/bench/store.js
 *
 * PostgreSQL runs in a throwaway database created beside the one in CROSSGATE_TEST_PG_URL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createPGlite, openEmbeddedStore } from '../adapters/store/embedded-store.js';
import { openPostgresStore } from '../adapters/store/postgres-store.js';
import type { Store } from '../src/core/ports.js';
import type { SealedBatch } from '../src/core/types.js';
import { processCpuMs } from './process-cpu.js';
import { printResult, writeResult, type BenchResult, type Figure } from './result.js';

const BATCH_SIZE = Number(process.env['CROSSGATE_BENCH_BATCH_SIZE'] ?? 5_000);
const BATCHES = Number(process.env['CROSSGATE_BENCH_BATCHES'] ?? 10);

const hex = (n: number): string => randomBytes(n).toString('hex');

function makeBatch(seq: number): SealedBatch {
  const source = `/bench/transport/operator-${seq % 7}`;
  return {
    header: {
      id: hex(32), root: hex(32), size: BATCH_SIZE, sealedAt: '2025-01-01T00:00:00.000Z', prev: null,
      signer: { keyId: 'bench', alg: 'Ed25519', publicKey: randomBytes(32).toString('base64url') },
    },
    signature: randomBytes(64).toString('base64url'),
    records: Array.from({ length: BATCH_SIZE }, (_, i) => ({
      recordId: { source, id: `${seq}-${i}-${hex(8)}` },
      digest: hex(32),
      type: 'cn.gov.transport.trip',
      tenant: 'bench',
      leafIndex: i,
    })),
    // Random leaves: saveBatch stores them as given (receipts check them against the root on read).
    leaves: new Uint8Array(randomBytes(32 * BATCH_SIZE)),
  };
}

interface Rates {
  /** Wall clock: what this machine delivered, whatever else it was running. */
  readonly perSecond: number;
  /** CPU spent per record by this process plus the database backend, in microseconds. */
  readonly cpuMicros: number;
}

/**
 * Saves BATCHES fresh batches one after the other (the batcher's pattern). `serverCpuMs` reads the
 * database server's CPU time for the store's connections (0 for PGlite, which runs in this process).
 */
async function measureSaves(store: Store, serverCpuMs: () => Promise<number>): Promise<Rates> {
  await store.saveBatch(makeBatch(-1), 0); // warm-up: plans, caches
  const batches = Array.from({ length: BATCHES }, (_, i) => makeBatch(i));
  const server0 = await serverCpuMs();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  for (const batch of batches) {
    const result = await store.saveBatch(batch, 1);
    if (!result.ok) throw new Error('bench batch conflicted');
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const serverMs = (await serverCpuMs()) - server0;
  const records = BATCHES * BATCH_SIZE;
  return { perSecond: records / seconds, cpuMicros: (cpu.user + cpu.system + serverMs * 1000) / records };
}

/** BATCHES fresh batches saved by `writers` concurrent loops (several batchers sharing one store). */
async function measureConcurrentSaves(store: Store, writers: number): Promise<number> {
  const batches = Array.from({ length: BATCHES }, (_, i) => makeBatch(1_000 + i));
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: writers }, async () => {
    while (next < batches.length) {
      const result = await store.saveBatch(batches[next++]!, 1);
      if (!result.ok) throw new Error('bench batch conflicted');
    }
  }));
  return (BATCHES * BATCH_SIZE) / ((performance.now() - started) / 1000);
}

/** CPU time (ms) of the server processes serving `database`, read from /proc (same machine only). */
async function backendCpuMs(admin: pg.Client, database: string): Promise<number> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
  // A backend that exited meanwhile counts nothing.
  return rows.reduce((total, { pid }) => total + processCpuMs(pid), 0);
}

interface RawRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** The same parameters through the same unnest into a bare table: no keys, no sort, no conflict check. */
async function measureBaseline(db: RawRunner): Promise<number> {
  await db.query(`CREATE TEMP TABLE bench_raw (source text, id text, digest text, type text, tenant text,
    batch_id text, leaf_index int, accepted_at bigint)`);
  const insert = `INSERT INTO bench_raw
    SELECT r.source, r.id, r.digest, r.type, r.tenant, $6, r.leaf_index, $8::bigint
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $7::int[])
      AS r(source, id, digest, type, tenant, leaf_index)`;
  const params = (b: SealedBatch): unknown[] => [
    b.records.map((r) => r.recordId.source), b.records.map((r) => r.recordId.id), b.records.map((r) => r.digest),
    b.records.map((r) => r.type), b.records.map((r) => r.tenant), b.header.id, b.records.map((r) => r.leafIndex), 1,
  ];
  await db.query(insert, params(makeBatch(-1)));
  const batches = Array.from({ length: BATCHES }, (_, i) => makeBatch(i));
  const started = performance.now();
  for (const batch of batches) await db.query(insert, params(batch));
  return (BATCHES * BATCH_SIZE) / ((performance.now() - started) / 1000);
}

async function benchPostgres(adminUrl: string): Promise<{ saves: Rates; concurrent: number; raw: number }> {
  const database = `cg_bench_${hex(6)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  try {
    const store = await openPostgresStore({ connectionString: url.toString(), poolSize: 2 });
    const saves = await measureSaves(store, () => backendCpuMs(admin, database));
    const concurrent = await measureConcurrentSaves(store, 2);
    await store.close();
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    const raw = await measureBaseline(client);
    await client.end();
    return { saves, concurrent, raw };
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}

async function benchEmbedded(): Promise<{ saves: Rates; raw: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'cg-bench-store-'));
  try {
    const store = await openEmbeddedStore({ dataDir: join(dir, 'store') });
    const saves = await measureSaves(store, () => Promise.resolve(0));
    await store.close();
    const raw = createPGlite(join(dir, 'raw'));
    const rawRate = await measureBaseline(raw);
    await raw.close();
    return { saves, raw: rawRate };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs both backends (PostgreSQL only when CROSSGATE_TEST_PG_URL is set). */
export async function runStoreBench(): Promise<BenchResult> {
  const metrics: Record<string, Figure> = {};
  const baseline: Record<string, Figure> = {};
  const notes = [
    `${BATCHES} batches of ${BATCH_SIZE} records each (leaves kept per batch, no proof per record), saved one after another`,
    'CPU µs/record counts this process and the PostgreSQL backends of the bench database (not the WAL writer or checkpointer); on a busy machine it is the steadier figure',
    `machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`,
  ];
  const adminUrl = process.env['CROSSGATE_TEST_PG_URL'];
  if (adminUrl !== undefined && adminUrl !== '') {
    const r = await benchPostgres(adminUrl);
    metrics['postgres saveBatch'] = { value: Math.round(r.saves.perSecond), unit: 'records/s' };
    metrics['postgres saveBatch, 2 concurrent writers'] = { value: Math.round(r.concurrent), unit: 'records/s' };
    metrics['postgres saveBatch CPU (client + backend)'] = { value: Number(r.saves.cpuMicros.toFixed(2)), unit: 'µs/record' };
    baseline['postgres bare unnest insert'] = { value: Math.round(r.raw), unit: 'records/s' };
  } else {
    notes.push('PostgreSQL skipped: CROSSGATE_TEST_PG_URL is not set (bash scripts/postgres.sh start)');
  }
  const e = await benchEmbedded();
  metrics['pglite saveBatch'] = { value: Math.round(e.saves.perSecond), unit: 'records/s' };
  metrics['pglite saveBatch CPU'] = { value: Number(e.saves.cpuMicros.toFixed(2)), unit: 'µs/record' };
  baseline['pglite bare unnest insert'] = { value: Math.round(e.raw), unit: 'records/s' };
  const headline = metrics['postgres saveBatch'] ?? metrics['pglite saveBatch'];
  const base = baseline['postgres bare unnest insert'] ?? baseline['pglite bare unnest insert'];
  return {
    scenario: 'store',
    date: new Date().toISOString(),
    metrics,
    baseline,
    ratio: headline !== undefined && base !== undefined ? headline.value / base.value : 0,
    notes,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runStoreBench();
  printResult(result);
  console.log(`  written to ${writeResult(result)}`);
}
