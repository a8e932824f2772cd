/**
 * Exclusive use of a data directory by one process. PGlite keeps no lock of its own and the embedded
 * ledger appends to one file, and two processes writing either would corrupt it, so each holds a lock
 * file (containing its pid) in its directory while open. A lock left by a process that no longer
 * exists is taken over.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Lock files this process holds: its own pid in a lock file does not prove it holds it (pid 1 in containers). */
const held = new Set<string>();

/** Whether a process with this pid exists (EPERM: it does, but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
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
export function lockDataDir(dir: string, lockName = 'crossgate-store.lock'): () => void {
  const path = resolve(dir);
  const file = join(path, lockName);
  if (held.has(file)) throw new Error(`${path} is already open in this process`);
  if (!tryCreate(file)) {
    const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
    if (Number.isSafeInteger(owner) && owner !== process.pid && isProcessAlive(owner)) {
      throw new Error(`${path} is in use by process ${owner} (lock file ${file})`);
    }
    // Stale: its process is gone (or was an earlier life of this pid). Take it over; if another
    // process takes it over at the same moment, one of the two exclusive creates fails.
    unlinkSync(file);
    if (!tryCreate(file)) throw new Error(`${path} was locked by another process while taking over a stale lock`);
  }
  held.add(file);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    held.delete(file);
    try {
      if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) unlinkSync(file);
    } catch {
      // already gone: nothing to release
    }
  };
}
