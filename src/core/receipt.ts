/**
 * Receipts: building them from a sealed record, and verifying them offline
 * (docs/receipt-format.md is the normative description; keep the two in step).
 *
 * Verification runs the checks in a fixed order and stops at the first failure, so the result names
 * exactly one failed check:
 *   format     the receipt parses (strict schema: nothing missing, nothing extra, canonical encodings)
 *   digest     (only when the record is supplied) the record hashes to `digest` and carries `recordId`
 *   batch-id   `batch.id` is the hash of the rest of the header
 *   proof      the audit path leads from `digest` at `leafIndex` to `batch.root` for `batch.size` leaves
 *   signature  `batch.signer.keyId` is the thumbprint of its public key, (optionally) the key is the one
 *              the caller expects, and `signature` verifies over the header
 * The `ledger` check (the header is on chain where `chain` says) needs a chain client; see
 * {@link verifyAnchor}, which the CLI runs after these.
 */
import { z } from 'zod';
import { batchHeaderContent, batchIdOf, signedBytesOfHeader } from './batch-header.js';
import { canonicalDigestHex } from './digest.js';
import { canonicalJson } from './canonical-json.js';
import { fromBase64Url, fromHex } from './encoding.js';
import { auditPathLength, verifyInclusion } from './merkle-tree.js';
import type { AnchoredBatch } from './ports.js';
import { SIGNATURE_ALGS, suiteOf } from './signature-algs.js';
import { keyIdFor, verifySignature } from './signer.js';
import type { BatchHeader, ChainAnchor, Receipt, RecordId, SignatureAlg } from './types.js';

/** Names of the verification checks, in the order they run. */
export type ReceiptCheck = 'format' | 'digest' | 'batch-id' | 'proof' | 'signature' | 'ledger' | 'anchor-proof';

/** Outcome of verifying a receipt: the checks that passed, or the one that failed and why. */
export type ReceiptVerification =
  | { readonly ok: true; readonly checks: string[] }
  | { readonly ok: false; readonly check: ReceiptCheck; readonly message: string };

/** Pins the signer a verifier trusts; any member given must match the receipt's batch.signer. */
export interface ExpectedSigner {
  readonly keyId?: string;
  readonly alg?: SignatureAlg;
  /** base64url, as in receipts. */
  readonly publicKey?: string;
}

export interface VerifyReceiptOptions {
  /** The record (CloudEvents envelope as submitted); when given, the digest check runs. */
  readonly record?: unknown;
  readonly expectedSigner?: ExpectedSigner;
}

const MAX_PROOF_NODES = 64;
const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');
const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected unpadded base64url');

/** The receipt wire format (strict: unknown members are rejected). */
export const receiptSchema = z.strictObject({
  recordId: z.strictObject({ source: z.string().min(1), id: z.string().min(1) }),
  digest: hex32,
  leafIndex: z.int().min(0),
  proof: z.array(hex32).max(MAX_PROOF_NODES),
  batch: z.strictObject({
    id: hex32,
    root: hex32,
    size: z.int().min(1),
    sealedAt: z.iso.datetime({ offset: false }),
    prev: hex32.nullable(),
    signer: z.strictObject({
      keyId: base64url,
      alg: z.enum(SIGNATURE_ALGS as [SignatureAlg, ...SignatureAlg[]]),
      publicKey: base64url,
    }),
  }),
  signature: base64url,
  chain: z.strictObject({
    kind: z.string().min(1),
    network: z.string(),
    txId: z.string().min(1),
    blockNumber: z.int().min(0),
  }),
  // Chain-specific evidence for an offline anchor check; its chain's verifier parses the rest strictly.
  anchorProof: z.looseObject({ kind: z.string().min(1) }).optional(),
});

/** What a receipt says of its record: identity, digest, place in the batch, and audit path. */
export interface ReceiptRecord {
  readonly recordId: RecordId;
  /** Lowercase hex SHA-256 of the record's RFC 8785 form. */
  readonly digest: string;
  readonly leafIndex: number;
  /** RFC 6962 audit path, lowercase hex, bottom-up (see batch-trees.ts for computing it on read). */
  readonly proof: readonly string[];
}

/**
 * The receipt for a record of a sealed, anchored batch. Members are picked by name, so the result
 * is exactly the wire format whatever else the inputs carry.
 */
export function buildReceipt(record: ReceiptRecord, header: BatchHeader, signature: string, anchor: ChainAnchor): Receipt {
  return {
    recordId: { source: record.recordId.source, id: record.recordId.id },
    digest: record.digest,
    leafIndex: record.leafIndex,
    proof: [...record.proof],
    batch: { id: header.id, ...batchHeaderContent(header) },
    signature,
    chain: { kind: anchor.kind, network: anchor.network, txId: anchor.txId, blockNumber: anchor.blockNumber },
  };
}

function fail(check: ReceiptCheck, message: string): ReceiptVerification {
  return { ok: false, check, message };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(receipt)'}: ${issue.message}`)
    .join('; ');
}

function strictBase64Url(value: string): Uint8Array | undefined {
  try {
    return fromBase64Url(value);
  } catch {
    return undefined;
  }
}

/**
 * Verifies a receipt offline (see the check order above). `receipt` is untrusted input of any shape.
 * Never throws.
 */
