/**
 * A cross-process lock on the shared Fabric test network. `npm test` runs two test files at a time;
 * a file that stops a node (peer outage tests) would make every Fabric call of the other file fail,
 * and the other file's outage would break its own expectations. So every test file that stops nodes
 * or needs them all running holds this lock for its whole run (top-level before/after hooks).
 *
 * The lock is a file created with O_EXCL ('wx') next to the connection profile (the network's state
 * directory), holding the owner's pid. A lock whose owner process is gone (a test run killed with
 * SIGKILL) is stale and taken over; anything else is waited for, with a bounded deadline.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isProcessAlive } from '../../adapters/shared/data-dir-lock.js';

export const FABRIC_LOCK_FILE = 'test-network.lock';

interface LockOwner {
  readonly pid: number;
  readonly holder: string;
  readonly since: string;
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  } catch {
    // Missing, or caught between create and write: treat as held, look again shortly.
    return undefined;
  }
}

/**
 * Waits until this process holds the lock for the network whose profile is `profilePath`, and returns
 * the release function (idempotent; call it from an after hook). Throws after `timeoutMs` naming the
 * holder.
 */
export async function lockFabricNetwork(profilePath: string, holder: string, timeoutMs = 15 * 60_000): Promise<() => Promise<void>> {
  const path = join(dirname(profilePath), FABRIC_LOCK_FILE);
  const deadline = Date.now() + timeoutMs;
  const me: LockOwner = { pid: process.pid, holder, since: new Date().toISOString() };
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(JSON.stringify(me));
      } finally {
        await handle.close();
      }
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        const owner = await readOwner(path);
        if (owner?.pid === me.pid && owner.since === me.since) await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readOwner(path);
    if (owner !== undefined && !isProcessAlive(owner.pid)) {
      // Stale: its process died holding it. Removing races only with other stale-breakers, and
      // the 'wx' create above still lets exactly one of them win.
      const again = await readOwner(path);
      if (again?.pid === owner.pid && again.since === owner.since) await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`Fabric test network still locked after ${timeoutMs} ms by ${owner ? `${owner.holder} (pid ${owner.pid}, since ${owner.since})` : 'an unknown holder'}: ${path}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
