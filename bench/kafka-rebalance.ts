/**
 * `npm run bench -- kafka-rebalance`: how long a consumer group takes to hand a stopped member's
 * partitions to the member left, per client and group protocol (issue 14, "a measured client choice"):
 *
 *   kafkajs 2.2.4, classic protocol (the gateway's client today; the baseline)
 *   @platformatic/kafka, classic protocol
 *   @platformatic/kafka, KIP-848 consumer protocol (Kafka 4.x brokers)
 *
 * Two members share a 6-partition topic that a producer writes to every 10 ms per partition, each
 * record carrying its production time. Once both members consume, one is stopped (a graceful close,
 * as the gateway's shutdown does); the time measured runs from that moment until the other member
 * has consumed, from every partition, a record produced after it. Both start new partitions at the
 * latest offset and commit nothing, so no backlog is inside the figure. Rounds alternate the clients.
 *
 * Environment: CROSSGATE_BENCH_KAFKA_BROKERS (default: the test broker, started if needed),
 * CROSSGATE_BENCH_REBALANCE_ROUNDS (default 3).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Consumer as PlatformaticConsumer } from '@platformatic/kafka';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { randomTag, withDeadline } from '../test/support/kafka.js';
import type { BenchResult } from './result.js';

const ROUNDS = Number(process.env['CROSSGATE_BENCH_REBALANCE_ROUNDS'] ?? 3);
const PARTITIONS = 6;
// The gateway's settings (src/ingest/kafka/kafka-ingest.ts); the consumer protocol takes its own from the broker.
const SESSION_TIMEOUT_MS = 30_000;
const HEARTBEAT_INTERVAL_MS = 3_000;

type Seen = (partition: number, producedAt: number) => void;
interface Member { stop(): Promise<void> }
type Variant = { readonly name: string; start(brokers: string[], topic: string, groupId: string, seen: Seen): Promise<Member> };

const variants: readonly Variant[] = [
  {
    name: 'kafkajs 2.2.4, classic',
    async start(brokers, topic, groupId, seen) {
      const consumer = new Kafka({ clientId: 'cg-bench-rebalance', brokers, logLevel: logLevel.NOTHING })
        .consumer({ groupId, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: HEARTBEAT_INTERVAL_MS, maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: false });
      await consumer.run({ autoCommit: false, eachMessage: async ({ partition, message }) => seen(partition, Number(message.value?.toString())) });
      return { stop: () => consumer.disconnect() };
    },
  },
  ...(['classic', 'consumer'] as const).map((groupProtocol): Variant => ({
    name: `@platformatic/kafka, ${groupProtocol === 'classic' ? 'classic' : 'KIP-848 consumer'}`,
    async start(brokers, topic, groupId, seen) {
      const consumer = new PlatformaticConsumer({
        clientId: 'cg-bench-rebalance-p', groupId, bootstrapBrokers: brokers,
        ...(groupProtocol === 'classic' ? { sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: HEARTBEAT_INTERVAL_MS } : { groupProtocol }),
      });
      const stream = await consumer.consume({ topics: [topic], mode: 'latest', autocommit: false, maxWaitTime: 100 });
      stream.on('data', (m: { partition: number; value: unknown }) => seen(m.partition, Number(Buffer.isBuffer(m.value) ? m.value.toString() : m.value)));
      stream.on('error', () => {});
      return {
        async stop() {
          await stream.close();
          await consumer.close(true);
        },
      };
    },
  })),
];

function brokerList(): string[] {
  const given = process.env['CROSSGATE_BENCH_KAFKA_BROKERS'] ?? process.env['CROSSGATE_TEST_KAFKA_BROKERS'];
  if (given) return given.split(',');
  const script = fileURLToPath(new URL('../../scripts/kafka.sh', import.meta.url));
  execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return execFileSync('bash', [script, 'brokers'], { encoding: 'utf8' }).trim().split(',');
}

/** Writes one record per partition every 10 ms, valued with its production time, until stopped. */
function produceSteadily(producer: Producer, topic: string): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      const now = String(Date.now());
      await producer.send({ topic, acks: 1, messages: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: now })) });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

