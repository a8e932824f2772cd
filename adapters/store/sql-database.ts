/**
 * The few database operations the SQL store needs, so PostgreSQL (`pg`) and PGlite can share every
 * statement. Drivers differ in how they return some types (int8 as string or number, bytea as Buffer or
 * Uint8Array); the store normalizes rows, the drivers only run SQL.
 */

/** Runs statements on one connection (or inside one transaction). */
export interface SqlExecutor {
  /** One statement with `$n` parameters; `rowCount` is the number of rows returned or affected. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number }>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** A database: statements, transactions, and a way to let go of it. */
export interface SqlDatabase extends SqlExecutor {
  /** Engine name for health reports, e.g. `postgres` or `pglite`. */
  readonly kind: string;
  /**
   * Runs `fn` in one transaction on one connection: commits when it resolves, rolls back when it throws
   * (and rethrows the same error).
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
