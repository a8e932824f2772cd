import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromBase64Url, fromHex, toBase64Url } from '../../../src/core/encoding.js';
import { receiptSchema, verifyAnchor, verifyReceipt, type ReceiptCheck } from '../../../src/core/receipt.js';
import { generatePrivateKey, SIGNATURE_ALGS } from '../../../src/core/signer.js';
import type { Receipt } from '../../../src/core/types.js';
import { loadVectors } from '../../support/vectors.js';
import { EXAMPLE_SM2_PRIVATE_KEY_HEX, makeReceipt } from '../../support/receipts.js';
import { signedBytesOfHeader } from '../../../src/core/batch-header.js';
import { readFileSync } from 'node:fs';

type Mutable = { -readonly [K in keyof Receipt]: Receipt[K] } & Record<string, unknown>;
const clone = (r: Receipt): Mutable => structuredClone(r) as Mutable;

function flipHex(hex: string, at = 0): string {
  const i = at % hex.length;
  return hex.slice(0, i) + ((parseInt(hex[i] as string, 16) ^ 1).toString(16)) + hex.slice(i + 1);
}

function expectFailure(result: ReturnType<typeof verifyReceipt>, check: ReceiptCheck, message?: RegExp): void {
  assert.equal(result.ok, false, 'expected verification to fail');
  if (result.ok) return;
  assert.equal(result.check, check, result.message);
  if (message) assert.match(result.message, message);
}

