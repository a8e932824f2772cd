/**
 * The chaos bench in its short form (issue 15): a gateway process under load on both doors is
 * SIGKILLed 4 times, PostgreSQL is stopped with `pg_ctl stop -m immediate`, the broker is killed with
 * -9 and the chain is stopped, each once; then every accepted record must have exactly one receipt
 * that verifies offline and against the ledger. The full run (100 cycles, the chain stopped 60 s) is
 * `npm run bench -- chaos`. It starts, kills and stops a PostgreSQL and a Kafka of its own, under
 * $CROSSGATE_STATE_DIR/chaos, never the ones the other tests share.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT } from '../support/gateway.js';

const stateDir = join(process.env['CROSSGATE_STATE_DIR'] ?? '/tmp/crossgate-services', 'chaos');
Object.assign(process.env, {
  CROSSGATE_BENCH_CHAOS_STATE_DIR: stateDir,
  CROSSGATE_BENCH_CHAOS_CYCLES: '4',
  CROSSGATE_BENCH_CHAOS_UP_MAX_S: '4',
  CROSSGATE_BENCH_CHAOS_SERVICE_DOWN_S: '3',
  CROSSGATE_BENCH_CHAOS_CHAIN_STOP_S: '5',
});

describe('chaos, short (npm run bench -- chaos with 4 cycles)', { timeout: 600_000 }, () => {
  after(() => {
    for (const script of ['kafka.sh', 'postgres.sh']) {
      execFileSync('bash', [join(REPO_ROOT, 'scripts', script), 'stop'], { env: { ...process.env, CROSSGATE_STATE_DIR: stateDir }, stdio: 'ignore' });
    }
  });

  it('SIGKILLs, a PostgreSQL crash, a broker kill -9 and a chain stop lose nothing and double nothing', async () => {
    const { runChaosBench } = await import('../../bench/chaos.js');
    const result = await runChaosBench();
    const value = (name: string) => result.metrics[name]?.value;
    const problems = JSON.stringify(result.data?.['problems'] ?? []);
    assert.equal(value('cycles'), 4);
    assert.equal(value('faults: PostgreSQL immediate stops'), 1);
    assert.equal(value('faults: Kafka broker SIGKILLs'), 1);
    assert.equal(value('faults: chain stops'), 1);
    assert.ok((value('records accepted, REST (answered accepted or duplicate)') ?? 0) > 0, 'REST records were accepted');
    assert.ok((value('records accepted, Kafka (acknowledged by the broker)') ?? 0) > 0, 'Kafka records were acknowledged');
    assert.equal(value('gateway exits not caused by the bench'), 0, JSON.stringify(result.data?.['faults']));
    assert.equal(value('lost'), 0, problems);
    assert.equal(value('duplicated'), 0, problems);
    assert.equal(value('invalid receipts'), 0, problems);
    assert.equal(value('batches anchored more than once on the ledger'), 0);
    assert.equal(value('store rows not from an accepted record'), 0);
    assert.equal(value('valid records rejected'), 0, JSON.stringify(result.data?.['rejectedSamples']));
    assert.equal(value('receipts'), value('records accepted'));
    assert.equal(value('pass'), 1, problems);
  });
});
