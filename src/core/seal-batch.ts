/**
 * Turns a list of accepted records into a sealed, signed batch: RFC 6962 tree over the record
 * digests, a header that names its predecessor, an id derived from the header's content, and the
 * gateway's signature over the header's RFC 8785 form (docs/receipt-format.md).
 *
 * Sealing computes the root and nothing per record beyond what identifies its leaf: the batch carries
 * its leaves once (32 bytes per record), and audit paths are computed from them when a receipt is read
 * (see batch-trees.ts). Most receipts are never asked for, and a path per record at seal time cost
 * about a dozen strings per record in CPU, garbage and database bytes.
 */
import { batchIdOf, signedBytesOfHeader } from './batch-header.js';
import { bufferToBytes, toBase64Url, toHex } from './encoding.js';
import { MerkleTree } from './merkle-tree.js';
import type { Signer } from './ports.js';
import { digestAlgOf } from './signature-algs.js';
import type { BatchHeader, RecordId, SealedBatch, SealedRecord } from './types.js';

/** What sealing needs to know of one record. */
export interface LeafRecord {
  readonly recordId: RecordId;
  /** Lowercase hex hash (the signer suite's) of the record's RFC 8785 form: the Merkle leaf data. */
  readonly digestHex: string;
  readonly type: string;
  readonly tenant: string;
}

const DIGEST_HEX_LENGTH = 64;

export async function sealBatch(
  leaves: readonly LeafRecord[],
  context: { readonly signer: Signer; readonly prev: string | null; readonly sealedAtMillis: number },
): Promise<SealedBatch> {
  const { signer } = context;
  const n = leaves.length;
  const records = new Array<SealedRecord>(n);
  const digests = new Array<string>(n);
  for (let leafIndex = 0; leafIndex < n; leafIndex++) {
    const leaf = leaves[leafIndex] as LeafRecord;
    if (leaf.digestHex.length !== DIGEST_HEX_LENGTH) throw badDigest(leaf);
    digests[leafIndex] = leaf.digestHex;
    records[leafIndex] = { recordId: leaf.recordId, digest: leaf.digestHex, type: leaf.type, tenant: leaf.tenant, leafIndex };
  }
  // One native decode for the whole batch instead of one Buffer per digest. The decoder stops at the
  // first non-hex character, so a short result means some digest is not hex.
  const leafBytes = Buffer.from(digests.join(''), 'hex');
  if (leafBytes.length !== n * (DIGEST_HEX_LENGTH / 2)) {
    throw badDigest(leaves.find((leaf) => !/^[0-9a-fA-F]*$/.test(leaf.digestHex)) as LeafRecord);
  }
  const tree = MerkleTree.fromLeaves(leafBytes, digestAlgOf(signer.alg));
  const content = {
    root: toHex(tree.root),
    size: tree.size,
    sealedAt: new Date(context.sealedAtMillis).toISOString(),
    prev: context.prev,
    signer: { keyId: signer.keyId, alg: signer.alg, publicKey: toBase64Url(signer.publicKey) },
  };
  const header: BatchHeader = { id: batchIdOf(content), ...content };
  const signature = toBase64Url(await signer.sign(signedBytesOfHeader(header)));
  return { header, signature, records, leaves: bufferToBytes(leafBytes) };
}

function badDigest(leaf: LeafRecord): TypeError {
  return new TypeError(`the digest of ${leaf.recordId.source} ${leaf.recordId.id} is not 64 hex digits`);
}
