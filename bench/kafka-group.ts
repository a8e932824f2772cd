/**
 * `npm run bench -- kafka-group`: consumer-group behaviour per client and group protocol (issue 14,
 * "a measured client choice"): how long the group takes to hand a stopped member's partitions to the
 * member left, how long an offset commit takes, and how soon records flow again after a resume.
 *
 *   kafkajs 2.2.4, classic protocol (the gateway's client today; the baseline)
 *   @platformatic/kafka, classic protocol
 *   @platformatic/kafka, KIP-848 consumer protocol (Kafka 4.x brokers)
 *
 * Two members share a 6-partition topic that a producer writes to every 10 ms per partition, each
 * record carrying its production time. Once both members consume, one is stopped (a graceful close,
 * as the gateway's shutdown does); the time measured runs from that moment until the other member
 * has consumed, from every partition, a record produced after it. Both start new partitions at the
 * latest offset and commit nothing, so no backlog is inside the figure. The member left then commits
 * its last offset of one partition 20 times (median round trip), and is paused for 300 ms and resumed:
 * the time from resume() to the first record produced after it. Rounds alternate the clients.
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

type Seen = (partition: number, producedAt: number, offset: string, leaderEpoch: number) => void;
interface Member {
  stop(): Promise<void>;
  /** Commits offset + 1 of a consumed record. */
  commit(partition: number, offset: string, leaderEpoch: number): Promise<void>;
  pause(): void;
  resume(): void;
}
type Variant = { readonly name: string; start(brokers: string[], topic: string, groupId: string, seen: Seen): Promise<Member> };

