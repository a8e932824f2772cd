/**
 * The SM suite against an independent implementation the project does not otherwise use: Go's
 * github.com/emmansun/gmsm (test/interop/gmsm). Both ways: its SM2 signatures over our batch headers
 * verify in `crossgate verify` and in the core; ours verify in gmsm; its SM3 and SM3 Merkle roots over
 * our leaves match ours; Z_A agrees for the default and for another identifier.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { signedBytesOfHeader } from '../../src/core/batch-header.js';
import { digestBytes } from '../../src/core/digest.js';
import { fromHex, toBase64Url, toHex, utf8 } from '../../src/core/encoding.js';
import { MerkleTree } from '../../src/core/merkle-tree.js';
import { verifyReceipt } from '../../src/core/receipt.js';
import { generatePrivateKey, publicKeyOf, verifySignature } from '../../src/core/signer.js';
import { sm2PublicKeyOf, sm2Sign, sm2Verify, sm2Za } from '../../src/core/sm2.js';
import { gmsm } from '../support/gmsm.js';
import { exampleRecords, makeReceipt } from '../support/receipts.js';
import { runCli } from '../support/run-cli.js';

const hex = (bytes: Uint8Array) => toHex(bytes);
const sm3 = (data: Uint8Array): Uint8Array => digestBytes('sm3', data);
const dir = mkdtempSync(join(tmpdir(), 'crossgate-sm-interop-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SM2/SM3 against gmsm (Go, github.com/emmansun/gmsm)', () => {
  it('SM3 agrees on messages of every length around the 64-byte block', async () => {
    for (const length of [0, 1, 3, 55, 56, 63, 64, 65, 119, 128, 1000]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
      const theirs = await gmsm<{ digest: string }>('sm3', { data: hex(data) });
      assert.equal(theirs.digest, hex(sm3(data)), `length ${length}`);
    }
  });

  it('SM3 Merkle roots (RFC 6962 structure) over our leaves match theirs, for sizes 1 to 17', async () => {
    const leaves = Array.from({ length: 17 }, (_, i) => sm3(utf8(`record ${i}`)));
    for (let size = 1; size <= leaves.length; size++) {
      const part = leaves.slice(0, size);
      const ours = MerkleTree.build(part, 'sm3').root;
      const theirs = await gmsm<{ root: string }>('merkle-root', { leaves: part.map(hex) });
      assert.equal(theirs.root, hex(ours), `size ${size}`);
    }
    const empty = await gmsm<{ root: string }>('merkle-root', { leaves: [] });
    assert.equal(empty.root, hex(MerkleTree.build([], 'sm3').root));
  });

  it('Z_A agrees for the default identifier and for another one', async () => {
    for (let i = 0; i < 3; i++) {
      const publicKey = sm2PublicKeyOf(generatePrivateKey('SM2'), false);
      for (const uid of ['1234567812345678', 'dept-0042@beijing.gov.cn', '北京市交通委员会']) {
        const theirs = await gmsm<{ za: string }>('za', { publicKey: hex(publicKey), uid });
        assert.equal(theirs.za, hex(sm2Za(publicKey, uid)), uid);
      }
    }
  });

  it('their SM2 signatures over our batch headers verify in the core and in crossgate verify', async () => {
    const keys = await gmsm<{ privateKey: string; publicKey: string }>('keygen', {});
    const privateKey = fromHex(keys.privateKey);
    assert.equal(hex(sm2PublicKeyOf(privateKey, false)), keys.publicKey, 'same public key from the same scalar');
    const { receipt, record, header } = await makeReceipt({ alg: 'SM2', privateKey });
    const message = signedBytesOfHeader(header);
    for (let round = 0; round < 3; round++) {
      const theirs = await gmsm<{ r: string; s: string }>('sign', { privateKey: keys.privateKey, message: hex(message), uid: '1234567812345678' });
      const signature = fromHex(theirs.r + theirs.s);
      assert.equal(verifySignature('SM2', publicKeyOf('SM2', privateKey), message, signature), true);
      const withTheirs = { ...receipt, signature: toBase64Url(signature) };
      assert.equal(verifyReceipt(withTheirs, { record }).ok, true);
      const receiptFile = join(dir, `theirs-${round}.json`);
      const recordFile = join(dir, `record-${round}.json`);
      writeFileSync(receiptFile, JSON.stringify(withTheirs));
      writeFileSync(recordFile, JSON.stringify(record));
      const verified = runCli(['verify', receiptFile, '--record', recordFile]);
      assert.equal(verified.status, 0, verified.stdout + verified.stderr);
      // And one they made with another identifier does not pass as a default-identifier signature.
      const other = await gmsm<{ r: string; s: string }>('sign', { privateKey: keys.privateKey, message: hex(message), uid: 'other' });
      assert.equal(verifySignature('SM2', publicKeyOf('SM2', privateKey), message, fromHex(other.r + other.s)), false);
      assert.equal(sm2Verify(fromHex(other.r + other.s), message, publicKeyOf('SM2', privateKey), 'other'), true);
    }
  });

  it('our SM2 signatures verify in gmsm (headers, records, other identifiers), and altered ones do not', async () => {
    for (const record of exampleRecords()) {
      const privateKey = generatePrivateKey('SM2');
      const publicKey = hex(sm2PublicKeyOf(privateKey, false));
      const { header, receipt } = await makeReceipt({ alg: 'SM2', privateKey });
      const message = signedBytesOfHeader(header);
      const signature = Buffer.from(receipt.signature, 'base64url');
      const ask = (msg: Uint8Array, sig: Uint8Array, uid = '1234567812345678') =>
        gmsm<{ ok: boolean }>('verify', { publicKey, message: hex(msg), uid, r: hex(sig.subarray(0, 32)), s: hex(sig.subarray(32)) });
      assert.equal((await ask(message, signature)).ok, true, 'our header signature');
      const altered = Uint8Array.from(message);
      altered[10] = (altered[10] as number) ^ 1;
      assert.equal((await ask(altered, signature)).ok, false, 'altered header');
      const recordBytes = utf8(JSON.stringify(record));
      const uid = `${record.id}@${record.source}`;
      assert.equal((await ask(recordBytes, sm2Sign(recordBytes, privateKey, uid), uid)).ok, true, 'another identifier');
      assert.equal((await ask(recordBytes, sm2Sign(recordBytes, privateKey, uid))).ok, false, 'identifiers differ');
    }
  });
});
