/**
 * Raw Kafka consume rate: how fast a client alone reads records off the broker and throws them away.
 * This is the ceiling the Kafka end-to-end bench is compared against (gateway records/s ÷ raw records/s):
 * whatever the gateway adds (decode, validate, digest, batch, store, commit) shows up as the gap.
 *
 *   kafkajs              consumer group, eachBatch, autoCommit off, records discarded (the gateway's mode)
 *   @platformatic/kafka  consumer group, message stream from the earliest offset, autocommit off
 *
 * Run alone (produces a fresh topic on the test broker, measures both clients, deletes the topic):
 *
 *   CROSSGATE_TEST_KAFKA_BROKERS=$(bash scripts/kafka.sh brokers) node dist/bench/kafka-raw.js
 *   CROSSGATE_BENCH_KAFKA_RECORDS=500000 ... node dist/bench/kafka-raw.js
 *
 * Timing starts when the first record arrives, so the group join (one round of JoinGroup/SyncGroup,
 * ~0.1-3 s) is reported apart (`joinMillis`) instead of diluting the rate of a short run.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Consumer as PlatformaticConsumer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaTestContext, randomTag, withDeadline } from '../test/support/kafka.js';

export interface RawConsumeOptions {
  readonly brokers: readonly string[];
  readonly topics: readonly string[];
  /** Records to read before stopping; default: every record in the topics now. */
  readonly expected?: number;
  readonly timeoutMs?: number;
  /** kafkajs only: partitions handed to eachBatch concurrently (kafkajs default 1). */
  readonly partitionsConsumedConcurrently?: number;
}

export interface RawConsumeResult {
  readonly client: string;
  readonly records: number;
  /** From the first record to the last. */
  readonly seconds: number;
  readonly recordsPerSecond: number;
  /** From starting the consumer to the first record (group join, first fetch). */
  readonly joinMillis: number;
}

/** Total records currently in the topics (high watermark − log start, per partition). */
export async function countRecords(brokers: readonly string[], topics: readonly string[]): Promise<number> {
  const admin = new Kafka({ clientId: 'crossgate-bench-count', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    let total = 0;
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) total += Number(BigInt(p.high) - BigInt(p.low));
    }
    return total;
  } finally {
    await admin.disconnect();
  }
}

/** kafkajs consume-and-discard with eachBatch and autoCommit off, in a fresh consumer group. */
export async function measureKafkajsConsumeRate(options: RawConsumeOptions): Promise<RawConsumeResult> {
  const expected = options.expected ?? await countRecords(options.brokers, options.topics);
  const kafka = new Kafka({ clientId: 'crossgate-bench-raw', brokers: [...options.brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `cg-bench-raw-${randomTag()}`, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
  let count = 0;
  let first = 0;
  let last = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => { finish = resolve; });
  const started = performance.now();
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        count += batch.messages.length;
        if (count >= expected) {
          last = performance.now();
          finish();
        }
      },
    });
    await withDeadline(finished, options.timeoutMs ?? 300_000, () => `kafkajs read ${count} of ${expected} records`);
  } finally {
    await consumer.disconnect();
  }
  const seconds = (last - first) / 1000;
  const suffix = (options.partitionsConsumedConcurrently ?? 1) > 1 ? ` (${options.partitionsConsumedConcurrently} partitions concurrently)` : '';
  return { client: `kafkajs eachBatch${suffix}`, records: count, seconds, recordsPerSecond: count / seconds, joinMillis: first - started };
}

