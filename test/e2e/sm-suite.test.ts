/**
 * The SM suite end to end (issue 18): a gateway process whose key is SM2 (generated with
 * CROSSGATE_SIGNING_ALG=SM2) takes records over REST and from Kafka, seals them in SM3 trees, signs
 * the headers with SM2 and anchors them on the embedded ledger. Every receipt verifies offline (the
 * core's verifier and `crossgate verify --record`) and online (`--ledger`); receipts with a changed
 * proof, header or signature fail, naming the check.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Message } from 'kafkajs';
import { sectors } from '../../adapters/kafka/topics.js';
import { canonicalDigestHex } from '../../src/core/digest.js';
import { verifyReceipt } from '../../src/core/receipt.js';
import type { Receipt } from '../../src/core/types.js';
import { recordPath } from '../../src/ingest/rest/record-paths.js';
import { http, startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway.js';
import { KafkaTestContext, kafkaConsumerEnv, uniqueGroupId } from '../support/kafka.js';
import { sectorMessage } from '../support/kafka-wire.js';
import { makeValidRecord, type GeneratedRecord, type RecordType } from '../support/record-factory.js';
import { runCli } from '../support/run-cli.js';

const API_KEY = 'sm-suite-e2e-dev-key-0123456789abcdef';
const sectorTypes: Record<(typeof sectors)[number], RecordType> = {
  transport: 'cn.gov.transport.trip',
  finance: 'cn.gov.finance.payment',
  telecom: 'cn.gov.telecom.cdr',
};

async function receiptOf(gateway: GatewayProcess, record: GeneratedRecord): Promise<Receipt> {
  return waitFor(`receipt of ${record.id}`, async () => {
    const res = await http(gateway.url, 'GET', `${recordPath(record)}/receipt`, { apiKey: API_KEY });
    return res.status === 200 ? (res.body as Receipt) : undefined;
  }, 60_000, 100);
}

describe('SM suite: a gateway with an SM2 key (REST and Kafka, embedded ledger)', () => {
  let ctx: KafkaTestContext;
  let gateway: GatewayProcess | undefined;
  let dir: string;
  before(async () => {
    ctx = await KafkaTestContext.open('sm-suite');
    dir = mkdtempSync(join(tmpdir(), 'crossgate-sm-suite-'));
  });
  after(async () => {
    await gateway?.cleanup();
    await ctx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('anchors REST and Kafka records with SM2 and SM3; receipts verify offline and on the ledger; tampered ones fail by check', async () => {
    const { topics, prefix } = await ctx.createSectorTopics();
    const kafkaRecords: GeneratedRecord[] = [];
    for (const sector of sectors) {
      const messages: Message[] = [];
      for (let i = 0; i < 20; i++) {
        const record = makeValidRecord(sectorTypes[sector], i, { idPrefix: `${prefix}-kafka-` });
        kafkaRecords.push(record);
        messages.push(sectorMessage(sector, record));
      }
      await ctx.produce(topics[sector], messages);
    }
    gateway = await startGatewayProcess({
      env: {
        CROSSGATE_DEV_API_KEY: API_KEY,
        CROSSGATE_SIGNING_ALG: 'SM2',
        CROSSGATE_BATCH_LINGER_MS: '50',
        CROSSGATE_LOG_LEVEL: 'warn',
        ...kafkaConsumerEnv(topics, uniqueGroupId('sm-suite')),
      },
      readyTimeoutMs: 120_000,
    });
    const restRecords = Array.from({ length: 7 }, (_, i) => makeValidRecord('cn.gov.transport.toll-passage', i, { idPrefix: `${prefix}-rest-` }));
    const posted = await http(gateway.url, 'POST', '/v1/records/batch', { apiKey: API_KEY, body: restRecords });
    assert.equal(posted.status, 200, posted.text);
    const single = makeValidRecord('cn.gov.finance.invoice', 1, { idPrefix: `${prefix}-rest-single-` });
    assert.equal((await http(gateway.url, 'POST', '/v1/records', { apiKey: API_KEY, body: single })).status, 202);

    const all = [...kafkaRecords, ...restRecords, single];
    const receipts = new Map<GeneratedRecord, Receipt>();
    for (const record of all) receipts.set(record, await receiptOf(gateway, record));
    const keyIds = new Set<string>();
    for (const [record, receipt] of receipts) {
      assert.equal(receipt.batch.signer.alg, 'SM2');
      assert.equal(receipt.digest, canonicalDigestHex(record, 'sm3'), 'the record digest is SM3 of its RFC 8785 form');
      assert.notEqual(receipt.digest, canonicalDigestHex(record, 'sha256'));
      assert.deepEqual(verifyReceipt(receipt, { record }), { ok: true, checks: ['format', 'digest', 'batch-id', 'proof', 'signature'] });
      keyIds.add(receipt.batch.signer.keyId);
    }
    assert.equal(keyIds.size, 1, 'one gateway key');
    assert.equal(await gateway.stop(), 0);

    // The CLI, offline and against the ledger the gateway wrote (one receipt per batch, plus a sample).
    const ledger = join(gateway.dataDir, 'ledger');
    const perBatch = new Map<string, [GeneratedRecord, Receipt]>();
    for (const [record, receipt] of receipts) perBatch.set(receipt.batch.id, [record, receipt]);
    assert.ok(perBatch.size >= 2, `REST and Kafka records sealed in ${perBatch.size} batches`);
    let n = 0;
    for (const [record, receipt] of perBatch.values()) {
      const receiptFile = join(dir, `receipt-${n}.json`);
      const recordFile = join(dir, `record-${n++}.json`);
      writeFileSync(receiptFile, JSON.stringify(receipt));
      writeFileSync(recordFile, JSON.stringify(record));
      const verified = runCli(['verify', receiptFile, '--record', recordFile, '--ledger', ledger]);
      assert.equal(verified.status, 0, verified.stdout + verified.stderr);
      assert.match(verified.stdout, /ok {2}signature/);
      assert.match(verified.stdout, /ok {2}ledger/);
    }

    // Tampered receipts fail, each at its own check.
    const [record, receipt] = [...perBatch.values()][0] as [GeneratedRecord, Receipt];
    const recordFile = join(dir, 'record-tampered.json');
    writeFileSync(recordFile, JSON.stringify(record));
    const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
    const signature = Buffer.from(receipt.signature, 'base64url');
    signature[40] = (signature[40] as number) ^ 1;
    const tampered: [string, Receipt][] = [
      ['proof', receipt.proof.length > 0
        ? { ...receipt, proof: [flip(receipt.proof[0] as string), ...receipt.proof.slice(1)] }
        : { ...receipt, leafIndex: receipt.leafIndex + 1 }],
      ['batch-id', { ...receipt, batch: { ...receipt.batch, sealedAt: '2020-01-01T00:00:00.000Z' } }],
      ['signature', { ...receipt, signature: signature.toString('base64url') }],
      ['digest', { ...receipt, digest: flip(receipt.digest) }],
    ];
    for (const [check, bad] of tampered) {
      const file = join(dir, `tampered-${check}.json`);
      writeFileSync(file, JSON.stringify(bad));
      const refused = runCli(['verify', file, '--record', recordFile, '--ledger', ledger]);
      assert.equal(refused.status, 1, `${check}: ${refused.stdout}${refused.stderr}`);
      assert.match(refused.stderr, new RegExp(`\\b${check}\\b`), `${check} is the failed check: ${refused.stderr}`);
      const offline = verifyReceipt(bad, { record });
      assert.equal(offline.ok ? 'ok' : offline.check, check);
    }
  });
});
