/**
 * Steady load on both doors for the reliability benches (bench/soak.ts, bench/chaos.ts), and the
 * small measuring helpers they share.
 *
 * - {@link RestLoad}: POST /v1/records/batch at a fixed rate of records/s (a request every
 *   batchSize/rate seconds, at most `maxInFlight` at once). With `retryUntilAnswered` each request is
 *   re-sent with the same records (same (source, id)) until every item is answered accepted or
 *   duplicate: a connection refused (gateway down), a 429/503 or an `overloaded` item is retried after a
 *   pause. Records are regenerable from their index ({@link restRecord}), so only indices are kept.
 * - {@link KafkaLoad}: produces valid records to the three sector topics at a fixed rate, in each
 *   sector's wire format; a send that fails (broker down) is retried with the same messages until the
 *   broker acknowledges it (acks=-1). Only acknowledged records count as produced.
 * - {@link scrapeMetrics}: one GET /metrics, parsed into name → value for the unlabelled series.
 */
import type { Kafka, Message, Producer } from 'kafkajs';
import { sectors, type Sector, type SectorTopics } from '../adapters/kafka/topics.js';
import { sectorMessage } from '../test/support/kafka-wire.js';
import { makeValidRecord, RECORD_TYPES, type GeneratedRecord, type RecordType } from '../test/support/record-factory.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Record types per Kafka sector topic (telecom carries CDRs only). */
export const KAFKA_TYPES: Record<Sector, readonly RecordType[]> = {
  transport: ['cn.gov.transport.trip', 'cn.gov.transport.toll-passage'],
  finance: ['cn.gov.finance.payment', 'cn.gov.finance.invoice'],
  telecom: ['cn.gov.telecom.cdr'],
};

/** The REST record of index `i` of run `tag`: deterministic, so it can be rebuilt to check its receipt. */
export function restRecord(tag: string, i: number): GeneratedRecord {
  return makeValidRecord(RECORD_TYPES[i % RECORD_TYPES.length] as RecordType, i, { source: `/bench/${tag}/rest-${i % 3}`, idPrefix: `${tag}-` });
}

/** The Kafka record of index `i` on `sector`'s topic for run `tag` (source: the sector's default source). */
export function kafkaRecord(tag: string, sector: Sector, i: number): GeneratedRecord {
  const types = KAFKA_TYPES[sector];
  return makeValidRecord(types[i % types.length] as RecordType, i, { idPrefix: `${tag}-k-` });
}

export const keyOf = (r: { source: string; id: string }): string => `${r.source}\u0000${r.id}`;

export interface RestLoadOptions {
  /** Base URL of the gateway now; throws while it is down (the request then counts as refused). */
  readonly url: () => string;
  readonly apiKey: string;
  readonly recordsPerSecond: number;
  readonly batchSize: number;
  /** Run tag for ids and sources (see {@link restRecord}). */
  readonly tag: string;
  readonly maxInFlight: number;
  /** Re-send until every item is accepted or duplicate (chaos). Without it a failed request is only counted. */
  readonly retryUntilAnswered: boolean;
  /** Request bodies; by default JSON of `restRecord(tag, i)` for the batch's indices. */
  readonly body?: (indices: readonly number[]) => string | Uint8Array;
}

export interface RestCounters {
  requests: number;
  /** Requests per HTTP status ("refused" when no connection could be made, "error" for other failures). */
  readonly statuses: Record<string, number>;
  accepted: number;
  duplicate: number;
  /** Items answered `overloaded` inside a 200 batch answer. */
  overloaded: number;
  /** Answers other than 200 that carried a Retry-After header. */
  withRetryAfter: number;
  /** Valid records the gateway rejected: a bug; never retried. */
  rejected: number;
  /** Batches not started because `maxInFlight` requests were already out (the rate was not kept). */
  skipped: number;
  retries: number;
}

