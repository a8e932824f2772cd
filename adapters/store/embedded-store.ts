/**
 * The Store on PGlite (PostgreSQL compiled to WebAssembly) persisted to a directory: the same SQL as
 * the PostgreSQL store, no server to run. For `npm start` and single-instance deployments.
 */
import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { StoreError } from '../../src/core/errors.js';
import type { Store } from '../../src/core/ports.js';
import { lockDataDir } from '../shared/data-dir-lock.js';
import { loadMigrations, runMigrations } from './migrations.js';
import type { SqlDatabase, SqlExecutor } from './sql-database.js';
import { SqlStore } from './sql-store.js';

/** Options for {@link openEmbeddedStore}. */
export interface EmbeddedStoreOptions {
  /** Directory holding the database files (created when missing). Omit for an in-memory store. */
  readonly dataDir?: string;
  /** Where the NNN-name.sql files are; found from the project root by default. */
  readonly migrationsDir?: string;
}

/**
 * Opens (or creates) the embedded database, migrates it, and returns the store.
 * One store at a time may open a data directory (see data-dir-lock.ts); a second open, from this
 * process or another, throws {@link StoreError}, as does any other failure to open.
 */
export async function openEmbeddedStore(options: EmbeddedStoreOptions = {}): Promise<Store> {
  let pglite: PGlite | undefined;
  let unlock: (() => void) | undefined;
  try {
    if (options.dataDir !== undefined) {
      mkdirSync(options.dataDir, { recursive: true });
      unlock = lockDataDir(options.dataDir);
    }
    pglite = createPGlite(options.dataDir);
    await pglite.waitReady;
    const db = pgliteDatabase(pglite, unlock);
    await runMigrations(db, loadMigrations(options.migrationsDir), Date.now());
    return new SqlStore(db);
  } catch (err) {
    await pglite?.close().catch(() => undefined);
    unlock?.();
    throw new StoreError(`cannot open the embedded store: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

const byteaOid = 17;

/**
 * PGlite's own bytea serializer and parser work byte by byte in JavaScript, which made a 5,000-record
 * batch's proofs (about 2 MB) take seconds to send; Node's native hex codec does it in milliseconds.
 */
const fastParsers = {
  [byteaOid]: (text: string): Uint8Array => {
    const buffer = Buffer.from(text.slice(2), 'hex');
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  },
};

const fastSerializers = {
  [byteaOid]: (value: unknown): string => {
    if (!(value instanceof Uint8Array)) throw new TypeError('bytea parameter must be a Uint8Array');
    return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  },
};

/** A PGlite instance with the store's codecs; in memory when `dataDir` is omitted. */
export function createPGlite(dataDir?: string): PGlite {
  return new PGlite({ ...(dataDir === undefined ? {} : { dataDir }), parsers: fastParsers, serializers: fastSerializers });
}

/**
 * Adapts a PGlite instance to {@link SqlDatabase}. PGlite runs one transaction at a time.
 * `afterClose` runs once the instance is closed (the data-directory lock's release).
 */
export function pgliteDatabase(pglite: PGlite, afterClose?: () => void): SqlDatabase {
  const executor = (target: PGlite | Transaction): SqlExecutor => ({
    async query<R>(sql: string, params?: readonly unknown[]) {
      const result = await target.query<R>(sql, params === undefined ? undefined : [...params]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
  });
  let closed: Promise<void> | undefined;
  return {
    kind: 'pglite',
    ...executor(pglite),
    transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> => pglite.transaction((tx) => fn(executor(tx))),
    close() {
      closed ??= (pglite.closed ? Promise.resolve() : pglite.close()).finally(() => afterClose?.());
      return closed;
    },
  };
}
