/**
 * The behaviour every Store implementation must have, as one suite run against each of them
 * (test/integration/store-postgres.test.ts, test/integration/store-embedded.test.ts).
 *
 * `openStore` must open the same database every time it is called: the suite closes and reopens it to
 * check persistence. Tests share that database, so each one works with its own random ids, tenants
 * and sectors and asserts only about what it wrote.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ErrorCodes, StoreError } from '../../src/core/errors.js';
import type { DeadLetterInput, ReceiptCursor, Store } from '../../src/core/ports.js';
import { fromHex, toHex } from '../../src/core/encoding.js';
import { MerkleTree, verifyInclusion } from '../../src/core/merkle-tree.js';
import type { BatchHeader, ChainAnchor, RecordId, SealedBatch, SealedRecord } from '../../src/core/types.js';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const unique = (label: string): string => `${label}-${hex(6)}`;

/** A record with a random digest: the store keeps the digest, it does not recompute it. */
export function makeRecord(recordId: RecordId, leafIndex: number, tenant = 'tenant-a'): SealedRecord {
  return { recordId, digest: hex(32), type: 'cn.gov.transport.trip', tenant, leafIndex };
}

/** The leaves of `records` as a sealed batch carries them: their digests back to back, in order. */
export function leavesOf(records: readonly SealedRecord[]): Uint8Array {
  return new Uint8Array(Buffer.from(records.map((r) => r.digest).join(''), 'hex'));
}

/** The audit path a receipt of `batch`'s record at `leafIndex` must carry, computed independently of the store. */
export function proofOf(batch: SealedBatch, leafIndex: number): string[] {
  return MerkleTree.build(batch.records.map((r) => fromHex(r.digest))).auditPath(leafIndex).map(toHex);
}

export interface BatchOptions {
  readonly keyId?: string;
  readonly prev?: string | null;
  readonly tenant?: string;
}

/** A sealed batch of the given record ids, in leaf order. */
export function makeBatch(ids: readonly RecordId[], options: BatchOptions = {}): SealedBatch {
  const header: BatchHeader = {
    id: hex(32),
    root: hex(32),
    size: ids.length,
    sealedAt: '2025-01-02T03:04:05.678Z',
    prev: options.prev ?? null,
    signer: { keyId: options.keyId ?? 'gw-key-1', alg: 'Ed25519', publicKey: randomBytes(32).toString('base64url') },
  };
  const records = ids.map((id, i) => makeRecord(id, i, options.tenant));
  const leaves = leavesOf(records);
  // A real root: the store checks the leaves it rebuilds a tree from against it.
  return { header: { ...header, root: toHex(MerkleTree.fromLeaves(leaves).root) }, signature: randomBytes(64).toString('base64url'), records, leaves };
}

/** `n` fresh record ids under one random source. */
export function freshIds(n: number, source = `/test/${unique('src')}`): RecordId[] {
  return Array.from({ length: n }, (_, i) => ({ source, id: `r-${i}-${hex(4)}` }));
}

const anchorOf = (txId = hex(32), blockNumber = 7): ChainAnchor => ({ kind: 'embedded', network: 'test-net', txId, blockNumber });

function deadLetter(overrides: Partial<DeadLetterInput> = {}): DeadLetterInput {
  return {
    origin: 'rest',
    tenant: 'tenant-a',
    recordId: { source: '/test/dl/a', id: hex(4) },
    type: 'cn.gov.transport.trip',
    sector: 'transport',
    code: ErrorCodes.SchemaInvalid,
    message: 'data.fare: expected a decimal string',
    issues: [{ path: ['data', 'fare'], code: 'invalid_type', message: 'expected string' }],
    payload: new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x7d, 0x00, 0xff]),
    headers: { 'ce_id': 'abc', 'content-type': 'application/json' },
    kafka: null,
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

const byKey = (a: RecordId, b: RecordId): number =>
  a.source < b.source ? -1 : a.source > b.source ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** Registers the Store contract suite under `name`. */