/** @platformatic/kafka consume-and-discard from a message stream, autocommit off, fresh consumer group. */
export async function measurePlatformaticConsumeRate(options: RawConsumeOptions): Promise<RawConsumeResult> {
  const expected = options.expected ?? await countRecords(options.brokers, options.topics);
  const consumer = new PlatformaticConsumer({
    clientId: 'crossgate-bench-raw-platformatic',
    groupId: `cg-bench-raw-p-${randomTag()}`,
    bootstrapBrokers: [...options.brokers],
  });
  let count = 0;
  let first = 0;
  let last = 0;
  const started = performance.now();
  try {
    const stream = await consumer.consume({
      topics: [...options.topics],
      mode: 'earliest',
      autocommit: false,
      maxWaitTime: 100,
      // Its default of 50 MB per fetch made it slow on a large backlog (240,000 records of ~450 B:
      // 53,592/s at 50 MB, 157,245 at 8 MiB, 227,544 at 2 MiB, same run); 2 MiB is the gateway's
      // fetch size per partition.
      maxBytes: 2 * 1024 * 1024,
    });
    const finished = new Promise<void>((resolve, reject) => {
      stream.on('data', () => {
        if (first === 0) first = performance.now();
        count += 1;
        if (count === expected) {
          last = performance.now();
          resolve();
        }
      });
      stream.on('error', reject);
    });
    try {
      await withDeadline(finished, options.timeoutMs ?? 300_000, () => `@platformatic/kafka read ${count} of ${expected} records`);
    } finally {
      await stream.close();
    }
  } finally {
    await consumer.close(true);
  }
  const seconds = (last - first) / 1000;
  return { client: '@platformatic/kafka stream', records: count, seconds, recordsPerSecond: count / seconds, joinMillis: first - started };
}

/** A transport trip envelope of realistic size (~450 bytes), as producers would send it. */
function sampleRecord(i: number): string {
  return JSON.stringify({
    specversion: '1.0',
    id: `trip-${i}-${randomBytes(6).toString('hex')}`,
    source: `/beijing/transport/metro-operator-${i % 7}`,
    type: 'cn.gov.transport.trip',
    dataschema: 'urn:crossgate:schema:cn.gov.transport.trip:v1',
    time: '2025-01-02T03:04:05Z',
    datacontenttype: 'application/json',
    data: {
      vehicleId: `B-${10000 + (i % 90000)}`,
      routeId: `line-${i % 23}`,
      startTime: '2025-01-02T02:40:00Z',
      endTime: '2025-01-02T03:02:11Z',
      distanceMeters: 1000 + (i % 30000),
      fare: { amount: `${(i % 900) / 100 + 2}`, currency: 'CNY' },
    },
  });
}

async function main(): Promise<void> {
  const total = Number(process.env['CROSSGATE_BENCH_KAFKA_RECORDS'] ?? 200_000);
  const rounds = Number(process.env['CROSSGATE_BENCH_KAFKA_ROUNDS'] ?? 2);
  const ctx = await KafkaTestContext.open('crossgate-bench-raw');
  try {
    const topic = `cg-bench-${randomTag()}-transport.events`;
    await ctx.createTopics([topic], 3);
    const producing = performance.now();
    await ctx.produceN(topic, total, (i) => ({ key: `operator-${i % 7}-${i % 101}`, value: sampleRecord(i) }));
    console.log(`produced ${total} records (~${sampleRecord(0).length} B) into ${topic} (3 partitions) in ${((performance.now() - producing) / 1000).toFixed(1)} s`);
    const brokers = (await ctx.admin.describeCluster()).brokers.map((b) => `${b.host}:${b.port}`);
    const options = { brokers, topics: [topic], expected: total };
    for (let round = 1; round <= rounds; round++) {
      for (const measure of [
        () => measureKafkajsConsumeRate(options),
        () => measureKafkajsConsumeRate({ ...options, partitionsConsumedConcurrently: 3 }),
        () => measurePlatformaticConsumeRate(options),
      ]) {
        const r = await measure();
        console.log(`round ${round}  ${r.client.padEnd(48)} ${Math.round(r.recordsPerSecond).toLocaleString('en-US').padStart(10)} records/s  (${r.records} in ${r.seconds.toFixed(2)} s, first record after ${Math.round(r.joinMillis)} ms)`);
      }
    }
  } finally {
    await ctx.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
