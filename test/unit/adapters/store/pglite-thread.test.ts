/**
 * The worker-thread PGlite proxy (adapters/store/pglite-thread.ts): what SqlStore relies on must hold
 * across the thread boundary. One data directory is initialized once (initdb is the slow part) and
 * each suite opens it in turn.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openPgliteThread, type PgliteThread } from '../../../../adapters/store/pglite-thread.js';
import { SqlStore } from '../../../../adapters/store/sql-store.js';
import { StoreError } from '../../../../src/core/errors.js';

const dataDir = mkdtempSync(join(tmpdir(), 'cg-pglite-thread-'));

before(async () => {
  const db = await openPgliteThread({ dataDir });
  await db.exec('CREATE TABLE items (k int PRIMARY KEY, v text)');
  await db.close();
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Fails the test if `promise` neither resolves nor rejects in time: a hang is the bug being tested. */
async function settled<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<PromiseSettledResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms`)), ms)));
  try {
    return await Promise.race([Promise.allSettled([promise]).then(([r]) => r!), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function rejectedWith(result: PromiseSettledResult<unknown>, check: (err: unknown) => boolean, what: string): void {
  assert.equal(result.status, 'rejected', `${what} should have been rejected`);
  assert.ok(check((result as PromiseRejectedResult).reason), `${what}: unexpected error ${String((result as PromiseRejectedResult).reason)}`);
}

const count = async (db: PgliteThread, k: number): Promise<number> =>
  (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE k = $1', [k])).rows[0]!.n;

describe('PGlite on a worker thread: statements and errors', () => {
  let db: PgliteThread;
  before(async () => {
    db = await openPgliteThread({ dataDir });
  });
  after(() => db.close());

  it('runs parameterized statements and returns rows and the affected row count', async () => {
    const inserted = await db.query('INSERT INTO items (k, v) VALUES ($1, $2), ($3, $4)', [1, 'one', 2, 'two']);
    assert.equal(inserted.rowCount, 2);
    const { rows } = await db.query<{ k: number; v: string }>('SELECT k, v FROM items WHERE k = ANY($1::int[]) ORDER BY k', [[1, 2]]);
    assert.deepEqual(rows, [{ k: 1, v: 'one' }, { k: 2, v: 'two' }]);
  });

  it('carries large bytea parameters and results intact (the fast codecs run in the worker)', async () => {
    const big = randomBytes(200 * 1024);
    const small = randomBytes(32);
    const { rows } = await db.query<{ b: Uint8Array; s: Uint8Array }>('SELECT $1::bytea AS b, $2::bytea AS s', [big, small]);
    assert.ok(rows[0]!.b instanceof Uint8Array);
    assert.ok(Buffer.from(rows[0]!.b).equals(big));
    assert.ok(Buffer.from(rows[0]!.s).equals(small));
    assert.equal(big.length, 200 * 1024, 'the caller keeps its parameter buffer (it may be sent again on a retry)');
  });

  it('delivers a unique violation as an Error with code 23505 and the database message', async () => {
    await db.query('INSERT INTO items (k, v) VALUES (10, $1)', ['first']);
    await assert.rejects(db.query('INSERT INTO items (k, v) VALUES (10, $1)', ['again']), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.equal((err as Error & { code?: unknown }).code, '23505');
      assert.equal(err.message, 'duplicate key value violates unique constraint "items_pkey"');
      assert.equal((err as Error & { constraint?: unknown }).constraint, 'items_pkey');
      return true;
    });
  });

  it('delivers the same code from inside a transaction, and rolls the transaction back', async () => {
    await db.query('INSERT INTO items (k) VALUES (20)');
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO items (k) VALUES (21)');
        await tx.query('INSERT INTO items (k) VALUES (20)');
      }),
      (err: unknown) => (err as { code?: unknown }).code === '23505',
    );
    assert.equal(await count(db, 21), 0, 'the first insert of the failed transaction was rolled back');
  });

  it('delivers a TypeError thrown by a serializer in the worker as a TypeError', async () => {
    await assert.rejects(db.query('SELECT $1::bytea AS b', ['not bytes']), (err: unknown) =>
      err instanceof TypeError && err.message === 'bytea parameter must be a Uint8Array');
  });

  it('rolls back a transaction whose function throws, and rethrows that same error', async () => {
    const thrown = new Error('caller gave up');
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO items (k) VALUES (30)');
        assert.equal((await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE k = 30')).rows[0]!.n, 1);
        throw thrown;
      }),
      (err: unknown) => err === thrown,
    );
    assert.equal(await count(db, 30), 0);
  });

  it('commits a transaction whose function resolves, and returns its value', async () => {
    const value = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO items (k) VALUES (40)');
      await tx.exec('UPDATE items SET v = \'forty\' WHERE k = 40');
      return 'done';
    });
    assert.equal(value, 'done');
    assert.deepEqual((await db.query('SELECT v FROM items WHERE k = 40')).rows, [{ v: 'forty' }]);
  });

  it('queues other statements behind an open transaction', async () => {
    let outsideSettled = false;
    let outside: Promise<number> | undefined;
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO items (k) VALUES (50)');
      outside = count(db, 50).finally(() => (outsideSettled = true));
      // Each of these is a round trip through the worker after the outside query was sent: had it not
      // been queued, the worker would have answered it before them.
      for (let i = 0; i < 5; i++) await tx.query('SELECT 1');
      assert.equal(outsideSettled, false, 'a statement outside the transaction ran while it was open');
    });
    assert.equal(await outside, 1, 'the queued statement ran after the commit and saw the row');
  });

  it('runs concurrent transactions one after the other, never interleaved', async () => {
    const events: string[] = [];
    const run = (name: string, k: number) => db.transaction(async (tx) => {
      events.push(`${name} begin`);
      await tx.query('INSERT INTO items (k) VALUES ($1)', [k]);
      await tx.query('SELECT 1');
      events.push(`${name} end`);
    });
    await Promise.all([run('a', 60), run('b', 61)]);
    assert.deepEqual(events, ['a begin', 'a end', 'b begin', 'b end']);
    assert.equal(await count(db, 60) + await count(db, 61), 2);
  });
});

describe('PGlite on a worker thread: close', () => {
  it('lets work queued before close() finish, then refuses more and runs afterClose once', async () => {
    let released = 0;
    const db = await openPgliteThread({ dataDir, afterClose: () => released++ });
    const queued = db.query('INSERT INTO items (k) VALUES (70)');
    const closed = db.close();
    assert.equal((await queued).rowCount, 1);
    await closed;
    assert.equal(released, 1);
    await assert.rejects(db.query('SELECT 1'), (err: unknown) => err instanceof StoreError && /closed/.test(err.message));
    await db.close();
    assert.equal(released, 1, 'a second close() does not release twice');
  });

  it('rejects pending work with StoreError when a transaction outlives the close grace period', async () => {
    let released = 0;
    const db = await openPgliteThread({ dataDir, closeGraceMs: 100, afterClose: () => released++ });
    const gate = deferred();
    const inside = deferred();
    const transaction = db.transaction(async (tx) => {
      await tx.query('INSERT INTO items (k) VALUES (80)');
      inside.resolve();
      await gate.promise;
      await tx.query('SELECT 1');
    });
    await inside.promise;
    const waiting = db.query('SELECT 1');
    const closed = await settled(db.close(), 'close()');
    rejectedWith(closed, (err) => err instanceof StoreError && /did not close within 100 ms/.test(err.message), 'close()');
    rejectedWith(await settled(waiting, 'the queued query'), (err) => err instanceof StoreError, 'the queued query');
    assert.equal(released, 1, 'the lock is released once the thread is gone');
    gate.resolve();
    rejectedWith(await settled(transaction, 'the transaction'), (err) => err instanceof StoreError, 'the transaction');
  });
});

describe('PGlite on a worker thread: a worker that dies', () => {
  it('rejects pending and later statements with StoreError, reports unhealthy, and still closes', async () => {
    let released = 0;
    const db = await openPgliteThread({ dataDir, afterClose: () => released++ });
    const store = new SqlStore(db);
    assert.equal((await store.health()).ok, true);
    const gate = deferred();
    const inside = deferred();
    const transaction = db.transaction(async (tx) => {
      await tx.query('SELECT 1');
      inside.resolve();
      await gate.promise;
      await tx.query('SELECT 1');
    });
    await inside.promise;
    const waiting = db.query('SELECT 1');
    await db.worker.terminate();
    rejectedWith(await settled(waiting, 'the queued query'), (err) => err instanceof StoreError && /thread stopped/.test(err.message), 'the queued query');
    gate.resolve();
    rejectedWith(await settled(transaction, 'the transaction'), (err) => err instanceof StoreError, 'the transaction');
    rejectedWith(await settled(db.query('SELECT 1'), 'a later query'), (err) => err instanceof StoreError, 'a later query');
    const health = await store.health();
    assert.equal(health.ok, false);
    assert.match(health.detail, /^pglite: the embedded database thread stopped/);
    await store.close();
    assert.equal(released, 1);
  });
});
