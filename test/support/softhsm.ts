/**
 * Real PKCS#11 tokens for tests: SoftHSM2 (Debian's softhsm2; .ci/run installs it), one token
 * directory per test process, a fresh token per call. Missing SoftHSM2 is a loud failure, never a skip.
 *
 * SoftHSM reads SOFTHSM2_CONF once, at C_Initialize, and the library is initialized once per process,
 * so the configuration is made (and the variable set) before the first token of the process.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MODULE_CANDIDATES = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so'];

export interface SoftHsmToken {
  /** The PKCS#11 library. */
  readonly module: string;
  readonly tokenLabel: string;
  readonly pin: string;
  /** A file holding the PIN (mode 0600), as CROSSGATE_PKCS11_PIN_FILE takes it. */
  readonly pinFile: string;
  /** SOFTHSM2_CONF for child processes (the gateway, the CLI). */
  readonly env: Readonly<Record<string, string>>;
}

let root: { dir: string; conf: string; module: string } | undefined;

function setUp(): { dir: string; conf: string; module: string } {
  if (root !== undefined) return root;
  const module = MODULE_CANDIDATES.find((path) => existsSync(path));
  if (module === undefined || !hasUtil()) {
    throw new Error(`SoftHSM2 is not installed (no ${MODULE_CANDIDATES.join(' or ')} / softhsm2-util): apt-get install softhsm2 (.ci/run does)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'cg-softhsm-'));
  mkdirSync(join(dir, 'tokens'));
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  process.env['SOFTHSM2_CONF'] = conf;
  root = { dir, conf, module };
  return root;
}

function hasUtil(): boolean {
  try {
    execFileSync('softhsm2-util', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Initializes a new token with a random user PIN (and SO PIN) and returns how to reach it. */
export function newSoftHsmToken(label = `cg-${randomBytes(4).toString('hex')}`): SoftHsmToken {
  const { dir, conf, module } = setUp();
  const pin = `pin-${randomBytes(8).toString('hex')}`;
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', `so-${randomBytes(8).toString('hex')}`, '--pin', pin], {
    env: { ...process.env, SOFTHSM2_CONF: conf },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pinFile = join(dir, `${label}.pin`);
  writeFileSync(pinFile, `${pin}\n`, { mode: 0o600 });
  return { module, tokenLabel: label, pin, pinFile, env: { SOFTHSM2_CONF: conf } };
}
