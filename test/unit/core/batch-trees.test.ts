import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditPathOf, BatchTrees } from '../../../src/core/batch-trees.js';
import { sha256 } from '../../../src/core/digest.js';
import { StoreError } from '../../../src/core/errors.js';
import { toHex, utf8 } from '../../../src/core/encoding.js';
import { MerkleTree } from '../../../src/core/merkle-tree.js';
import type { BatchHeader } from '../../../src/core/types.js';

function batch(id: string, n: number): { header: BatchHeader; leaves: Uint8Array; digests: string[] } {
  const digests = Array.from({ length: n }, (_, i) => toHex(sha256(utf8(`${id}/${i}`))));
  const leaves = new Uint8Array(Buffer.from(digests.join(''), 'hex'));
  const header: BatchHeader = {
    id, root: toHex(MerkleTree.fromLeaves(leaves).root), size: n, sealedAt: '2025-01-01T00:00:00.000Z', prev: null,
    signer: { keyId: 'k', alg: 'Ed25519', publicKey: 'AA' },
  };
  return { header, leaves, digests };
}

describe('BatchTrees', () => {
  it('builds a tree once and serves it from the cache until it is the least recently used of too many', () => {
    const trees = new BatchTrees(2);
    const [a, b, c] = [batch('a', 5), batch('b', 6), batch('c', 7)];
    assert.equal(trees.cached('a'), undefined);
    const treeA = trees.add(a.header, a.leaves);
    assert.equal(trees.cached('a'), treeA);
    trees.add(b.header, b.leaves);
    assert.equal(trees.cached('a'), treeA, 'a is now the most recently used');
    trees.add(c.header, c.leaves);
    assert.equal(trees.cached('b'), undefined, 'b was the least recently used');
    assert.equal(trees.cached('a'), treeA);
    assert.notEqual(trees.cached('c'), undefined);
    assert.equal(trees.builds, 3);
  });

  it('refuses leaves that do not match the header: wrong length, or not hashing to its root', () => {
    const trees = new BatchTrees();
    const a = batch('a', 4);
    assert.throws(() => trees.add(a.header, a.leaves.subarray(32)), StoreError);
    const flipped = a.leaves.slice();
    flipped[3] = flipped[3]! ^ 0x80;
    assert.throws(() => trees.add(a.header, flipped), (err: unknown) => err instanceof StoreError && /root/.test(err.message));
    assert.equal(trees.cached('a'), undefined, 'nothing bad is cached');
    assert.throws(() => new BatchTrees(0), RangeError);
  });

  it('gives the audit path of a leaf only when the leaf is the record digest', () => {
    const a = batch('a', 9);
    const tree = new BatchTrees().add(a.header, a.leaves);
    for (let i = 0; i < 9; i++) assert.deepEqual(auditPathOf(tree, i, a.digests[i]!, 'a'), tree.auditPathHex(i));
    assert.throws(() => auditPathOf(tree, 1, a.digests[2]!, 'a'), StoreError);
    assert.throws(() => auditPathOf(tree, 9, a.digests[0]!, 'a'), StoreError);
    assert.throws(() => auditPathOf(tree, 0, a.digests[0]!.toUpperCase(), 'a'), StoreError);
  });
});

describe('BatchTrees.treeOf', () => {
  it('serves concurrent reads of one uncached batch with one load and one build', async () => {
    const trees = new BatchTrees(2);
    const a = batch('a', 9);
    let loads = 0;
    let release!: () => void;
    const loaded = new Promise<void>((resolve) => {
      release = resolve;
    });
    const load = async () => {
      loads += 1;
      await loaded;
      return a.leaves;
    };
    const reads = Array.from({ length: 5 }, () => trees.treeOf(a.header, load));
    release();
    const got = await Promise.all(reads);
    assert.equal(loads, 1);
    assert.equal(trees.builds, 1);
    assert.ok(got.every((tree) => tree === got[0]));
    assert.equal(await trees.treeOf(a.header, load), got[0], 'then from the cache');
    assert.equal(loads, 1);
  });

  it('gives every waiting read the load failure, and tries again on the next read', async () => {
    const trees = new BatchTrees(2);
    const a = batch('a', 3);
    let fail = true;
    const load = async () => {
      if (fail) throw new StoreError('store down');
      return a.leaves;
    };
    const results = await Promise.allSettled([trees.treeOf(a.header, load), trees.treeOf(a.header, load)]);
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof StoreError));
    fail = false;
    assert.equal(toHex((await trees.treeOf(a.header, load)).root), a.header.root);
    assert.equal(trees.builds, 1);
  });
});
