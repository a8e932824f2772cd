/**
 * PartitionPauses against kafkajs' own pause bookkeeping (its SubscriptionState, the state its
 * fetcher reads): the admission gate's topic-wide pause and a partition's own pause compose in any
 * order, which kafkajs' pause/resume calls alone do not.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { PartitionPauses } from '../../../../src/ingest/kafka/partition-pauses.js';

interface SubscriptionState {
  assign(topicPartitions: { topic: string; partitions: number[] }[]): void;
  pause(topicPartitions: { topic: string; partitions?: number[] }[]): void;
  resume(topicPartitions: { topic: string; partitions?: number[] }[]): void;
  isPaused(topic: string, partition: number): boolean;
}
const SubscriptionStateClass = createRequire(import.meta.url)('kafkajs/src/consumer/subscriptionState.js') as new () => SubscriptionState;

function setup() {
  const state = new SubscriptionStateClass();
  state.assign([{ topic: 't', partitions: [0, 1, 2] }, { topic: 'f', partitions: [0, 1] }]);
  const pauses = new PartitionPauses(state, ['t', 'f']);
  const paused = () => ['t0', 't1', 't2', 'f0', 'f1'].filter((tp) => state.isPaused(tp.slice(0, 1), Number(tp.slice(1))));
  return { pauses, paused };
}

describe('PartitionPauses', () => {
  it('pauses and resumes one partition, leaving the others fetching', () => {
    const { pauses, paused } = setup();
    pauses.pausePartition('t', 1);
    assert.deepEqual(paused(), ['t1']);
    pauses.resumePartition('t', 1);
    assert.deepEqual(paused(), []);
  });

  it('a partition paused while everything is paused neither unpauses the rest nor itself when everything resumes', () => {
    const { pauses, paused } = setup();
    pauses.pauseAll();
    pauses.pausePartition('t', 2);
    assert.deepEqual(paused(), ['t0', 't1', 't2', 'f0', 'f1'], 'kafkajs alone would have unpaused t0 and t1 here');
    pauses.resumeAll();
    assert.deepEqual(paused(), ['t2']);
    pauses.resumePartition('t', 2);
    assert.deepEqual(paused(), []);
  });

  it('a partition resumed while everything is paused stays paused until everything resumes', () => {
    const { pauses, paused } = setup();
    pauses.pausePartition('f', 0);
    pauses.pauseAll();
    pauses.resumePartition('f', 0);
    assert.deepEqual(paused(), ['t0', 't1', 't2', 'f0', 'f1'], 'kafkajs alone would have resumed f0 here');
    pauses.resumeAll();
    assert.deepEqual(paused(), []);
  });
});
