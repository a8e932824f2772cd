/**
 * The gateway's version (package.json), for DLQ records' `__cg.errors.gateway.version`: which build
 * rejected a record matters when a rule changed between versions.
 */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** package.json's version, or 'unknown' when it cannot be read. */
export function gatewayVersion(): string {
  if (cached !== undefined) return cached;
  // Compiled to <out>/src/ingest/kafka/: the repository root is four levels up.
  for (const relative of ['../../../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'crossgate' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // try the next candidate
    }
  }
  return (cached = 'unknown');
}
