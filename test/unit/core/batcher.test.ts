import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Batcher } from '../../../src/core/batcher.js';
import { ManualTimers } from '../../support/manual-timers.js';

/** A seal function whose batches finish only when the test releases them. */
function controlledSeal() {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const seal = (items: readonly number[]) => {
    batches.push([...items]);
    return new Promise<void>((resolve) => releases.push(resolve));
  };
  const releaseAll = async () => {
    while (releases.length > 0) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { batches, seal, releaseAll };
}

describe('Batcher', () => {
  it('seals when maxRecords is reached, without waiting for linger', () => {
    const timers = new ManualTimers();
    const { batches, seal } = controlledSeal();
    const batcher = new Batcher<number>({ maxRecords: 3, maxBytes: 1e9, lingerMs: 100, maxQueued: 10 }, timers, seal);
    for (const n of [1, 2, 3]) assert.equal(batcher.offer(n, 10), 'queued');
    assert.deepEqual(batches, [[1, 2, 3]]);
  });

  it('seals at readyRecords without waiting for linger; a seal in progress lets the next batch grow to maxRecords', async () => {
    const timers = new ManualTimers();
    const { batches, seal, releaseAll } = controlledSeal();
    const batcher = new Batcher<number>({ maxRecords: 5, readyRecords: 2, maxBytes: 1e9, lingerMs: 100, maxQueued: 100 }, timers, seal);
    batcher.offer(1, 10);
    assert.deepEqual(batches, [], 'one record is below readyRecords: it lingers');
    batcher.offer(2, 10);
    assert.deepEqual(batches, [[1, 2]], 'two records are ready: sealed at once');
    for (const n of [3, 4, 5, 6, 7, 8]) batcher.offer(n, 10);
    assert.deepEqual(batches, [[1, 2]], 'one seal at a time');
    await releaseAll();
    assert.deepEqual(batches.slice(1, 2), [[3, 4, 5, 6, 7]], 'the batch after a seal takes up to maxRecords');
    await releaseAll();
    assert.deepEqual(batches.slice(2), [[8]], 'the rest waited one seal already: no fresh linger');
    batcher.offer(9, 10);
    timers.advance(99);
    assert.equal(batches.length, 3, 'below readyRecords a batch still lingers');
    timers.advance(1);
    assert.deepEqual(batches.at(-1), [9]);
  });

  it('seals a partial batch when the linger time has passed', () => {
    const timers = new ManualTimers();
    const { batches, seal } = controlledSeal();
    const batcher = new Batcher<number>({ maxRecords: 100, maxBytes: 1e9, lingerMs: 100, maxQueued: 1000 }, timers, seal);
    batcher.offer(1, 10);
    batcher.offer(2, 10);
    timers.advance(99);
    assert.deepEqual(batches, []);
    timers.advance(1);
    assert.deepEqual(batches, [[1, 2]]);
  });

  it('never puts more than maxBytes in a batch, unless one record alone is larger', async () => {
    const timers = new ManualTimers();
    const { batches, seal, releaseAll } = controlledSeal();
    const batcher = new Batcher<number>({ maxRecords: 100, maxBytes: 100, lingerMs: 50, maxQueued: 1000 }, timers, seal);
    batcher.offer(1, 60);
    batcher.offer(2, 60); // 120 bytes: sealed at once, but only the first fits
    batcher.offer(3, 500);
    await releaseAll();
    timers.advance(50);
    await releaseAll();
    assert.deepEqual(batches, [[1], [2], [3]]);
  });

  it('answers full at the queue bound, counting records being sealed, and takes more once they are durable', async () => {
    const timers = new ManualTimers();
    const { seal, releaseAll } = controlledSeal();
    const batcher = new Batcher<number>({ maxRecords: 2, maxBytes: 1e9, lingerMs: 50, maxQueued: 4 }, timers, seal);
    for (const n of [1, 2, 3, 4]) assert.equal(batcher.offer(n, 1), 'queued');
    assert.equal(batcher.queued, 4);
    assert.equal(batcher.offer(5, 1), 'full');
    await releaseAll();
    assert.equal(batcher.queued, 0);
    assert.equal(batcher.offer(5, 1), 'queued');
  });

  it('seals one batch at a time and batches what arrived meanwhile', async () => {
    const timers = new ManualTimers();
    const { batches, seal, releaseAll } = controlledSeal();
    const batcher = new Batcher<number>({ maxRecords: 2, maxBytes: 1e9, lingerMs: 50, maxQueued: 100 }, timers, seal);
    for (let n = 1; n <= 5; n += 1) batcher.offer(n, 1);
    assert.deepEqual(batches, [[1, 2]], 'the second batch waits for the first seal');
    await releaseAll();
    assert.deepEqual(batches, [[1, 2], [3, 4], [5]]);
  });

  it('flush seals everything and resolves once all of it has settled', async () => {
    const timers = new ManualTimers();
    const sealed: number[] = [];
    const batcher = new Batcher<number>({ maxRecords: 2, maxBytes: 1e9, lingerMs: 10_000, maxQueued: 100 }, timers, async (items) => {
      await new Promise((resolve) => setImmediate(resolve));
      sealed.push(...items);
    });
    for (let n = 1; n <= 5; n += 1) batcher.offer(n, 1);
    await batcher.flush();
    assert.deepEqual(sealed, [1, 2, 3, 4, 5]);
    assert.equal(batcher.queued, 0);
    assert.equal(timers.pendingCount, 0, 'no linger timer is left behind');
  });

  it('keeps going after a seal fails', async () => {
    const timers = new ManualTimers();
    const seen: number[][] = [];
    const batcher = new Batcher<number>({ maxRecords: 1, maxBytes: 1e9, lingerMs: 10, maxQueued: 10 }, timers, async (items) => {
      seen.push([...items]);
      if (items[0] === 1) throw new Error('store down');
    });
    batcher.offer(1, 1);
    batcher.offer(2, 1);
    await batcher.flush();
    assert.deepEqual(seen, [[1], [2]]);
  });
});
