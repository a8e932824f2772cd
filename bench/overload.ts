/**
 * Overload (issue 15, item 5): what the gateway does when offered twice what it can take, and when
 * slow clients hold connections beside normal ones. One real gateway process (`node dist/src/main.js`,
 * PostgreSQL store, embedded ledger, its own Kafka topics), sampled every 500 ms from its /metrics
 * (RSS, heap used, queue depth, consumer lag).
 *
 * 1. REST capacity C: autocannon, 64 connections x 100 records (POST /v1/records/batch), closed loop.
 * 2. REST at 2C, open loop (a request of 100 records every 100/(2C) s, at most 4096 out): records
 *    accepted/s, 503 answers and whether they carry Retry-After, `overloaded` items, p99, memory.
 * 3. Kafka capacity K: the gateway is stopped, a backlog is produced, and the restarted gateway drains
 *    it (the whole backlog is offered at once: far over 2K); pauses counted from its log.
 * 4. Kafka at 2K, live: 2K records/s produced (messages built beforehand; what the broker took is
 *    reported) while the gateway consumes; lag at the end, memory, then the time to catch up.
 * 5. Slow clients: p99 of normal single-record requests (autocannon, 16 connections) with no slow
 *    clients (baseline), beside 500 slowloris connections (headers trickled a byte every 200 ms, a new
 *    one opened when the server closes one) under the default timeouts, and the same with the
 *    timeouts at their maximum (CROSSGATE_REST_HEADERS_TIMEOUT_MS 600 s, _REQUEST_TIMEOUT_MS 1 h).
 *
 *   npm run bench -- overload
 *   CROSSGATE_BENCH_SECONDS=20 CROSSGATE_BENCH_OVERLOAD_KAFKA_RECORDS=300000 npm run bench -- overload
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { cpus } from 'node:os';
import autocannon from 'autocannon';
import type { Message } from 'kafkajs';
import { sectors, type SectorTopics } from '../adapters/kafka/topics.js';
import { startGatewayProcess, type GatewayProcess } from '../test/support/gateway.js';
import { KafkaTestContext, kafkaConsumerEnv, uniqueGroupId } from '../test/support/kafka.js';
import { sectorMessage } from '../test/support/kafka-wire.js';
import { brokers } from './kafka.js';
import { kafkaRecord, percentile, RestLoad, scrapeMetrics, sleep } from './load.js';
import { bodyFactory, createTestDatabaseFrom, pgAdminUrl } from './rest.js';
import type { BenchResult, Figure } from './result.js';

const SECONDS = Number(process.env['CROSSGATE_BENCH_SECONDS'] ?? 15);
const KAFKA_RECORDS = Number(process.env['CROSSGATE_BENCH_OVERLOAD_KAFKA_RECORDS'] ?? 150_000);
const SLOW_CLIENTS = 500;
const BATCH = 100;
const MB = 1024 * 1024;
const QUEUE_MAX = 100_000; // CROSSGATE_QUEUE_MAX_RECORDS default, which this bench keeps

const sum = (values: Map<string, number>, name: string): number => {
  let total = 0;
  for (const [series, value] of values) if (series === name || series.startsWith(`${name}{`)) total += value;
  return total;
};
const round1 = (x: number) => Math.round(x * 10) / 10;

/** Maxima of the gateway's memory, queue and lag while a phase runs (a scrape every 500 ms). */
class Sampler {
  rssMB = 0;
  heapMB = 0;
  queue = 0;
  lag = 0;
  #running = true;
  readonly #loop: Promise<void>;

  constructor(url: () => string) {
    this.#loop = (async () => {
      while (this.#running) {
        const m = await scrapeMetrics(url()).catch(() => undefined);
        if (m !== undefined) {
          this.rssMB = Math.max(this.rssMB, (m.get('process_resident_memory_bytes') ?? 0) / MB);
          this.heapMB = Math.max(this.heapMB, (m.get('nodejs_heap_size_used_bytes') ?? 0) / MB);
          this.queue = Math.max(this.queue, m.get('crossgate_queue_depth') ?? 0);
          this.lag = Math.max(this.lag, sum(m, 'crossgate_kafka_consumer_lag'));
        }
        await sleep(500);
      }
    })();
  }

  async stop(): Promise<this> {
    this.#running = false;
    await this.#loop;
    return this;
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 600_000): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
  return (performance.now() - started) / 1000;
}

