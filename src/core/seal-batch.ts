/**
 * Turns a list of accepted records into a sealed, signed batch: RFC 6962 tree over the record
 * digests, a header that names its predecessor, an id derived from the header's content, and the
 * gateway's signature over the header's RFC 8785 form (docs/receipt-format.md).
 */
import { batchIdOf, signedBytesOfHeader } from './batch-header.js';
import { toBase64Url, toHex } from './encoding.js';
import { MerkleTree } from './merkle-tree.js';
import type { Signer } from './ports.js';
import type { BatchHeader, RecordId, SealedBatch } from './types.js';

/** What sealing needs to know of one record. */
export interface LeafRecord {
  readonly recordId: RecordId;
  /** SHA-256 of the record's RFC 8785 form: the Merkle leaf data. */
  readonly digest: Uint8Array;
  readonly digestHex: string;
  readonly type: string;
  readonly tenant: string;
}

export async function sealBatch(
  leaves: readonly LeafRecord[],
  context: { readonly signer: Signer; readonly prev: string | null; readonly sealedAtMillis: number },
): Promise<SealedBatch> {
  const { signer } = context;
  const tree = MerkleTree.build(leaves.map((leaf) => leaf.digest));
  const content = {
    root: toHex(tree.root),
    size: tree.size,
    sealedAt: new Date(context.sealedAtMillis).toISOString(),
    prev: context.prev,
    signer: { keyId: signer.keyId, alg: signer.alg, publicKey: toBase64Url(signer.publicKey) },
  };
  const header: BatchHeader = { id: batchIdOf(content), ...content };
  const signature = toBase64Url(await signer.sign(signedBytesOfHeader(header)));
  const records = leaves.map((leaf, leafIndex) => ({
    recordId: leaf.recordId,
    digest: leaf.digestHex,
    type: leaf.type,
    tenant: leaf.tenant,
    leafIndex,
    proof: tree.auditPathHex(leafIndex),
  }));
  return { header, signature, records };
}