const variants: readonly Variant[] = [
  {
    name: 'kafkajs 2.2.4, classic',
    async start(brokers, topic, groupId, seen) {
      const consumer = new Kafka({ clientId: 'cg-bench-group', brokers, logLevel: logLevel.NOTHING })
        .consumer({ groupId, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: HEARTBEAT_INTERVAL_MS, maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: false });
      await consumer.run({ autoCommit: false, eachMessage: async ({ partition, message }) => seen(partition, Number(message.value?.toString()), message.offset, -1) });
      return {
        stop: () => consumer.disconnect(),
        commit: (partition, offset) => consumer.commitOffsets([{ topic, partition, offset: String(BigInt(offset) + 1n) }]),
        pause: () => consumer.pause([{ topic }]),
        resume: () => consumer.resume([{ topic }]),
      };
    },
  },
  ...(['classic', 'consumer'] as const).map((groupProtocol): Variant => ({
    name: `@platformatic/kafka, ${groupProtocol === 'classic' ? 'classic' : 'KIP-848 consumer'}`,
    async start(brokers, topic, groupId, seen) {
      const consumer = new PlatformaticConsumer({
        clientId: 'cg-bench-group-p', groupId, bootstrapBrokers: brokers,
        ...(groupProtocol === 'classic' ? { sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: HEARTBEAT_INTERVAL_MS } : { groupProtocol }),
      });
      const stream = await consumer.consume({ topics: [topic], mode: 'latest', autocommit: false, maxWaitTime: 100 });
      stream.on('data', (m: { partition: number; value: unknown; offset: bigint; leaderEpoch: number }) =>
        seen(m.partition, Number(Buffer.isBuffer(m.value) ? m.value.toString() : m.value), String(m.offset), m.leaderEpoch));
      stream.on('error', () => {});
      return {
        async stop() {
          await stream.close();
          await consumer.close(true);
        },
        commit: (partition, offset, leaderEpoch) => consumer.commit({ offsets: [{ topic, partition, offset: BigInt(offset) + 1n, leaderEpoch }] }),
        // The stream pauses as a whole: this client has no per-partition pause (the gateway pauses partitions).
        pause: () => void stream.pause(),
        resume: () => void stream.resume(),
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

interface RoundResult { readonly handOverMs: number; readonly commitMs: number; readonly resumeMs: number }

/** One round: two members, both consuming; stop one; then commit and pause/resume on the member left. */
async function groupRound(variant: Variant, brokers: string[], topic: string): Promise<RoundResult> {
  const groupId = `cg-bench-group-${randomTag()}`;
  const latest = [new Map<number, number>(), new Map<number, number>()];
  let lastRecord = { partition: 0, offset: '', leaderEpoch: -1, producedAt: 0 };
  const seenBy = (i: 0 | 1): Seen => (partition, producedAt, offset, leaderEpoch) => {
    const map = latest[i] as Map<number, number>;
    if (producedAt > (map.get(partition) ?? 0)) map.set(partition, producedAt);
    if (i === 0) lastRecord = { partition, offset, leaderEpoch, producedAt };
  };
  const survivor = await variant.start(brokers, topic, groupId, seenBy(0));
  const leaving = await variant.start(brokers, topic, groupId, seenBy(1));
  try {
    // Balanced: every partition is being consumed, and each member holds some of them.
    await until(() => {
      const fresh = Date.now() - 500;
      const owners = Array.from({ length: PARTITIONS }, (_, p) => [0, 1].filter((i) => ((latest[i] as Map<number, number>).get(p) ?? 0) > fresh));
      return owners.every((o) => o.length > 0) && owners.some((o) => o.includes(1)) && owners.some((o) => o.includes(0));
    }, 120_000, () => `${variant.name}: the two members did not share the partitions within 120 s`);
    const stoppedAt = Date.now();
    await leaving.stop();
    await until(
      () => Array.from({ length: PARTITIONS }, (_, p) => (latest[0] as Map<number, number>).get(p) ?? 0).every((t) => t >= stoppedAt),
      120_000, () => `${variant.name}: the member left did not take over every partition within 120 s`,
    );
    const handOverMs = Date.now() - stoppedAt;

    const commits: number[] = [];
    for (let i = 0; i < 20; i++) {
      const { partition, offset, leaderEpoch } = lastRecord;
      const started = performance.now();
      await survivor.commit(partition, offset, leaderEpoch);
      commits.push(performance.now() - started);
    }

    survivor.pause();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const resumedAt = Date.now();
    survivor.resume();
    await until(() => lastRecord.producedAt >= resumedAt, 60_000, () => `${variant.name}: no record within 60 s of resume()`);
    return { handOverMs, commitMs: median(commits), resumeMs: Date.now() - resumedAt };
  } finally {
    await survivor.stop();
  }
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export async function runKafkaGroupBench(): Promise<BenchResult> {
  const brokers = brokerList();
  const kafka = new Kafka({ clientId: 'cg-bench-group-admin', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await admin.connect();
  await producer.connect();
  const topic = `cg-bench-group-${randomTag()}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  const stopProducing = produceSteadily(producer, topic);
  const results = new Map<string, RoundResult[]>(variants.map((v) => [v.name, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order) {
        const r = await groupRound(variant, brokers, topic);
        results.get(variant.name)?.push(r);
        console.log(`round ${round + 1}  ${variant.name.padEnd(38)} hand-over ${r.handOverMs} ms, commit ${r.commitMs.toFixed(1)} ms, resume ${r.resumeMs} ms`);
      }
    }
  } finally {
    await stopProducing();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await producer.disconnect();
    await admin.disconnect();
  }
  const medianOf = (name: string, key: keyof RoundResult) => median((results.get(name) ?? []).map((r) => r[key]));
  const figures = (v: Variant) => ({
    [`${v.name}: hand-over after a member stops`]: { value: medianOf(v.name, 'handOverMs'), unit: 'ms' },
    [`${v.name}: offset commit`]: { value: medianOf(v.name, 'commitMs'), unit: 'ms' },
    [`${v.name}: first fresh record after resume`]: { value: medianOf(v.name, 'resumeMs'), unit: 'ms' },
  });
  const [baseline, ...others] = variants;
  if (baseline === undefined) throw new Error('no variants');
  const best = Math.min(...others.map((v) => medianOf(v.name, 'handOverMs')));
  return {
    scenario: 'kafka-group',
    date: new Date().toISOString(),
    metrics: Object.assign({}, ...others.map(figures)),
    baseline: figures(baseline),
    ratio: best / medianOf(baseline.name, 'handOverMs'),
    notes: [
      `Medians of ${ROUNDS} rounds. Hand-over rounds (ms): ${variants.map((v) => `${v.name} ${(results.get(v.name) ?? []).map((r) => r.handOverMs).join(' / ')}`).join('; ')}.`,
      `${PARTITIONS} partitions, one record per partition every 10 ms; two members in a new group per round, one closed gracefully once both consume.`,
      `Classic protocol: session timeout ${SESSION_TIMEOUT_MS} ms, heartbeat ${HEARTBEAT_INTERVAL_MS} ms (the gateway's). KIP-848: the broker's defaults.`,
      'Pause: kafkajs pauses the topic\'s partitions (the gateway pauses single partitions); @platformatic/kafka 2.12 pauses its message stream as a whole, it has no per-partition pause.',
      'ratio: the best @platformatic/kafka hand-over median over kafkajs\'s (below 1: faster).',
      `Machine: ${process.platform}/${process.arch}, Node ${process.version}.`,
    ],
  };
}
