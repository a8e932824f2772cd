/**
 * Helpers for tests against the real Kafka broker that scripts/kafka.sh starts. The test setup exports
 * its address as CROSSGATE_TEST_KAFKA_BROKERS; without it these helpers throw (tests never skip).
 * Every test gets its own topics (`cg-test-<random>-transport.events`, ...) and consumer groups, so tests
 * can run in parallel against one broker and leave nothing behind that another test could read.
 */
import { randomBytes } from 'node:crypto';
import {
  Kafka, logLevel, type Admin, type IHeaders, type KafkaMessage, type Message, type Producer,
} from 'kafkajs';
import { dlqTopic, prefixedSectorTopics, sectors, type SectorTopics } from '../../adapters/kafka/topics.js';

export const brokersEnv = 'CROSSGATE_TEST_KAFKA_BROKERS';

/** The broker list from CROSSGATE_TEST_KAFKA_BROKERS (comma-separated host:port). Throws when unset. */
/**
 * The gateway settings that make it consume `topics` as consumer group `groupId` from `brokers`
 * (defaults to the test broker).
 */
export function kafkaConsumerEnv(topics: SectorTopics, groupId: string, brokers: string = kafkaBrokers().join(',')): Record<string, string> {
  return {
    CROSSGATE_KAFKA_BROKERS: brokers,
    CROSSGATE_KAFKA_GROUP_ID: groupId,
    CROSSGATE_KAFKA_TOPIC_TRANSPORT: topics.transport,
    CROSSGATE_KAFKA_TOPIC_FINANCE: topics.finance,
    CROSSGATE_KAFKA_TOPIC_TELECOM: topics.telecom,
  };
}

export function kafkaBrokers(): string[] {
  const raw = process.env[brokersEnv];
  if (!raw || raw.trim() === '') {
    throw new Error(`${brokersEnv} is not set: start the test broker with \`bash scripts/kafka.sh start\` and export ${brokersEnv}=$(bash scripts/kafka.sh brokers), or run \`npm test\`, which does both`);
  }
  const brokers = raw.split(',').map((b) => b.trim()).filter((b) => b !== '');
  for (const broker of brokers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(broker)) throw new Error(`${brokersEnv}: '${broker}' is not host:port`);
  }
  return brokers;
}

/** A kafkajs client for tests: quiet (CROSSGATE_TEST_KAFKA_LOG=debug to see its log), short timeouts. */
export function testKafka(clientId = 'crossgate-test'): Kafka {
  return new Kafka({
    clientId,
    brokers: kafkaBrokers(),
    // kafkajs logs every transient broker answer (a new topic not yet served, a group coordinator still
    // loading) at ERROR although it retries them; failures that matter reach the test as rejections.
    logLevel: process.env['CROSSGATE_TEST_KAFKA_LOG'] === 'debug' ? logLevel.DEBUG : logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 15000,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
  });
}

/** A short random tag, safe in topic and group names. */
export function randomTag(): string {
  return randomBytes(5).toString('hex');
}

/** Sector topics unique to one test: `cg-test-<random>-transport.events` etc. */
export function uniqueSectorTopics(): { prefix: string; topics: SectorTopics } {
  const prefix = `cg-test-${randomTag()}`;
  return { prefix, topics: prefixedSectorTopics(prefix) };
}

/** A consumer group id unique to one test. */
export function uniqueGroupId(purpose = 'group'): string {
  return `cg-test-${randomTag()}-${purpose}`;
}

/**
 * Owns the topics a test creates and deletes them at the end. Use one per test (or per describe):
 *
 *   const kafka = await KafkaTestContext.open();
 *   after(() => kafka.close());
 *   const { topics } = await kafka.createSectorTopics();
 */
export class KafkaTestContext {
  private readonly created = new Set<string>();
  private producer: Producer | undefined;

  private constructor(readonly kafka: Kafka, readonly admin: Admin) {}

  static async open(clientId = 'crossgate-test'): Promise<KafkaTestContext> {
    const kafka = testKafka(clientId);
    const admin = kafka.admin();
    await admin.connect();
    return new KafkaTestContext(kafka, admin);
  }

