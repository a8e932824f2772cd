/**
 * Receipts made with the core alone (tree, header, signature), for receipt and CLI tests and for the
 * worked example in docs/receipt-format.md. Everything is deterministic for a given key.
 */
import { signedBytesOfHeader, withBatchId } from '../../src/core/batch-header.js';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { canonicalDigest, sha256 } from '../../src/core/digest.js';
import { fromHex, toBase64Url, toHex, utf8 } from '../../src/core/encoding.js';
import { MerkleTree } from '../../src/core/merkle-tree.js';
import { buildReceipt } from '../../src/core/receipt.js';
import { digestAlgOf, newSigner } from '../../src/core/signer.js';
import type { BatchHeader, Receipt, RecordEnvelope, SignatureAlg } from '../../src/core/types.js';

/** RFC 8032 §7.1 TEST 1 secret key: a published key, so the example can be reproduced anywhere. */
export const EXAMPLE_PRIVATE_KEY_HEX = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';

/** GM/T 0003.5-2012 Annex A SM2 private key: the SM suite's worked example is reproducible too. */
export const EXAMPLE_SM2_PRIVATE_KEY_HEX = '3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8';

/** Three toll-passage envelopes, as a producer would submit them. */
export function exampleRecords(): RecordEnvelope[] {
  const passage = (n: number, gantry: string, plate: string, amount: string): RecordEnvelope => ({
    specversion: '1.0',
    id: `toll-2025-06-01-${String(n).padStart(6, '0')}`,
    source: '/beijing/transport/expressway-g4',
    type: 'cn.gov.transport.toll-passage',
    time: `2025-06-01T07:5${n}:00Z`,
    datacontenttype: 'application/json',
    data: { gantryId: gantry, plate, passedAt: `2025-06-01T07:5${n}:00Z`, amount: { value: amount, currency: 'CNY' } },
  });
  return [
    passage(1, 'G4-BJ-0012', '京A·12345', '15.00'),
    passage(2, 'G4-BJ-0013', '京B·67890', '7.50'),
    passage(3, 'G4-HB-0101', '冀C·24680', '22.35'),
  ];
}

export interface MadeReceipt {
  readonly receipt: Receipt;
  readonly record: RecordEnvelope;
  readonly records: readonly RecordEnvelope[];
  readonly header: BatchHeader;
}

/** Seals `records` into one batch signed with the given key, and returns the receipt of `leafIndex`. */
export async function makeReceipt(options: {
  readonly alg?: SignatureAlg;
  readonly privateKey?: Uint8Array;
  readonly records?: readonly RecordEnvelope[];
  readonly leafIndex?: number;
  readonly sealedAt?: string;
  readonly prev?: string | null;
  readonly network?: string;
  readonly blockNumber?: number;
} = {}): Promise<MadeReceipt> {
  const alg = options.alg ?? 'Ed25519';
  const signer = newSigner(alg, options.privateKey ?? fromHex(EXAMPLE_PRIVATE_KEY_HEX));
  const records = options.records ?? exampleRecords();
  const leafIndex = options.leafIndex ?? 1;
  const hash = digestAlgOf(alg);
  const digests = records.map((r) => canonicalDigest(r, hash));
  const tree = MerkleTree.build(digests, hash);
  const header = withBatchId({
    root: toHex(tree.root),
    size: tree.size,
    sealedAt: options.sealedAt ?? '2025-06-01T08:00:00.000Z',
    prev: options.prev ?? null,
    signer: { keyId: signer.keyId, alg: signer.alg, publicKey: toBase64Url(signer.publicKey) },
  });
  const signature = toBase64Url(await signer.sign(signedBytesOfHeader(header)));
  const record = records[leafIndex] as RecordEnvelope;
  const network = options.network ?? 'embedded';
  const sealed = {
    recordId: { source: record.source, id: record.id },
    digest: toHex(digests[leafIndex] as Uint8Array),
    type: record.type,
    tenant: 'example',
    leafIndex,
    proof: tree.auditPath(leafIndex).map(toHex),
  };
  // Same derivation as the embedded ledger's transaction ids: hex SHA-256 of RFC 8785 {batchId, network}.
  const txId = toHex(sha256(utf8(canonicalJson({ network, batchId: header.id }))));
  const anchor = { kind: 'embedded', network, txId, blockNumber: options.blockNumber ?? 7 };
  return { receipt: buildReceipt(sealed, header, signature, anchor), record, records, header };
}
