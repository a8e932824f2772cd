/** Loads known-answer vectors from test/fixtures/vectors/ (works from src and from the compiled dist tree). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'test', 'fixtures'))) return dir;
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('vectors: cannot find the repository root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** Parsed `test/fixtures/vectors/<name>`; the caller states the shape it expects. */
export function loadVectors<T>(name: string): T {
  return JSON.parse(readFileSync(join(repoRoot(), 'test', 'fixtures', 'vectors', name), 'utf8')) as T;
}
