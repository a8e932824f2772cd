import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../src/core/encoding.js';
import {
  auditPathLength, leafHash, merkleTreeHead, MerkleTree, nodeHash, verifyInclusion,
} from '../../../src/core/merkle-tree.js';
import { loadVectors } from '../../support/vectors.js';

interface MerkleVectors {
  source: string;
  emptyTreeHash: string;
  leaves: string[];
  roots: { size: number; root: string }[];
  paths: { index: number; size: number; path: string[] }[];
}

const v = loadVectors<MerkleVectors>('rfc6962-merkle.json');
const leaves = v.leaves.map(fromHex);

// A literal transcription of RFC 6962 §2.1 (recursive split at the largest power of two < n), written
// independently of the implementation to check its bottom-up construction.
function sha(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
function refMth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(Uint8Array.of(0), d[0] as Uint8Array);
  const k = split(d.length);
  return sha(Uint8Array.of(1), refMth(d.slice(0, k)), refMth(d.slice(k)));
}
function refPath(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = split(d.length);
  return m < k
    ? [...refPath(m, d.slice(0, k)), refMth(d.slice(k))]
    : [...refPath(m - k, d.slice(k)), refMth(d.slice(0, k))];
}

function digests(n: number, seed: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => sha(Uint8Array.of(seed & 0xff, (seed >> 8) & 0xff, i & 0xff, (i >> 8) & 0xff)));
}

describe('merkle tree: Certificate Transparency known answers', () => {
  it('names its source', () => assert.match(v.source, /certificate-transparency/));
  it('empty tree hash is SHA-256 of the empty string', () => {
    assert.equal(toHex(merkleTreeHead([])), v.emptyTreeHash);
    const empty = MerkleTree.build([]);
    assert.equal(empty.size, 0);
    assert.equal(toHex(empty.root), v.emptyTreeHash);
    assert.throws(() => empty.auditPath(0), RangeError);
  });
  it('roots for sizes 1..8', () => {
    for (const { size, root } of v.roots) {
      assert.equal(toHex(merkleTreeHead(leaves.slice(0, size))), root, `size ${size}`);
      assert.equal(MerkleTree.build(leaves.slice(0, size)).size, size);
    }
  });
  it('leaf and node hashes use the 0x00/0x01 prefixes', () => {
    assert.equal(toHex(leafHash(new Uint8Array(0))), v.roots[0]?.root);
    assert.equal(toHex(nodeHash(leafHash(leaves[0] as Uint8Array), leafHash(leaves[1] as Uint8Array))), v.roots[1]?.root);
  });
  for (const { index, size, path } of v.paths) {
    it(`audit path of leaf ${index} in a tree of ${size}`, () => {
      const tree = MerkleTree.build(leaves.slice(0, size));
      assert.deepEqual(tree.auditPath(index).map(toHex), path);
      assert.deepEqual(tree.auditPathHex(index), path);
      const root = fromHex((v.roots[size - 1] as { root: string }).root);
      const proof = path.map(fromHex);
      const leafData = leaves[index] as Uint8Array;
      assert.equal(verifyInclusion({ leafData, index, size, proof, root }), true);
      // The CT verifier's negative checks (VerifierCheck in merkle_tree_test.cc).
      const bad = (p: Partial<Parameters<typeof verifyInclusion>[0]>) =>
        verifyInclusion({ leafData, index, size, proof, root, ...p });
      assert.equal(bad({ index: index - 1 }), false, 'index - 1');
      assert.equal(bad({ index: index + 1 }), false, 'index + 1');
      if ((index ^ 2) !== index) assert.equal(bad({ index: index ^ 2 }), false, 'index ^ 2');
      if (size > 1) {
        assert.equal(bad({ size: size * 2 }), false, 'size * 2');
        assert.equal(bad({ size: Math.floor(size / 2) }), false, 'size / 2');
      }
      assert.equal(bad({ leafData: new TextEncoder().encode('WrongLeaf') }), false, 'wrong leaf');
      assert.equal(bad({ root: fromHex(v.emptyTreeHash) }), false, 'wrong root');
      for (let j = 0; j < proof.length; j++) {
        const wrong = [...proof];
        wrong[j] = fromHex(v.emptyTreeHash);
        assert.equal(bad({ proof: wrong }), false, `path[${j}] replaced`);
      }
      assert.equal(bad({ proof: [...proof, new Uint8Array(0)] }), false, 'garbage appended');
      assert.equal(bad({ proof: [...proof, root] }), false, 'root appended');
      if (proof.length > 0) assert.equal(bad({ proof: proof.slice(0, -1) }), false, 'last removed');
      assert.equal(bad({ proof: [root, ...proof] }), false, 'root prepended');
    });
  }
  it('rejects degenerate inputs without throwing', () => {
    const root = fromHex(v.emptyTreeHash);
    for (const [index, size] of [[0, 0], [1, 0], [2, 1], [-1, 1], [0.5, 2], [Number.NaN, 2]] as const) {
      assert.equal(verifyInclusion({ leafData: new Uint8Array(0), index, size, proof: [], root }), false, `${index}/${size}`);
    }
    assert.equal(verifyInclusion({ leafData: new Uint8Array(0), index: 0, size: 1, proof: [], root: new Uint8Array(5) }), false);
    assert.equal(verifyInclusion(null as never), false);
  });
});