describe('verifyReceipt', () => {
  for (const alg of SIGNATURE_ALGS) {
    it(`${alg}: accepts a receipt made by the core, with and without its record`, async () => {
      const { receipt, record } = await makeReceipt({ alg, privateKey: generatePrivateKey(alg) });
      assert.deepEqual(verifyReceipt(receipt), { ok: true, checks: ['format', 'batch-id', 'proof', 'signature'] });
      assert.deepEqual(verifyReceipt(JSON.parse(JSON.stringify(receipt)), { record }), { ok: true, checks: ['format', 'digest', 'batch-id', 'proof', 'signature'] });
    });
  }

  it('accepts every leaf of batches of many sizes', async () => {
    const { records } = await makeReceipt();
    const many = Array.from({ length: 13 }, (_, i) => ({ ...(records[i % 3] as (typeof records)[number]), id: `r-${i}` }));
    for (let leafIndex = 0; leafIndex < many.length; leafIndex++) {
      const { receipt, record } = await makeReceipt({ records: many, leafIndex });
      assert.equal(verifyReceipt(receipt, { record }).ok, true, `leaf ${leafIndex}`);
    }
  });

  it('names the failed check for each kind of tampering', async () => {
    const { receipt, record } = await makeReceipt();
    const cases: [string, (r: Mutable) => void, ReceiptCheck, RegExp][] = [
      ['digest changed', (r) => { r.digest = flipHex(r.digest); }, 'digest', /does not match the receipt's digest/],
      ['leafIndex moved', (r) => { r.leafIndex = 0; }, 'proof', /audit path/],
      ['leafIndex out of range', (r) => { r.leafIndex = 3; }, 'proof', /outside the batch of size 3/],
      ['proof node changed', (r) => { r.proof = [flipHex(r.proof[0] as string, 5), ...r.proof.slice(1)]; }, 'proof', /audit path/],
      ['proof node dropped', (r) => { r.proof = r.proof.slice(1); }, 'proof', /has 1 nodes but .* needs 2/],
      ['root changed', (r) => { r.batch = { ...r.batch, root: flipHex(r.batch.root) }; }, 'batch-id', /header was altered/],
      ['size changed', (r) => { r.batch = { ...r.batch, size: 4 }; }, 'batch-id', /batch\.id/],
      ['sealedAt changed', (r) => { r.batch = { ...r.batch, sealedAt: '2025-06-01T08:00:00.001Z' }; }, 'batch-id', /batch\.id/],
      ['batch id changed', (r) => { r.batch = { ...r.batch, id: flipHex(r.batch.id) }; }, 'batch-id', /batch\.id/],
      ['signature changed', (r) => { const s = fromBase64Url(r.signature); s[3] = (s[3] as number) ^ 1; r.signature = toBase64Url(s); }, 'signature', /does not verify/],
      ['malformed digest', (r) => { r.digest = r.digest.toUpperCase(); }, 'format', /digest/],
      ['unknown member', (r) => { r['extra'] = 1; }, 'format', /extra|Unrecognized/i],
      ['padded signature', (r) => { r.signature += '='; }, 'format', /signature/],
      ['short signature', (r) => { r.signature = r.signature.slice(0, 40); }, 'format', /signature must be 64 bytes/],
      ['unknown alg', (r) => { r.batch = { ...r.batch, signer: { ...r.batch.signer, alg: 'RS256' as never } }; }, 'format', /alg/],
      ['fractional leafIndex', (r) => { r.leafIndex = 0.5; }, 'format', /leafIndex/],
    ];
    for (const [name, mutate, check, message] of cases) {
      const tampered = clone(receipt);
      mutate(tampered);
      expectFailure(verifyReceipt(tampered, { record }), check, message);
      assert.ok(name);
    }
  });

  it('without the record, a changed digest fails the proof', async () => {
    const { receipt } = await makeReceipt();
    expectFailure(verifyReceipt({ ...receipt, digest: flipHex(receipt.digest) }), 'proof', /audit path/);
  });

  it('detects a substituted signer key (keyId no longer matches or signature fails)', async () => {
    const { receipt } = await makeReceipt();
    const other = await makeReceipt({ privateKey: generatePrivateKey('Ed25519') });
    const swappedKey = clone(receipt);
    swappedKey.batch = { ...receipt.batch, signer: { ...receipt.batch.signer, publicKey: other.receipt.batch.signer.publicKey } };
    // The id covers the signer, so recompute it the way a forger would.
    const { withBatchId } = await import('../../../src/core/batch-header.js');
    swappedKey.batch = withBatchId(swappedKey.batch);
    expectFailure(verifyReceipt(swappedKey), 'signature', /thumbprint/);
    const fullySwapped = clone(receipt);
    fullySwapped.batch = withBatchId({ ...receipt.batch, signer: other.receipt.batch.signer });
    expectFailure(verifyReceipt(fullySwapped), 'signature', /does not verify/);
  });

  it('checks the record against the digest and the record id', async () => {
    const { receipt, record, records } = await makeReceipt();
    expectFailure(verifyReceipt(receipt, { record: records[0] }), 'digest', /does not match the receipt's digest/);
    expectFailure(verifyReceipt(receipt, { record: { ...record, data: { ...(record.data as object), amount: '7.51' } } }), 'digest');
    expectFailure(verifyReceipt({ ...receipt, recordId: { ...receipt.recordId, id: 'other' } }, { record }), 'digest', /receipt is for/);
    expectFailure(verifyReceipt(receipt, { record: null }), 'digest', /not a JSON object/);
  });

  it('pins the expected signer when asked', async () => {
    const { receipt } = await makeReceipt();
    assert.equal(verifyReceipt(receipt, { expectedSigner: { keyId: receipt.batch.signer.keyId, alg: 'Ed25519' } }).ok, true);
    expectFailure(verifyReceipt(receipt, { expectedSigner: { keyId: 'someone-else' } }), 'signature', /expected signer/);
    expectFailure(verifyReceipt(receipt, { expectedSigner: { alg: 'ES256' } }), 'signature', /expected signer/);
  });

  it('never throws, whatever the input', () => {
    fc.assert(fc.property(fc.anything(), (input) => {
      const result = verifyReceipt(input);
      assert.equal(result.ok, false);
    }), { numRuns: 300 });
    for (const input of [undefined, null, 1, 'x', [], {}, { batch: null }]) expectFailure(verifyReceipt(input), 'format');
  });

  it('flipping any single hex digit of the receipt is detected', async () => {
    const { receipt, record } = await makeReceipt({ alg: 'ES256', privateKey: generatePrivateKey('ES256') });
    const text = JSON.stringify(receipt);
    const positions = [...text.matchAll(/[0-9a-f]/g)].map((m) => m.index);
    fc.assert(fc.property(fc.constantFrom(...positions), (at) => {
      const c = text[at] as string;
      const replacement = c === '0' ? '1' : '0';
      const tampered: unknown = JSON.parse(text.slice(0, at) + replacement + text.slice(at + 1));
      if (JSON.stringify(tampered) === text) return;
      const chainOnly = JSON.stringify({ ...(tampered as Receipt), chain: receipt.chain }) === text;
      // The chain location is not covered by the offline checks: the ledger check covers it.
      if (chainOnly) return;
      const recordIdOnly = JSON.stringify({ ...(tampered as Receipt), recordId: receipt.recordId }) === text;
      assert.equal(verifyReceipt(tampered, recordIdOnly ? { record } : {}).ok, false, `position ${at}`);
    }), { numRuns: 200 });
  });
});

describe('verifyAnchor', () => {
  it('compares the ledger answer with the receipt', async () => {
    const { receipt } = await makeReceipt();
    const anchored = { header: receipt.batch, signature: receipt.signature, anchor: receipt.chain };
    assert.deepEqual(verifyAnchor(receipt, anchored), { ok: true, checks: ['ledger'] });
    expectFailure(verifyAnchor(receipt, undefined), 'ledger', /not on the ledger/);
    expectFailure(verifyAnchor(receipt, { ...anchored, anchor: { ...receipt.chain, blockNumber: 8 } }), 'ledger', /blockNumber 7, the ledger says 8/);
    expectFailure(verifyAnchor(receipt, { ...anchored, anchor: { ...receipt.chain, txId: 'x' } }), 'ledger', /txId/);
    expectFailure(verifyAnchor(receipt, { ...anchored, signature: 'AAAA' }), 'ledger', /signature/);
    expectFailure(verifyAnchor(receipt, { ...anchored, header: { ...receipt.batch, size: 9 } }), 'ledger', /header/);
  });
});

describe('the worked example in docs/receipt-format.md', () => {
  it('is reproduced byte for byte by the core and verifies', async () => {
    const example = loadVectors<{ source: string; record: unknown; receipt: Receipt; canonicalRecord: string; signedHeader: string }>('receipt-example.json');
    const made = await makeReceipt();
    assert.deepEqual(made.receipt, example.receipt);
    assert.deepEqual(made.record, example.record);
    assert.ok(receiptSchema.safeParse(example.receipt).success);
    assert.equal(verifyReceipt(example.receipt, { record: example.record }).ok, true);
  });

  it('SM suite (§10): reproduced byte for byte, verifies, and the page quotes its values', async () => {
    const example = loadVectors<{ record: unknown; receipt: Receipt; signedHeader: string }>('receipt-example-sm2.json');
    const made = await makeReceipt({ alg: 'SM2', privateKey: fromHex(EXAMPLE_SM2_PRIVATE_KEY_HEX) });
    assert.deepEqual(made.receipt, example.receipt);
    assert.equal(new TextDecoder().decode(signedBytesOfHeader(made.header)), example.signedHeader);
    assert.deepEqual(verifyReceipt(example.receipt, { record: example.record }), { ok: true, checks: ['format', 'digest', 'batch-id', 'proof', 'signature'] });
    const page = readFileSync(new URL('../../../../docs/receipt-format.md', import.meta.url), 'utf8');
    const { receipt } = example;
    for (const value of [receipt.digest, ...receipt.proof, receipt.batch.id, receipt.batch.root, receipt.batch.signer.keyId, receipt.batch.signer.publicKey, receipt.signature]) {
      assert.ok(page.includes(value), `docs/receipt-format.md quotes ${value}`);
    }
    // The SHA-256 receipt of the same records under an SM2 key would not verify: the suite is not guessed.
    const mixed = structuredClone(example.receipt) as Mutable;
    (mixed.batch as { signer: { alg: string } }).signer.alg = 'ES256';
    expectFailure(verifyReceipt(mixed), 'batch-id');
  });
});
