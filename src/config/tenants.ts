/**
 * The tenants file (YAML or JSON) and API-key authentication.
 *
 * API keys are stored as the SHA-256 hex of the key, never the key itself. A fast hash is the right
 * tool here, unlike for passwords: keys are random 256-bit tokens, so there is nothing to brute-force,
 * and authentication runs on every request. The presented key's hash is compared with every stored
 * hash in constant time, without an early exit, so response timing says nothing about which (or how
 * much of a) key matched.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { fromBase64Url } from '../core/encoding.js';
import { SIGNATURE_ALGS, suiteOf } from '../core/signature-algs.js';
import type { Tenant } from '../core/tenant.js';
import type { SignatureAlg } from '../core/types.js';

const producerKeySchema = z.object({
  keyId: z.string().min(1),
  alg: z.enum(SIGNATURE_ALGS as [SignatureAlg, ...SignatureAlg[]]),
  publicKey: z.string().min(1),
  /** SM2 only: the producer's distinguishing identifier ID_A (GB/T 32918.2), default "1234567812345678". */
  distinguishingId: z.string().min(1).max(8191).optional(),
}).strict().superRefine((key, ctx) => {
  if (key.distinguishingId !== undefined && key.alg !== 'SM2') {
    ctx.addIssue({ code: 'custom', path: ['distinguishingId'], message: 'only SM2 keys have a distinguishing identifier' });
  }
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(key.publicKey);
  } catch {
    ctx.addIssue({ code: 'custom', path: ['publicKey'], message: 'must be unpadded base64url' });
    return;
  }
  const length = suiteOf(key.alg).publicKeyLength;
  if (bytes.length !== length) {
    ctx.addIssue({ code: 'custom', path: ['publicKey'], message: `${key.alg} public key must be ${length} bytes (raw; ECDSA and SM2 keys SEC1 compressed)` });
  }
});

/**
 * A client certificate, by its subject (RFC 2253 form, as `openssl x509 -noout -subject -nameopt
 * RFC2253` prints it) or by a URI subject alternative name (a SPIFFE ID, say); given both, both must match.
 */
const clientCertificateSchema = z.object({
  subject: z.string().min(1).optional(),
  uri: z.string().min(1).optional(),
}).strict().refine((c) => c.subject !== undefined || c.uri !== undefined, 'names a subject, a uri, or both');

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be the lowercase hex SHA-256 of the API key');

const tenantSchema = z.object({
  id: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
  role: z.enum(['producer', 'admin']).default('producer'),
  /** SHA-256 hex of each API key the tenant may use (several while rotating). */
  apiKeySha256: z.union([sha256Hex, z.array(sha256Hex).min(1)]).transform((v) => (typeof v === 'string' ? [v] : v)).optional(),
  /** Client certificates (HTTPS with CROSSGATE_REST_TLS_CLIENT_CA_FILE) that authenticate as this tenant. */
  clientCertificates: z.array(clientCertificateSchema).min(1).optional(),
  sourcePrefixes: z.array(z.string().min(1).startsWith('/', 'a source prefix starts with "/"')).default([]),
  allowedTypes: z.union([z.literal('*'), z.array(z.string().min(1))]).default([]),
  requireProducerSignature: z.boolean().default(false),
  producerKeys: z.array(producerKeySchema).default([]),
  /** Records per second on average and at most `burst` at once (default: one second's worth). */
  quota: z.object({
    recordsPerSecond: z.number().positive().max(1e9),
    burst: z.number().int().positive().max(1e9).optional(),
  }).strict().optional(),
}).strict().superRefine((t, ctx) => {
  if (t.apiKeySha256 === undefined && t.clientCertificates === undefined) {
    ctx.addIssue({ code: 'custom', path: ['apiKeySha256'], message: 'a tenant needs an API key hash or a client certificate' });
  }
  if (t.requireProducerSignature && t.producerKeys.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['producerKeys'], message: 'requireProducerSignature needs at least one producer key' });
  }
});

/** The tenants file: `{ tenants: [...] }`. Exported so docs and tests can rely on the same shape. */
export const tenantsFileSchema = z.object({ tenants: z.array(tenantSchema).min(1) }).strict().superRefine((file, ctx) => {
  const ids = new Set<string>();
  const hashes = new Set<string>();
  const certificates = new Set<string>();
  file.tenants.forEach((t, i) => {
    if (ids.has(t.id)) ctx.addIssue({ code: 'custom', path: ['tenants', i, 'id'], message: `duplicate tenant id ${t.id}` });
    ids.add(t.id);
    // Refinements also run when an entry already failed (zod continues), so the transform may not have run.
    const keyHashes: readonly string[] = t.apiKeySha256 === undefined ? [] : Array.isArray(t.apiKeySha256) ? t.apiKeySha256 : [t.apiKeySha256];
    keyHashes.forEach((h, j) => {
      if (hashes.has(h)) ctx.addIssue({ code: 'custom', path: ['tenants', i, 'apiKeySha256', j], message: 'the same API key is listed twice' });
      hashes.add(h);
    });
    t.clientCertificates?.forEach((c, j) => {
      const rule = JSON.stringify([c.subject ?? null, c.uri ?? null]);
      if (certificates.has(rule)) ctx.addIssue({ code: 'custom', path: ['tenants', i, 'clientCertificates', j], message: 'the same client certificate rule is listed twice' });
      certificates.add(rule);
    });
  });
});

