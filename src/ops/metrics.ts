/**
 * Prometheus metrics (prom-client), served at `/metrics`.
 *
 * Counters and histograms are driven by the pipeline's {@link PipelineObserver} hooks, so they count
 * exactly what the pipeline decided, whatever door a record came through. Gauges that describe state
 * held elsewhere (outbox depth, DLQ depth, Kafka lag) are read at scrape time from the sources attached
 * with {@link Metrics.attach}. A source that fails leaves its gauge empty for that scrape and sets
 * `crossgate_metrics_source_up{source}` to 0 (and `/health/ready` says why), rather than failing the
 * scrape, which would hide every other metric.
 *
 * docs/operating.md lists every metric; keep it in step with this file.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Pipeline, PipelineObserver } from '../core/pipeline.js';
import type { Store } from '../core/ports.js';
import type { KafkaStatus } from './kafka-status.js';
import type { WorkerHeap } from '../ingest/prepare/preparer.js';

/** Label value used when the sector or type of a record is not known (it failed before decoding). */
export const UNKNOWN = 'unknown';

/** Where scrape-time gauges read from. Every source is optional (a unit test may attach none). */
export interface MetricSources {
  readonly store?: Pick<Store, 'outboxDepth' | 'deadLetterCounts'>;
  readonly pipeline?: Pick<Pipeline, 'stats' | 'anchoringPaused'>;
  readonly kafka?: KafkaStatus;
  /** The Kafka DLQ topic of a sector (`transport.events.dlq`), for the `topic` label of DLQ depth. */
  readonly dlqTopicOf?: (sector: string) => string | undefined;
  /** The prepare workers' V8 heaps. */
  readonly workerHeaps?: () => Promise<readonly WorkerHeap[]>;
}

export interface MetricsOptions {
  /** Sector of a record type; used when the pipeline reports a rejection or duplicate without one. */
  readonly sectorOf?: (type: string) => string | undefined;
  /** Also collect Node's process metrics (CPU, memory, event loop lag, GC). Default true. */
  readonly processMetrics?: boolean;
}

export type ReplayResultLabel = 'replayed' | 'duplicate' | 'failed' | 'overloaded' | 'skipped';

/** Accepted/rejected/duplicate totals by sector since the process started (dashboard throughput). */
export interface SectorTotals {
  readonly sector: string;
  readonly received: number;
  readonly accepted: number;
  readonly duplicate: number;
  readonly rejected: number;
}

export interface Metrics {
  /** Pass to `newPipeline({ observer })`. */
  readonly observer: PipelineObserver;
  readonly registry: Registry;
  /** Wires the scrape-time gauges to their sources; later calls replace earlier ones. */
  attach(sources: MetricSources): void;
  /** Counts one DLQ replay by its result. */
  replayed(result: ReplayResultLabel): void;
  /** Counts one discarded dead letter. */
  discarded(): void;
  /** Totals per sector, from the record counters. */
  sectorTotals(): Promise<SectorTotals[]>;
  /** The exposition text for `/metrics`. */
  render(): Promise<string>;
  readonly contentType: string;
}