  /**
   * Creates the topics and waits until the broker serves metadata for every partition with a leader.
   * CreateTopics returns once the controller has the topic; the broker learns of it a moment later
   * from the metadata log, and a metadata request in between answers UNKNOWN_TOPIC_OR_PARTITION.
   */
  async createTopics(names: readonly string[], partitions = 3, timeoutMs = 15_000): Promise<void> {
    const created = await this.admin.createTopics({
      waitForLeaders: false,
      topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    });
    if (!created) throw new Error(`topics already exist: ${names.join(', ')} (names must be unique per test)`);
    for (const name of names) this.created.add(name);
    let last = 'no answer yet';
    await waitFor(async () => {
      try {
        const metadata = await this.admin.fetchTopicMetadata({ topics: [...names] });
        const ready = metadata.topics.every((t) => t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0));
        last = ready ? 'ready' : 'partitions without a leader';
        return ready;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
        return false;
      }
    }, timeoutMs, () => `topics ${names.join(', ')} not served by the broker: ${last}`);
  }

  /** Creates unique sector topics and, unless told otherwise, their `.dlq` topics. */
  async createSectorTopics(options: { partitions?: number; withDlq?: boolean } = {}): Promise<{ prefix: string; topics: SectorTopics }> {
    const unique = uniqueSectorTopics();
    const names = sectors.map((sector) => unique.topics[sector]);
    const all = options.withDlq === false ? names : [...names, ...names.map(dlqTopic)];
    await this.createTopics(all, options.partitions ?? 3);
    return unique;
  }

  /**
   * A connected producer shared by this context, waiting for all in-sync replicas on every send.
   * Idempotent: right after a topic is created the broker may answer a write it has already appended
   * with a retriable error, and a plain producer's retry would then append the records twice.
   */
  async sharedProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }

  /**
   * Produces messages with acks=-1 in batches of `batchSize`, one batch after the other so that the
   * order within each partition is the order given (tests put poison records at known positions).
   * 1,000 per send is kafkajs' sweet spot here: its encoder slows down more than linearly with the
   * request size (5,000 per send was 2.5x slower per record on this machine).
   */
  async produce(topic: string, messages: readonly Message[], batchSize = 1000): Promise<void> {
    const producer = await this.sharedProducer();
    for (let i = 0; i < messages.length; i += batchSize) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + batchSize) });
    }
  }

  /** Produces `count` messages built by `make(i)`, batched as in {@link produce}. */
  async produceN(topic: string, count: number, make: (i: number) => Message, batchSize = 1000): Promise<void> {
    for (let i = 0; i < count; i += batchSize) {
      const batch: Message[] = [];
      for (let j = i; j < Math.min(count, i + batchSize); j++) batch.push(make(j));
      await this.produce(topic, batch, batchSize);
    }
  }

  /** The high watermark (next offset to be written) of each partition. */
  async endOffsets(topic: string): Promise<Map<number, bigint>> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  }

  /** Committed offsets of a group on a topic, per partition; -1 where nothing is committed. */
  async committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
    const [result] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((result?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  }

  /** Sum over the sector topics' partitions of the group's committed offsets (nothing committed counts 0). */
  async committedTotal(groupId: string, topics: SectorTopics): Promise<bigint> {
    let total = 0n;
    for (const sector of sectors) {
      for (const offset of (await this.committedOffsets(groupId, topics[sector])).values()) if (offset > 0n) total += offset;
    }
    return total;
  }

  /** Sum over the sector topics' partitions of the high watermarks: records produced so far. */
  async endTotal(topics: SectorTopics): Promise<bigint> {
    let total = 0n;
    for (const sector of sectors) for (const end of (await this.endOffsets(topics[sector])).values()) total += end;
    return total;
  }

  /**
   * Reads a whole topic as it is now (e.g. a DLQ): every record below each partition's current high
   * watermark, in partition then offset order. Throws after `timeoutMs` if the records do not arrive.
   */
  async readAll(topic: string, timeoutMs = 30_000): Promise<ReadRecord[]> {
    const ends = await this.endOffsets(topic);
    const remaining = new Set([...ends].filter(([, end]) => end > 0n).map(([partition]) => partition));
    if (remaining.size === 0) return [];
    const groupId = uniqueGroupId('reader');
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    // Keyed by partition:offset: a group rebalance may deliver a record again, and a re-delivery is
    // not a second record.
    const records = new Map<string, ReadRecord>();
    let settle!: () => void;
    const done = new Promise<void>((resolve) => { settle = resolve; });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const end = ends.get(partition) ?? 0n;
          const offset = BigInt(message.offset);
          if (offset < end) records.set(`${partition}:${offset}`, toReadRecord(topic, partition, message));
          if (offset >= end - 1n) {
            remaining.delete(partition);
            if (remaining.size === 0) settle();
          }
        },
      });
      await withDeadline(done, timeoutMs, () => `read ${records.size} records of ${topic}; partitions ${[...remaining].join(',')} did not reach their end offsets`);
    } finally {
      await consumer.disconnect();
      await this.admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return [...records.values()].sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  }

  /** Deletes topics now (also forgets them, so close() does not delete them again). */
  async deleteTopics(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await this.admin.deleteTopics({ topics: [...names], timeout: 15_000 });
    for (const name of names) this.created.delete(name);
  }

  /** Deletes every topic this context created and disconnects. */
  async close(): Promise<void> {
    try {
      await this.producer?.disconnect();
      await this.deleteTopics([...this.created]);
    } finally {
      await this.admin.disconnect();
    }
  }
}

/** A record read back from a topic, with headers decoded as UTF-8 text. */
export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Header values as text; a repeated header keeps its values in order. */
  readonly headers: Record<string, string | string[]>;
  readonly timestamp: string;
}

function toReadRecord(topic: string, partition: number, message: KafkaMessage): ReadRecord {
  return {
    topic,
    partition,
    offset: BigInt(message.offset),
    key: message.key,
    value: message.value,
    headers: headersText(message.headers ?? {}),
    timestamp: message.timestamp,
  };
}

function headersText(headers: IHeaders): Record<string, string | string[]> {
  const text: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    text[name] = Array.isArray(value) ? value.map((v) => v.toString()) : value.toString();
  }
  return text;
}

/** Waits for `promise`, failing with `describe()` after `timeoutMs`. */
export async function withDeadline<T>(promise: Promise<T>, timeoutMs: number, describe: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${describe()}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` until it returns true, failing with `describe()` after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