/** Steady REST load; see the file comment. */
export class RestLoad {
  readonly counters: RestCounters = { requests: 0, statuses: {}, accepted: 0, duplicate: 0, overloaded: 0, withRetryAfter: 0, rejected: 0, skipped: 0, retries: 0 };
  /** Indices of records answered accepted or duplicate. */
  readonly answered: number[] = [];
  readonly rejectedSamples: string[] = [];
  private latencies: number[] = [];
  private next = 0;
  private inFlight = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: RestLoadOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops starting batches and waits for the ones out (with retries, until answered). */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all([...this.pending]);
  }

  /** Latencies (ms) of the requests that completed since the last call. */
  takeLatencies(): number[] {
    const taken = this.latencies;
    this.latencies = [];
    return taken;
  }

  get issued(): number {
    return this.next;
  }

  private async run(): Promise<void> {
    const interval = (this.options.batchSize / this.options.recordsPerSecond) * 1000;
    let due = performance.now();
    while (this.running) {
      const now = performance.now();
      while (due <= now && this.running) {
        due += interval;
        if (this.inFlight >= this.options.maxInFlight) {
          this.counters.skipped += 1;
          continue;
        }
        const indices = Array.from({ length: this.options.batchSize }, (_, k) => this.next + k);
        this.next += this.options.batchSize;
        const done = this.submit(indices).finally(() => this.pending.delete(done));
        this.pending.add(done);
      }
      await sleep(Math.max(1, Math.min(20, due - performance.now())));
    }
  }

  private count(status: string): void {
    this.counters.statuses[status] = (this.counters.statuses[status] ?? 0) + 1;
  }

  private async submit(indices: readonly number[]): Promise<void> {
    this.inFlight += 1;
    try {
      let remaining = indices;
      for (;;) {
        const wait = await this.attempt(remaining);
        if (wait.remaining.length === 0 || !this.options.retryUntilAnswered) return;
        remaining = wait.remaining;
        this.counters.retries += 1;
        await sleep(wait.pauseMs);
      }
    } finally {
      this.inFlight -= 1;
    }
  }

  /** One request; returns the indices still to send and how long to wait before sending them. */
  private async attempt(indices: readonly number[]): Promise<{ remaining: readonly number[]; pauseMs: number }> {
    const { tag } = this.options;
    const body = this.options.body?.(indices) ?? JSON.stringify(indices.map((i) => restRecord(tag, i)));
    this.counters.requests += 1;
    let url: string;
    try {
      url = this.options.url();
    } catch {
      this.count('refused');
      return { remaining: indices, pauseMs: 250 };
    }
    const started = performance.now();
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${url}/v1/records/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.apiKey}` },
        body,
        signal: AbortSignal.timeout(60_000),
      });
      text = await response.text();
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      this.count(code === 'ECONNREFUSED' ? 'refused' : 'error');
      return { remaining: indices, pauseMs: 250 };
    }
    const latency = performance.now() - started;
    this.latencies.push(latency);
    this.count(String(response.status));
    if (response.status !== 200) {
      if (response.headers.has('retry-after')) this.counters.withRetryAfter += 1;
      const retryAfter = Number(response.headers.get('retry-after') ?? 1);
      return { remaining: indices, pauseMs: Math.min(2000, Math.max(100, retryAfter * 1000)) };
    }
    const answer = JSON.parse(text) as { results: { index: number; status: string; problem?: { code?: string } }[] };
    const remaining: number[] = [];
    for (const item of answer.results) {
      const index = indices[item.index];
      if (index === undefined) throw new Error(`batch answer names item ${item.index} of ${indices.length}`);
      switch (item.status) {
        case 'accepted':
          this.counters.accepted += 1;
          this.answered.push(index);
          break;
        case 'duplicate':
          this.counters.duplicate += 1;
          this.answered.push(index);
          break;
        case 'overloaded':
          this.counters.overloaded += 1;
          remaining.push(index);
          break;
        default:
          this.counters.rejected += 1;
          if (this.rejectedSamples.length < 5) this.rejectedSamples.push(`${index}: ${JSON.stringify(item).slice(0, 300)}`);
      }
    }
    return { remaining, pauseMs: 500 };
  }
}

export interface KafkaLoadOptions {
  readonly kafka: Kafka;
  readonly topics: SectorTopics;
  /** All sectors together. */
  readonly recordsPerSecond: number;
  readonly tag: string;
}

/** Steady Kafka load; see the file comment. */
export class KafkaLoad {
  /** Per sector: the records with indices below this number are acknowledged by the broker. */
  readonly acknowledged: Record<Sector, number> = { transport: 0, finance: 0, telecom: 0 };
  failedSends = 0;
  producersRenewed = 0;
  /** Ticks that started late because the previous send was still out. */
  lateTicks = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private producer: Producer | undefined;

  constructor(private readonly options: KafkaLoadOptions) {}

  get total(): number {
    return sectors.reduce((sum, s) => sum + this.acknowledged[s], 0);
  }

  async start(): Promise<void> {
    this.producer = this.options.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.running = true;
    this.loop = this.run();
  }

  /** Stops producing; returns once the last send is acknowledged. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.producer?.disconnect().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const tickMs = 100;
    const perTick = Math.max(1, Math.round((this.options.recordsPerSecond * tickMs) / 1000 / sectors.length));
    let due = performance.now();
    while (this.running) {
      await Promise.all(sectors.map((sector) => this.sendUntilAcknowledged(sector, perTick)));
      due += tickMs;
      const pause = due - performance.now();
      if (pause > 0) await sleep(pause);
      else {
        this.lateTicks += 1;
        due = performance.now();
      }
    }
  }

  private async sendUntilAcknowledged(sector: Sector, count: number): Promise<void> {
    const from = this.acknowledged[sector];
    const messages: Message[] = [];
    for (let i = from; i < from + count; i++) messages.push(sectorMessage(sector, kafkaRecord(this.options.tag, sector, i)));
    for (let failures = 0; ; ) {
      try {
        await (this.producer as Producer).send({ topic: this.options.topics[sector], acks: -1, messages });
        this.acknowledged[sector] = from + count;
        return;
      } catch {
        this.failedSends += 1;
        failures += 1;
        await sleep(500);
        // After a broker restart an idempotent producer may stay fenced; a new one starts afresh
        // (the same records again: the gateway recognises repeats by (source, id)).
        if (failures % 6 === 0) await this.renewProducer();
      }
    }
  }

  private renewing: Promise<void> | undefined;

  private async renewProducer(): Promise<void> {
    this.renewing ??= (async () => {
      this.producersRenewed += 1;
      await this.producer?.disconnect().catch(() => undefined);
      const producer = this.options.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
      this.producer = producer;
      await producer.connect().catch(() => undefined);
    })().finally(() => { this.renewing = undefined; });
    await this.renewing;
  }
}

/** The unlabelled series of one /metrics scrape (and labelled ones under their full text), by name. */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

/** The p-th percentile (0-100) of unsorted values, or NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Least-squares slope of y over x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

export { sleep };
