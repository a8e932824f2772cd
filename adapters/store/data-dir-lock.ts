/**
 * Exclusive use of an embedded store's data directory. PGlite keeps no lock of its own, and two
 * processes writing one directory would corrupt it, so the store holds `crossgate-store.lock`
 * (containing its pid) while open. A lock left by a process that no longer exists is taken over.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const lockName = 'crossgate-store.lock';

/** Directories this process holds: its own pid in a lock file does not prove it holds it (pid 1 in containers). */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryCreate(file: string): boolean {
  try {
    writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Takes the lock on `dir` (which must exist) and returns the function that releases it.
 * Throws when another live process, or this one, holds it.
 */
export function lockDataDir(dir: string): () => void {
  const path = resolve(dir);
  if (held.has(path)) throw new Error(`${path} is already open in this process`);
  const file = join(path, lockName);
  if (!tryCreate(file)) {
    const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
    if (Number.isSafeInteger(owner) && owner !== process.pid && alive(owner)) {
      throw new Error(`${path} is in use by process ${owner} (lock file ${file})`);
    }
    // Stale: its process is gone (or was an earlier life of this pid). Take it over; if another
    // process takes it over at the same moment, one of the two exclusive creates fails.
    unlinkSync(file);
    if (!tryCreate(file)) throw new Error(`${path} was locked by another process while taking over a stale lock`);
  }
  held.add(path);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    held.delete(path);
    try {
      if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) unlinkSync(file);
    } catch {
      // already gone: nothing to release
    }
  };
}
