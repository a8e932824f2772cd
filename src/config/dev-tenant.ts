/**
 * The zero-config development tenant: when no tenants file is configured, `npm start` creates one
 * tenant that may submit every registered record type under any source, so a fresh checkout works
 * with one command. Its API key is CROSSGATE_DEV_API_KEY when set (scripts), otherwise a random key
 * generated on first start and kept in the data directory (mode 0600), so restarts keep it.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tenant } from '../core/tenant.js';
import { generateApiKey, hashApiKey, type TenantEntry } from './tenants.js';

export const DEV_TENANT_ID = 'dev';

/** File in the data directory that keeps the generated dev API key. */
export const DEV_API_KEY_FILE = 'dev-api-key';

export interface DevTenant {
  readonly entry: TenantEntry;
  /** The plaintext key, to print once at start-up. */
  readonly apiKey: string;
  readonly generated: boolean;
}

/** The dev tenant: admin (reads everything), every type, every source ("/" prefixes all sources). */
export function devTenant(): Tenant {
  return {
    id: DEV_TENANT_ID,
    role: 'admin',
    sourcePrefixes: ['/'],
    allowedTypes: '*',
    requireProducerSignature: false,
    producerKeys: [],
  };
}

/** Resolves the dev tenant's key (fixed, stored, or new) and returns the tenant entry. */
export async function loadDevTenant(dataDir: string, fixedKey: string | undefined): Promise<DevTenant> {
  let apiKey = fixedKey;
  let generated = false;
  if (apiKey === undefined) {
    const file = join(dataDir, DEV_API_KEY_FILE);
    apiKey = await readFile(file, 'utf8').then((s) => s.trim(), () => undefined);
    if (apiKey === undefined || apiKey === '') {
      apiKey = generateApiKey();
      generated = true;
      await mkdir(dataDir, { recursive: true });
      await writeFile(file, `${apiKey}\n`, { mode: 0o600 });
    }
  }
  return {
    entry: { tenant: devTenant(), keyHashes: [Buffer.from(hashApiKey(apiKey), 'hex')] },
    apiKey,
    generated,
  };
}