const batchSizeBuckets = [1, 5, 10, 50, 100, 500, 1000, 5000, 10_000, 50_000, 100_000];
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Creates the metrics on `registry` (a fresh one by default: tests and several gateways in one
 * process must not share counters through prom-client's global registry).
 */
export function createMetrics(registry: Registry = new Registry(), options: MetricsOptions = {}): Metrics {
  const sectorOf = (type: string | null, given: string | null): string =>
    given ?? (type === null ? undefined : options.sectorOf?.(type)) ?? UNKNOWN;
  const registers = [registry];

  const received = new Counter({ name: 'crossgate_records_received_total', help: 'Records that reached the pipeline (accepted + duplicate + rejected), by sector and type.', labelNames: ['sector', 'type'] as const, registers });
  const accepted = new Counter({ name: 'crossgate_records_accepted_total', help: 'Records accepted into a sealed batch, by sector and type.', labelNames: ['sector', 'type'] as const, registers });
  const duplicate = new Counter({ name: 'crossgate_records_duplicate_total', help: 'Repeats of an already accepted record (answered with the original result), by sector and type.', labelNames: ['sector', 'type'] as const, registers });
  const rejected = new Counter({ name: 'crossgate_records_rejected_total', help: 'Records rejected, by sector, type and error code.', labelNames: ['sector', 'type', 'code'] as const, registers });
  const batchesSealed = new Counter({ name: 'crossgate_batches_sealed_total', help: 'Batches sealed and written to the outbox.', registers });
  const batchesAnchored = new Counter({ name: 'crossgate_batches_anchored_total', help: 'Batches anchored on chain.', registers });
  const batchSize = new Histogram({ name: 'crossgate_batch_size_records', help: 'Records per sealed batch.', buckets: batchSizeBuckets, registers });
  const sealSeconds = new Histogram({ name: 'crossgate_batch_seal_seconds', help: 'Time to seal a batch (Merkle tree, signature, store write).', buckets: latencyBuckets, registers });
  const sealToAnchor = new Histogram({ name: 'crossgate_batch_seal_to_anchor_seconds', help: 'Time from sealing a batch to its anchor being confirmed on chain.', buckets: latencyBuckets, registers });
  const chainSubmit = new Histogram({ name: 'crossgate_chain_submit_seconds', help: 'Duration of the successful chain submission of a batch.', buckets: latencyBuckets, registers });
  const chainErrors = new Counter({ name: 'crossgate_chain_submit_errors_total', help: 'Failed chain submissions, by error code and whether they will be retried.', labelNames: ['code', 'retryable'] as const, registers });
  const replays = new Counter({ name: 'crossgate_dlq_replays_total', help: 'Dead letters replayed, by result.', labelNames: ['result'] as const, registers });
  const discards = new Counter({ name: 'crossgate_dlq_discards_total', help: 'Dead letters discarded by an operator.', registers });

  let sources: MetricSources = {};

  /**
   * One read of every external source per scrape, shared by the gauges below (prom-client collects
   * them concurrently): reads within SNAPSHOT_MS of each other reuse the same answers.
   */
  interface SourceSnapshot {
    readonly outboxDepth: number | undefined;
    readonly deadLetters: Awaited<ReturnType<Store['deadLetterCounts']>> | undefined;
    readonly lags: Awaited<ReturnType<KafkaStatus['lag']>> | undefined;
    readonly up: Readonly<Record<string, 0 | 1>>;
  }
  const SNAPSHOT_MS = 250;
  let snapshot: { at: number; value: Promise<SourceSnapshot> } | undefined;
  const settled = async <T>(promise: Promise<T> | undefined): Promise<{ ok: boolean; value: T | undefined }> => {
    if (promise === undefined) return { ok: true, value: undefined };
    try {
      return { ok: true, value: await promise };
    } catch {
      return { ok: false, value: undefined };
    }
  };
  async function readSources(): Promise<SourceSnapshot> {
    const { store, kafka } = sources;
    const [depth, counts, lags] = await Promise.all([
      settled(store?.outboxDepth()), settled(store?.deadLetterCounts()), settled(kafka?.lag()),
    ]);
    const up: Record<string, 0 | 1> = {};
    if (store) up.store = depth.ok && counts.ok ? 1 : 0;
    if (kafka) up.kafka = lags.ok ? 1 : 0;
    return { outboxDepth: depth.value, deadLetters: counts.value, lags: lags.value, up };
  }
  function current(): Promise<SourceSnapshot> {
    const now = performance.now();
    if (snapshot === undefined || now - snapshot.at > SNAPSHOT_MS) snapshot = { at: now, value: readSources() };
    return snapshot.value;
  }

  new Gauge({
    name: 'crossgate_metrics_source_up', help: '1 when this scrape could read the source (store, kafka), 0 when it failed.', labelNames: ['source'] as const, registers,
    async collect() {
      this.reset();
      for (const [source, up] of Object.entries((await current()).up)) this.set({ source }, up);
    },
  });
  new Gauge({
    name: 'crossgate_outbox_depth', help: 'Sealed batches waiting to be anchored (from the store; as last seen by this gateway when the store cannot be read).', registers,
    async collect() {
      const depth = (await current()).outboxDepth ?? sources.pipeline?.stats().outboxDepth;
      if (depth !== undefined) this.set(depth);
    },
  });
  new Gauge({
    name: 'crossgate_queue_depth', help: 'Records accepted by the edge and waiting in the batcher (not yet sealed).', registers,
    collect() {
      if (sources.pipeline) this.set(sources.pipeline.stats().queued);
    },
  });
  new Gauge({
    name: 'crossgate_anchoring_paused', help: '1 while anchoring is paused by an operator.', registers,
    collect() {
      if (sources.pipeline) this.set(sources.pipeline.anchoringPaused ? 1 : 0);
    },
  });
  new Gauge({
    name: 'crossgate_kafka_consumer_lag', help: 'Messages the consumer group is behind, per topic partition.', labelNames: ['topic', 'partition'] as const, registers,
    async collect() {
      this.reset();
      for (const l of (await current()).lags ?? []) this.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
    },
  });
  new Gauge({
    name: 'crossgate_dlq_depth', help: 'Open dead letters, by origin, DLQ topic (or "store" for REST/gRPC), sector and error code.', labelNames: ['origin', 'topic', 'sector', 'code'] as const, registers,
    async collect() {
      this.reset();
      for (const c of (await current()).deadLetters ?? []) {
        const sector = c.sector ?? UNKNOWN;
        const topic = c.origin === 'kafka' ? (c.sector === null ? undefined : sources.dlqTopicOf?.(c.sector)) ?? 'kafka' : 'store';
        this.inc({ origin: c.origin, topic, sector, code: c.code }, c.count);
      }
    },
  });

  new Gauge({
    name: 'crossgate_prepare_worker_heap_bytes', help: 'V8 heap of the prepare worker threads together (not in nodejs_heap_*), used and total.', labelNames: ['kind'] as const, registers,
    async collect() {
      this.reset();
      const heaps = await sources.workerHeaps?.();
      if (heaps === undefined || heaps.length === 0) return;
      this.set({ kind: 'used' }, heaps.reduce((n, h) => n + h.usedBytes, 0));
      this.set({ kind: 'total' }, heaps.reduce((n, h) => n + h.totalBytes, 0));
    },
  });

  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  // Observer hooks must never throw into the pipeline: a metrics bug is not a reason to lose a record.
  const safe = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A): void => {
    try {
      fn(...args);
    } catch {
      // deliberately ignored (see above)
    }
  };

  // Accepted records are counted per type per batch, many times a second under load: resolving the
  // labels to a series on every call (prom-client hashes the label object) cost about 3 µs. Accepted
  // types are registered types, so this cache is bounded by the registry.
  const acceptedSeries = new Map<string, { received: { inc(n: number): void }; accepted: { inc(n: number): void } }>();
  const observer: PipelineObserver = {
    recordsAccepted: safe((type: string, sector: string, count: number) => {
      const key = `${sector}\u0000${type}`;
      let series = acceptedSeries.get(key);
      if (series === undefined) {
        series = { received: received.labels({ sector, type }), accepted: accepted.labels({ sector, type }) };
        acceptedSeries.set(key, series);
      }
      series.received.inc(count);
      series.accepted.inc(count);
    }),
    recordDuplicate: safe((type: string) => {
      const sector = sectorOf(type, null);
      received.inc({ sector, type });
      duplicate.inc({ sector, type });
    }),
    recordRejected: safe((code: string, type: string | null, sector: string | null) => {
      // A rejected record names whatever type it likes (up to 256 characters): only registered types
      // become a label value, or every made-up type would add series to the registry and to each
      // scrape for as long as the process lives. One registry lookup answers both labels.
      const registeredSector = type === null ? undefined : options.sectorOf?.(type);
      const labels = { sector: sector ?? registeredSector ?? UNKNOWN, type: type !== null && registeredSector !== undefined ? type : UNKNOWN };
      received.inc(labels);
      rejected.inc({ ...labels, code });
    }),
    batchSealed: safe((header, sealMillis: number) => {
      batchesSealed.inc();
      batchSize.observe(header.size);
      sealSeconds.observe(sealMillis / 1000);
    }),
    batchAnchored: safe((_header, sealToAnchorMillis: number, submitMillis: number) => {
      batchesAnchored.inc();
      sealToAnchor.observe(sealToAnchorMillis / 1000);
      chainSubmit.observe(submitMillis / 1000);
    }),
    chainSubmitFailed: safe((_batchId: string, code: string, retryable: boolean) => {
      chainErrors.inc({ code, retryable: String(retryable) });
    }),
  };

  async function sectorTotals(): Promise<SectorTotals[]> {
    const bySector = new Map<string, { received: number; accepted: number; duplicate: number; rejected: number }>();
    const add = async (counter: Counter<string>, field: 'received' | 'accepted' | 'duplicate' | 'rejected') => {
      for (const v of (await counter.get()).values) {
        const sector = String(v.labels.sector ?? UNKNOWN);
        const row = bySector.get(sector) ?? { received: 0, accepted: 0, duplicate: 0, rejected: 0 };
        row[field] += v.value;
        bySector.set(sector, row);
      }
    };
    await add(received, 'received');
    await add(accepted, 'accepted');
    await add(duplicate, 'duplicate');
    await add(rejected, 'rejected');
    return [...bySector].sort(([a], [b]) => a.localeCompare(b)).map(([sector, row]) => ({ sector, ...row }));
  }

  return {
    observer,
    registry,
    attach(next) {
      sources = next;
      snapshot = undefined;
    },
    replayed: (result) => replays.inc({ result }),
    discarded: () => discards.inc(),
    sectorTotals,
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
