/**
 * Kafka acceptance, part 2 (ARCHITECTURE.md §3 scale-out and invariant 3, back-pressure), with real
 * gateway processes, the real broker and a PostgreSQL store counted with SQL:
 *  - two instances in one consumer group share the partitions and one store, each with its own data
 *    directory and embedded ledger (the ledger is single-writer per directory); both accept records,
 *    together exactly one receipt per valid record, and a SIGTERM moves one's partitions to the other
 *    without loss;
 *  - while the chain is unavailable (embedded ledger MAINTENANCE) and the outbox at its bound, the
 *    consumer stops: nothing more is committed while records keep arriving, the lag grows by exactly
 *    what arrives, memory stays flat; once the chain is back everything is anchored exactly once.
 * Seed: CROSSGATE_TEST_SEED, or random and printed.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AssignerProtocol } from 'kafkajs';
import { openEmbeddedLedger } from '../../adapters/chains/embedded/embedded-ledger.js';
import { generatePrivateKey, newSigner } from '../../src/core/signer.js';
import {
  acceptanceFixture, assertDeadLetters, assertExactlyOnce, kafkaGatewayEnv, ledgerDir, produceWorkload, rssMiB,
  scrapeMetric, verifyReceiptSample, waitUntilSettled, withGatewayLogs,
} from '../support/kafka-acceptance.js';
import { concatWorkloads, type SectorWorkload } from '../support/kafka-workload.js';
import { http, startGatewayProcess } from '../support/gateway.js';
import { waitFor } from '../support/kafka.js';

describe('Kafka acceptance: scale-out and back-pressure (PostgreSQL store, embedded ledger)', () => {
  const fixture = acceptanceFixture('kafka-acceptance-scale');
  const { seed, track } = fixture;

  /** The group's members and the partitions each one holds (`topic/partition`). */
  async function groupAssignment(groupId: string): Promise<{ state: string; members: { clientHost: string; partitions: string[] }[] }> {
    const { groups } = await fixture.ctx.admin.describeGroups([groupId]);
    const group = groups[0];
    if (group === undefined) return { state: 'unknown', members: [] };
    return {
      state: group.state,
      members: group.members.map((member) => {
        const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
        const partitions = Object.entries(assignment?.assignment ?? {}).flatMap(([topic, ps]) => ps.map((p) => `${topic}/${p}`));
        return { clientHost: member.clientHost, partitions };
      }),
    };
  }

  it('two instances in one group share the partitions, one receipt per valid record; SIGTERM hands one\'s partitions to the other without loss', async () => {
    const { db, probe, topics, groupId, workload: stream } = await fixture.scenario('scale');
    const { ctx } = fixture;
    const first = stream(3_000);
    const second = stream(10_000, first);
    const third = stream(3_000, second);
    // A small outbox bound, so an instance that miscounts the shared outbox (batches sealed by one,
    // anchored by the other) would stop taking records and this test would time out.
    const env = kafkaGatewayEnv(topics, groupId, db.url, { CROSSGATE_OUTBOX_MAX_BATCHES: '4' });
    const [a, b] = await Promise.all([
      startGatewayProcess({ env, readyTimeoutMs: 120_000 }).then(track),
      startGatewayProcess({ env, readyTimeoutMs: 120_000 }).then(track),
    ]);
    assert.notEqual(a.dataDir, b.dataDir, 'each instance has its own data directory (and ledger)');
    let group = await groupAssignment(groupId);
    await waitFor(async () => {
      group = await groupAssignment(groupId);
      return group.state === 'Stable' && group.members.length === 2 && group.members.every((m) => m.partitions.length > 0);
    }, 60_000, () => `the group did not settle with two members holding partitions: ${JSON.stringify(group)}`, 200);
    assert.equal(group.members.flatMap((m) => m.partitions).length, 9, 'the 9 partitions are split between the two');

    await produceWorkload(ctx, topics, first);
    let accepted = [0, 0];
    await waitFor(async () => {
      accepted = [await scrapeMetric(a.url, 'crossgate_records_accepted_total'), await scrapeMetric(b.url, 'crossgate_records_accepted_total')];
      return accepted.every((n) => n > 0);
    }, 60_000, () => `both instances accept records (accepted: ${accepted.join(', ')})`, 100);

    // B is stopped while records keep arriving and both are taking them.
    const producing = produceWorkload(ctx, topics, second);
    let stored = 0;
    await waitFor(async () => (stored = await probe.recordCount()) >= first.valid.length + 500, 60_000,
      () => `the second wave is not being consumed (${stored} stored)`, 20);
    accepted = [await scrapeMetric(a.url, 'crossgate_records_accepted_total'), await scrapeMetric(b.url, 'crossgate_records_accepted_total')];
    const [committed, end] = [await ctx.committedTotal(groupId, topics), await ctx.endTotal(topics)];
    console.log(`SIGTERM to B: A accepted ${accepted[0]}, B ${accepted[1]}; ${committed}/${end} offsets committed`);
    assert.ok(accepted.every((n) => n > 0), `both instances took records (accepted: ${accepted.join(', ')})`);
    assert.ok(committed < end, `B stops mid-stream (${committed} of ${end} offsets committed)`);
    assert.equal(await b.stop(), 0, 'instance B stops cleanly on SIGTERM');
    await producing;
    await waitFor(async () => {
      group = await groupAssignment(groupId);
      return group.state === 'Stable' && group.members.length === 1 && group.members[0]?.partitions.length === 9;
    }, 60_000, () => `A did not take over all 9 partitions: ${JSON.stringify(group)}`, 200);
    const acceptedByABefore = await scrapeMetric(a.url, 'crossgate_records_accepted_total');
    await produceWorkload(ctx, topics, third);

    const workload = concatWorkloads(first, second, third);
    await withGatewayLogs(waitUntilSettled(ctx, probe, groupId, topics, workload.valid.length, 120_000), a, b);
    await assertExactlyOnce(probe, workload);
    await assertDeadLetters(ctx, probe, topics, workload, false);
    const acceptedByA = await scrapeMetric(a.url, 'crossgate_records_accepted_total');
    assert.ok(acceptedByA - acceptedByABefore >= third.valid.length, `A alone took the records produced after B left (${acceptedByA - acceptedByABefore} of ${third.valid.length})`);

    // Each ledger is a valid chain of its own, and every sampled receipt is anchored in one of them.
    assert.equal(await a.stop(), 0, 'instance A stops cleanly on SIGTERM');
    for (const gateway of [a, b]) {
      const ledger = await openEmbeddedLedger({ dir: ledgerDir(gateway.dataDir), signer: newSigner('Ed25519', generatePrivateKey('Ed25519')), clock: { now: () => Date.now() }, readOnly: true });
      try {
        const chain = ledger.verifyChain();
        assert.ok(chain.ok && chain.anchors > 0, `ledger of ${gateway.dataDir} verifies and holds anchors: ${JSON.stringify(chain)}`);
      } finally {
        await ledger.close();
      }
    }
    await verifyReceiptSample(db.url, workload, [ledgerDir(a.dataDir), ledgerDir(b.dataDir)], 100, seed);
  });

  it('chain unavailable: the consumer pauses (no commits, lag grows by what arrives, memory flat) and catches up exactly once afterwards', async () => {
    const { db, probe, topics, groupId, workload: stream } = await fixture.scenario('pause');
    const { ctx } = fixture;
    const warmUp = stream(3_000);
    const during: SectorWorkload[] = [];
    const gateway = track(await startGatewayProcess({
      env: kafkaGatewayEnv(topics, groupId, db.url, {
        // Small batches and a 2-batch outbox: a few hundred records fill it once the chain is down.
        CROSSGATE_BATCH_MAX_RECORDS: '200',
        CROSSGATE_OUTBOX_MAX_BATCHES: '2',
        CROSSGATE_RETRY_INITIAL_MS: '100',
        CROSSGATE_RETRY_MAX_MS: '500',
      }),
      readyTimeoutMs: 120_000,
    }));
    await produceWorkload(ctx, topics, warmUp);
    await withGatewayLogs(waitUntilSettled(ctx, probe, groupId, topics, warmUp.valid.length, 60_000), gateway);
    const baselineMiB = rssMiB(gateway.pid);
    let peakMiB = baselineMiB;
    const sampler = setInterval(() => {
      try {
        peakMiB = Math.max(peakMiB, rssMiB(gateway.pid));
      } catch {
        // the process is gone: the assertions below say why
      }
    }, 100);

    const maintenance = join(ledgerDir(gateway.dataDir), 'MAINTENANCE');
    try {
      writeFileSync(maintenance, 'acceptance test: chain down\n');
      // Records keep arriving, 1,000 at a time, until the consumer says it has paused for the full outbox.
      let detail = '';
      const paused = async () => {
        const ready = await http(gateway.url, 'GET', '/health/ready');
        detail = JSON.stringify(ready.body);
        const checks = (ready.body as { checks?: Record<string, { detail?: string }> }).checks;
        return ready.status === 503 && (checks?.['kafka']?.detail ?? '').includes('paused (pipeline full)');
      };
      while (during.length < 10 && !(await paused())) {
        const chunk = stream(1_000, during.at(-1) ?? warmUp);
        during.push(chunk);
        await produceWorkload(ctx, topics, chunk);
      }
      await waitFor(paused, 30_000, () => `the consumer did not pause for the full outbox: ${detail}`, 100);
      // Batches whose records were all submitted before the gate closed still commit; then nothing moves.
      let committed = await ctx.committedTotal(groupId, topics);
      let unchanged = 0;
      await waitFor(async () => {
        const now = await ctx.committedTotal(groupId, topics);
        unchanged = now === committed ? unchanged + 1 : 0;
        committed = now;
        return unchanged >= 5;
      }, 30_000, () => 'the committed offsets did not settle while paused', 200);
      const lagBefore = (await ctx.endTotal(topics)) - committed;
      const sealed = (await probe.counts()).sealedBatches;
      assert.ok(sealed >= 2, `the outbox is at its bound (${sealed} sealed batches waiting)`);

      const more = stream(10_000, during.at(-1) ?? warmUp);
      during.push(more);
      await produceWorkload(ctx, topics, more);
      const [committedAfter, endAfter] = [await ctx.committedTotal(groupId, topics), await ctx.endTotal(topics)];
      assert.equal(committedAfter, committed, 'nothing is committed while the chain is down');
      assert.equal(endAfter - committedAfter, lagBefore + 10_000n, 'the lag grows by every record that arrives');
      const growth = peakMiB - baselineMiB;
      console.log(`chain outage: paused after ${during.length - 1} chunk(s) of 1,000; lag ${lagBefore} → ${endAfter - committedAfter}, RSS ${baselineMiB.toFixed(0)} MiB → peak ${peakMiB.toFixed(0)} MiB`);
      assert.ok(growth < 150, `memory stays flat while paused (RSS grew ${growth.toFixed(0)} MiB)`);
    } finally {
      rmSync(maintenance, { force: true });
      clearInterval(sampler);
    }

    const workload = concatWorkloads(warmUp, ...during);
    await withGatewayLogs(waitUntilSettled(ctx, probe, groupId, topics, workload.valid.length, 120_000), gateway);
    await assertExactlyOnce(probe, workload);
    await assertDeadLetters(ctx, probe, topics, workload, true);
    assert.equal(await scrapeMetric(gateway.url, 'crossgate_records_accepted_total'), workload.valid.length, 'each valid record accepted once');
    await verifyReceiptSample(db.url, workload, [ledgerDir(gateway.dataDir)], 100, seed);
    assert.equal(await gateway.stop(), 0, 'SIGTERM stops the gateway cleanly');
  });
});
