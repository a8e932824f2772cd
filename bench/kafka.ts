/**
 * Kafka ingestion throughput end to end: records/s the gateway process (`node dist/src/main.js`, embedded
 * store and ledger) takes from the three sector topics, in their wire formats (transport structured
 * JSON, finance binary `ce_*`, telecom CSV), until every offset is committed, i.e. every record is
 * durable in a sealed batch. Baseline: the raw consume rate of kafkajs alone on the same topics
 * (bench/kafka-raw.ts, eachBatch, consume and discard), plus @platformatic/kafka's for comparison.
 * Records are produced before the clock starts; the gateway's clock starts when it is listening
 * (its consumer has joined the group by then).
 *
 *   npm run bench -- kafka
 *   CROSSGATE_BENCH_KAFKA_RECORDS=120000 npm run bench -- kafka
 *
 * Brokers: CROSSGATE_TEST_KAFKA_BROKERS, or scripts/kafka.sh starts the local broker.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Message } from 'kafkajs';
import { sectors, type Sector, type SectorTopics } from '../adapters/kafka/topics.js';
import { REPO_ROOT, startGatewayProcess } from '../test/support/gateway.js';
import { brokersEnv, KafkaTestContext, uniqueGroupId } from '../test/support/kafka.js';
import { sectorMessage } from '../test/support/kafka-wire.js';
import { makeValidRecord, type RecordType } from '../test/support/record-factory.js';
import { measureKafkajsConsumeRate, measurePlatformaticConsumeRate } from './kafka-raw.js';
import { peakRssMiB, printResult, type BenchResult } from './result.js';

const RECORDS = Number(process.env['CROSSGATE_BENCH_KAFKA_RECORDS'] ?? 60_000);
const typesOf: Record<Sector, RecordType[]> = {
  transport: ['cn.gov.transport.trip', 'cn.gov.transport.toll-passage'],
  finance: ['cn.gov.finance.payment', 'cn.gov.finance.invoice'],
  telecom: ['cn.gov.telecom.cdr'],
};

function brokers(): string {
  const given = process.env[brokersEnv];
  if (given) return given;
  const script = join(REPO_ROOT, 'scripts', 'kafka.sh');
  execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const started = execFileSync('bash', [script, 'brokers'], { encoding: 'utf8' }).trim();
  process.env[brokersEnv] = started;
  return started;
}

async function committedTotal(ctx: KafkaTestContext, groupId: string, topics: SectorTopics): Promise<bigint> {
  let total = 0n;
  for (const sector of sectors) {
    for (const offset of (await ctx.committedOffsets(groupId, topics[sector])).values()) if (offset > 0n) total += offset;
  }
  return total;
}

export async function runKafkaBench(): Promise<BenchResult> {
  const bootstrap = brokers();
  const ctx = await KafkaTestContext.open('crossgate-bench-kafka');
  try {
    const { topics, prefix } = await ctx.createSectorTopics();
    const perSector = Math.ceil(RECORDS / sectors.length);
    for (const sector of sectors) {
      const messages: Message[] = [];
      for (let i = 0; i < perSector; i++) {
        const types = typesOf[sector];
        messages.push(sectorMessage(sector, makeValidRecord(types[i % types.length] as RecordType, i, { idPrefix: `${prefix}-` })));
      }
      await ctx.produce(topics[sector], messages);
    }
    const total = perSector * sectors.length;
    const consumed = { brokers: bootstrap.split(','), topics: sectors.map((s) => topics[s]), expected: total };

    const raw = await measureKafkajsConsumeRate(consumed);
    const rawConcurrent = await measureKafkajsConsumeRate({ ...consumed, partitionsConsumedConcurrently: 3 });
    const platformatic = await measurePlatformaticConsumeRate(consumed);

    const groupId = uniqueGroupId('bench');
    const gateway = await startGatewayProcess({
      env: {
        CROSSGATE_LOG_LEVEL: 'warn',
        CROSSGATE_KAFKA_BROKERS: bootstrap,
        CROSSGATE_KAFKA_GROUP_ID: groupId,
        CROSSGATE_KAFKA_TOPIC_TRANSPORT: topics.transport,
        CROSSGATE_KAFKA_TOPIC_FINANCE: topics.finance,
        CROSSGATE_KAFKA_TOPIC_TELECOM: topics.telecom,
      },
      readyTimeoutMs: 180_000,
    });
    let seconds: number;
    try {
      const started = performance.now();
      const deadline = started + 600_000;
      while ((await committedTotal(ctx, groupId, topics)) < BigInt(total)) {
        if (performance.now() > deadline) throw new Error('the gateway did not commit every offset within 10 minutes');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      seconds = (performance.now() - started) / 1000;
    } finally {
      await gateway.stop();
      await gateway.cleanup();
    }
    const gatewayRate = total / seconds;
    return {
      scenario: 'kafka',
      date: new Date().toISOString(),
      metrics: {
        'gateway records/s (consume to committed)': { value: Math.round(gatewayRate), unit: 'records/s' },
        'gateway seconds for all records': { value: Math.round(seconds * 100) / 100, unit: 's' },
        'bench process peak RSS': { value: Math.round(peakRssMiB()), unit: 'MiB' },
      },
      baseline: {
        'kafkajs raw consume (eachBatch, discard)': { value: Math.round(raw.recordsPerSecond), unit: 'records/s' },
        'kafkajs raw consume, 3 partitions concurrently': { value: Math.round(rawConcurrent.recordsPerSecond), unit: 'records/s' },
        '@platformatic/kafka raw consume (stream, discard)': { value: Math.round(platformatic.recordsPerSecond), unit: 'records/s' },
      },
      ratio: Math.round((gatewayRate / raw.recordsPerSecond) * 1000) / 1000,
      notes: [
        `${total} valid records over 3 sector topics x 3 partitions (transport structured JSON, finance binary ce_ headers, telecom CSV), produced before timing`,
        'gateway: node dist/src/main.js child process, embedded store and ledger, defaults (linger 200 ms, 3 partitions concurrently); timed from listening to every offset committed',
        'raw: one consumer, fresh group, from the earliest offset, timed from the first record to the last',
        'ratio: gateway records/s over kafkajs raw records/s (1 partition at a time)',
        `machine: ${process.platform} ${process.arch}, ${cpus().length} cores, broker on the same machine`,
      ],
    };
  } finally {
    await ctx.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printResult(await runKafkaBench());
}
