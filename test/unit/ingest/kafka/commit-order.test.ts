import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommitOrder } from '../../../../src/ingest/kafka/commit-order.js';
import type { BatchResult } from '../../../../src/ingest/kafka/partition-batch.js';

const result: BatchResult = { accepted: 1, duplicates: 0, deadLettered: 0, committed: '1', nextMayCommit: true };

describe('CommitOrder', () => {
  it('gives a batch the done of the batch of its partition taken last', () => {
    const order = new CommitOrder();
    const first = Promise.resolve(result);
    const second = Promise.resolve(result);
    assert.equal(order.previousOf({ topic: 't', partition: 0 }), undefined, 'nothing taken yet');
    order.taken({ topic: 't', partition: 0 }, '2', first);
    assert.equal(order.previousOf({ topic: 't', partition: 0 }), first);
    order.taken({ topic: 't', partition: 0 }, '7', second);
    assert.equal(order.previousOf({ topic: 't', partition: 0 }), second);
    assert.equal(order.previousOf({ topic: 't', partition: 1 }), undefined, 'another partition');
    assert.equal(order.previousOf({ topic: 'u', partition: 0 }), undefined, 'another topic');
  });

  it('ignores a batch of which nothing was taken (the consumer stopping, or a seek pending)', () => {
    const order = new CommitOrder();
    const partial = Promise.resolve(result);
    order.taken({ topic: 't', partition: 0 }, '4', partial);
    order.taken({ topic: 't', partition: 0 }, null, Promise.resolve(result));
    assert.equal(order.previousOf({ topic: 't', partition: 0 }), partial);
  });

  it('forgets every partition when the group rebalances', () => {
    const order = new CommitOrder();
    order.taken({ topic: 't', partition: 0 }, '2', Promise.resolve(result));
    order.clear();
    assert.equal(order.previousOf({ topic: 't', partition: 0 }), undefined);
  });
});
