/**
 * Soak: does the gateway's memory stay flat under steady load (invariant 3)? One real gateway process
 * (`node dist/src/main.js`, PostgreSQL store, embedded ledger) takes steady load on both doors for
 * CROSSGATE_BENCH_SOAK_MINUTES (30, warm-up included) while every 10 s the bench samples, from the
 * gateway's /metrics, its RSS (process_resident_memory_bytes), V8 heap used (nodejs_heap_size_used_bytes)
 * and event-loop delay p99 (nodejs_eventloop_lag_p99_seconds; prom-client resets that histogram at each
 * scrape, and only this bench scrapes, so it covers the interval), and from the load generator the REST
 * request p99 of the interval. The RSS slope (least squares, MB/min) over the samples after the
 * warm-up (CROSSGATE_BENCH_SOAK_WARMUP_MINUTES, 5) must be at most 1 MB/min, or the run fails
 * (`pass` 0 in the metrics, exit code 1).
 *
 * Load: half the measured maximum. Before the soak the bench measures the REST batch endpoint's
 * maximum for CROSSGATE_BENCH_SOAK_MAX_SECONDS (10) with autocannon (64 connections x 100 records, as
 * bench/rest.ts), then offers half of it, split evenly: a quarter through POST /v1/records/batch
 * (100 records per request, open loop: a request every 100/rate s, at most 64 out) and a quarter
 * produced to the three sector topics (their wire formats). CROSSGATE_BENCH_SOAK_REST_RATE and
 * CROSSGATE_BENCH_SOAK_KAFKA_RATE (records/s) replace the measured rates.
 *
 * Baseline: a second gateway, same configuration (own database, own empty topics), idle, started at
 * the same moment and sampled at the same times: its RSS slope over the same window is what this
 * machine and Node do to a gateway that does nothing. The ratio is the loaded slope over the 1 MB/min
 * limit (a quotient by the idle slope, which is near zero, would be noise).
 *
 * Writes docs/soak.svg (RSS of both gateways and REST p99 over time; hand-written SVG).
 *
 *   npm run bench -- soak
 *   CROSSGATE_BENCH_SOAK_MINUTES=3 CROSSGATE_BENCH_SOAK_WARMUP_MINUTES=1 npm run bench -- soak
 *
 * Diagnosis: CROSSGATE_BENCH_SOAK_NODE_OPTIONS (e.g. `--trace-gc`) is given to both gateways as
 * NODE_OPTIONS, CROSSGATE_BENCH_SOAK_NODE_ARGS replaces node's own arguments (default: those of `npm start`),
 * CROSSGATE_BENCH_SOAK_GATEWAY_ENV (`NAME=value ...`) adds to their environment, and CROSSGATE_BENCH_SOAK_GATEWAY_LOG names a file that gets the loaded gateway's output.
 *
 * Services: CROSSGATE_BENCH_PG_URL / CROSSGATE_TEST_PG_URL and CROSSGATE_TEST_KAFKA_BROKERS, else the
 * scripts start the local ones (as bench/rest.ts and bench/kafka.ts).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { REPO_ROOT, START_NODE_ARGS, startGatewayProcess, type GatewayProcess } from '../test/support/gateway.js';
import { KafkaTestContext, kafkaConsumerEnv, uniqueGroupId } from '../test/support/kafka.js';
import { brokers } from './kafka.js';
import { KafkaLoad, percentile, RestLoad, scrapeMetrics, sleep, slope } from './load.js';
import { bodyFactory, createTestDatabaseFrom, pgAdminUrl } from './rest.js';
import type { BenchResult, Figure } from './result.js';

const MINUTES = Number(process.env['CROSSGATE_BENCH_SOAK_MINUTES'] ?? 30);
const WARMUP_MINUTES = Number(process.env['CROSSGATE_BENCH_SOAK_WARMUP_MINUTES'] ?? 5);
const MAX_SECONDS = Number(process.env['CROSSGATE_BENCH_SOAK_MAX_SECONDS'] ?? 10);
const SAMPLE_MS = 10_000;
const SLOPE_LIMIT = 1; // MB/min
const BATCH = 100;
const MB = 1024 * 1024;

export interface SoakSample {
  /** Seconds since the load started. */
  readonly t: number;
  readonly rssMB: number;
  readonly heapUsedMB: number;
  /** V8 heap committed (nodejs_heap_size_total_bytes) and memory held outside it by Buffers and the like. */
  readonly heapTotalMB: number;
  readonly externalMB: number;
  /** The prepare workers' V8 heaps together (total), which the process heap figures leave out. */
  readonly workerHeapMB: number;
  readonly eventLoopP99Ms: number;
  readonly restP99Ms: number;
  readonly restRequests: number;
  /** Records accepted by the gateway in the interval (its counter), both doors. */
  readonly acceptedPerSecond: number;
  readonly idleRssMB: number;
  readonly idleHeapUsedMB: number;
  readonly idleHeapTotalMB: number;
}

