/**
 * The Store contract on PostgreSQL. The test setup (scripts/test.sh via scripts/postgres.sh) starts the
 * server and sets CROSSGATE_TEST_PG_URL to an admin connection string; this file creates its own fresh
 * database so it never sees another file's data.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createConnection, createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { openPostgresStore, postgresDatabase } from '../../adapters/store/postgres-store.js';
import { StoreError } from '../../src/core/errors.js';
import type { Store } from '../../src/core/ports.js';
import { freshIds, makeBatch, runStoreContract } from '../support/store-contract.js';
import { checkUpgradeKeepsProofs } from '../support/store-upgrade.js';

const adminUrl = process.env['CROSSGATE_TEST_PG_URL'];
if (adminUrl === undefined || adminUrl === '') {
  throw new Error('CROSSGATE_TEST_PG_URL is not set: the test setup must start PostgreSQL (bash scripts/postgres.sh start; export CROSSGATE_TEST_PG_URL=$(bash scripts/postgres.sh url))');
}

const database = `cg_test_${randomBytes(6).toString('hex')}`;
const url = new URL(adminUrl);
url.pathname = `/${database}`;
const connectionString = url.toString();

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

before(() => admin((c) => c.query(`CREATE DATABASE ${database}`)));
after(() => admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)));

runStoreContract('PostgreSQL', () => openPostgresStore({ connectionString, poolSize: 8 }));

describe('PostgreSQL store, several instances', () => {
  it('migrates once when many instances open the same fresh database at the same time', async () => {
    const fresh = `cg_test_${randomBytes(6).toString('hex')}`;
    await admin((c) => c.query(`CREATE DATABASE ${fresh}`));
    const freshUrl = new URL(adminUrl);
    freshUrl.pathname = `/${fresh}`;
    try {
      const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore({ connectionString: freshUrl.toString(), poolSize: 2 })));
      const check = new pg.Client({ connectionString: freshUrl.toString() });
      await check.connect();
      const { rows } = await check.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
      await check.end();
      await Promise.all(stores.map((s) => s.close()));
      assert.ok(rows.length >= 1);
      assert.equal(new Set(rows.map((r) => r.version)).size, rows.length);
    } finally {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${fresh} WITH (FORCE)`));
    }
  });

  it('lets one of two instances win overlapping batches written in opposite orders, without deadlock', async () => {
    const stores: Store[] = await Promise.all([1, 2].map(() => openPostgresStore({ connectionString, poolSize: 4 })));
    try {
      for (let round = 0; round < 5; round++) {
        const shared = freshIds(200);
        const a = makeBatch([...shared, ...freshIds(100)]);
        const b = makeBatch([...freshIds(100), ...shared].reverse());
        const [ra, rb] = await Promise.all([stores[0]!.saveBatch(a, 1), stores[1]!.saveBatch(b, 1)]);
        assert.equal(Number(ra.ok) + Number(rb.ok), 1, `round ${round}`);
        const loser = ra.ok ? rb : ra;
        assert.equal(loser.ok ? 0 : loser.conflicts.length, 200);
        const winner = ra.ok ? a : b;
        assert.equal((await stores[0]!.findRecords(winner.records.map((r) => r.recordId))).length, 300);
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('upgrades a database with data across every migration: old records keep their proofs and receipts', async () => {
    const fresh = `cg_test_${randomBytes(6).toString('hex')}`;
    await admin((c) => c.query(`CREATE DATABASE ${fresh}`));
    const freshUrl = new URL(adminUrl);
    freshUrl.pathname = `/${fresh}`;
    const db = postgresDatabase(new pg.Pool({ connectionString: freshUrl.toString(), max: 2 }));
    try {
      await checkUpgradeKeepsProofs(db);
    } finally {
      await db.close();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${fresh} WITH (FORCE)`));
    }
  });

  it('fails a query with StoreError when the server stops answering on an open connection, and recovers', async () => {
    // A TCP relay in front of the real server that can stop forwarding (a frozen server, or packets
    // dropped without a reset): the store must answer "unavailable" within its query timeout.
    const target = new URL(connectionString);
    const relay = await openFreezableRelay(target.hostname, Number(target.port));
    const viaRelay = new URL(connectionString);
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String(relay.port);
    const store = await openPostgresStore({ connectionString: viaRelay.toString(), poolSize: 2, queryTimeoutMs: 500 });
    try {
      const ids = freshIds(3);
      assert.equal((await store.saveBatch(makeBatch(ids), 1)).ok, true);
      relay.freeze();
      const started = Date.now();
      // Were there no timeout, the query would wait for ever: the race turns that into a plain Error.
      const hung = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the store hung')), 10_000).unref());
      await assert.rejects(Promise.race([store.findRecords(ids), hung]), StoreError);
      assert.ok(Date.now() - started < 5_000, 'answered within the query timeout, not when TCP gives up');
      relay.thaw();
      assert.equal((await store.findRecords(ids)).length, 3, 'a new connection works once the server answers again');
    } finally {
      // The relay first: closing its sockets ends any query still waiting, so the pool can close.
      relay.thaw();
      await relay.close();
      await store.close();
    }
  });

  it('fails to open with StoreError when the server cannot be reached', async () => {
    const nowhere = new URL(adminUrl);
    nowhere.port = '1';
    await assert.rejects(openPostgresStore({ connectionString: nowhere.toString() }), StoreError);
  });
});

/** A TCP relay to host:port whose forwarding can be stopped (data held back, connections kept open). */
async function openFreezableRelay(host: string, port: number): Promise<{ port: number; freeze(): void; thaw(): void; close(): Promise<void> }> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const pipes: { from: Socket; to: Socket }[] = [];
  const server = createServer((client) => {
    const upstream = createConnection({ host, port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      pipes.push({ from, to });
      from.on('data', (chunk: Buffer) => {
        if (!frozen) to.write(chunk);
        // While frozen, bytes are dropped: the other side waits, as behind a dead network path.
      });
      from.on('end', () => to.end());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay has no port');
  return {
    port: address.port,
    freeze: () => { frozen = true; },
    thaw: () => { frozen = false; },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
