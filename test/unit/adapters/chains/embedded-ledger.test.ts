import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openEmbeddedLedger } from '../../../../adapters/chains/embedded/embedded-ledger.js';
import { ChainError, ErrorCodes } from '../../../../src/core/errors.js';
import { sealBatch } from '../../../../src/core/seal-batch.js';
import { generatePrivateKey, newSigner } from '../../../../src/core/signer.js';
import { sha256 } from '../../../../src/core/digest.js';
import { toHex, utf8 } from '../../../../src/core/encoding.js';
import type { ChainAnchor } from '../../../../src/core/types.js';
import { ManualClock } from '../../../support/manual-timers.js';

const signer = newSigner('Ed25519', generatePrivateKey('Ed25519'));
const clock = new ManualClock();

async function signedBatch(label: string, prev: string | null = null) {
  const batch = await sealBatch(
    [{ recordId: { source: '/t', id: label }, digestHex: toHex(sha256(utf8(label))), type: 'x', tenant: 't' }],
    { signer, prev, sealedAtMillis: clock.now() },
  );
  return { header: batch.header, signature: batch.signature };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'cg-ledger-'));
}

describe('embedded ledger', () => {
  it('anchors a batch once: the second call returns the first transaction and writes nothing', async () => {
    const dir = tempDir();
    const ledger = await openEmbeddedLedger({ dir, signer, clock });
    const batch = await signedBatch('a');
    const first = await ledger.anchor(batch);
    const again = await ledger.anchor(batch);
    assert.deepEqual(again, first);
    assert.equal(first.kind, 'embedded');
    assert.equal(first.blockNumber, 0);
    assert.equal(ledger.height, 1);
    const found = await ledger.lookup(batch.header.id);
    assert.deepEqual(found?.header, batch.header);
    assert.equal(await ledger.lookup('00'.repeat(32)), undefined);
    await ledger.close();
    rmSync(dir, { recursive: true });
  });

  it('keeps its index across restart and links blocks by hash', async () => {
    const dir = tempDir();
    let ledger = await openEmbeddedLedger({ dir, signer, clock });
    const a = await signedBatch('a');
    const b = await signedBatch('b', a.header.id);
    const anchorA = await ledger.anchor(a);
    await ledger.anchor(b);
    await ledger.close();
    ledger = await openEmbeddedLedger({ dir, signer, clock });
    assert.deepEqual(await ledger.anchor(a), anchorA, 'same transaction after restart');
    assert.equal(ledger.height, 2);
    const verified = ledger.verifyChain();
    assert.equal(verified.ok, true);
    assert.equal(verified.ok && verified.anchors, 2);
    await ledger.close();
  });

  it('reads a looked-up batch back from its block in the file: every block, after reopen, past a torn tail, read-only', async () => {
    const dir = tempDir();
    let ledger = await openEmbeddedLedger({ dir, signer, clock });
    const batches: { batch: Awaited<ReturnType<typeof signedBatch>>; anchor: ChainAnchor }[] = [];
    for (const label of ['a', 'b', 'c']) {
      const batch = await signedBatch(label);
      batches.push({ batch, anchor: await ledger.anchor(batch) });
    }
    const together = await Promise.all(['d', 'e'].map((label) => signedBatch(label)));
    const togetherAnchors = await Promise.all(together.map((batch) => ledger.anchor(batch)));
    together.forEach((batch, k) => batches.push({ batch, anchor: togetherAnchors[k] as ChainAnchor }));
    const expectAll = async (label: string) => {
      for (const { batch, anchor } of batches) {
        const found = await ledger.lookup(batch.header.id);
        assert.deepEqual(found, { header: batch.header, signature: batch.signature, anchor }, `${label}: batch ${batch.header.id}`);
      }
    };
    await expectAll('while open');
    await ledger.close();
    appendFileSync(join(dir, 'ledger.jsonl'), '{"height":9,"prevH');
    ledger = await openEmbeddedLedger({ dir, signer, clock, readOnly: true });
    await expectAll('read-only, torn tail');
    await ledger.close();
    ledger = await openEmbeddedLedger({ dir, signer, clock });
    await expectAll('reopened, torn tail cut');
    const late = await signedBatch('f');
    batches.push({ batch: late, anchor: await ledger.anchor(late) });
    await expectAll('after one more block');
    await ledger.close();
    rmSync(dir, { recursive: true });
  });

  it('puts concurrent anchors into one block', async () => {
    const dir = tempDir();
    const ledger = await openEmbeddedLedger({ dir, signer, clock });
    const batches = await Promise.all(['a', 'b', 'c', 'd'].map((label) => signedBatch(label)));
    const anchors = await Promise.all(batches.map((batch) => ledger.anchor(batch)));
    assert.ok(ledger.height < 4, `expected fewer blocks than batches, got ${ledger.height}`);
    assert.equal(new Set(anchors.map((a) => a.txId)).size, 4);
    await ledger.close();
  });

  it('rejects a batch whose signature or id does not hold, as the Fabric chaincode does', async () => {
    const dir = tempDir();
    const ledger = await openEmbeddedLedger({ dir, signer, clock });
    const batch = await signedBatch('a');
    const forged = { ...batch, header: { ...batch.header, root: '11'.repeat(32) } };
    await assert.rejects(ledger.anchor(forged), (error: unknown) => error instanceof ChainError && error.code === ErrorCodes.ChainRejected && !error.retryable);
    const otherSigner = newSigner('Ed25519', generatePrivateKey('Ed25519'));
    const wrongSignature = { ...batch, signature: Buffer.from(await otherSigner.sign(utf8('x'))).toString('base64url') };
    await assert.rejects(ledger.anchor(wrongSignature), /does not verify/);
    assert.equal(ledger.height, 0);
    await ledger.close();
  });

  it('checks requests signed with its own key by signing again, and any other key by verifying', async () => {
    const dir = tempDir();
    const ledger = await openEmbeddedLedger({ dir, signer, clock });
    const batch = await signedBatch('own');
    const tampered = Buffer.from(batch.signature, 'base64url');
    tampered[5] = (tampered[5] as number) ^ 0x01;
    await assert.rejects(ledger.anchor({ ...batch, signature: tampered.toString('base64url') }), /does not verify/);
    // ES256 signatures of this suite are deterministic (RFC 6979) too; a valid one by another key goes through verification.
    const other = newSigner('ES256', generatePrivateKey('ES256'));
    const foreign = await sealBatch(
      [{ recordId: { source: '/t', id: 'foreign' }, digestHex: toHex(sha256(utf8('foreign'))), type: 'x', tenant: 't' }],
      { signer: other, prev: null, sealedAtMillis: clock.now() },
    );
    const foreignAnchor = await ledger.anchor({ header: foreign.header, signature: foreign.signature });
    assert.equal(foreignAnchor.blockNumber, 0);
    const forgedBatch = await sealBatch(
      [{ recordId: { source: '/t', id: 'forged' }, digestHex: toHex(sha256(utf8('forged'))), type: 'x', tenant: 't' }],
      { signer: other, prev: null, sealedAtMillis: clock.now() },
    );
    await assert.rejects(ledger.anchor({ header: forgedBatch.header, signature: Buffer.from(forgedBatch.signature, 'base64url').fill(1, 0, 8).toString('base64url') }), /does not verify/);
    assert.ok((await ledger.anchor(batch)).txId.length > 0, 'its own valid signature is accepted');
    await ledger.close();
  });

  it('refuses writes while in maintenance, with a retryable error, and resumes after', async () => {
    const dir = tempDir();
    const ledger = await openEmbeddedLedger({ dir, signer, clock });
    writeFileSync(join(dir, 'MAINTENANCE'), '');
    const batch = await signedBatch('a');
    await assert.rejects(ledger.anchor(batch), (error: unknown) => error instanceof ChainError && error.retryable);
    assert.equal((await ledger.health()).ok, false);
    rmSync(join(dir, 'MAINTENANCE'));
    assert.equal((await ledger.anchor(batch)).blockNumber, 0);
    await ledger.close();
  });

  it('cuts a torn last line on open, and refuses a ledger edited in the middle', async () => {
    const dir = tempDir();
    let ledger = await openEmbeddedLedger({ dir, signer, clock });
    await ledger.anchor(await signedBatch('a'));
    await ledger.anchor(await signedBatch('b'));
    await ledger.close();
    appendFileSync(join(dir, 'ledger.jsonl'), '{"height":2,"prevH');
    ledger = await openEmbeddedLedger({ dir, signer, clock });
    assert.equal(ledger.height, 2);
    assert.equal(ledger.verifyChain().ok, true);
    await ledger.close();

    const file = join(dir, 'ledger.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[0] = (lines[0] as string).replace(/"time":"[^"]+"/, '"time":"2000-01-01T00:00:00.000Z"');
    writeFileSync(file, lines.join('\n'));
    await assert.rejects(openEmbeddedLedger({ dir, signer, clock }), /broken at height 0: hash/);
  });

  it('lets one writer at a time hold the directory, and takes over a lock whose process is gone', async () => {
    const dir = tempDir();
    const ledger = await openEmbeddedLedger({ dir, signer, clock });
    await assert.rejects(openEmbeddedLedger({ dir, signer, clock }), /already open in this process/);
    await ledger.close();
    writeFileSync(join(dir, 'ledger.lock'), String(process.ppid)); // a live process holds it
    await assert.rejects(openEmbeddedLedger({ dir, signer, clock }), /in use by process/);
    writeFileSync(join(dir, 'ledger.lock'), '2147483646'); // no such process
    const reopened = await openEmbeddedLedger({ dir, signer, clock });
    await reopened.close();
  });
});