export function runStoreContract(name: string, openStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await openStore();
    });
    after(async () => {
      await store.close();
    });

    describe('saveBatch and findRecords', () => {
      it('writes every record of a batch, found by id in the order asked, status sealed', async () => {
        const ids = freshIds(5);
        const batch = makeBatch(ids, { tenant: 'tenant-x' });
        assert.deepEqual(await store.saveBatch(batch, 1_000), { ok: true });
        const asked = [ids[3]!, { source: ids[0]!.source, id: 'never-seen' }, ids[0]!];
        const found = await store.findRecords(asked);
        assert.equal(found.length, 2);
        assert.deepEqual(found[0], {
          recordId: ids[3], digest: batch.records[3]!.digest, type: 'cn.gov.transport.trip', tenant: 'tenant-x',
          batchId: batch.header.id, leafIndex: 3, status: 'sealed', acceptedAt: 1_000,
        });
        assert.deepEqual(found[1]!.recordId, ids[0]);
        assert.equal(found[1]!.leafIndex, 0);
        assert.deepEqual(await store.findRecords([]), []);
      });

      it('keeps a sealed batch as an outbox entry with its header and signature', async () => {
        const batch = makeBatch(freshIds(2));
        await store.saveBatch(batch, 2_000);
        const entry = await store.getBatch(batch.header.id);
        assert.deepEqual(entry, {
          header: batch.header, signature: batch.signature, state: 'sealed', attempts: 0,
          nextAttemptAt: 2_000, lastError: null, anchor: null, anchoredAt: null,
        });
        assert.equal(await store.getBatch(hex(32)), undefined);
      });

      it('writes nothing and names the conflicts when a record id already exists', async () => {
        const ids = freshIds(4);
        assert.equal((await store.saveBatch(makeBatch(ids.slice(0, 2)), 1)).ok, true);
        const second = makeBatch([ids[2]!, ids[1]!, ids[3]!]);
        const result = await store.saveBatch(second, 2);
        assert.deepEqual(result, { ok: false, conflicts: [ids[1]] });
        assert.equal(await store.getBatch(second.header.id), undefined);
        const found = await store.findRecords(ids);
        assert.deepEqual(found.map((r) => r.recordId), ids.slice(0, 2));
      });

      it('treats the same batch saved twice as a conflict on all its records', async () => {
        const ids = freshIds(3);
        const batch = makeBatch(ids);
        assert.equal((await store.saveBatch(batch, 1)).ok, true);
        const again = await store.saveBatch(batch, 2);
        assert.equal(again.ok, false);
        assert.deepEqual(again.ok ? [] : [...again.conflicts].sort(byKey), [...ids].sort(byKey));
        assert.equal((await store.getBatch(batch.header.id))?.nextAttemptAt, 1);
      });

      it('refuses a batch that repeats a record id within itself, writing nothing', async () => {
        const ids = freshIds(2);
        const batch = makeBatch([ids[0]!, ids[1]!, ids[0]!]);
        assert.deepEqual(await store.saveBatch(batch, 1), { ok: false, conflicts: [ids[0]] });
        assert.equal(await store.getBatch(batch.header.id), undefined);
        assert.deepEqual(await store.findRecords(ids), []);
      });

      it('keeps ids and sources with quotes, backslashes, commas, braces, NULL-like text and non-ASCII exactly', async () => {
        const source = `/test/${unique('odd')}/"quoted", {braced} \\back\\slash`;
        const ids: RecordId[] = ['a"b', 'c\\d', 'e,f', '{g}', 'NULL', '', ' space ', '北京-地铁', 'emoji-🚇', 'tab\there']
          .map((id) => ({ source, id }));
        const batch = makeBatch(ids, { tenant: 'tenant "odd", \\ {x}' });
        assert.deepEqual(await store.saveBatch(batch, 1), { ok: true });
        const found = await store.findRecords(ids);
        assert.deepEqual(found.map((r) => r.recordId), ids);
        assert.ok(found.every((r) => r.tenant === 'tenant "odd", \\ {x}'));
        assert.deepEqual(await store.saveBatch(makeBatch([ids[1]!]), 2), { ok: false, conflicts: [ids[1]] });
      });

      it('refuses a batch whose leaves are not 32 bytes per record, writing nothing', async () => {
        const ids = freshIds(2);
        const batch = makeBatch(ids);
        for (const leaves of [batch.leaves.subarray(0, 32), new Uint8Array(65)]) {
          await assert.rejects(store.saveBatch({ ...batch, leaves }, 1), TypeError);
        }
        assert.equal(await store.getBatch(batch.header.id), undefined);
        assert.deepEqual(await store.findRecords(ids), []);
      });

      it('lets exactly one of several concurrent overlapping batches win', async () => {
        const shared = freshIds(1)[0]!;
        const batches = Array.from({ length: 6 }, () => makeBatch([...freshIds(50), shared].reverse()));
        const results = await Promise.all(batches.map((b) => store.saveBatch(b, 5)));
        const winners = results.flatMap((r, i) => (r.ok ? [i] : []));
        assert.equal(winners.length, 1, `winners: ${winners.join(',')}`);
        for (const [i, r] of results.entries()) {
          if (!r.ok) assert.deepEqual(r.conflicts, [shared], `batch ${i}`);
        }
        const winner = batches[winners[0]!]!;
        const [owner] = await store.findRecords([shared]);
        assert.equal(owner?.batchId, winner.header.id);
        for (const [i, b] of batches.entries()) {
          const found = await store.findRecords(b.records.map((r) => r.recordId));
          assert.equal(found.length, i === winners[0] ? 51 : 1, `batch ${i}`);
          assert.equal((await store.getBatch(b.header.id)) !== undefined, i === winners[0]);
        }
      });

      it('saves a 5,000-record batch and finds all of it', async () => {
        const ids = freshIds(5_000);
        const batch = makeBatch(ids);
        assert.deepEqual(await store.saveBatch(batch, 9), { ok: true });
        const found = await store.findRecords(ids);
        assert.equal(found.length, 5_000);
        assert.deepEqual(found.map((r) => r.leafIndex), ids.map((_, i) => i));
        assert.equal(found[4_321]!.digest, batch.records[4_321]!.digest);
      });
    });

    describe('outbox', () => {
      it('returns due sealed batches oldest first and leaves the not-yet-due ones', async () => {
        const a = makeBatch(freshIds(1)), b = makeBatch(freshIds(1)), c = makeBatch(freshIds(1));
        await store.saveBatch(a, 10_000);
        await store.saveBatch(b, 30_000); // due later
        await store.saveBatch(c, 10_500);
        const mine = new Set([a.header.id, b.header.id, c.header.id]);
        const due = (await store.dueBatches(20_000, 10_000)).filter((e) => mine.has(e.header.id));
        assert.deepEqual(due.map((e) => e.header.id), [a.header.id, c.header.id]);
        const later = (await store.dueBatches(30_000, 10_000)).filter((e) => mine.has(e.header.id));
        assert.deepEqual(later.map((e) => e.header.id), [a.header.id, b.header.id, c.header.id]);
        assert.ok((await store.dueBatches(30_000, 1)).length <= 1);
        assert.deepEqual(await store.dueBatches(30_000, 0), []);
      });

      it('counts the sealed batches as the outbox depth', async () => {
        const before = await store.outboxDepth();
        const a = makeBatch(freshIds(1)), b = makeBatch(freshIds(1));
        await store.saveBatch(a, 1);
        await store.saveBatch(b, 1);
        assert.equal(await store.outboxDepth(), before + 2);
        await store.markAnchored(a.header.id, anchorOf(), 2);
        await store.markAttemptFailed(b.header.id, 'rejected', 3, true);
        assert.equal(await store.outboxDepth(), before);
      });

      it('records failed attempts, postpones the batch, and parks it on a terminal failure', async () => {
        const batch = makeBatch(freshIds(2));
        const id = batch.header.id;
        await store.saveBatch(batch, 100);
        await store.markAttemptFailed(id, 'chain unavailable\u0000', 5_000, false);
        let entry = await store.getBatch(id);
        assert.equal(entry?.state, 'sealed');
        assert.equal(entry?.attempts, 1);
        assert.equal(entry?.lastError, 'chain unavailable\\u0000', "a chain's error text may hold U+0000 too");
        assert.equal(entry?.nextAttemptAt, 5_000);
        assert.equal((await store.dueBatches(4_999, 10_000)).some((e) => e.header.id === id), false);
        assert.equal((await store.dueBatches(5_000, 10_000)).some((e) => e.header.id === id), true);
        await store.markAttemptFailed(id, 'chain rejected: bad endorsement', 9_000, true);
        entry = await store.getBatch(id);
        assert.equal(entry?.state, 'failed');
        assert.equal(entry?.attempts, 2);
        assert.equal(entry?.lastError, 'chain rejected: bad endorsement');
        assert.equal((await store.dueBatches(Number.MAX_SAFE_INTEGER, 100_000)).some((e) => e.header.id === id), false);
      });

      it('anchors a batch: receipts appear, records report anchored, later failures change nothing', async () => {
        const ids = freshIds(3);
        const batch = makeBatch(ids);
        const id = batch.header.id;
        await store.saveBatch(batch, 100);
        assert.equal(await store.getReceipt(ids[1]!), undefined);
        await store.markAttemptFailed(id, 'timeout', 200, false);
        const anchor = anchorOf('tx-1', 42);
        await store.markAnchored(id, anchor, 300);
        const entry = await store.getBatch(id);
        assert.deepEqual(entry, {
          header: batch.header, signature: batch.signature, state: 'anchored', attempts: 1,
          nextAttemptAt: 200, lastError: null, anchor, anchoredAt: 300,
        });
        assert.equal((await store.dueBatches(Number.MAX_SAFE_INTEGER, 100_000)).some((e) => e.header.id === id), false);
        assert.deepEqual(await store.getReceipt(ids[1]!), {
          recordId: ids[1], digest: batch.records[1]!.digest, leafIndex: 1, proof: proofOf(batch, 1),
          batch: batch.header, signature: batch.signature, chain: anchor,
        });
        assert.deepEqual((await store.findRecords(ids)).map((r) => r.status), ['anchored', 'anchored', 'anchored']);
        await store.markAttemptFailed(id, 'late failure from another instance', 999, true);
        await store.markAnchored(id, anchorOf('tx-2', 43), 400);
        assert.deepEqual(await store.getBatch(id), entry);
        assert.equal(await store.getReceipt({ source: ids[0]!.source, id: 'unknown' }), undefined);
      });

      it('keeps a single-record batch receipt with an empty proof', async () => {
        const [only] = freshIds(1);
        const batch = makeBatch([only!]);
        assert.deepEqual(proofOf(batch, 0), []);
        await store.saveBatch(batch, 1);
        await store.markAnchored(batch.header.id, anchorOf(), 2);
        assert.deepEqual((await store.getReceipt(only!))?.proof, []);
      });

      it('serves every receipt of an anchored batch with the audit path to its root, batch after batch', async () => {
        const batches = [makeBatch(freshIds(37)), makeBatch(freshIds(5)), makeBatch(freshIds(64))];
        for (const batch of batches) {
          await store.saveBatch(batch, 1);
          await store.markAnchored(batch.header.id, anchorOf(), 2);
        }
        // Interleaved reads, so a store that caches trees must keep them apart.
        for (let i = 0; i < 64; i++) {
          for (const batch of batches) {
            const record = batch.records[i];
            if (record === undefined) continue;
            const receipt = await store.getReceipt(record.recordId);
            assert.deepEqual(receipt?.proof, proofOf(batch, i), `leaf ${i} of ${batch.header.size}`);
            assert.equal(receipt?.digest, record.digest);
            assert.ok(verifyInclusion({
              leafData: fromHex(record.digest), index: i, size: batch.header.size,
              proof: receipt!.proof.map(fromHex), root: fromHex(batch.header.root),
            }), `leaf ${i} of ${batch.header.size} verifies`);
          }
        }
      });

      it('refuses to make a receipt from leaves that do not hash to the batch root', async () => {
        const ids = freshIds(4);
        const batch = makeBatch(ids);
        const leaves = batch.leaves.slice();
        leaves[70] = leaves[70]! ^ 1;
        await store.saveBatch({ ...batch, leaves }, 1);
        await store.markAnchored(batch.header.id, anchorOf(), 2);
        await assert.rejects(store.getReceipt(ids[0]!), (err: unknown) => err instanceof StoreError && /root/.test(err.message));
      });

      it('throws StoreError when marking a batch that does not exist', async () => {
        await assert.rejects(store.markAnchored(hex(32), anchorOf(), 1), StoreError);
        await assert.rejects(store.markAttemptFailed(hex(32), 'x', 1, false), StoreError);
      });

      it('knows the last batch sealed per signer key', async () => {
        const key = unique('key'), other = unique('key');
        assert.equal(await store.lastBatchId(key), null);
        const first = makeBatch(freshIds(1), { keyId: key });
        const second = makeBatch(freshIds(1), { keyId: key, prev: first.header.id });
        const foreign = makeBatch(freshIds(1), { keyId: other });
        await store.saveBatch(first, 1);
        await store.saveBatch(second, 2);
        await store.saveBatch(foreign, 3);
        assert.equal(await store.lastBatchId(key), second.header.id);
        assert.equal(await store.lastBatchId(other), foreign.header.id);
      });

      it('lists recently anchored batches newest first, without the unanchored ones', async () => {
        const far = 9_000_000_000_000; // later than anything else the suite anchors
        const a = makeBatch(freshIds(1)), b = makeBatch(freshIds(1)), pending = makeBatch(freshIds(1));
        for (const x of [a, b, pending]) await store.saveBatch(x, 1);
        await store.markAnchored(b.header.id, anchorOf(), far + 1);
        await store.markAnchored(a.header.id, anchorOf(), far + 2);
        const recent = await store.recentBatches(2);
        assert.deepEqual(recent.map((e) => e.header.id), [a.header.id, b.header.id]);
        assert.ok((await store.recentBatches(1_000)).every((e) => e.state === 'anchored'));
      });

      it('lists a tenant\'s receipts in anchoring order, then leaf order, resumable from any cursor', async () => {
        const mine = unique('tenant'), theirs = unique('tenant');
        // Leaves alternate between the two tenants; the tree does not depend on who owns a leaf.
        const mixed = (n: number): SealedBatch => {
          const batch = makeBatch(freshIds(n));
          return { ...batch, records: batch.records.map((r, i) => ({ ...r, tenant: i % 2 === 0 ? mine : theirs })) };
        };
        const first = mixed(5), second = mixed(3), late = mixed(4);
        for (const x of [first, second, late]) await store.saveBatch(x, 1);
        assert.deepEqual(await store.anchoredReceipts(mine, null, 100), [], 'nothing before anchoring');
        // Anchored in another order than sealed: the stream follows anchoring.
        await store.markAnchored(second.header.id, anchorOf(), 10);
        await store.markAnchored(first.header.id, anchorOf(), 11);
        await store.markAnchored(second.header.id, anchorOf(), 12); // a second report changes nothing
        const all = await store.anchoredReceipts(mine, null, 100);
        const expected = [...[second, first].flatMap((b) => b.records.filter((r) => r.tenant === mine))];
        assert.deepEqual(all.map((c) => c.receipt.recordId), expected.map((r) => r.recordId));
        for (const { receipt } of all) assert.deepEqual(receipt, await store.getReceipt(receipt.recordId));
        assert.ok(all[0]!.cursor.anchorSeq < all.at(-1)!.cursor.anchorSeq);

        // Page by page, each page resuming from the last cursor: the same list, nothing twice.
        const paged: RecordId[] = [];
        let cursor: ReceiptCursor | null = null;
        for (;;) {
          const page = await store.anchoredReceipts(mine, cursor, 2);
          if (page.length === 0) break;
          assert.ok(page.length <= 2);
          paged.push(...page.map((c) => c.receipt.recordId));
          cursor = page.at(-1)!.cursor;
        }
        assert.deepEqual(paged, expected.map((r) => r.recordId));
        // A batch anchored after the cursor is what comes next; the other tenant's records never do.
        await store.markAnchored(late.header.id, anchorOf(), 13);
        const next = await store.anchoredReceipts(mine, cursor, 100);
        assert.deepEqual(next.map((c) => c.receipt.recordId), late.records.filter((r) => r.tenant === mine).map((r) => r.recordId));
        assert.equal((await store.anchoredReceipts(theirs, null, 100)).length, 1 + 2 + 2);
        assert.deepEqual(await store.anchoredReceipts(unique('nobody'), null, 100), []);
      });
    });

    describe('dead letters', () => {
      it('keeps a dead letter with its original bytes, headers and Kafka coordinates', async () => {
        const input = deadLetter({
          origin: 'kafka',
          kafka: { topic: 'transport.trips', partition: 3, offset: '12345678901234', key: null, timestamp: '1700000000000' },
        });
        const id = await store.addDeadLetter(input);
        const stored = await store.getDeadLetter(id);
        assert.deepEqual(stored, { ...input, id, state: 'open', resolvedAt: null, resolution: null });
        assert.ok(stored?.payload instanceof Uint8Array);
        assert.equal(await store.getDeadLetter(unique('missing')), undefined);
      });

      it('keeps a dead letter that could not even be decoded (no tenant, id, type or sector)', async () => {
        const input = deadLetter({
          tenant: null, recordId: null, type: null, sector: null, code: ErrorCodes.DecodeFailed,
          message: 'not JSON', issues: [], payload: new Uint8Array([1, 2, 3]), headers: {},
        });
        const id = await store.addDeadLetter(input);
        assert.deepEqual(await store.getDeadLetter(id), { ...input, id, state: 'open', resolvedAt: null, resolution: null });
      });

      it('keeps a dead letter whose received text holds U+0000, written as \\u0000, with its bytes exact', async () => {
        // A Kafka key such as a 4-byte big-endian integer, a header, a data key: PostgreSQL refuses NUL in text.
        const input = deadLetter({
          origin: 'kafka',
          recordId: { source: '/test/dl/nul', id: `a\u0000${hex(4)}` },
          message: 'data: unrecognized key "x\u0000y"',
          issues: [{ path: ['data', 'x\u0000y', 0], code: 'unrecognized_keys', message: 'key "x\u0000y"' }],
          headers: { 'ce_id': 'id\u0000', 'x\u0000': 'v' },
          kafka: { topic: 'transport.trips', partition: 0, offset: '7', key: '\u0000\u0000\u0000\u0005', timestamp: '1700000000000' },
        });
        const id = await store.addDeadLetter(input);
        const stored = await store.getDeadLetter(id);
        const asText = (s: string) => s.replaceAll('\u0000', '\\u0000');
        assert.deepEqual(stored, {
          ...input, id, state: 'open', resolvedAt: null, resolution: null,
          recordId: { source: '/test/dl/nul', id: asText(input.recordId!.id) },
          message: asText(input.message),
          issues: [{ path: ['data', 'x\\u0000y', 0], code: 'unrecognized_keys', message: 'key "x\\u0000y"' }],
          headers: { 'ce_id': 'id\\u0000', 'x\\u0000': 'v' },
          kafka: { ...input.kafka!, key: '\\u0000\\u0000\\u0000\u0005' },
        });
        assert.deepEqual(stored?.payload, input.payload, 'payload bytes exactly as received');
        const found = await store.listDeadLetters({ recordId: input.recordId!, sourcePrefix: '/test/dl/nul' }, 10, null);
        assert.deepEqual(found.items.map((d) => d.id), [id], 'a filter holding U+0000 finds the entry stored for it');
                await store.resolveDeadLetter(id, 'discarded', { deadLetterId: id, action: 'discarded', actor: 'ops\u0000', reason: 'bad\u0000data', at: 8_000 });
        assert.equal((await store.getDeadLetter(id))?.resolution, 'bad\\u0000data');
        assert.deepEqual((await store.deadLetterAudit(id)).map((a) => [a.actor, a.reason]), [['ops\\u0000', 'bad\\u0000data']]);
      });

      it('answers lookups by keys holding U+0000 with nothing, never with a database error', async () => {
        const nul = { source: '/test/nul\u0000', id: `x\u0000${hex(4)}` };
        assert.deepEqual(await store.findRecords([nul, { source: '/test/dl', id: 'y\u0000' }]), []);
        assert.equal(await store.getReceipt(nul), undefined);
        assert.equal(await store.getBatch('ab\u0000'), undefined);
        assert.equal(await store.getDeadLetter('ab\u0000'), undefined);
        assert.deepEqual(await store.deadLetterAudit('ab\u0000'), []);
        assert.equal((await store.listDeadLetters({ tenant: 't\u0000', sector: 's\u0000', code: 'CG_X' }, 10, null)).total, 0);
      });

      it('refuses a cursor it did not hand out with a RangeError (the caller\'s mistake, not a database failure)', async () => {
        for (const cursor of ['garbage', '\u0000', '-1', Buffer.from('[1,"x"]').toString('base64url')]) {
          await assert.rejects(store.listDeadLetters({}, 10, cursor), RangeError, cursor);
        }
      });

      it('filters by every field and pages newest first with a cursor and a total', async () => {
        const tenant = unique('tenant');
        const base = `/${unique('org')}`;
        const inputs: DeadLetterInput[] = [
          deadLetter({ tenant, createdAt: 1_000, sector: 'transport', origin: 'rest', code: ErrorCodes.SchemaInvalid, recordId: { source: `${base}/metro/1`, id: 'a' } }),
          deadLetter({ tenant, createdAt: 2_000, sector: 'finance', origin: 'kafka', code: ErrorCodes.SchemaUnknown, recordId: { source: `${base}/bank/1`, id: 'b' } }),
          deadLetter({ tenant, createdAt: 3_000, sector: 'transport', origin: 'grpc', code: ErrorCodes.SchemaInvalid, recordId: { source: `${base}/metro/2`, id: 'c' } }),
          deadLetter({ tenant, createdAt: 3_000, sector: 'telecom', origin: 'rest', code: ErrorCodes.TypeForbidden, recordId: { source: `${base}_x/metro`, id: 'd' } }),
          deadLetter({ tenant, createdAt: 5_000, sector: 'transport', origin: 'rest', code: ErrorCodes.SchemaInvalid, recordId: { source: `${base}/metro/1`, id: 'e' } }),
        ];
        const ids: string[] = [];
        for (const input of inputs) ids.push(await store.addDeadLetter(input));
        const [a, b, c, d, e] = ids as [string, string, string, string, string];
        await store.resolveDeadLetter(e, 'discarded', { deadLetterId: e, action: 'discarded', actor: 'ops', reason: 'test data', at: 6_000 });

        const list = async (filter: Parameters<Store['listDeadLetters']>[0]): Promise<string[]> => {
          const page = await store.listDeadLetters({ tenant, ...filter }, 100, null);
          assert.equal(page.total, page.items.length);
          assert.equal(page.next, null);
          return page.items.map((x) => x.id);
        };
        // Newest first; equal timestamps keep insertion order reversed.
        assert.deepEqual(await list({}), [e, d, c, b, a]);
        assert.deepEqual(await list({ sector: 'transport' }), [e, c, a]);
        assert.deepEqual(await list({ origin: 'rest' }), [e, d, a]);
        assert.deepEqual(await list({ code: ErrorCodes.SchemaInvalid }), [e, c, a]);
        assert.deepEqual(await list({ state: 'open' }), [d, c, b, a]);
        assert.deepEqual(await list({ state: 'discarded' }), [e]);
        assert.deepEqual(await list({ sourcePrefix: `${base}/metro` }), [e, c, a]);
        assert.deepEqual(await list({ sourcePrefix: `${base}/` }), [e, c, b, a]);
        assert.deepEqual(await list({ sourcePrefix: `${base}_` }), [d], 'LIKE wildcards in the prefix are literal');
        assert.deepEqual(await list({ recordId: { source: `${base}/metro/1`, id: 'a' } }), [a]);
        assert.deepEqual(await list({ from: 2_000, to: 3_000 }), [d, c, b], 'from and to are inclusive');
        assert.deepEqual(await list({ from: 3_001 }), [e]);
        assert.deepEqual(await list({ to: 999 }), []);
        assert.deepEqual(await list({ sector: 'transport', origin: 'rest', state: 'open' }), [a]);
        assert.deepEqual(await list({ tenant: unique('nobody') }), []);

        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page = await store.listDeadLetters({ tenant }, 2, cursor);
          assert.equal(page.total, 5);
          assert.ok(page.items.length <= 2);
          seen.push(...page.items.map((x) => x.id));
          cursor = page.next;
          pages += 1;
        } while (cursor !== null && pages < 10);
        assert.deepEqual(seen, [e, d, c, b, a]);
        assert.equal(pages, 3);

        const filtered = await store.listDeadLetters({ tenant, sector: 'transport' }, 1, null);
        assert.deepEqual([filtered.items[0]?.id, filtered.total], [e, 3]);
        const second = await store.listDeadLetters({ tenant, sector: 'transport' }, 1, filtered.next);
        assert.deepEqual(second.items.map((x) => x.id), [c]);
        await assert.rejects(store.listDeadLetters({ tenant }, 2, 'not-a-cursor'), RangeError);
      });

      it('resolves a dead letter and appends to its audit log, reason updates included', async () => {
        const id = await store.addDeadLetter(deadLetter({ tenant: unique('tenant') }));
        assert.deepEqual(await store.deadLetterAudit(id), []);
        const failed = { deadLetterId: id, action: 'replay-failed', actor: 'alice', reason: 'still invalid', at: 10 } as const;
        const newReason = { code: ErrorCodes.SchemaUnknown, message: 'no schema v3', issues: [{ path: ['type'], code: 'unknown', message: 'v3' }] };
        await store.resolveDeadLetter(id, 'open', failed, newReason);
        let dl = await store.getDeadLetter(id);
        assert.equal(dl?.state, 'open');
        assert.equal(dl?.code, ErrorCodes.SchemaUnknown);
        assert.equal(dl?.message, 'no schema v3');
        assert.deepEqual(dl?.issues, newReason.issues);
        assert.equal(dl?.resolvedAt, null);

        const replayed = { deadLetterId: id, action: 'replayed', actor: 'bob', reason: 'schema v3 released', at: 20 } as const;
        await store.resolveDeadLetter(id, 'replayed', replayed);
        dl = await store.getDeadLetter(id);
        assert.equal(dl?.state, 'replayed');
        assert.equal(dl?.resolvedAt, 20);
        assert.equal(dl?.resolution, 'schema v3 released');
        assert.equal(dl?.code, ErrorCodes.SchemaUnknown, 'the reason is kept when no new one is given');

        const reopened = { deadLetterId: id, action: 'reopened', actor: 'carol', reason: 'receipt missing', at: 30 } as const;
        await store.resolveDeadLetter(id, 'open', reopened);
        dl = await store.getDeadLetter(id);
        assert.deepEqual([dl?.state, dl?.resolvedAt, dl?.resolution], ['open', null, null]);
        assert.deepEqual(await store.deadLetterAudit(id), [failed, replayed, reopened]);
      });

      it('throws StoreError resolving an unknown dead letter and writes no audit entry', async () => {
        const id = unique('missing');
        await assert.rejects(
          store.resolveDeadLetter(id, 'discarded', { deadLetterId: id, action: 'discarded', actor: 'x', reason: 'y', at: 1 }),
          StoreError,
        );
        assert.deepEqual(await store.deadLetterAudit(id), []);
      });

      it('counts open dead letters by code, sector and origin', async () => {
        const sector = unique('sector');
        const add = (code: DeadLetterInput['code'], origin: DeadLetterInput['origin']): Promise<string> =>
          store.addDeadLetter(deadLetter({ sector, code, origin }));
        await add(ErrorCodes.SchemaInvalid, 'rest');
        await add(ErrorCodes.SchemaInvalid, 'rest');
        await add(ErrorCodes.SchemaInvalid, 'kafka');
        await add(ErrorCodes.DecodeFailed, 'kafka');
        const gone = await add(ErrorCodes.DecodeFailed, 'kafka');
        await store.resolveDeadLetter(gone, 'discarded', { deadLetterId: gone, action: 'discarded', actor: 'ops', reason: 'noise', at: 1 });
        const counts = (await store.deadLetterCounts()).filter((c) => c.sector === sector);
        const sorted = counts.map((c) => `${c.code}/${c.origin}=${c.count}`).sort();
        assert.deepEqual(sorted, [
          `${ErrorCodes.DecodeFailed}/kafka=1`, `${ErrorCodes.SchemaInvalid}/kafka=1`, `${ErrorCodes.SchemaInvalid}/rest=2`,
        ]);
      });
    });

    describe('lifecycle', () => {
      it('reports healthy', async () => {
        const health = await store.health();
        assert.equal(health.ok, true, health.detail);
      });

      it('keeps everything across close and reopen, and reopening migrates nothing twice', async () => {
        const ids = freshIds(3);
        const batch = makeBatch(ids, { keyId: unique('key') });
        await store.saveBatch(batch, 77);
        await store.markAnchored(batch.header.id, anchorOf('tx-persist', 9), 78);
        const pending = makeBatch(freshIds(1), { keyId: batch.header.signer.keyId });
        await store.saveBatch(pending, 79);
        const dl = await store.addDeadLetter(deadLetter());
        await store.close();
        await assert.rejects(store.outboxDepth(), StoreError, 'a closed store fails with StoreError');

        // Reopen twice: the second open finds every migration applied and must change nothing.
        store = await openStore();
        await store.close();
        store = await openStore();
        assert.equal((await store.getReceipt(ids[2]!))?.chain.txId, 'tx-persist');
        assert.equal((await store.getBatch(pending.header.id))?.state, 'sealed');
        assert.equal(await store.lastBatchId(batch.header.signer.keyId), pending.header.id);
        assert.equal((await store.getDeadLetter(dl))?.state, 'open');
        assert.equal((await store.saveBatch(makeBatch([ids[0]!]), 80)).ok, false, 'the idempotency index survived');
      });
    });
  });
}
