import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { lockDataDir } from '../../../../adapters/shared/data-dir-lock.js';

const root = mkdtempSync(join(tmpdir(), 'cg-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));
const dir = (name: string): string => {
  const path = join(root, name);
  mkdirSync(path, { recursive: true });
  return path;
};

describe('lockDataDir', () => {
  it('lets one holder in, refuses a second, and frees the directory on release', () => {
    const d = dir('a');
    const release = lockDataDir(d);
    assert.equal(readFileSync(join(d, 'crossgate-store.lock'), 'utf8').trim(), String(process.pid));
    assert.throws(() => lockDataDir(d), /already open in this process/);
    release();
    release(); // twice is harmless
    assert.equal(existsSync(join(d, 'crossgate-store.lock')), false);
    lockDataDir(d)();
  });

  it('refuses a directory locked by another live process', () => {
    const d = dir('b');
    writeFileSync(join(d, 'crossgate-store.lock'), `${process.ppid}\n`);
    assert.throws(() => lockDataDir(d), new RegExp(`in use by process ${process.ppid}`));
  });

  it('takes over a lock left by a process that is gone, or by an earlier life of this pid', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const d = dir('c');
    writeFileSync(join(d, 'crossgate-store.lock'), `${gone}\n`);
    const release = lockDataDir(d);
    assert.equal(readFileSync(join(d, 'crossgate-store.lock'), 'utf8').trim(), String(process.pid));
    release();
    writeFileSync(join(d, 'crossgate-store.lock'), `${process.pid}\n`);
    lockDataDir(d)();
  });
});
