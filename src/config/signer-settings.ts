/**
 * Where the gateway's signing key lives (docs/operating.md "Signing key in an HSM"):
 * CROSSGATE_SIGNER=file (the default: CROSSGATE_SIGNING_KEY_FILE or the dev key) or pkcs11 (a key
 * pair on a PKCS#11 token, found by label). The PIN comes from CROSSGATE_PKCS11_PIN_FILE (or
 * CROSSGATE_PKCS11_PIN) and is never echoed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SignatureAlg } from '../core/types.js';
import { settingValue, type SettingProblem } from './settings.js';

export interface Pkcs11Settings {
  readonly module: string;
  readonly tokenLabel: string;
  readonly keyLabel: string;
  readonly pin: string;
}

/**
 * A second key that takes over for batches sealed at or after `atMillis` (docs/operating.md "Rotating
 * the signing key"): a key file with the file signer, a key label on the same token with pkcs11.
 */
export interface RotationSettings {
  readonly atMillis: number;
  readonly next: { readonly file: string } | { readonly keyLabel: string };
}

export type SignerSettings = ({ readonly kind: 'file' } | ({ readonly kind: 'pkcs11' } & Pkcs11Settings)) & {
  readonly rotation?: RotationSettings;
};

const P = 'CROSSGATE_PKCS11_';
const PKCS11_ALGS: readonly SignatureAlg[] = ['Ed25519', 'ES256', 'ES256K'];

export function parseSignerSettings(env: Readonly<Record<string, string | undefined>>, cwd: string, alg: SignatureAlg): SignerSettings | SettingProblem[] {
  const value = (name: string) => settingValue(env, name);
  const kind = (value('CROSSGATE_SIGNER') ?? 'file').toLowerCase();
  const pkcs11Names = ['MODULE', 'TOKEN_LABEL', 'KEY_LABEL', 'NEXT_KEY_LABEL', 'PIN', 'PIN_FILE'].map((n) => P + n);
  if (kind !== 'file' && kind !== 'pkcs11') return [{ setting: 'CROSSGATE_SIGNER', message: `must be file or pkcs11 (got ${JSON.stringify(kind)})` }];
  const problems: SettingProblem[] = [];
  const rotation = parseRotation(env, cwd, kind, problems);
  if (kind === 'file') {
    for (const setting of pkcs11Names.filter((name) => value(name) !== undefined)) problems.push({ setting, message: 'applies only with CROSSGATE_SIGNER=pkcs11' });
    if (problems.length > 0) return problems;
    return rotation === undefined ? { kind: 'file' } : { kind: 'file', rotation };
  }
  if (value('CROSSGATE_SIGNING_KEY_FILE') !== undefined) problems.push({ setting: 'CROSSGATE_SIGNING_KEY_FILE', message: 'applies only with CROSSGATE_SIGNER=file' });
  if (!PKCS11_ALGS.includes(alg)) problems.push({ setting: 'CROSSGATE_SIGNING_ALG', message: `a PKCS#11 key must be ${PKCS11_ALGS.join(', ')} (got ${alg})` });
  const required = (name: string): string => {
    const v = value(P + name);
    if (v === undefined) problems.push({ setting: P + name, message: 'is required with CROSSGATE_SIGNER=pkcs11' });
    return v ?? '';
  };
  const module = required('MODULE');
  const tokenLabel = required('TOKEN_LABEL');
  const keyLabel = required('KEY_LABEL');
  const pinFile = value(`${P}PIN_FILE`);
  let pin = value(`${P}PIN`);
  if (pinFile !== undefined && pin !== undefined) problems.push({ setting: `${P}PIN`, message: `set it or ${P}PIN_FILE, not both` });
  else if (pinFile !== undefined) {
    try {
      pin = readFileSync(resolve(cwd, pinFile), 'utf8').replace(/\r?\n$/, '');
      if (pin === '') problems.push({ setting: `${P}PIN_FILE`, message: 'the file is empty' });
    } catch (error) {
      problems.push({ setting: `${P}PIN_FILE`, message: `cannot read ${pinFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}` });
    }
  } else if (pin === undefined) problems.push({ setting: `${P}PIN_FILE`, message: `${P}PIN_FILE or ${P}PIN is required with CROSSGATE_SIGNER=pkcs11` });
  if (problems.length > 0) return problems;
  return { kind: 'pkcs11', module: resolve(cwd, module), tokenLabel, keyLabel, pin: pin ?? '', ...(rotation === undefined ? {} : { rotation }) };
}

/** CROSSGATE_SIGNING_ROTATE_AT with the next key of the signer's kind; both or neither. */
function parseRotation(env: Readonly<Record<string, string | undefined>>, cwd: string, kind: 'file' | 'pkcs11', problems: SettingProblem[]): RotationSettings | undefined {
  const at = settingValue(env, 'CROSSGATE_SIGNING_ROTATE_AT');
  const nextFile = settingValue(env, 'CROSSGATE_SIGNING_NEXT_KEY_FILE');
  const nextLabel = settingValue(env, `${P}NEXT_KEY_LABEL`);
  const nextName = kind === 'file' ? 'CROSSGATE_SIGNING_NEXT_KEY_FILE' : `${P}NEXT_KEY_LABEL`;
  const next = kind === 'file' ? nextFile : nextLabel;
  if (kind === 'pkcs11' && nextFile !== undefined) problems.push({ setting: 'CROSSGATE_SIGNING_NEXT_KEY_FILE', message: `applies only with CROSSGATE_SIGNER=file (a token's next key is ${P}NEXT_KEY_LABEL)` });
  if (at === undefined && next === undefined) return undefined;
  if (at === undefined) {
    problems.push({ setting: 'CROSSGATE_SIGNING_ROTATE_AT', message: `is required with ${nextName}: the moment the next key takes over` });
    return undefined;
  }
  if (next === undefined) {
    problems.push({ setting: nextName, message: 'is required with CROSSGATE_SIGNING_ROTATE_AT: the key that takes over' });
    return undefined;
  }
  // RFC 3339 with an explicit offset: an instant every instance reads the same.
  const atMillis = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i.test(at) ? Date.parse(at) : NaN;
  if (!Number.isFinite(atMillis)) {
    problems.push({ setting: 'CROSSGATE_SIGNING_ROTATE_AT', message: `must be an RFC 3339 instant with an offset, e.g. 2027-01-01T00:00:00Z (got ${JSON.stringify(at)})` });
    return undefined;
  }
  return { atMillis, next: kind === 'file' ? { file: resolve(cwd, next) } : { keyLabel: next } };
}
