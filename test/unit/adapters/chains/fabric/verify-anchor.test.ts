import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GatewayKeyRecord } from '../../../../../adapters/chains/fabric/chaincode/anchor-records.js';
import { checkSignature, parseHeader } from '../../../../../adapters/chains/fabric/chaincode/verify-anchor.js';
import { SIGNATURE_ALGS } from '../../../../../src/core/signer.js';
import { canonicalJson } from '../../../../../src/core/canonical-json.js';
import { newTestSigner, randomBatch, signerInfoOf } from '../../../../support/fabric.js';

function keyRecord(info: { keyId: string; alg: GatewayKeyRecord['alg']; publicKey: string }, status: GatewayKeyRecord['status'] = 'active'): GatewayKeyRecord {
  return { ...info, status, registeredBy: 'x509::/OU=admin/CN=Admin', registeredTxId: 't1', revokedBy: null, revokedTxId: null };
}

describe('anchor chaincode checks', () => {
  it('accepts a sealed batch signed by its registered key, for each algorithm', async () => {
    for (const alg of SIGNATURE_ALGS) {
      const signer = newTestSigner(alg);
      const batch = await randomBatch(signer, 3);
      const parsed = parseHeader(canonicalJson(batch.header));
      assert.ok(parsed.ok, alg);
      assert.deepEqual(parsed.header, batch.header);
      assert.deepEqual(checkSignature(batch.header, batch.signature, keyRecord(signerInfoOf(signer))), { ok: true, header: batch.header });
    }
  });

  it('refuses unknown, revoked and mismatched keys, and bad signatures', async () => {
    const signer = newTestSigner('Ed25519');
    const batch = await randomBatch(signer, 2);
    const info = signerInfoOf(signer);
    const reason = (r: ReturnType<typeof checkSignature>) => (r.ok ? 'ok' : r.reason);
    assert.match(reason(checkSignature(batch.header, batch.signature, undefined)), /not registered/);
    assert.match(reason(checkSignature(batch.header, batch.signature, keyRecord(info, 'revoked'))), /revoked/);
    const other = signerInfoOf(newTestSigner('Ed25519'));
    assert.match(reason(checkSignature(batch.header, batch.signature, keyRecord({ ...info, publicKey: other.publicKey }))), /different algorithm or public key/);
    const second = await randomBatch(signer, 2);
    assert.match(reason(checkSignature(batch.header, second.signature, keyRecord(info))), /does not verify/);
    assert.match(reason(checkSignature(batch.header, 'not base64url!', keyRecord(info))), /base64url/);
  });

  it('refuses malformed headers and ids that do not match the content', async () => {
    const batch = await randomBatch(newTestSigner('Ed25519'), 2);
    const reason = (text: string) => {
      const r = parseHeader(text);
      return r.ok ? 'ok' : r.reason;
    };
    assert.match(reason('{not json'), /not valid JSON/);
    assert.match(reason(JSON.stringify({ ...batch.header, extra: 1 })), /malformed/);
    assert.match(reason(JSON.stringify({ ...batch.header, root: 'XYZ' })), /malformed/);
    assert.match(reason(JSON.stringify({ ...batch.header, size: batch.header.size + 1 })), /does not match its content/);
    // Member order in the JSON text does not matter: the id is over the RFC 8785 form.
    const reordered = JSON.stringify({ signer: batch.header.signer, size: batch.header.size, id: batch.header.id, root: batch.header.root, prev: batch.header.prev, sealedAt: batch.header.sealedAt });
    assert.equal(reason(reordered), 'ok');
  });
});
