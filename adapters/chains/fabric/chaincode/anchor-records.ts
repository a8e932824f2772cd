/**
 * What the anchor chaincode keeps in world state, and how it parses what callers send. The
 * chaincode is a trust boundary: every argument is untrusted text, parsed once here with zod.
 */
import { z } from 'zod';
import { SIGNATURE_ALGS } from '../../../../src/core/signature-algs.js';
import type { BatchHeader, SignatureAlg } from '../../../../src/core/types.js';

const alg = z.enum(SIGNATURE_ALGS as [SignatureAlg, ...SignatureAlg[]]) satisfies z.ZodType<SignatureAlg>;
const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'base64url without padding');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'lowercase hex SHA-256 or SM3');
const keyId = z.string().min(1).max(256).regex(/^[\w.:@+=-]+$/, 'letters, digits and . : @ + = - _ only');

export const signerInfoSchema = z.strictObject({ keyId, alg, publicKey: base64url });

export const batchHeaderSchema = z.strictObject({
  id: hex64,
  root: hex64,
  size: z.number().int().min(0),
  sealedAt: z.string().min(1),
  prev: hex64.nullable(),
  signer: signerInfoSchema,
}) satisfies z.ZodType<BatchHeader>;

/** A gateway public key registered by an admin; revoked keys stay, so a key id is never reused. */
export interface GatewayKeyRecord {
  readonly keyId: string;
  readonly alg: SignatureAlg;
  readonly publicKey: string;
  readonly status: 'active' | 'revoked';
  readonly registeredBy: string;
  readonly registeredTxId: string;
  readonly revokedBy: string | null;
  readonly revokedTxId: string | null;
}

/**
 * An anchored batch as stored under its id. `txId` is the transaction that first anchored it;
 * the block number is not known while the transaction executes, so readers learn it from the
 * ledger (the adapter asks qscc for the block holding `txId`).
 */
export interface AnchorEntry {
  readonly header: BatchHeader;
  readonly signature: string;
  readonly txId: string;
  /** Transaction timestamp from the proposal (deterministic across endorsers), RFC 3339. */
  readonly anchoredAt: string;
  readonly submitter: string;
}

/** What AnchorBatch returns: the entry, and whether this call wrote it or found it already there. */
export interface AnchorResult {
  readonly status: 'anchored' | 'existing';
  readonly entry: AnchorEntry;
}

export interface BatchPage {
  readonly entries: readonly AnchorEntry[];
  /** Pass back to get the next page; empty string at the end. */
  readonly bookmark: string;
}

/** Parses JSON text and reports failures as a message rather than a SyntaxError with offsets. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
}

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
