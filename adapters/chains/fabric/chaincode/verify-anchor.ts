/**
 * The checks AnchorBatch makes before it writes anything, as a pure function so they can be
 * tested without a peer: the header is well-formed, its id is the one its content implies, and
 * the gateway signature verifies under a registered, non-revoked key with the header's key id.
 * It reuses the gateway's own core code, so chaincode and gateway cannot drift apart.
 */
import { batchIdOf, signedBytesOfHeader } from '../../../../src/core/batch-header.js';
import { fromBase64Url } from '../../../../src/core/encoding.js';
import { verifySignature } from '../../../../src/core/signer.js';
import type { BatchHeader } from '../../../../src/core/types.js';
import { batchHeaderSchema, describeIssues, type GatewayKeyRecord, parseJson } from './anchor-records.js';

export type AnchorCheck =
  | { readonly ok: true; readonly header: BatchHeader }
  | { readonly ok: false; readonly reason: string };

/** Parses and checks the header alone (shape and content-derived id). */
export function parseHeader(headerJson: string): AnchorCheck {
  let raw: unknown;
  try {
    raw = parseJson(headerJson, 'batch header');
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  const parsed = batchHeaderSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: `batch header is malformed: ${describeIssues(parsed.error)}` };
  const header: BatchHeader = parsed.data;
  const { id, ...rest } = header;
  const expected = batchIdOf(rest);
  if (id !== expected) return { ok: false, reason: `batch id ${id} does not match its content (expected ${expected})` };
  return { ok: true, header };
}

/** Checks the gateway signature over the header against the registered key (if any). */
export function checkSignature(header: BatchHeader, signature: string, key: GatewayKeyRecord | undefined): AnchorCheck {
  const keyId = header.signer.keyId;
  if (key === undefined) return { ok: false, reason: `gateway key ${keyId} is not registered` };
  if (key.status !== 'active') return { ok: false, reason: `gateway key ${keyId} is revoked` };
  if (key.alg !== header.signer.alg || key.publicKey !== header.signer.publicKey) {
    return { ok: false, reason: `batch header names key ${keyId} with a different algorithm or public key than the registered one` };
  }
  let sig: Uint8Array;
  let pub: Uint8Array;
  try {
    sig = fromBase64Url(signature);
    pub = fromBase64Url(key.publicKey);
  } catch {
    return { ok: false, reason: 'signature or public key is not base64url' };
  }
  if (!verifySignature(key.alg, pub, signedBytesOfHeader(header), sig)) {
    return { ok: false, reason: `gateway signature does not verify under key ${keyId}` };
  }
  return { ok: true, header };
}