/** `count` slowloris connections kept open: each trickles header bytes; a closed one is replaced. */
function slowloris(port: number, count: number): { closedByServer: () => number; stop: () => void } {
  let closed = 0;
  let running = true;
  const sockets = new Set<Socket>();
  const open = () => {
    const socket = connect(port, '127.0.0.1');
    sockets.add(socket);
    let timer: NodeJS.Timeout | undefined;
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      socket.write('POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      timer = setInterval(() => socket.write('x'), 200);
    });
    socket.on('close', () => {
      clearInterval(timer);
      sockets.delete(socket);
      if (!running) return;
      closed += 1;
      open();
    });
  };
  for (let i = 0; i < count; i++) open();
  return {
    closedByServer: () => closed,
    stop: () => {
      running = false;
      for (const s of sockets) s.destroy();
    },
  };
}

async function normalP99(url: string, apiKey: string): Promise<{ p99: number; p50: number; requests: number; non2xx: number }> {
  const next = bodyFactory(1);
  const result = await autocannon({
    url,
    connections: 16,
    duration: SECONDS,
    timeout: 30,
    requests: [{
      method: 'POST',
      path: '/v1/records',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      setupRequest: (request) => ({ ...request, body: next() }),
    }],
  });
  return { p99: result.latency.p99, p50: result.latency.p50, requests: result.requests.total, non2xx: result.non2xx + result.errors + result.timeouts };
}

