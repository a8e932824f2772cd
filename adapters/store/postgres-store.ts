/**
 * The Store on PostgreSQL through a `pg` pool. Opening migrates the schema (serialized across gateway
 * instances by an advisory lock, see migrations.ts).
 */
import pg from 'pg';
import { StoreError } from '../../src/core/errors.js';
import type { Store } from '../../src/core/ports.js';
import { loadMigrations, runMigrations } from './migrations.js';
import type { SqlDatabase, SqlExecutor } from './sql-database.js';
import { SqlStore } from './sql-store.js';

/** Options for {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** e.g. `postgres://user@127.0.0.1:5432/crossgate`. */
  readonly connectionString: string;
  /** Pool size; 10 by default. */
  readonly poolSize?: number;
  /** How long to wait for a connection before failing with StoreError; 10 s by default. */
  readonly connectTimeoutMs?: number;
  /**
   * How long one query may wait for the server's answer before failing with StoreError (and its
   * connection is dropped); 30 s by default. Without it a server that stops answering on an open
   * connection (frozen, or a network path that drops packets without a reset) would hold REST
   * requests and Kafka partitions for as long as the kernel keeps the connection.
   */
  readonly queryTimeoutMs?: number;
  /** Where the NNN-name.sql files are; found from the project root by default. */
  readonly migrationsDir?: string;
}

/** Connects, migrates, and returns the store. Throws {@link StoreError} when the database is unusable. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const db = postgresDatabase(new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    // Without a timeout a blackholed server would hang every caller instead of failing over to 503s.
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    query_timeout: options.queryTimeoutMs ?? 30_000,
    keepAlive: true,
    application_name: 'crossgate',
  }));
  try {
    await runMigrations(db, loadMigrations(options.migrationsDir), Date.now());
  } catch (err) {
    await db.close().catch(() => undefined);
    throw new StoreError(`cannot open the PostgreSQL store: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return new SqlStore(db);
}

/** Adapts a `pg` pool to {@link SqlDatabase}. */
export function postgresDatabase(pool: pg.Pool): SqlDatabase {
  // An idle client losing its connection emits 'error' on the pool; unhandled, that would kill the
  // process. The pool drops the client and the next query reports the failure as a StoreError.
  pool.on('error', () => undefined);
  const executor = (client: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async query<R>(sql: string, params?: readonly unknown[]) {
      const result = await client.query(sql, params === undefined ? undefined : [...params]);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  });
  let closed: Promise<void> | undefined;
  return {
    kind: 'postgres',
    ...executor(pool),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          // A connection that cannot roll back must not go back to the pool.
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw err;
      } finally {
        client.release(broken);
      }
    },
    close() {
      closed ??= pool.end();
      return closed;
    },
  };
}
