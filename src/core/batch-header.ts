/**
 * Batch header identity and signing input (docs/receipt-format.md §batch).
 *
 * Both are defined over exactly the contract's members, picked by name: extra properties that
 * ride along on an object (a store row, an over-permissive parse) can change neither the id nor the
 * signed bytes, so the id, the signature and the verifier always agree on what they cover.
 *
 *   batch id     = lowercase hex H( RFC 8785 { prev, root, sealedAt, signer: { alg, keyId, publicKey }, size } )
 *   signed bytes = UTF-8( RFC 8785 { id, prev, root, sealedAt, signer: { alg, keyId, publicKey }, size } )
 *
 * H is the hash of the signer's suite: SHA-256, or SM3 when signer.alg is SM2.
 */
import { canonicalJson } from './canonical-json.js';
import { canonicalDigestHex } from './digest.js';
import { utf8 } from './encoding.js';
import { digestAlgOf } from './signature-algs.js';
import type { BatchHeader } from './types.js';

/** A header without its derived id. */
export type BatchHeaderContent = Omit<BatchHeader, 'id'>;

/** The header's content members, picked by name (no `id`, no extras). */
export function batchHeaderContent(header: BatchHeaderContent): BatchHeaderContent {
  const { root, size, sealedAt, prev, signer } = header;
  return { root, size, sealedAt, prev, signer: { keyId: signer.keyId, alg: signer.alg, publicKey: signer.publicKey } };
}

/**
 * The batch id: lowercase hex hash (the signer suite's) of the RFC 8785 form of the header without
 * `id`. An `id` present on the argument is ignored. The same content always yields the same id,
 * which is what makes anchoring idempotent.
 * @throws TypeError when the content is not JSON data (e.g. a non-finite size) or the alg is unknown.
 */
export function batchIdOf(header: BatchHeaderContent): string {
  return canonicalDigestHex(batchHeaderContent(header), digestAlgOf(header.signer.alg));
}

/** A complete header: the content plus its derived id. */
export function withBatchId(content: BatchHeaderContent): BatchHeader {
  const picked = batchHeaderContent(content);
  return { id: batchIdOf(picked), ...picked };
}

/** What the gateway signs: the UTF-8 bytes of the RFC 8785 form of the whole header (with `id`). */
export function signedBytesOfHeader(header: BatchHeader): Uint8Array {
  return utf8(canonicalJson({ id: header.id, ...batchHeaderContent(header) }));
}
