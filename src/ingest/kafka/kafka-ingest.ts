/**
 * The Kafka source: one kafkajs consumer in the gateway's consumer group reading the sector topics,
 * eachBatch with autoCommit off (offsets are committed by PartitionBatchProcessor once records are
 * durable), an idempotent acks=all producer for the DLQ topics, and an admin client for topic checks,
 * lag and readiness. N gateway instances in one group share the partitions (ARCHITECTURE.md §3).
 *
 * eachBatch returns once a batch's records are handed to the pipeline (or sent to the prepare
 * workers, which hand them on; docs/kafka.md#preparation-on-the-prepare-workers), so kafkajs fetches the next
 * batch while they become durable; a partition keeps at most two batches in hand (it is paused until
 * the one before is done), which bounds memory when the store is slow or down.
 */
import { Kafka, logLevel, type Admin, type Consumer, type KafkaConfig as KafkajsConfig, type Producer, type SASLOptions } from 'kafkajs';
import { dlqTopic, sectorOfTopic, sectors, type SectorTopics } from '../../../adapters/kafka/topics.js';
import type { TenantQuotas } from '../../core/quota.js';
import type { KafkaSecurity } from '../../config/kafka-security.js';
import type { Pipeline } from '../../core/pipeline.js';
import type { DeadLetter, HealthStatus, Store } from '../../core/ports.js';
import type { Tenant } from '../../core/tenant.js';
import type { Clock } from '../../core/types.js';
import type { KafkaStatus, PartitionLag } from '../../ops/kafka-status.js';
import { AdmissionGate } from './admission-gate.js';
import { CommitOrder } from './commit-order.js';
import type { MessagePreparer } from '../prepare/preparer.js';
import { newKafkaDeadLetterSink } from './dead-letter-sink.js';
import { PartitionPauses } from './partition-pauses.js';
import { PartitionBatchProcessor, type BatchControl, type BatchResult, type PartitionBatch } from './partition-batch.js';
import { lostMembership } from './lost-membership.js';
import { securityRefusal } from './security-refusal.js';
import { tenantForSource } from './tenant-for-source.js';

export interface KafkaIngestOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topics: SectorTopics;
  /** Create missing sector and DLQ topics with this many partitions; false: missing topics fail start. */
  readonly createTopics: { readonly partitions: number; readonly replicationFactor: number } | false;
  /** Partitions processed at once (kafkajs partitionsConsumedConcurrently). */
  readonly partitionsConsumedConcurrently: number;
  /** Most bytes fetched per partition per request (bounds records in memory per partition). */
  readonly maxBytesPerPartition: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Backoff while the store or the DLQ topic is unavailable. */
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
  /** Written into DLQ records' `__cg.errors.gateway.version`. */
  readonly gatewayVersion: string;
  /** TLS and SASL of the consumer, the DLQ producer and the admin client (default plaintext). */
  readonly security?: KafkaSecurity;
  /** After the cluster refused the gateway's credentials or certificates: first and longest wait before trying again. */
  readonly refusedRetry?: { readonly initialMs: number; readonly maxMs: number };
}

export const defaultKafkaIngestOptions = {
  clientId: 'crossgate',
  groupId: 'crossgate',
  createTopics: false,
  partitionsConsumedConcurrently: 3,
  maxBytesPerPartition: 2 * 1024 * 1024,
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  retry: { initialMs: 200, maxMs: 10_000 },
  refusedRetry: { initialMs: 5_000, maxMs: 60_000 },
  gatewayVersion: 'unknown',
} as const satisfies Partial<KafkaIngestOptions>;

