/**
 * The Store on PGlite (PostgreSQL compiled to WebAssembly) persisted to a directory: the same SQL as
 * the PostgreSQL store, no server to run. For `npm start` and single-instance deployments.
 *
 * PGlite runs on a worker thread by default (pglite-thread.ts), so the database's CPU is spent beside
 * the gateway's event loop rather than on it; `thread: 'main'` keeps it in the calling thread.
 */
import { mkdirSync } from 'node:fs';
import { StoreError } from '../../src/core/errors.js';
import type { Store } from '../../src/core/ports.js';
import { lockDataDir } from '../shared/data-dir-lock.js';
import { loadMigrations, runMigrations } from './migrations.js';
import { createPGlite } from './pglite-codecs.js';
import { pgliteDatabase } from './pglite-database.js';
import { openPgliteThread } from './pglite-thread.js';
import type { SqlDatabase } from './sql-database.js';
import { SqlStore } from './sql-store.js';

export { createPGlite } from './pglite-codecs.js';
export { pgliteDatabase } from './pglite-database.js';

/** Options for {@link openEmbeddedStore}. */
export interface EmbeddedStoreOptions {
  /** Directory holding the database files (created when missing). Omit for an in-memory store. */
  readonly dataDir?: string;
  /** Where the NNN-name.sql files are; found from the project root by default. */
  readonly migrationsDir?: string;
  /**
   * Where PGlite runs: on its own worker thread (the default, what the gateway uses) or in the
   * calling thread (`main`: for comparisons and tests).
   */
  readonly thread?: 'worker' | 'main';
}

/**
 * Opens (or creates) the embedded database, migrates it, and returns the store.
 * One store at a time may open a data directory (see data-dir-lock.ts); a second open, from this
 * process or another, throws {@link StoreError}, as does any other failure to open. The lock is held
 * by this thread and released when the store is closed (after the worker thread has stopped).
 */
export async function openEmbeddedStore(options: EmbeddedStoreOptions = {}): Promise<Store> {
  let db: SqlDatabase | undefined;
  let unlock: (() => void) | undefined;
  try {
    if (options.dataDir !== undefined) {
      mkdirSync(options.dataDir, { recursive: true });
      unlock = lockDataDir(options.dataDir);
    }
    db = await openDatabase(options.dataDir, options.thread ?? 'worker', unlock);
    await runMigrations(db, loadMigrations(options.migrationsDir), Date.now());
    return new SqlStore(db);
  } catch (err) {
    // close() releases the lock once the database is open; before that, it is released here.
    if (db !== undefined) await db.close().catch(() => undefined);
    else unlock?.();
    throw new StoreError(`cannot open the embedded store: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

async function openDatabase(dataDir: string | undefined, thread: 'worker' | 'main', afterClose: (() => void) | undefined): Promise<SqlDatabase> {
  if (thread === 'worker') return openPgliteThread({ ...(dataDir === undefined ? {} : { dataDir }), ...(afterClose === undefined ? {} : { afterClose }) });
  const pglite = createPGlite(dataDir);
  try {
    await pglite.waitReady;
  } catch (err) {
    await pglite.close().catch(() => undefined);
    throw err;
  }
  return pgliteDatabase(pglite, afterClose);
}