export function verifyReceipt(receipt: unknown, options: VerifyReceiptOptions = {}): ReceiptVerification {
  try {
    return verifyParsed(receipt, options);
  } catch (error) {
    // Defensive: every step above handles its own failures; reaching here is a bug, reported as such.
    return fail('format', `verification aborted: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function verifyParsed(input: unknown, options: VerifyReceiptOptions): ReceiptVerification {
  const checks: string[] = [];

  // format
  const parsed = receiptSchema.safeParse(input);
  if (!parsed.success) return fail('format', `receipt is malformed: ${describeIssues(parsed.error)}`);
  const receipt = parsed.data;
  const { batch } = receipt;
  const suite = suiteOf(batch.signer.alg);
  const publicKey = strictBase64Url(batch.signer.publicKey);
  if (publicKey === undefined || publicKey.length !== suite.publicKeyLength) {
    return fail('format', `batch.signer.publicKey must be ${suite.publicKeyLength} bytes of canonical base64url for ${batch.signer.alg}`);
  }
  const signature = strictBase64Url(receipt.signature);
  if (signature === undefined || signature.length !== suite.signatureLength) {
    return fail('format', `signature must be ${suite.signatureLength} bytes of canonical base64url for ${batch.signer.alg}`);
  }
  checks.push('format');

  // digest
  if (options.record !== undefined) {
    if (typeof options.record !== 'object' || options.record === null) {
      return fail('digest', 'record is not a JSON object (expected the CloudEvents envelope as submitted)');
    }
    let digest: string;
    try {
      digest = canonicalDigestHex(options.record, suite.digest);
    } catch (error) {
      return fail('digest', `record cannot be canonicalized: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (digest !== receipt.digest) {
      return fail('digest', `record digest ${digest} does not match the receipt's digest ${receipt.digest}`);
    }
    const record = options.record as { source?: unknown; id?: unknown };
    if (record.source !== receipt.recordId.source || record.id !== receipt.recordId.id) {
      return fail('digest', `record is ${JSON.stringify({ source: record.source, id: record.id })} but the receipt is for ${JSON.stringify(receipt.recordId)}`);
    }
    checks.push('digest');
  }

  // batch-id
  const expectedId = batchIdOf(batch);
  if (expectedId !== batch.id) {
    return fail('batch-id', `batch.id ${batch.id} is not the hash of the batch header content (expected ${expectedId}): the header was altered`);
  }
  checks.push('batch-id');

  // proof
  const expectedLength = auditPathLength(receipt.leafIndex, batch.size);
  if (expectedLength < 0) {
    return fail('proof', `leafIndex ${receipt.leafIndex} is outside the batch of size ${batch.size}`);
  }
  if (receipt.proof.length !== expectedLength) {
    return fail('proof', `proof has ${receipt.proof.length} nodes but leaf ${receipt.leafIndex} of a ${batch.size}-leaf tree needs ${expectedLength}`);
  }
  const included = verifyInclusion({
    leafData: fromHex(receipt.digest),
    index: receipt.leafIndex,
    size: batch.size,
    proof: receipt.proof.map(fromHex),
    root: fromHex(batch.root),
    digest: suite.digest,
  });
  if (!included) {
    return fail('proof', `Merkle audit path does not lead from digest ${receipt.digest} at leaf ${receipt.leafIndex} to batch.root ${batch.root}`);
  }
  checks.push('proof');

  // signature
  let keyId: string;
  try {
    keyId = keyIdFor(batch.signer.alg, publicKey);
  } catch {
    return fail('signature', `batch.signer.publicKey is not a valid ${batch.signer.alg} public key`);
  }
  if (keyId !== batch.signer.keyId) {
    return fail('signature', `batch.signer.keyId ${batch.signer.keyId} is not the ${suite.digest === 'sm3' ? 'SM3 JWK thumbprint' : 'RFC 7638 thumbprint'} of batch.signer.publicKey (${keyId})`);
  }
  const expected = options.expectedSigner;
  if (expected !== undefined) {
    for (const member of ['keyId', 'alg', 'publicKey'] as const) {
      const want = expected[member];
      if (want !== undefined && want !== batch.signer[member]) {
        return fail('signature', `batch was signed by ${member} ${batch.signer[member]}, but ${want} is the expected signer`);
      }
    }
  }
  if (!verifySignature(batch.signer.alg, publicKey, signedBytesOfHeader(batch), signature)) {
    return fail('signature', `signature does not verify over the batch header with ${batch.signer.alg} key ${batch.signer.keyId}`);
  }
  checks.push('signature');
  return { ok: true, checks };
}

/**
 * The `ledger` check: the batch the chain returned for `receipt.batch.id` must carry the same header
 * and signature, and sit where `receipt.chain` says. `anchored` is what ChainClient.lookup returned.
 * Run it after {@link verifyReceipt} succeeded. Never throws.
 */
export function verifyAnchor(receipt: Receipt, anchored: AnchoredBatch | undefined): ReceiptVerification {
  try {
    if (anchored === undefined) {
      return fail('ledger', `batch ${receipt.batch.id} is not on the ledger`);
    }
    if (canonicalJson(batchOf(anchored.header)) !== canonicalJson(batchOf(receipt.batch))) {
      return fail('ledger', `the ledger's header for batch ${receipt.batch.id} differs from the receipt's`);
    }
    if (anchored.signature !== receipt.signature) {
      return fail('ledger', `the ledger's signature for batch ${receipt.batch.id} differs from the receipt's`);
    }
    const want = receipt.chain;
    const got = anchored.anchor;
    for (const member of ['kind', 'network', 'txId', 'blockNumber'] as const) {
      if (want[member] !== got[member]) {
        return fail('ledger', `receipt says chain.${member} ${String(want[member])}, the ledger says ${String(got[member])}`);
      }
    }
    return { ok: true, checks: ['ledger'] };
  } catch (error) {
    return fail('ledger', `ledger answer could not be compared: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function batchOf(header: BatchHeader): BatchHeader {
  return { id: header.id, ...batchHeaderContent(header) };
}