export async function runOverloadBench(): Promise<BenchResult> {
  const bootstrap = brokers();
  const db = await createTestDatabaseFrom(pgAdminUrl());
  const ctx = await KafkaTestContext.open('crossgate-bench-overload');
  const apiKey = `cg_bench_${randomBytes(24).toString('base64url')}`;
  const { topics, prefix } = await ctx.createSectorTopics();
  const groupId = uniqueGroupId('overload');
  const env = { CROSSGATE_STORE: 'postgres', CROSSGATE_PG_URL: db.url, CROSSGATE_DEV_API_KEY: apiKey, CROSSGATE_LOG_LEVEL: 'info', ...kafkaConsumerEnv(topics, groupId, bootstrap) };
  const gw: GatewayProcess = await startGatewayProcess({ env, readyTimeoutMs: 180_000 });
  const settled = () => until('the gateway settles', async () => {
    const m = await scrapeMetrics(gw.url);
    return (m.get('crossgate_outbox_depth') ?? 1) === 0 && (m.get('crossgate_queue_depth') ?? 1) === 0 && sum(m, 'crossgate_kafka_consumer_lag') === 0;
  });
  const pauses = () => gw.output.filter((line) => line.includes('Kafka fetching paused')).length;
  try {
    await settled();
    const idle = await scrapeMetrics(gw.url);
    const idleRssMB = (idle.get('process_resident_memory_bytes') ?? 0) / MB;

    // 1. REST capacity.
    const next = bodyFactory(BATCH);
    const closed = await autocannon({
      url: gw.url, connections: 64, duration: SECONDS, timeout: 30,
      requests: [{ method: 'POST', path: '/v1/records/batch', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, setupRequest: (r) => ({ ...r, body: next() }) }],
    });
    const capacity = (closed['2xx'] * BATCH) / closed.duration;
    console.log(`overload: REST capacity ${Math.round(capacity)} records/s`);
    await settled();

    // 2. REST at twice the capacity, open loop.
    const accepted0 = sum(await scrapeMetrics(gw.url), 'crossgate_records_accepted_total');
    const restSampler = new Sampler(() => gw.url);
    const rest = new RestLoad({ url: () => gw.url, apiKey, recordsPerSecond: 2 * capacity, batchSize: BATCH, tag: prefix, maxInFlight: 4096, retryUntilAnswered: false, body: () => next() });
    const restStarted = performance.now();
    rest.start();
    await sleep(SECONDS * 1000);
    // Rates over the window itself, before the requests still out are waited for.
    const restAccepted = (sum(await scrapeMetrics(gw.url), 'crossgate_records_accepted_total') - accepted0) / ((performance.now() - restStarted) / 1000);
    const restOffered = rest.issued / ((performance.now() - restStarted) / 1000);
    await rest.stop();
    await restSampler.stop();
    const latencies = rest.takeLatencies();
    console.log(`overload: REST at 2x: ${Math.round(restAccepted)} records/s accepted, statuses ${JSON.stringify(rest.counters.statuses)}`);
    await settled();

    // 3. Kafka capacity: a backlog drained by a restarted gateway.
    assert0(await gw.stop());
    const perSector = Math.ceil(KAFKA_RECORDS / sectors.length);
    for (const sector of sectors) {
      await ctx.produceN(topics[sector], perSector, (i): Message => sectorMessage(sector, kafkaRecord(`${prefix}-b`, sector, i)));
    }
    const backlogEnd = await ctx.endTotal(topics);
    const pausesBefore = pauses();
    await gw.restart();
    const backlogSampler = new Sampler(() => gw.url);
    const drainSeconds = await until('the backlog drains', async () => (await ctx.committedTotal(groupId, topics)) >= backlogEnd);
    await backlogSampler.stop();
    const kafkaCapacity = (perSector * sectors.length) / drainSeconds;
    const backlogPauses = pauses() - pausesBefore;
    console.log(`overload: Kafka capacity ${Math.round(kafkaCapacity)} records/s (backlog of ${perSector * sectors.length} in ${drainSeconds.toFixed(1)} s), ${backlogPauses} pauses`);
    await settled();

    // 4. Kafka at twice its capacity, live.
    const livePausesBefore = pauses();
    const liveSampler = new Sampler(() => gw.url);
    const live = await produceAt(ctx, topics, 2 * kafkaCapacity, `${prefix}-l`);
    const [liveEnd, liveCommitted] = [await ctx.endTotal(topics), await ctx.committedTotal(groupId, topics)];
    const catchUpSeconds = await until('the live load drains', async () => (await ctx.committedTotal(groupId, topics)) >= liveEnd);
    await liveSampler.stop();
    const livePauses = pauses() - livePausesBefore;
    console.log(`overload: Kafka at 2x: produced ${Math.round(live.records / live.seconds)} records/s, lag ${liveEnd - liveCommitted} at the end, caught up in ${catchUpSeconds.toFixed(1)} s`);

    // 5. Slow clients beside normal ones, with the default timeouts and with them at their maximum.
    const port = Number(new URL(gw.url).port);
    const quiet = await normalP99(gw.url, apiKey);
    let slow = slowloris(port, SLOW_CLIENTS);
    await sleep(1000);
    const withTimeouts = await normalP99(gw.url, apiKey);
    const closedWithTimeouts = slow.closedByServer();
    slow.stop();
    assert0(await gw.stop());
    await gw.restart({ CROSSGATE_REST_HEADERS_TIMEOUT_MS: '600000', CROSSGATE_REST_REQUEST_TIMEOUT_MS: '3600000' });
    const port2 = Number(new URL(gw.url).port);
    slow = slowloris(port2, SLOW_CLIENTS);
    await sleep(1000);
    const withoutTimeouts = await normalP99(gw.url, apiKey);
    const closedWithoutTimeouts = slow.closedByServer();
    slow.stop();
    console.log(`overload: normal p99 ${quiet.p99} ms alone, ${withTimeouts.p99} ms beside ${SLOW_CLIENTS} slowloris (default timeouts), ${withoutTimeouts.p99} ms (timeouts at maximum)`);

    const statuses = rest.counters.statuses;
    const non200 = Object.entries(statuses).filter(([s]) => s !== '200').reduce((n, [, c]) => n + c, 0);
    const metrics: Record<string, Figure> = {
      'REST at 2x: records accepted/s': { value: Math.round(restAccepted), unit: 'records/s' },
      'REST at 2x: records offered/s': { value: Math.round(restOffered), unit: `records/s (target ${Math.round(2 * capacity)}; requests not sent while 4096 were out: ${rest.counters.skipped})` },
      'REST at 2x: answers 200': { value: statuses['200'] ?? 0, unit: 'requests' },
      'REST at 2x: answers 503': { value: statuses['503'] ?? 0, unit: 'requests' },
      'REST at 2x: answers other than 200 with Retry-After': { value: rest.counters.withRetryAfter, unit: `of ${non200} requests` },
      'REST at 2x: items answered overloaded in a 200': { value: rest.counters.overloaded, unit: 'records' },
      'REST at 2x: requests failed (no HTTP answer)': { value: (statuses['error'] ?? 0) + (statuses['refused'] ?? 0), unit: 'requests' },
      'REST at 2x: request p99 (answered)': { value: round1(percentile(latencies, 99)), unit: 'ms' },
      'REST at 2x: RSS max': { value: round1(restSampler.rssMB), unit: 'MB' },
      'REST at 2x: queue depth max': { value: restSampler.queue, unit: `records (bound ${QUEUE_MAX})` },
      'Kafka backlog: records/s drained': { value: Math.round(kafkaCapacity), unit: 'records/s' },
      'Kafka backlog: lag at the start': { value: Number(backlogEnd), unit: 'records' },
      'Kafka backlog: fetch pauses (pipeline full)': { value: backlogPauses, unit: 'pauses' },
      'Kafka backlog: RSS max': { value: round1(backlogSampler.rssMB), unit: 'MB' },
      'Kafka backlog: queue depth max': { value: backlogSampler.queue, unit: `records (bound ${QUEUE_MAX})` },
      'Kafka at 2x: records/s produced': { value: Math.round(live.records / live.seconds), unit: `records/s (offered ${Math.round(2 * kafkaCapacity)})` },
      'Kafka at 2x: lag when the producer stopped': { value: Number(liveEnd - liveCommitted), unit: 'records' },
      'Kafka at 2x: fetch pauses (pipeline full)': { value: livePauses, unit: 'pauses' },
      'Kafka at 2x: RSS max': { value: round1(liveSampler.rssMB), unit: 'MB' },
      'Kafka at 2x: seconds to catch up': { value: round1(catchUpSeconds), unit: 's' },
      'normal request p99 beside 500 slowloris, default timeouts': { value: withTimeouts.p99, unit: 'ms' },
      'normal request p99 beside 500 slowloris, timeouts at maximum': { value: withoutTimeouts.p99, unit: 'ms' },
      'slowloris connections closed by the server, default timeouts': { value: closedWithTimeouts, unit: 'connections' },
      'slowloris connections closed by the server, timeouts at maximum': { value: closedWithoutTimeouts, unit: 'connections' },
      'normal requests failed beside slowloris (both runs)': { value: withTimeouts.non2xx + withoutTimeouts.non2xx, unit: 'requests' },
    };
    return {
      scenario: 'overload',
      date: new Date().toISOString(),
      metrics,
      baseline: {
        'REST capacity (closed loop, measured first)': { value: Math.round(capacity), unit: 'records/s' },
        'RSS idle, before the load': { value: round1(idleRssMB), unit: 'MB' },
        'normal request p99, no slow clients': { value: quiet.p99, unit: 'ms' },
        'normal request p50, no slow clients': { value: quiet.p50, unit: 'ms' },
      },
      ratio: Math.round((restAccepted / capacity) * 1000) / 1000,
      notes: [
        `${SECONDS} s per phase; REST: POST /v1/records/batch, ${BATCH} records per request; ratio = records accepted/s at twice the capacity / the capacity (what overload leaves of the throughput)`,
        `Kafka: a backlog of ${perSector * sectors.length} records (three sector topics, their wire formats) produced while the gateway was stopped, then drained; then twice that rate produced for ${SECONDS} s (messages built beforehand, a send per sector every 100 ms, acks=-1; "records/s produced" is what the broker acknowledged over the phase); pauses = "Kafka fetching paused" log lines`,
        `slow clients: ${SLOW_CLIENTS} connections sending "POST /v1/records HTTP/1.1" and a header byte every 200 ms, replaced when closed; normal requests: autocannon, 16 connections, POST /v1/records of one record (answered once its batch is sealed: linger 200 ms)`,
        `gateway: node dist/src/main.js, PostgreSQL store, embedded ledger, defaults (queue bound ${QUEUE_MAX} records); the load generator shares the machine: ${process.platform} ${process.arch}, ${cpus().length} cores, shared`,
      ],
      data: { restStatuses: statuses, restSkipped: rest.counters.skipped, kafkaLateTicks: live.lateTicks, normal: { quiet, withTimeouts, withoutTimeouts } },
    };
  } finally {
    await gw.stop();
    await gw.cleanup();
    await ctx.close();
    await db.drop();
  }
}

