import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommitOrder } from '../../../../src/ingest/kafka/commit-order.js';
import type { BatchResult } from '../../../../src/ingest/kafka/partition-batch.js';

const result: BatchResult = { accepted: 1, duplicates: 0, deadLettered: 0, committed: '1', allDurable: true };

function batchAt(topic: string, partition: number, ...offsets: number[]) {
  return { topic, partition, messages: offsets.map((offset) => ({ offset: String(offset) })) };
}

describe('CommitOrder', () => {
  it('gives a batch the done of the batch it continues, per topic and partition', () => {
    const order = new CommitOrder();
    const first = Promise.resolve(result);
    assert.equal(order.previousOf(batchAt('t', 0, 0, 1, 2)), undefined, 'nothing taken yet');
    order.taken({ topic: 't', partition: 0 }, '2', first);
    assert.equal(order.previousOf(batchAt('t', 0, 3, 4)), first);
    assert.equal(order.previousOf(batchAt('t', 1, 3, 4)), undefined, 'another partition');
    assert.equal(order.previousOf(batchAt('u', 0, 3, 4)), undefined, 'another topic');
  });

  it('starts a new order for a batch that does not continue the last (kafkajs sought elsewhere)', () => {
    const order = new CommitOrder();
    order.taken({ topic: 't', partition: 0 }, '9', Promise.resolve(result));
    assert.equal(order.previousOf(batchAt('t', 0, 42)), undefined, 'ahead of the last batch');
    assert.equal(order.previousOf(batchAt('t', 0, 5)), undefined, 'behind it (read again)');
  });

  it('continues from the records actually taken, and ignores a batch of which none was', () => {
    const order = new CommitOrder();
    const partial = Promise.resolve(result);
    order.taken({ topic: 't', partition: 0 }, '4', partial); // a batch 0..9 of which 0..4 were taken
    order.taken({ topic: 't', partition: 0 }, null, Promise.resolve(result));
    assert.equal(order.previousOf(batchAt('t', 0, 5, 6)), partial, 'kafkajs reads on from offset 5');
  });

  it('forgets every partition when the group rebalances', () => {
    const order = new CommitOrder();
    order.taken({ topic: 't', partition: 0 }, '2', Promise.resolve(result));
    order.clear();
    assert.equal(order.previousOf(batchAt('t', 0, 3)), undefined);
  });

  it('compares offsets as 64-bit integers, not as strings or doubles', () => {
    const order = new CommitOrder();
    const done = Promise.resolve(result);
    order.taken({ topic: 't', partition: 0 }, '9007199254740993', done);
    assert.equal(order.previousOf(batchAt('t', 0, 0)), undefined);
    assert.equal(order.previousOf({ topic: 't', partition: 0, messages: [{ offset: '9007199254740994' }] }), done);
    assert.equal(order.previousOf({ topic: 't', partition: 0, messages: [{ offset: '9007199254740995' }] }), undefined);
  });
});
