/**
 * Applies adapters/store/migrations/NNN-name.sql in order and records each one in `schema_migrations`.
 * Both store implementations run the same files. All pending migrations are applied in one transaction
 * that first takes a transaction-scoped advisory lock, so two gateway instances starting together do
 * not race: the second waits, then finds nothing left to do.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlDatabase } from './sql-database.js';

/** One migration file. */
export interface Migration {
  /** The numeric prefix, e.g. `001`. */
  readonly version: string;
  readonly name: string;
  readonly sql: string;
}

const fileName = /^(\d{3,})-([a-z0-9-]+)\.sql$/;

/** Arbitrary constant naming the migration lock; any other use of advisory locks must avoid it. */
const migrationLockKey = 7_242_001_001;

/**
 * Finds the migrations directory. The .sql files are not copied by tsc, so from dist-x/adapters/store/
 * this walks up to the project root and looks in adapters/store/migrations there.
 */
export function locateMigrationsDir(start: string = dirname(fileURLToPath(import.meta.url))): string {
  const beside = join(start, 'migrations');
  if (hasSqlFiles(beside)) return beside;
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'adapters', 'store', 'migrations');
    if (hasSqlFiles(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`store migrations not found above ${start} (expected adapters/store/migrations/*.sql)`);
}

function hasSqlFiles(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory() && readdirSync(dir).some((f) => fileName.test(f));
}

/** Reads the migration files in version order; rejects misnamed files and duplicate versions. */
export function loadMigrations(dir: string = locateMigrationsDir()): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const match = fileName.exec(file);
    if (!match) throw new Error(`migration file name must look like 001-name.sql: ${file}`);
    const [, version = '', name = ''] = match;
    if (migrations.some((m) => m.version === version)) throw new Error(`duplicate migration version ${version}`);
    migrations.push({ version, name, sql: readFileSync(join(dir, file), 'utf8') });
  }
  return migrations;
}

/** Applies the pending migrations; returns the versions it applied (empty when up to date). */
export async function runMigrations(db: SqlDatabase, migrations: readonly Migration[], now: number): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [migrationLockKey]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    text PRIMARY KEY,
      name       text NOT NULL,
      applied_at bigint NOT NULL
    )`);
    const { rows } = await tx.query<{ version: string }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    const done: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, now]);
      done.push(m.version);
    }
    return done;
  });
}