const SEND_MESSAGES = 500;

/** Produces `rate` records/s for SECONDS s, the messages built beforehand so the producer keeps up. */
async function produceAt(ctx: KafkaTestContext, topics: SectorTopics, rate: number, tag: string): Promise<{ records: number; seconds: number; lateTicks: number }> {
  const perTick = Math.ceil(rate / 10 / sectors.length);
  const ticks = SECONDS * 10;
  const built = sectors.map((sector) => Array.from({ length: perTick * ticks }, (_, i): Message => sectorMessage(sector, kafkaRecord(tag, sector, i))));
  const producer = await ctx.sharedProducer();
  const sends: Promise<unknown>[] = [];
  let lateTicks = 0;
  const started = performance.now();
  for (let t = 0; t < ticks; t++) {
    const wait = started + t * 100 - performance.now();
    if (wait > 0) await sleep(wait);
    else if (wait < -100) lateTicks += 1;
    sectors.forEach((sector, k) => {
      // At most SEND_MESSAGES per request: a tick's worth at 2x capacity is over the broker's 1 MB record batch limit.
      for (let from = t * perTick; from < (t + 1) * perTick; from += SEND_MESSAGES) {
        const messages = (built[k] as Message[]).slice(from, Math.min(from + SEND_MESSAGES, (t + 1) * perTick));
        sends.push(producer.send({ topic: topics[sector], acks: -1, messages }));
      }
    });
  }
  await Promise.all(sends);
  return { records: perTick * ticks * sectors.length, seconds: (performance.now() - started) / 1000, lateTicks };
}

function assert0(code: number | null): void {
  if (code !== 0) throw new Error(`the gateway exited with ${code} on SIGTERM`);
}
