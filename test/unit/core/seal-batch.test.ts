import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signedBytesOfHeader } from '../../../src/core/batch-header.js';
import { sha256 } from '../../../src/core/digest.js';
import { fromBase64Url, fromHex, toHex, utf8 } from '../../../src/core/encoding.js';
import { merkleTreeHead } from '../../../src/core/merkle-tree.js';
import { sealBatch, type LeafRecord } from '../../../src/core/seal-batch.js';
import { generatePrivateKey, newSigner, verifySignature } from '../../../src/core/signer.js';

const signer = newSigner('Ed25519', generatePrivateKey('Ed25519'));

function leaves(n: number): LeafRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    recordId: { source: '/t', id: `r-${i}` }, digestHex: toHex(sha256(utf8(`record ${i}`))), type: 'x', tenant: 't',
  }));
}

describe('sealBatch', () => {
  it('keeps per record only its leaf identity, and the leaves once, in order, under the signed root', async () => {
    const input = leaves(13);
    const batch = await sealBatch(input, { signer, prev: null, sealedAtMillis: 1_700_000_000_000 });
    assert.deepEqual(batch.records, input.map((leaf, leafIndex) => ({
      recordId: leaf.recordId, digest: leaf.digestHex, type: leaf.type, tenant: leaf.tenant, leafIndex,
    })));
    assert.equal(batch.leaves.length, 13 * 32);
    assert.equal(toHex(batch.leaves), input.map((leaf) => leaf.digestHex).join(''));
    assert.equal(batch.header.root, toHex(merkleTreeHead(input.map((leaf) => fromHex(leaf.digestHex)))));
    assert.equal(batch.header.size, 13);
    assert.equal(batch.header.sealedAt, '2023-11-14T22:13:20.000Z');
    assert.ok(verifySignature('Ed25519', signer.publicKey, signedBytesOfHeader(batch.header), fromBase64Url(batch.signature)));
  });

  it('refuses a digest that is not 64 hex digits', async () => {
    for (const digestHex of ['zz'.repeat(32), 'a'.repeat(63), 'a'.repeat(66)]) {
      const input = leaves(3);
      input[1] = { ...input[1]!, digestHex };
      await assert.rejects(sealBatch(input, { signer, prev: null, sealedAtMillis: 1 }), (err: unknown) =>
        err instanceof TypeError && err.message.includes('/t r-1'), digestHex);
    }
  });
});