/** CROSSGATE_BENCH_SOAK_GATEWAY_ENV: `NAME=value` pairs, space-separated, given to both gateways (diagnosis: e.g. MALLOC_ARENA_MAX=2). */
function gatewayEnv(): Record<string, string> {
  const given = process.env['CROSSGATE_BENCH_SOAK_GATEWAY_ENV'] ?? '';
  return Object.fromEntries(given.split(/\s+/).filter((pair) => pair.includes('=')).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

const sum = (values: Map<string, number>, name: string): number => {
  let total = 0;
  for (const [series, value] of values) if (series === name || series.startsWith(`${name}{`)) total += value;
  return total;
};

async function measureMaxRest(url: string, apiKey: string): Promise<number> {
  const next = bodyFactory(BATCH);
  const result = await autocannon({
    url,
    connections: 64,
    duration: MAX_SECONDS,
    timeout: 30,
    requests: [{
      method: 'POST',
      path: '/v1/records/batch',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      setupRequest: (request) => ({ ...request, body: next() }),
    }],
  });
  return (result['2xx'] * BATCH) / result.duration;
}

export async function runSoakBench(): Promise<BenchResult> {
  const bootstrap = brokers();
  const adminUrl = pgAdminUrl();
  const ctx = await KafkaTestContext.open('crossgate-bench-soak');
  const loadedDb = await createTestDatabaseFrom(adminUrl);
  const idleDb = await createTestDatabaseFrom(adminUrl);
  const apiKey = `cg_bench_${randomBytes(24).toString('base64url')}`;
  const gateways: GatewayProcess[] = [];
  const tag = randomBytes(4).toString('hex');
  try {
    const loadedTopics = await ctx.createSectorTopics();
    const idleTopics = await ctx.createSectorTopics();
    const nodeOptions = process.env['CROSSGATE_BENCH_SOAK_NODE_OPTIONS'];
    const givenArgs = process.env['CROSSGATE_BENCH_SOAK_NODE_ARGS'];
    const nodeArgs = givenArgs === undefined ? START_NODE_ARGS : givenArgs.split(/\s+/).filter((a) => a !== '');
    const extraEnv = gatewayEnv();
    const common = {
      CROSSGATE_STORE: 'postgres', CROSSGATE_DEV_API_KEY: apiKey, CROSSGATE_LOG_LEVEL: 'warn', ...extraEnv,
      ...(nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions }),
    };
    const [loaded, idle] = await Promise.all([
      startGatewayProcess({ env: { ...common, CROSSGATE_PG_URL: loadedDb.url, ...kafkaConsumerEnv(loadedTopics.topics, uniqueGroupId('soak'), bootstrap) }, readyTimeoutMs: 180_000, nodeArgs }),
      startGatewayProcess({ env: { ...common, CROSSGATE_PG_URL: idleDb.url, ...kafkaConsumerEnv(idleTopics.topics, uniqueGroupId('soak-idle'), bootstrap) }, readyTimeoutMs: 180_000, nodeArgs }),
    ]);
    gateways.push(loaded, idle);

    const givenRest = process.env['CROSSGATE_BENCH_SOAK_REST_RATE'];
    const givenKafka = process.env['CROSSGATE_BENCH_SOAK_KAFKA_RATE'];
    let maxRest: number | undefined;
    if (givenRest === undefined || givenKafka === undefined) {
      maxRest = await measureMaxRest(loaded.url, apiKey);
      console.log(`soak: REST batch maximum ${Math.round(maxRest)} records/s over ${MAX_SECONDS} s`);
      await sleep(5000); // let the measurement's batches anchor before the soak starts
    }
    const restRate = givenRest !== undefined ? Number(givenRest) : Math.round((maxRest as number) / 4);
    const kafkaRate = givenKafka !== undefined ? Number(givenKafka) : Math.round((maxRest as number) / 4);
    console.log(`soak: ${MINUTES} min (warm-up ${WARMUP_MINUTES}), REST ${restRate} records/s, Kafka ${kafkaRate} records/s`);

    const next = bodyFactory(BATCH);
    const rest = new RestLoad({ url: () => loaded.url, apiKey, recordsPerSecond: restRate, batchSize: BATCH, tag, maxInFlight: 64, retryUntilAnswered: false, body: () => next() });
    const kafka = new KafkaLoad({ kafka: ctx.kafka, topics: loadedTopics.topics, recordsPerSecond: kafkaRate, tag });
    await scrapeMetrics(loaded.url); // resets the event-loop histogram
    await scrapeMetrics(idle.url);
    let lastAccepted = sum(await scrapeMetrics(loaded.url), 'crossgate_records_accepted_total');
    await kafka.start();
    rest.start();
    const started = performance.now();
    const samples: SoakSample[] = [];
    const end = started + MINUTES * 60_000;
    let lastAt = started;
    for (let k = 1; started + k * SAMPLE_MS <= end; k++) {
      await sleep(Math.max(0, started + k * SAMPLE_MS - performance.now()));
      const [m, i] = await Promise.all([scrapeMetrics(loaded.url), scrapeMetrics(idle.url)]);
      const now = performance.now();
      const latencies = rest.takeLatencies();
      const accepted = sum(m, 'crossgate_records_accepted_total');
      const sample: SoakSample = {
        t: Math.round((now - started) / 100) / 10,
        rssMB: round2((m.get('process_resident_memory_bytes') ?? Number.NaN) / MB),
        heapUsedMB: round2((m.get('nodejs_heap_size_used_bytes') ?? Number.NaN) / MB),
        heapTotalMB: round2((m.get('nodejs_heap_size_total_bytes') ?? Number.NaN) / MB),
        externalMB: round2((m.get('nodejs_external_memory_bytes') ?? Number.NaN) / MB),
        workerHeapMB: round2((m.get('crossgate_prepare_worker_heap_bytes{kind="total"}') ?? Number.NaN) / MB),
        eventLoopP99Ms: round2((m.get('nodejs_eventloop_lag_p99_seconds') ?? Number.NaN) * 1000),
        restP99Ms: round2(percentile(latencies, 99)),
        restRequests: latencies.length,
        acceptedPerSecond: Math.round((accepted - lastAccepted) / ((now - lastAt) / 1000)),
        idleRssMB: round2((i.get('process_resident_memory_bytes') ?? Number.NaN) / MB),
        idleHeapUsedMB: round2((i.get('nodejs_heap_size_used_bytes') ?? Number.NaN) / MB),
        idleHeapTotalMB: round2((i.get('nodejs_heap_size_total_bytes') ?? Number.NaN) / MB),
      };
      lastAccepted = accepted;
      lastAt = now;
      samples.push(sample);
      console.log(`soak: t=${sample.t}s rss=${sample.rssMB}MB heap=${sample.heapUsedMB}MB (committed ${sample.heapTotalMB}MB, external ${sample.externalMB}MB) workers=${sample.workerHeapMB}MB eld.p99=${sample.eventLoopP99Ms}ms rest.p99=${sample.restP99Ms}ms accepted=${sample.acceptedPerSecond}/s idle.rss=${sample.idleRssMB}MB (heap committed ${sample.idleHeapTotalMB}MB)`);
    }
    await Promise.all([rest.stop(), kafka.stop()]);
    const seconds = (performance.now() - started) / 1000;

    const after = samples.filter((s) => s.t > WARMUP_MINUTES * 60);
    const perMinute = (pick: (s: SoakSample) => number) => slope(after.map((s) => ({ x: s.t / 60, y: pick(s) })));
    const rssSlope = perMinute((s) => s.rssMB);
    const idleSlope = perMinute((s) => s.idleRssMB);
    const heapSlope = perMinute((s) => s.heapUsedMB);
    const heapTotalSlope = perMinute((s) => s.heapTotalMB);
    const externalSlope = perMinute((s) => s.externalMB);
    const idleHeapTotalSlope = perMinute((s) => s.idleHeapTotalMB);
    const workerHeapSlope = perMinute((s) => s.workerHeapMB);
    const pass = Number.isFinite(rssSlope) && rssSlope <= SLOPE_LIMIT;
    if (!pass) process.exitCode = 1;
    const stat = (pick: (s: SoakSample) => number, f: (v: number[]) => number) => round2(f(after.map(pick).filter(Number.isFinite)));
    const median = (v: number[]) => percentile(v, 50);
    const max = (v: number[]) => Math.max(...v);
    const min = (v: number[]) => Math.min(...v);
    const svgFile = join(REPO_ROOT, 'docs', 'soak.svg');
    writeFileSync(svgFile, soakSvg(samples, WARMUP_MINUTES * 60, { rssSlope, idleSlope, restRate, kafkaRate, minutes: MINUTES }));
    const short = MINUTES < 30 || WARMUP_MINUTES < 5;
    const metrics: Record<string, Figure> = {
      pass: { value: pass ? 1 : 0, unit: `1 when the RSS slope <= ${SLOPE_LIMIT} MB/min, else 0` },
      'RSS slope after warm-up (least squares)': { value: round3(rssSlope), unit: 'MB/min' },
      'heap used slope after warm-up': { value: round3(heapSlope), unit: 'MB/min' },
      'heap committed slope after warm-up': { value: round3(heapTotalSlope), unit: 'MB/min' },
      'external memory slope after warm-up': { value: round3(externalSlope), unit: 'MB/min' },
      'prepare workers heap total slope after warm-up': { value: round3(workerHeapSlope), unit: 'MB/min' },
      'prepare workers heap total, last sample': { value: samples.at(-1)?.workerHeapMB ?? Number.NaN, unit: 'MB' },
      'RSS after warm-up, min': { value: stat((s) => s.rssMB, min), unit: 'MB' },
      'RSS after warm-up, max': { value: stat((s) => s.rssMB, max), unit: 'MB' },
      'RSS, last sample': { value: samples.at(-1)?.rssMB ?? Number.NaN, unit: 'MB' },
      'heap used after warm-up, max': { value: stat((s) => s.heapUsedMB, max), unit: 'MB' },
      'event-loop delay p99, median of intervals': { value: stat((s) => s.eventLoopP99Ms, median), unit: 'ms' },
      'event-loop delay p99, worst interval': { value: stat((s) => s.eventLoopP99Ms, max), unit: 'ms' },
      'REST request p99, median of intervals': { value: stat((s) => s.restP99Ms, median), unit: 'ms' },
      'REST request p99, worst interval': { value: stat((s) => s.restP99Ms, max), unit: 'ms' },
      'records accepted/s after warm-up, median of intervals': { value: stat((s) => s.acceptedPerSecond, median), unit: 'records/s' },
      'offered REST rate': { value: restRate, unit: 'records/s' },
      'offered Kafka rate': { value: kafkaRate, unit: 'records/s' },
      'REST records accepted': { value: rest.counters.accepted, unit: 'records' },
      'Kafka records produced (acknowledged)': { value: kafka.total, unit: 'records' },
      'REST requests not 200': { value: Object.entries(rest.counters.statuses).filter(([s]) => s !== '200').reduce((n, [, c]) => n + c, 0), unit: 'requests' },
      'REST batches skipped (64 already out)': { value: rest.counters.skipped, unit: 'requests' },
      'samples after warm-up': { value: after.length, unit: 'samples' },
    };
    return {
      scenario: 'soak',
      date: new Date().toISOString(),
      metrics,
      baseline: {
        'idle gateway RSS slope, same window': { value: round3(idleSlope), unit: 'MB/min' },
        'idle gateway heap committed slope, same window': { value: round3(idleHeapTotalSlope), unit: 'MB/min' },
        'idle gateway RSS after warm-up, max': { value: stat((s) => s.idleRssMB, max), unit: 'MB' },
        ...(maxRest === undefined ? {} : { 'REST batch maximum (measured first)': { value: Math.round(maxRest), unit: 'records/s' } }),
      },
      ratio: round3(rssSlope / SLOPE_LIMIT),
      notes: [
        `both gateways ran as node ${[...nodeArgs, ''].join(' ')}dist/src/main.js (${givenArgs === undefined ? 'as npm start runs it' : 'CROSSGATE_BENCH_SOAK_NODE_ARGS'})`,
        ...(Object.keys(extraEnv).length > 0 ? [`both gateways ran with ${Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`).join(' ')} (CROSSGATE_BENCH_SOAK_GATEWAY_ENV)`] : []),
        ...(short ? [`SHORT RUN: ${MINUTES} min with ${WARMUP_MINUTES} min warm-up (the full soak is 30 min with 5 min warm-up); the slope covers ${after.length} samples only`] : []),
        `${Math.round(seconds)} s of load, sampled every ${SAMPLE_MS / 1000} s; slope = least squares over the ${after.length} samples after the ${WARMUP_MINUTES}-minute warm-up; pass when <= ${SLOPE_LIMIT} MB/min`,
        maxRest === undefined
          ? `rates given: REST ${restRate}, Kafka ${kafkaRate} records/s`
          : `rates: half the REST batch maximum measured first (autocannon ${MAX_SECONDS} s, 64 connections x ${BATCH} records: ${Math.round(maxRest)} records/s), split evenly: REST ${restRate} + Kafka ${kafkaRate} records/s. The maximum is REST's alone; Kafka's was not measured here (bench/kafka.ts: ~18,500 records/s on this machine)`,
        `REST: POST /v1/records/batch, ${BATCH} records per request, open loop (a request every ${BATCH}/rate s, at most 64 out, a request not sent when 64 are out counts as skipped); p99 per 10 s interval over the requests completed in it. Kafka: kafkajs producer, acks=-1, every 100 ms, three sector topics in their wire formats`,
        'gateway: node dist/src/main.js, PostgreSQL store (throwaway database), embedded ledger, defaults; its /metrics gives RSS (process_resident_memory_bytes), heap used (nodejs_heap_size_used_bytes), event-loop delay p99 (nodejs_eventloop_lag_p99_seconds, reset at every scrape)',
        'baseline: a second gateway, same configuration (own database, own empty topics), idle, started with the loaded one and sampled at the same moments; ratio = loaded RSS slope / 1 MB/min limit',
        `plot: docs/soak.svg; samples in data.samples; machine: ${process.platform} ${process.arch}, ${cpus().length} cores, shared (load generator on the same machine)`,
      ],
      data: { samples, restStatuses: rest.counters.statuses, kafkaFailedSends: kafka.failedSends, kafkaLateTicks: kafka.lateTicks, gatewayNodeOptions: nodeOptions ?? null },
    };
  } finally {
    const logFile = process.env['CROSSGATE_BENCH_SOAK_GATEWAY_LOG'];
    if (logFile !== undefined && gateways[0] !== undefined) writeFileSync(logFile, `${gateways[0].output.join('\n')}\n`);
    for (const gw of gateways) {
      await gw.stop();
      await gw.cleanup();
    }
    await ctx.close();
    await loadedDb.drop();
    await idleDb.drop();
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

const esc = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** RSS (both gateways, left axis) and REST p99 (right axis) over time, warm-up shaded. */
export function soakSvg(samples: readonly SoakSample[], warmupSeconds: number, info: { rssSlope: number; idleSlope: number; restRate: number; kafkaRate: number; minutes: number }): string {
  const W = 900;
  const H = 420;
  const left = 70;
  const right = 70;
  const top = 50;
  const bottom = 50;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const tMax = Math.max(60, ...samples.map((s) => s.t));
  const rssValues = samples.flatMap((s) => [s.rssMB, s.idleRssMB]).filter(Number.isFinite);
  const rssMax = niceCeil(Math.max(1, ...rssValues) * 1.1);
  const p99Values = samples.map((s) => s.restP99Ms).filter(Number.isFinite);
  const p99Max = niceCeil(Math.max(1, ...p99Values) * 1.1);
  const x = (t: number) => left + (t / tMax) * pw;
  const yRss = (v: number) => top + ph - (v / rssMax) * ph;
  const yP99 = (v: number) => top + ph - (v / p99Max) * ph;
  const path = (pick: (s: SoakSample) => number, y: (v: number) => number) => samples
    .filter((s) => Number.isFinite(pick(s)))
    .map((s, k) => `${k === 0 ? 'M' : 'L'}${x(s.t).toFixed(1)},${y(pick(s)).toFixed(1)}`)
    .join(' ');
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(`Crossgate soak: ${info.minutes} min, REST ${info.restRate} + Kafka ${info.kafkaRate} records/s offered, PostgreSQL store`)}</text>`);
  out.push(`<text x="${W / 2}" y="38" text-anchor="middle">${esc(`RSS slope after warm-up ${info.rssSlope.toFixed(3)} MB/min (idle gateway ${info.idleSlope.toFixed(3)} MB/min; limit 1 MB/min)`)}</text>`);
  out.push(`<rect x="${left}" y="${top}" width="${(x(Math.min(warmupSeconds, tMax)) - left).toFixed(1)}" height="${ph}" fill="#eee"/>`);
  out.push(`<text x="${left + 4}" y="${top + 14}" fill="#888">warm-up</text>`);
  for (let k = 0; k <= 5; k++) {
    const vy = top + ph - (k / 5) * ph;
    out.push(`<line x1="${left}" y1="${vy}" x2="${left + pw}" y2="${vy}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${vy + 4}" text-anchor="end" fill="#1f5fbf">${round2((rssMax * k) / 5)}</text>`);
    out.push(`<text x="${left + pw + 6}" y="${vy + 4}" fill="#c0392b">${round2((p99Max * k) / 5)}</text>`);
  }
  const minutes = tMax / 60;
  const step = minutes <= 5 ? 0.5 : minutes <= 15 ? 1 : 5;
  for (let m = 0; m <= minutes + 1e-9; m += step) {
    out.push(`<line x1="${x(m * 60)}" y1="${top + ph}" x2="${x(m * 60)}" y2="${top + ph + 5}" stroke="#000"/>`);
    out.push(`<text x="${x(m * 60)}" y="${top + ph + 18}" text-anchor="middle">${m}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#000"/>`);
  out.push(`<text x="${left + pw / 2}" y="${H - 10}" text-anchor="middle">minutes since the load started</text>`);
  out.push(`<text transform="translate(18 ${top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#1f5fbf">RSS (MB)</text>`);
  out.push(`<text transform="translate(${W - 14} ${top + ph / 2}) rotate(90)" text-anchor="middle" fill="#c0392b">REST request p99 per 10 s (ms)</text>`);
  out.push(`<path d="${path((s) => s.restP99Ms, yP99)}" fill="none" stroke="#c0392b" stroke-width="1.2"/>`);
  out.push(`<path d="${path((s) => s.idleRssMB, yRss)}" fill="none" stroke="#1f5fbf" stroke-width="1.5" stroke-dasharray="5 4"/>`);
  out.push(`<path d="${path((s) => s.rssMB, yRss)}" fill="none" stroke="#1f5fbf" stroke-width="2"/>`);
  const lx = left + 10;
  const ly = top + ph - 46;
  out.push(`<rect x="${lx - 4}" y="${ly - 12}" width="250" height="52" fill="#fff" stroke="#ccc"/>`);
  out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="#1f5fbf" stroke-width="2"/><text x="${lx + 30}" y="${ly + 4}">RSS, loaded gateway</text>`);
  out.push(`<line x1="${lx}" y1="${ly + 16}" x2="${lx + 24}" y2="${ly + 16}" stroke="#1f5fbf" stroke-width="1.5" stroke-dasharray="5 4"/><text x="${lx + 30}" y="${ly + 20}">RSS, idle gateway (baseline)</text>`);
  out.push(`<line x1="${lx}" y1="${ly + 32}" x2="${lx + 24}" y2="${ly + 32}" stroke="#c0392b" stroke-width="1.2"/><text x="${lx + 30}" y="${ly + 36}">REST request p99 (right axis)</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function niceCeil(v: number): number {
  const e = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * e >= v) return m * e;
  return 10 * e;
}
