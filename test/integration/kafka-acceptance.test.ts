/**
 * Kafka acceptance, part 1 (ARCHITECTURE.md invariant 1, "at-least-once in, exactly-once out"), with
 * real gateway processes, the real broker and a PostgreSQL store counted with SQL:
 *  - 20,000 mixed records over the three sector topics and wire formats, 10% invalid of several kinds:
 *    one anchored receipt per valid record, every invalid one in its DLQ topic with its code;
 *  - the gateway SIGKILLed at three seeded random moments while it consumes, restarted each time:
 *    still one receipt per valid record, none missing.
 * Seed: CROSSGATE_TEST_SEED, or random and printed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acceptanceFixture, assertDeadLetters, assertExactlyOnce, kafkaGatewayEnv, ledgerDir, produceWorkload, scrapeMetric,
  verifyReceiptSample, waitUntilSettled, withGatewayLogs,
} from '../support/kafka-acceptance.js';
import { startGatewayProcess } from '../support/gateway.js';
import { waitFor } from '../support/kafka.js';
import { concatWorkloads, type SectorWorkload } from '../support/kafka-workload.js';
import { prng } from '../support/record-factory.js';

describe('Kafka acceptance: exactly once (PostgreSQL store, embedded ledger)', () => {
  const fixture = acceptanceFixture('kafka-acceptance');
  const { seed, track } = fixture;

  it('20,000 mixed records over three formats: one anchored receipt per valid record, every invalid one dead-lettered with its code', async () => {
    const { db, probe, topics, groupId, workload: stream } = await fixture.scenario('accept');
    const { ctx } = fixture;
    const workload = stream(20_000);
    const share = workload.invalid.length / 20_000;
    assert.ok(share > 0.09 && share < 0.11, `about 10% invalid (${(share * 100).toFixed(1)}%)`);
    const kinds = new Set(workload.invalid.map((e) => e.kind));
    assert.ok(kinds.size >= 8, `invalid records of several kinds (${[...kinds].join(', ')})`);

    const started = Date.now();
    const [gateway] = await Promise.all([
      startGatewayProcess({ env: kafkaGatewayEnv(topics, groupId, db.url), readyTimeoutMs: 120_000 }).then(track),
      produceWorkload(ctx, topics, workload),
    ]);
    await withGatewayLogs(waitUntilSettled(ctx, probe, groupId, topics, workload.valid.length, 150_000), gateway);
    console.log(`20,000 records consumed and anchored in ${Date.now() - started} ms`);

    await assertExactlyOnce(probe, workload);
    await assertDeadLetters(ctx, probe, topics, workload, true);
    assert.equal(await scrapeMetric(gateway.url, 'crossgate_records_accepted_total'), workload.valid.length, 'accepted once each, no duplicates seen');
    await verifyReceiptSample(db.url, workload, [ledgerDir(gateway.dataDir)], 100, seed);
    assert.equal(await gateway.stop(), 0, 'SIGTERM stops the gateway cleanly');
  });

  it('SIGKILL at three random moments while consuming, each followed by a restart: one receipt per valid record, none missing', async () => {
    const { db, probe, topics, groupId, workload: stream } = await fixture.scenario('kill');
    const { ctx } = fixture;
    // 15,000 records in four parts of 3,750. Part k is produced before kill k, the last part after the
    // third kill: at each kill the stream's tail is not in the topics yet, so fewer than all offsets are
    // committed however fast the broker and the gateway are (the gateway cannot commit what does not
    // exist), and the moment each kill waits for is always reached (it lies within the parts produced).
    const parts: SectorWorkload[] = [];
    for (let k = 0; k < 4; k++) parts.push(stream(3_750, parts[k - 1]));
    const workload = concatWorkloads(...parts);
    const total = workload.valid.length;
    const random = prng(seed);

    await produceWorkload(ctx, topics, parts[0] as SectorWorkload);
    const gateway = track(await startGatewayProcess({ env: kafkaGatewayEnv(topics, groupId, db.url), readyTimeoutMs: 120_000 }));
    let committedAtRestart = 0n;
    let validBefore = 0;
    const atKills: { kill: number; committed: bigint }[] = [];
    for (let kill = 1; kill <= 3; kill++) {
      const part = parts[kill - 1] as SectorWorkload;
      const endBefore = await ctx.endTotal(topics) - BigInt(Object.values(part.messages).reduce((n, m) => n + m.length, 0));
      // A seeded random point within part `kill`, reached by progress the gateway makes: the first kill
      // watches records being stored (durable, whether or not their offsets are committed yet, so what
      // is stored but not committed comes back as duplicates), the others watch offsets being committed
      // after the restart (so the gateway resumes from offsets part-way through the partitions).
      let progress = '';
      if (kill === 1) {
        const threshold = validBefore + Math.max(1, Math.floor(part.valid.length * random()));
        await waitFor(async () => {
          const stored = await probe.recordCount();
          progress = `${stored} records stored, waiting for ${threshold}`;
          return stored >= threshold;
        }, 120_000, () => `kill ${kill}: ${progress}`, 20);
      } else {
        const partEnd = await ctx.endTotal(topics) - endBefore;
        const threshold = endBefore + BigInt(Math.max(1, Math.floor(Number(partEnd) * random())));
        await waitFor(async () => {
          const committed = await ctx.committedTotal(groupId, topics);
          progress = `${committed} offsets committed, waiting for more than ${committedAtRestart} and at least ${threshold}`;
          return committed > committedAtRestart && committed >= threshold;
        }, 120_000, () => `kill ${kill}: ${progress}`, 20);
      }
      await gateway.kill9();
      const [stored, committed, produced] = [await probe.recordCount(), await ctx.committedTotal(groupId, topics), await ctx.endTotal(topics)];
      console.log(`kill ${kill}: SIGKILL after ${progress.split(',')[0]}; at the kill ${stored}/${total} stored, ${committed} offsets committed of ${produced} produced so far`);
      atKills.push({ kill, committed });
      committedAtRestart = committed;
      validBefore += part.valid.length;
      await produceWorkload(ctx, topics, parts[kill] as SectorWorkload);
      await gateway.restart();
    }
    const end = await ctx.endTotal(topics);
    for (const { kill, committed } of atKills) {
      assert.ok(committed < end, `kill ${kill} happened mid-stream (${committed} of ${end} offsets committed)`);
    }
    await withGatewayLogs(waitUntilSettled(ctx, probe, groupId, topics, total, 150_000), gateway);

    await assertExactlyOnce(probe, workload);
    await assertDeadLetters(ctx, probe, topics, workload, false);
    await verifyReceiptSample(db.url, workload, [ledgerDir(gateway.dataDir)], 100, seed);
    assert.equal(await gateway.stop(), 0, 'SIGTERM stops the gateway cleanly');
  });
});
