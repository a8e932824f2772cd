/**
 * Audit paths on read. A sealed batch keeps its leaves (32 bytes per record), not a proof per record;
 * a store answering a receipt rebuilds the batch's tree from them. Receipts are usually read in bursts
 * for the same batch (a producer fetching the receipts of what it just sent), so the last few trees are
 * kept: a 4,096-leaf tree is about 256 KiB and ~10 ms of hashing to rebuild, and serving a path from
 * it is a dozen small hex encodes.
 */
import { StoreError } from './errors.js';
import { bytesEqual, fromHex, isHex, toHex } from './encoding.js';
import { leafHash, MerkleTree } from './merkle-tree.js';
import { digestAlgOf } from './signature-algs.js';
import type { BatchHeader } from './types.js';

/** Trees kept by default: a few batches' worth of receipt reads at a few MiB at most. */
export const DEFAULT_TREE_CACHE_SIZE = 8;

/** A small least-recently-used cache of batch trees, keyed by batch id. */
export class BatchTrees {
  /** Map iteration order is insertion order: re-inserting on use keeps the least recent first. */
  readonly #trees = new Map<string, MerkleTree>();
  readonly #capacity: number;
  /** Builds waiting for their leaves, by batch id: concurrent reads of one batch share one build. */
  readonly #building = new Map<string, Promise<MerkleTree>>();
  #builds = 0;

  constructor(capacity: number = DEFAULT_TREE_CACHE_SIZE) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`tree cache size must be a positive integer, got ${capacity}`);
    this.#capacity = capacity;
  }

  /** Trees built so far (a cache hit builds none): lets tests see the cache work. */
  get builds(): number {
    return this.#builds;
  }

  /** The cached tree of batch `batchId`, if any (and marks it as just used). */
  cached(batchId: string): MerkleTree | undefined {
    const tree = this.#trees.get(batchId);
    if (tree !== undefined) {
      this.#trees.delete(batchId);
      this.#trees.set(batchId, tree);
    }
    return tree;
  }

  /**
   * The tree of batch `header`: from the cache, or rebuilt from the leaves `loadLeaves` reads. Reads
   * of one batch that arrive while its leaves are being loaded wait for that one build: right after a
   * batch is anchored its producers tend to ask for all its receipts at once, and each rebuild of a
   * 4,096-leaf tree holds the event loop for several milliseconds.
   * @throws StoreError as {@link add} does, or whatever `loadLeaves` throws (to every waiting read).
   */
  treeOf(header: BatchHeader, loadLeaves: () => Promise<Uint8Array>): Promise<MerkleTree> {
    const cached = this.cached(header.id);
    if (cached !== undefined) return Promise.resolve(cached);
    let building = this.#building.get(header.id);
    if (building === undefined) {
      building = loadLeaves()
        .then((leaves) => this.cached(header.id) ?? this.add(header, leaves))
        .finally(() => this.#building.delete(header.id));
      this.#building.set(header.id, building);
    }
    return building;
  }

  /**
   * Rebuilds the tree of the batch `header` from its stored `leaves` and caches it. The tree must
   * have the header's size and root: leaves that do not are a corrupt store, never a wrong receipt.
   * @throws StoreError when they do not match the header.
   */
  add(header: BatchHeader, leaves: Uint8Array): MerkleTree {
    if (leaves.length !== header.size * 32) {
      throw new StoreError(`batch ${header.id} has ${leaves.length} bytes of leaves, expected ${header.size * 32}`);
    }
    const tree = MerkleTree.fromLeaves(leaves, digestAlgOf(header.signer.alg));
    this.#builds += 1;
    if (toHex(tree.root) !== header.root) {
      throw new StoreError(`the stored leaves of batch ${header.id} do not hash to its root`);
    }
    this.#trees.delete(header.id);
    this.#trees.set(header.id, tree);
    if (this.#trees.size > this.#capacity) {
      const oldest = this.#trees.keys().next().value as string;
      this.#trees.delete(oldest);
    }
    return tree;
  }
}

/**
 * The audit path (lowercase hex, bottom-up) of the record with `digest` at `leafIndex` of `tree`.
 * @throws StoreError when that leaf is not the record's digest (the store's rows disagree).
 */
export function auditPathOf(tree: MerkleTree, leafIndex: number, digest: string, batchId: string): string[] {
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= tree.size || !isHex(digest, 32)
    || !bytesEqual(leafHash(fromHex(digest), tree.digest), tree.leafHashAt(leafIndex))) {
    throw new StoreError(`leaf ${leafIndex} of batch ${batchId} is not the stored record's digest ${digest}`);
  }
  return tree.auditPathHex(leafIndex);
}
