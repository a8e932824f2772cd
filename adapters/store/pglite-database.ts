/**
 * {@link SqlDatabase} over a PGlite instance in the calling thread. The embedded store runs PGlite on a
 * worker thread by default (pglite-thread.ts); this in-thread form remains for tests and the bench.
 */
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { SqlDatabase, SqlExecutor } from './sql-database.js';

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
