import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openEmbeddedLedger } from '../../../adapters/chains/embedded/embedded-ledger.js';
import { fromBase64Url, toBase64Url } from '../../../src/core/encoding.js';
import { buildReceipt } from '../../../src/core/receipt.js';
import { generatePrivateKey, newSigner } from '../../../src/core/signer.js';
import type { Receipt } from '../../../src/core/types.js';
import { makeReceipt } from '../../support/receipts.js';
import { runCli } from '../../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-cli-verify-'));
let files = 0;
function write(value: unknown): string {
  const path = join(dir, `f${files++}.json`);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return path;
}
function flipHexChar(hex: string, at: number): string {
  return hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);
}

describe('crossgate verify', async () => {
  const { receipt, record } = await makeReceipt({ alg: 'ES256', privateKey: generatePrivateKey('ES256') });
  const receiptPath = write(receipt);
  const recordPath = write(record);

  it('exits 0 and lists the checks for a valid receipt and record', () => {
    const r = runCli(['verify', receiptPath, '--record', recordPath]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /receipt verified/);
    for (const check of ['format', 'digest', 'batch-id', 'proof', 'signature']) assert.match(r.stdout, new RegExp(`ok  ${check}:`));
    assert.equal(r.stderr, '');
  });

  it('prints the result as JSON with --json', () => {
    const r = runCli(['verify', receiptPath, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { ok: true, checks: ['format', 'batch-id', 'proof', 'signature'] });
  });

  const tampering: [string, () => [string, string], RegExp][] = [
    ['a byte of the record', () => {
      const changed = structuredClone(record) as typeof record & { data: { amount: { value: string } } };
      changed.data.amount.value = '7.51';
      return [receiptPath, write(changed)];
    }, /^verification failed: digest: record digest [0-9a-f]{64} does not match/],
    ['a byte of the proof', () => {
      const changed: Receipt = { ...receipt, proof: [flipHexChar(receipt.proof[0] as string, 17), ...receipt.proof.slice(1)] };
      return [write(changed), recordPath];
    }, /^verification failed: proof: Merkle audit path does not lead/],
    ['a byte of the batch header', () => {
      const changed: Receipt = { ...receipt, batch: { ...receipt.batch, root: flipHexChar(receipt.batch.root, 3) } };
      return [write(changed), recordPath];
    }, /^verification failed: batch-id: /],
    ['a byte of the signature', () => {
      const sig = fromBase64Url(receipt.signature);
      sig[20] = (sig[20] as number) ^ 0x01;
      return [write({ ...receipt, signature: toBase64Url(sig) }), recordPath];
    }, /^verification failed: signature: signature does not verify/],
  ];
  for (const [what, make, message] of tampering) {
    it(`exits 1 naming the failed check when ${what} is flipped`, () => {
      const [r1, r2] = make();
      const r = runCli(['verify', r1, '--record', r2]);
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stdout, /receipt verified/);
    });
  }

  it('exits 1 with the format check for a receipt that is not JSON or not a receipt', () => {
    const notJson = runCli(['verify', write('{"digest": ')]);
    assert.equal(notJson.status, 1);
    assert.match(notJson.stderr, /^verification failed: format: receipt .* is not JSON/);
    const notReceipt = runCli(['verify', write({ hello: 'world' })]);
    assert.equal(notReceipt.status, 1);
    assert.match(notReceipt.stderr, /^verification failed: format: receipt is malformed/);
  });

  it('exits 1 when the signer is not the pinned key id', () => {
    const r = runCli(['verify', receiptPath, '--key-id', 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /signature: .*expected signer/);
    assert.equal(runCli(['verify', receiptPath, '--key-id', receipt.batch.signer.keyId]).status, 0);
    // One key id in 64 starts with '-' (base64url): it is a value, not an option.
    const dashed = runCli(['verify', receiptPath, '--key-id', '-PrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k']);
    assert.equal(dashed.status, 1, dashed.stderr);
    assert.match(dashed.stderr, /but -PrK_qmx\S+ is the expected signer/);
  });

  it('exits 2 on usage and I/O errors', () => {
    for (const args of [['verify'], ['verify', join(dir, 'missing.json')], ['verify', receiptPath, '--bogus'],
      ['verify', receiptPath, '--record', join(dir, 'missing.json')], ['verify', receiptPath, receiptPath],
      ['verify', receiptPath, '--ledger', join(dir, 'no-such-ledger')], ['frobnicate'], []]) {
      const r = runCli(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.notEqual(r.stderr, '', args.join(' '));
    }
  });
});

describe('crossgate verify --ledger', async () => {
  const ledgerDir = mkdtempSync(join(tmpdir(), 'cg-cli-ledger-'));
  const signer = newSigner('Ed25519', generatePrivateKey('Ed25519'));
  const made = await makeReceipt({ privateKey: generatePrivateKey('Ed25519') });
  const ledger = await openEmbeddedLedger({ dir: ledgerDir, signer, clock: { now: () => Date.now() } });
  const anchor = await ledger.anchor({ header: made.header, signature: made.receipt.signature });
  await ledger.close();
  const receipt = buildReceipt(
    { recordId: made.receipt.recordId, digest: made.receipt.digest, leafIndex: made.receipt.leafIndex, proof: made.receipt.proof },
    made.header, made.receipt.signature, anchor,
  );
  const receiptPath = write(receipt);

  it('exits 0 with the ledger check when the batch is on the ledger as stated', () => {
    const r = runCli(['verify', receiptPath, '--ledger', ledgerDir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /ok {2}ledger:/);
  });

  it('exits 1 naming the ledger check when the receipt misstates the anchor or the batch is absent', () => {
    const wrongBlock = runCli(['verify', write({ ...receipt, chain: { ...receipt.chain, blockNumber: receipt.chain.blockNumber + 5 } }), '--ledger', ledgerDir]);
    assert.equal(wrongBlock.status, 1);
    assert.match(wrongBlock.stderr, /^verification failed: ledger: receipt says chain\.blockNumber/);
    const elsewhere = mkdtempSync(join(tmpdir(), 'cg-cli-ledger-empty-'));
    const absent = runCli(['verify', receiptPath, '--ledger', elsewhere]);
    assert.equal(absent.status, 1);
    assert.match(absent.stderr, /^verification failed: ledger: batch [0-9a-f]{64} is not on the ledger/);
  });

  it('exits 1 naming the ledger check when the ledger file was edited', () => {
    const copy = mkdtempSync(join(tmpdir(), 'cg-cli-ledger-edited-'));
    const original = readFileSync(join(ledgerDir, 'ledger.jsonl'), 'utf8');
    writeFileSync(join(copy, 'ledger.jsonl'), original.replace(receipt.batch.root, receipt.batch.root.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))));
    const r = runCli(['verify', receiptPath, '--ledger', copy]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^verification failed: ledger: /);
  });
});
