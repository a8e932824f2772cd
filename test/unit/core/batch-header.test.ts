import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { batchIdOf, signedBytesOfHeader, withBatchId } from '../../../src/core/batch-header.js';
import type { BatchHeader } from '../../../src/core/types.js';

const content = {
  root: 'aa'.repeat(32),
  size: 3,
  sealedAt: '2025-01-02T03:04:05.678Z',
  prev: null,
  signer: { keyId: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k', alg: 'Ed25519' as const, publicKey: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
};
// Written out by hand: members sorted, no whitespace (RFC 8785).
const contentJson = '{"prev":null,"root":"' + 'aa'.repeat(32) + '","sealedAt":"2025-01-02T03:04:05.678Z",'
  + '"signer":{"alg":"Ed25519","keyId":"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k","publicKey":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},"size":3}';

describe('batch header', () => {
  it('id is the hex SHA-256 of the RFC 8785 content without id', () => {
    const expected = createHash('sha256').update(contentJson).digest('hex');
    assert.equal(batchIdOf(content), expected);
    assert.equal(batchIdOf({ ...content, id: 'ignored' } as BatchHeader), expected);
    assert.equal(withBatchId(content).id, expected);
  });
  it('ignores extra members at both levels', () => {
    const noisy = { ...content, extra: 1, signer: { ...content.signer, note: 'x' } };
    assert.equal(batchIdOf(noisy), batchIdOf(content));
    assert.deepEqual(Object.keys(withBatchId(noisy)).sort(), ['id', 'prev', 'root', 'sealedAt', 'signer', 'size']);
  });
  it('changes with every member', () => {
    const base = batchIdOf(content);
    const variants = [
      { ...content, root: 'ab'.repeat(32) }, { ...content, size: 4 }, { ...content, sealedAt: '2025-01-02T03:04:05.679Z' },
      { ...content, prev: 'cd'.repeat(32) }, { ...content, signer: { ...content.signer, alg: 'ES256' as const } },
      { ...content, signer: { ...content.signer, keyId: 'x' } }, { ...content, signer: { ...content.signer, publicKey: 'y' } },
    ];
    const ids = new Set(variants.map(batchIdOf));
    assert.equal(ids.size, variants.length);
    assert.equal(ids.has(base), false);
  });
  it('signs the RFC 8785 form of the whole header, id included', () => {
    const header = withBatchId(content);
    const expected = contentJson.replace('{', `{"id":"${header.id}",`);
    assert.equal(new TextDecoder().decode(signedBytesOfHeader(header)), expected);
    assert.deepEqual(signedBytesOfHeader({ ...header, extra: true } as BatchHeader), signedBytesOfHeader(header));
  });
});