describe('merkle tree: properties', () => {
  it('matches the recursive RFC 6962 definition for every size 0..70', () => {
    const data = digests(70, 1);
    for (let n = 0; n <= 70; n++) {
      const d = data.slice(0, n);
      const tree = MerkleTree.build(d);
      assert.deepEqual(tree.root, refMth(d), `root n=${n}`);
      for (let m = 0; m < n; m++) {
        assert.deepEqual(tree.auditPath(m), refPath(m, d), `path ${m}/${n}`);
        assert.equal(auditPathLength(m, n), refPath(m, d).length, `length ${m}/${n}`);
      }
      assert.equal(auditPathLength(n, n), -1);
      const flat = MerkleTree.fromLeaves(new Uint8Array(Buffer.concat(d)));
      assert.deepEqual(flat.root, tree.root, `fromLeaves root n=${n}`);
      for (let m = 0; m < n; m++) assert.deepEqual(flat.auditPathHex(m), tree.auditPathHex(m), `fromLeaves path ${m}/${n}`);
    }
  });
  it('builds from flat leaves only in whole 32-byte leaves', () => {
    assert.throws(() => MerkleTree.fromLeaves(new Uint8Array(33)), RangeError);
    assert.equal(toHex(MerkleTree.fromLeaves(new Uint8Array(0)).root), v.emptyTreeHash);
  });
  it('every leaf of random trees of size 1..300 verifies, and any flipped byte fails', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), (size, seed, pick) => {
      const data = digests(size, seed);
      const tree = MerkleTree.build(data);
      for (let index = 0; index < size; index++) {
        const proof = tree.auditPath(index);
        assert.ok(verifyInclusion({ leafData: data[index] as Uint8Array, index, size, proof, root: tree.root }), `${index}/${size}`);
      }
      const index = pick % size;
      const proof = tree.auditPath(index);
      const leafData = data[index] as Uint8Array;
      const flip = (b: Uint8Array, at: number) => { const c = b.slice(); c[at % c.length] = (c[at % c.length] as number) ^ (1 << (at % 8)); return c; };
      assert.equal(verifyInclusion({ leafData: flip(leafData, pick), index, size, proof, root: tree.root }), false, 'leaf');
      assert.equal(verifyInclusion({ leafData, index, size, proof, root: flip(tree.root, pick) }), false, 'root');
      for (let j = 0; j < proof.length; j++) {
        const wrong = proof.map((p, k) => (k === j ? flip(p, pick + j) : p));
        assert.equal(verifyInclusion({ leafData, index, size, proof: wrong, root: tree.root }), false, `proof[${j}]`);
      }
      if (size > 1) {
        const other = (index + 1 + (pick % (size - 1))) % size;
        assert.equal(verifyInclusion({ leafData, index: other, size, proof, root: tree.root }), false, 'moved index');
      }
    }), { numRuns: 60 });
  });
  it('builds a 10k-leaf tree and serves all its paths quickly', () => {
    const data = digests(10_000, 7);
    const started = performance.now();
    const tree = MerkleTree.build(data);
    let longest = 0;
    for (let i = 0; i < tree.size; i++) longest = Math.max(longest, tree.auditPath(i).length);
    const elapsed = performance.now() - started;
    assert.equal(longest, 14); // ceil(log2(10000))
    assert.equal(tree.auditPath(0).length, 14);
    assert.ok(verifyInclusion({ leafData: data[9_999] as Uint8Array, index: 9_999, size: 10_000, proof: tree.auditPath(9_999), root: tree.root }));
    assert.ok(elapsed < 2_000, `took ${elapsed} ms`);
  });
});
