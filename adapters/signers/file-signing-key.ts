/**
 * The gateway's signing key. With CROSSGATE_SIGNING_KEY_FILE the file must exist (production keys are
 * provisioned, never invented). Without it, a development key is generated on first start into the
 * data directory (PKCS#8 PEM, mode 0600) and reused afterwards, so receipts stay verifiable across
 * restarts. The key is never logged; only its key id is.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Signer } from '../../src/core/ports.js';
import { encodePrivateKeyPem, parseKeyFile } from '../../src/core/key-files.js';
import { generatePrivateKey, newSigner } from '../../src/core/signer.js';
import type { SignatureAlg } from '../../src/core/types.js';

export const DEV_SIGNING_KEY_FILE = 'gateway-signing-key.pem';

export interface LoadedSigningKey {
  readonly signer: Signer;
  readonly file: string;
  readonly generated: boolean;
}

/** Loads the configured key file, or the dev key in `dataDir` (generating it on first start). */
export async function loadSigningKey(options: { file: string | undefined; dataDir: string; alg: SignatureAlg }): Promise<LoadedSigningKey> {
  if (options.file !== undefined) {
    let text: string;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (err) {
      throw new Error(`CROSSGATE_SIGNING_KEY_FILE: cannot read ${options.file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const parsed = parseWithSetting(text, 'CROSSGATE_SIGNING_KEY_FILE', options.file);
    return { signer: newSigner(parsed.alg, parsed.privateKey), file: options.file, generated: false };
  }
  const file = join(options.dataDir, DEV_SIGNING_KEY_FILE);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined) {
    const parsed = parseWithSetting(existing, 'dev signing key', file);
    return { signer: newSigner(parsed.alg, parsed.privateKey), file, generated: false };
  }
  const privateKey = generatePrivateKey(options.alg);
  await mkdir(dirname(file), { recursive: true });
  // 'wx': two gateways starting on one fresh data dir must not overwrite each other's key.
  await writeFile(file, encodePrivateKeyPem(options.alg, privateKey), { mode: 0o600, flag: 'wx' });
  return { signer: newSigner(options.alg, privateKey), file, generated: true };
}

function parseWithSetting(text: string, setting: string, file: string): ReturnType<typeof parseKeyFile> {
  try {
    return parseKeyFile(text);
  } catch (err) {
    throw new Error(`${setting}: ${file} is not a usable private key: ${(err as Error).message}`);
  }
}