/** Until `ready()` holds, checked every 20 ms. */
async function until(ready: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  await withDeadline((async () => {
    while (!ready()) await new Promise((resolve) => setTimeout(resolve, 20));
  })(), timeoutMs, what);
}

/** One round: two members, both consuming; stop one; milliseconds until the other has every partition. */
async function handOverMillis(variant: Variant, brokers: string[], topic: string): Promise<number> {
  const groupId = `cg-bench-rebalance-${randomTag()}`;
  const since = Date.now();
  const latest = [new Map<number, number>(), new Map<number, number>()];
  const seenBy = (i: 0 | 1): Seen => (partition, producedAt) => {
    const map = latest[i] as Map<number, number>;
    if (producedAt > (map.get(partition) ?? 0)) map.set(partition, producedAt);
  };
  const survivor = await variant.start(brokers, topic, groupId, seenBy(0));
  const leaving = await variant.start(brokers, topic, groupId, seenBy(1));
  try {
    // Balanced: every partition is being consumed, and the leaving member holds some of them.
    await until(() => {
      const fresh = Date.now() - 500;
      const owners = Array.from({ length: PARTITIONS }, (_, p) => [0, 1].filter((i) => ((latest[i] as Map<number, number>).get(p) ?? 0) > fresh));
      return owners.every((o) => o.length > 0) && owners.some((o) => o.includes(1)) && owners.some((o) => o.includes(0));
    }, 120_000, () => `${variant.name}: the two members did not share the partitions within 120 s (since ${since})`);
    const stoppedAt = Date.now();
    await leaving.stop();
    await until(
      () => Array.from({ length: PARTITIONS }, (_, p) => (latest[0] as Map<number, number>).get(p) ?? 0).every((t) => t >= stoppedAt),
      120_000, () => `${variant.name}: the member left did not take over every partition within 120 s`,
    );
    return Date.now() - stoppedAt;
  } finally {
    await survivor.stop();
  }
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export async function runKafkaRebalanceBench(): Promise<BenchResult> {
  const brokers = brokerList();
  const kafka = new Kafka({ clientId: 'cg-bench-rebalance-admin', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await admin.connect();
  await producer.connect();
  const topic = `cg-bench-rebalance-${randomTag()}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  const stopProducing = produceSteadily(producer, topic);
  const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order) {
        const ms = await handOverMillis(variant, brokers, topic);
        times.get(variant.name)?.push(ms);
        console.log(`round ${round + 1}  ${variant.name.padEnd(36)} ${ms} ms`);
      }
    }
  } finally {
    await stopProducing();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await producer.disconnect();
    await admin.disconnect();
  }
  const medianOf = (name: string) => median(times.get(name) ?? []);
  const baselineName = variants[0]?.name ?? '';
  const metrics = Object.fromEntries(variants.slice(1).map((v) => [`${v.name}: hand-over after a member stops (median)`, { value: medianOf(v.name), unit: 'ms' }]));
  const best = Math.min(...variants.slice(1).map((v) => medianOf(v.name)));
  return {
    scenario: 'kafka-rebalance',
    date: new Date().toISOString(),
    metrics,
    baseline: { [`${baselineName}: hand-over after a member stops (median)`]: { value: medianOf(baselineName), unit: 'ms' } },
    ratio: best / medianOf(baselineName),
    notes: [
      `Rounds (ms): ${variants.map((v) => `${v.name} ${(times.get(v.name) ?? []).join(' / ')}`).join('; ')}.`,
      `${PARTITIONS} partitions, one record per partition every 10 ms; two members in a new group per round, one closed gracefully once both consume.`,
      `Classic protocol: session timeout ${SESSION_TIMEOUT_MS} ms, heartbeat ${HEARTBEAT_INTERVAL_MS} ms (the gateway's). KIP-848: the broker's defaults.`,
      'ratio: the best @platformatic/kafka median over kafkajs\'s (below 1: faster).',
      `Machine: ${process.platform}/${process.arch}, Node ${process.version}.`,
    ],
  };
}