/** Minimal logger shape (pino's), so tests can pass a recorder. */
export interface IngestLogger {
  debug?(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface KafkaIngestDeps {
  readonly pipeline: Pick<Pipeline, 'submitMany' | 'admission'> & Partial<Pick<Pipeline, 'submitPrepared'>>;
  /** Where consumed records are decoded and prepared (the prepare workers); absent: on the consumer's thread. */
  readonly preparer?: MessagePreparer;
  readonly store: Pick<Store, 'addDeadLetter'>;
  readonly tenants: { readonly tenants: readonly Tenant[] };
  /** The tenants' quota buckets (shared with REST): a tenant over its quota is slowed, partition by partition. */
  readonly quotas?: Pick<TenantQuotas, 'reserve'>;
  readonly clock: Clock;
  readonly logger?: IngestLogger;
  /** Rejections the pipeline never saw (decode failures, no tenant), for metrics. */
  readonly onRejected?: (code: string, sector: string) => void;
  /** Every batch's result (tests, metrics). */
  readonly onBatch?: (topic: string, partition: number, result: BatchResult) => void;
}

/** The last refused start and the next attempt. */
interface Refusal {
  readonly reason: string;
  readonly attempts: number;
  readonly nextAt: number;
  timer?: ReturnType<typeof setTimeout>;
}

export class KafkaIngest implements KafkaStatus {
  readonly options: KafkaIngestOptions;
  readonly #deps: KafkaIngestDeps;
  readonly #kafka: Kafka;
  readonly #admin: Admin;
  readonly #producer: Producer;
  readonly #consumer: Consumer;
  readonly #gate: AdmissionGate;
  /** `refused`: the last start was refused for credentials or certificates; another is scheduled. */
  #state: 'new' | 'starting' | 'refused' | 'running' | 'stopping' | 'stopped' = 'new';
  #refusal: Refusal | undefined;
  /** The start in progress or last made: stop() waits for it. */
  #starting: Promise<void> | undefined;
  #crashed: Error | undefined;
  #stopping: Promise<void> | undefined;
  /** Which batch each batch commits after (reset when the group rebalances). */
  readonly #commitOrder = new CommitOrder();
  readonly #pauses: PartitionPauses;
  /** eachBatch calls and batches not yet done: stop() lets them finish and commit before leaving the group. */
  readonly #inHand = new Set<Promise<unknown>>();

  constructor(options: KafkaIngestOptions, deps: KafkaIngestDeps) {
    this.options = options;
    this.#deps = deps;
    this.#kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      ...kafkajsSecurity(options.security),
      logLevel: logLevel.WARN,
      logCreator: () => ({ level, log }) => {
        const entry = { component: 'kafkajs', logger: log.logger, ...(log.broker ? { broker: log.broker } : {}), ...(log.error ? { error: log.error } : {}) };
        // While starting, kafkajs logs each failed connection attempt; start() reports the outcome once.
        if (this.#state === 'starting' || this.#state === 'refused') deps.logger?.debug?.(entry, log.message);
        else if (level === logLevel.ERROR) deps.logger?.error(entry, log.message);
        else if (level === logLevel.WARN) deps.logger?.warn(entry, log.message);
      },
    });
    this.#admin = this.#kafka.admin();
    this.#producer = this.#kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.#consumer = this.#kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      maxBytesPerPartition: options.maxBytesPerPartition,
      maxWaitTimeInMs: 250,
    });
    this.#consumer.on(this.#consumer.events.CRASH, (event) => {
      this.#crashed = event.payload.error;
      this.#deps.logger?.error({ component: 'kafka', err: event.payload.error, restart: event.payload.restart }, 'Kafka consumer crashed');
    });
    this.#consumer.on(this.#consumer.events.GROUP_JOIN, (event) => {
      this.#crashed = undefined;
      // A new generation fetches from the committed offsets again: its batches do not wait for
      // the ones taken before (those may still commit; they never pass a record not durable).
      this.#commitOrder.clear();
      this.#deps.logger?.info({ component: 'kafka', groupId: event.payload.groupId, assignment: event.payload.memberAssignment }, 'joined the consumer group');
    });
    this.#pauses = new PartitionPauses(this.#consumer, this.consumedTopics());
    this.#gate = new AdmissionGate({
      admission: () => deps.pipeline.admission(),
      pause: () => this.#pauses.pauseAll(),
      // Once stopping, fetching stays paused (stop() paused it for good).
      resume: () => {
        if (this.#state === 'running') this.#pauses.resumeAll();
      },
      onChange: (state) => deps.logger?.info({ component: 'kafka' }, state === 'paused'
        ? 'pipeline full: Kafka fetching paused'
        : 'pipeline has room: Kafka fetching resumed'),
    });
  }

  /** The sector topics this consumer reads. */
  consumedTopics(): string[] {
    return sectors.map((sector) => this.options.topics[sector]);
  }

  /** True while fetching is paused for back-pressure. */
  get paused(): boolean {
    return this.#gate.paused;
  }

  /**
   * As {@link start}, except when the cluster refuses the gateway's credentials or certificates: then
   * one error line, a not-ready health status naming the refusal, and further attempts in the
   * background (5 s, doubling to 60 s), each logged at debug level only. Other failures throw.
   */
  async startWhenAllowed(): Promise<void> {
    try {
      await this.start();
    } catch (error) {
      const reason = securityRefusal(error);
      if (reason === undefined || this.#state !== 'refused') throw error;
      this.#scheduleAfterRefusal(reason);
    }
  }

  #scheduleAfterRefusal(reason: string): void {
    if (this.#stopping !== undefined) return;
    const { initialMs, maxMs } = this.options.refusedRetry ?? defaultKafkaIngestOptions.refusedRetry;
    const attempts = (this.#refusal?.attempts ?? 0) + 1;
    const waitMs = Math.min(maxMs, initialMs * 2 ** Math.min(attempts - 1, 30));
    const log = { component: 'kafka', refusal: reason, attempts, retryInMs: waitMs };
    if (this.#refusal?.reason === reason) this.#deps.logger?.debug?.(log, 'Kafka still refuses the gateway');
    else this.#deps.logger?.error(log, `Kafka refused the gateway (${reason}); Kafka ingest not ready, trying again with backoff up to ${maxMs / 1000} s`);
    const refusal: Refusal = { reason, attempts, nextAt: this.#deps.clock.now() + waitMs };
    refusal.timer = setTimeout(() => {
      void this.startWhenAllowed().then(
        () => {
          if (this.#state === 'running') this.#deps.logger?.info({ component: 'kafka', attempts: attempts + 1 }, 'Kafka accepted the gateway');
        },
        (error: unknown) => {
          this.#deps.logger?.error({ component: 'kafka', err: error }, 'Kafka ingest could not start');
        },
      );
    }, waitMs);
    this.#refusal = refusal;
  }

  /** Connects, checks (or creates) the topics and joins the group. Throws when Kafka is unusable. */
  start(): Promise<void> {
    if (this.#state !== 'new' && this.#state !== 'refused') return Promise.reject(new Error(`Kafka ingest cannot start: it is ${this.#state}`));
    this.#state = 'starting';
    this.#starting = this.#connectAndRun();
    return this.#starting;
  }

  async #connectAndRun(): Promise<void> {
    try {
      await this.#admin.connect();
      await this.#ensureTopics();
      await this.#producer.connect();
      await this.#consumer.connect();
      await this.#consumer.subscribe({ topics: this.consumedTopics(), fromBeginning: true });
      const processor = new PartitionBatchProcessor({
        pipeline: this.#deps.pipeline,
        ...(this.#deps.preparer ? { preparer: this.#deps.preparer } : {}),
        tenants: this.#deps.tenants,
        ...(this.#deps.quotas ? { quotas: this.#deps.quotas } : {}),
        gate: this.#gate,
        deadLetters: newKafkaDeadLetterSink({
          producer: this.#producer, store: this.#deps.store, gatewayVersion: this.options.gatewayVersion,
          onValueOmitted: (record, valueBytes, withOriginalHeaders) => this.#deps.logger?.warn(
            { component: 'kafka', topic: record.topic, partition: record.partition, offset: record.offset, valueBytes, withOriginalHeaders },
            'dead-letter copy sent without its value: too large for the .dlq topic (the exact bytes are in the dead-letter index)',
          ),
        }),
        clock: this.#deps.clock,
        retry: this.options.retry,
        ...(this.#deps.onRejected ? { onRejected: this.#deps.onRejected } : {}),
        onRetry: (step, err) => this.#deps.logger?.warn({ component: 'kafka', step, err }, 'retrying after a failure'),
      });
      // Running before run(): its first batch may arrive before run()'s promise is seen to resolve.
      this.#state = 'running';
      await this.#consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          const sector = sectorOfTopic(this.options.topics, batch.topic);
          if (sector === undefined) throw new Error(`received a batch of topic ${batch.topic}, which is not a sector topic`);
          await this.#inHandWhile(this.#take(processor, { topic: batch.topic, partition: batch.partition, sector, messages: batch.messages }, {
            isRunning: () => isRunning() && this.#state === 'running',
            isStale,
            heartbeat,
            resolveOffset,
            commit: (offset) => this.#commit(batch.topic, batch.partition, offset),
          }));
        },
      });
      this.#deps.logger?.info({ component: 'kafka', groupId: this.options.groupId, topics: this.consumedTopics() }, 'Kafka ingest started');
    } catch (error) {
      await this.#disconnectAll();
      // A stop() that came meanwhile wins; a refusal may be tried again.
      if (this.#state === 'starting') this.#state = securityRefusal(error) === undefined ? 'stopped' : 'refused';
      throw error;
    }
  }

  /**
   * Hands one batch to the pipeline. A partition has at most two batches in hand: while the one before
   * is not done, the partition is paused (not awaited here, which would hold up every partition of
   * the broker; partition-pauses.ts) and resumed once it is.
   */
  async #take(processor: PartitionBatchProcessor, batch: PartitionBatch, control: BatchControl): Promise<void> {
    const previous = this.#commitOrder.previousOf(batch);
    const { lastTaken, done } = await processor.take(batch, control, previous);
    this.#commitOrder.taken(batch, lastTaken, done);
    void this.#inHandWhile(done.then(
      (result) => this.#deps.onBatch?.(batch.topic, batch.partition, result),
      (err: unknown) => this.#deps.logger?.error({ component: 'kafka', topic: batch.topic, partition: batch.partition, err },
        'a batch failed before its commit; its records are read again after a restart or rebalance'),
    ));
    if (previous === undefined) return;
    const { topic, partition } = batch;
    this.#pauses.pausePartition(topic, partition);
    void previous.catch(() => undefined).then(() => {
      if (this.#state === 'running') this.#pauses.resumePartition(topic, partition);
    });
  }

  /** Never throws: a commit not made is covered by the partition's next one, or by a re-read. */
  async #commit(topic: string, partition: number, offset: string): Promise<boolean> {
    try {
      await this.#consumer.commitOffsets([{ topic, partition, offset }]);
      return true;
    } catch (error) {
      if (lostMembership(error)) {
        // kafkajs' next heartbeat sees the loss and rejoins; the partition's next owner reads
        // these records again.
        this.#deps.logger?.warn({ component: 'kafka', topic, partition, offset, err: error },
          'commit refused: this member no longer owns the partition; its next owner reads these records again');
      } else {
        // kafkajs retried it already. The records stay durable; the partition's next commit covers them.
        this.#deps.logger?.error({ component: 'kafka', topic, partition, offset, err: error },
          'commit failed; the partition\'s next commit covers these records');
      }
      return false;
    }
  }

  /** Keeps `work` in #inHand until it settles; returns it. */
  #inHandWhile<T>(work: Promise<T>): Promise<T> {
    this.#inHand.add(work);
    const forget = () => this.#inHand.delete(work);
    work.then(forget, forget);
    return work;
  }

  /**
   * Stops taking new records, lets the batches in hand finish (their durable prefix is committed
   * while this member is still in the group: kafkajs drops commits once its consumer is stopping),
   * leaves the group and disconnects. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearTimeout(this.#refusal?.timer);
      await this.#starting?.catch(() => undefined);
      if (this.#state === 'new' || this.#state === 'refused') {
        this.#state = 'stopped';
        return;
      }
      this.#state = 'stopping';
      while (this.#inHand.size > 0) {
        try {
          this.#pauses.pauseAll();
        } catch {
          // Not running yet (stopped while starting): nothing is fetched.
        }
        await Promise.allSettled([...this.#inHand]);
      }
      await this.#disconnectAll();
      this.#state = 'stopped';
      this.#deps.logger?.info({ component: 'kafka' }, 'Kafka ingest stopped');
    })();
    return this.#stopping;
  }

  async #disconnectAll(): Promise<void> {
    // The consumer first: disconnect waits for the running eachBatch calls, which may still publish DLQ records.
    for (const client of [this.#consumer, this.#producer, this.#admin]) {
      await client.disconnect().catch((err: unknown) => this.#deps.logger?.warn({ component: 'kafka', err }, 'Kafka disconnect failed'));
    }
  }

  async #ensureTopics(): Promise<void> {
    const wanted = this.consumedTopics().flatMap((topic) => [topic, dlqTopic(topic)]);
    const existing = new Set(await this.#admin.listTopics());
    const missing = wanted.filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    const create = this.options.createTopics;
    if (create === false) {
      throw new Error(`Kafka topics missing: ${missing.join(', ')}. Create them (with their .dlq topics), or set CROSSGATE_KAFKA_CREATE_TOPICS=true for development`);
    }
    await this.#admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: create.partitions, replicationFactor: create.replicationFactor })),
    });
    this.#deps.logger?.info({ component: 'kafka', topics: missing }, 'created Kafka topics');
  }

  /** Lag of every partition of the consumed topics: high watermark minus the committed offset. */
  async lag(): Promise<readonly PartitionLag[]> {
    const topics = this.consumedTopics();
    const committed = await this.#admin.fetchOffsets({ groupId: this.options.groupId, topics });
    const lags: PartitionLag[] = [];
    for (const topic of topics) {
      const ends = await this.#admin.fetchTopicOffsets(topic);
      const done = new Map((committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
      for (const end of ends) {
        const low = BigInt(end.low);
        const high = BigInt(end.high);
        const at = done.get(end.partition) ?? -1n;
        const from = at < low ? low : at;
        lags.push({ topic, partition: end.partition, lag: Number(high > from ? high - from : 0n) });
      }
    }
    return lags;
  }

  async health(): Promise<HealthStatus> {
    const refusal = this.#refusal;
    if (this.#state === 'refused' && refusal !== undefined) {
      const next = Math.max(0, Math.ceil((refusal.nextAt - this.#deps.clock.now()) / 1000));
      return { ok: false, detail: `Kafka refused the gateway (${refusal.reason}); attempt ${refusal.attempts}, next in ${next} s` };
    }
    if (this.#state !== 'running') return { ok: false, detail: `consumer ${this.#state}` };
    if (this.#crashed) return { ok: false, detail: `consumer crashed: ${this.#crashed.message}` };
    try {
      const cluster = await this.#admin.describeCluster();
      return { ok: true, detail: `${cluster.brokers.length} broker(s), group ${this.options.groupId}${this.#gate.paused ? ', paused (pipeline full)' : ''}` };
    } catch (error) {
      return { ok: false, detail: `broker unreachable: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  /** The tenant a Kafka dead letter is replayed as: the owner of its source (as when it was consumed). */
  tenantForDeadLetter(entry: DeadLetter): Tenant | undefined {
    return entry.recordId === null ? undefined : tenantForSource(this.#deps.tenants.tenants, entry.recordId.source);
  }
}

/** kafkajs' `ssl` and `sasl` options for `security`. */
function kafkajsSecurity(security: KafkaSecurity | undefined): Pick<KafkajsConfig, 'ssl' | 'sasl'> {
  if (security === undefined) return {};
  const tls = security.tls;
  const ssl = tls === undefined ? undefined : tls.ca === undefined && tls.cert === undefined ? true : { ...tls };
  const sasl = security.sasl === undefined ? undefined : { ...security.sasl } as SASLOptions;
  return { ...(ssl === undefined ? {} : { ssl }), ...(sasl === undefined ? {} : { sasl }) };
}