export type TenantsFile = z.input<typeof tenantsFileSchema>;

/** A tenant with the hashes of its API keys (the hashes never leave this module's consumers' process). */
export interface TenantEntry {
  readonly tenant: Tenant;
  readonly keyHashes: readonly Buffer[];
  readonly clientCertificates?: readonly ClientCertificateRule[];
}

/** A client certificate a tenant authenticates with: its subject (RFC 2253), a URI SAN, or both. */
export interface ClientCertificateRule {
  readonly subject?: string;
  readonly uri?: string;
}

/** What the guard knows of a verified client certificate. */
export interface PeerCertificate {
  /** RFC 2253 form: most specific attribute first, `,` between, specials escaped. */
  readonly subject: string;
  readonly uris: readonly string[];
}

/** Resolves API keys to tenants. */
export interface TenantDirectory {
  readonly tenants: readonly Tenant[];
  /** The tenant owning `apiKey`, or undefined. Constant time in the key and in where it matches. */
  authenticate(apiKey: string): Tenant | undefined;
  /** The tenant a verified client certificate maps to, or undefined (none, or more than one). */
  authenticateCertificate(peer: PeerCertificate): Tenant | undefined;
}

/** Lowercase hex SHA-256 of an API key: what the tenants file stores. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** A new random API key: 256 bits, base64url, prefixed so leaked keys are easy to grep for. */
export function generateApiKey(): string {
  return `cg_${randomBytes(32).toString('base64url')}`;
}

/** Builds a directory over the given entries. */
export function newTenantDirectory(entries: readonly TenantEntry[]): TenantDirectory {
  const flat: { tenant: Tenant; hash: Buffer }[] = [];
  for (const e of entries) for (const hash of e.keyHashes) flat.push({ tenant: e.tenant, hash });
  return {
    tenants: entries.map((e) => e.tenant),
    authenticate(apiKey: string): Tenant | undefined {
      const presented = createHash('sha256').update(apiKey, 'utf8').digest();
      let found: Tenant | undefined;
      for (const entry of flat) {
        // No early exit: every stored hash is compared, whatever matched before.
        if (timingSafeEqual(presented, entry.hash)) found = entry.tenant;
      }
      return found;
    },
    authenticateCertificate(peer: PeerCertificate): Tenant | undefined {
      const matches = (rule: ClientCertificateRule) =>
        (rule.subject === undefined || rule.subject === peer.subject) && (rule.uri === undefined || peer.uris.includes(rule.uri));
      const owners = entries.filter((e) => e.clientCertificates?.some(matches) === true);
      // A certificate two tenants claim names neither: the tenants file is ambiguous, not the client.
      return owners.length === 1 ? owners[0]?.tenant : undefined;
    },
  };
}

/** Parses a tenants file's text (YAML is a superset of JSON, so one parser reads both). */
export function parseTenantsFile(text: string, origin: string): TenantEntry[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new TenantsFileError(origin, [`not valid YAML/JSON: ${(err as Error).message}`]);
  }
  const parsed = tenantsFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new TenantsFileError(origin, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return parsed.data.tenants.map((t) => ({
    tenant: {
      id: t.id,
      role: t.role,
      sourcePrefixes: t.sourcePrefixes,
      allowedTypes: t.allowedTypes,
      requireProducerSignature: t.requireProducerSignature,
      producerKeys: t.producerKeys,
      ...(t.quota === undefined ? {} : { quota: { recordsPerSecond: t.quota.recordsPerSecond, burst: t.quota.burst ?? Math.max(1, Math.ceil(t.quota.recordsPerSecond)) } }),
    },
    keyHashes: (t.apiKeySha256 ?? []).map((h) => Buffer.from(h, 'hex')),
    ...(t.clientCertificates === undefined ? {} : { clientCertificates: t.clientCertificates.map((c) => ({ ...c })) }),
  }));
}

/** Reads and parses a tenants file. Throws {@link TenantsFileError}. */
export async function loadTenantsFile(path: string): Promise<TenantEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new TenantsFileError(path, [`cannot read: ${(err as Error).message}`]);
  }
  return parseTenantsFile(text, path);
}

/** The tenants file is unreadable or invalid; `problems` lists each one with its path in the file. */
export class TenantsFileError extends Error {
  override readonly name = 'TenantsFileError';
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(`invalid tenants file ${file} (CROSSGATE_TENANTS_FILE):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}
