/**
 * Key rotation without downtime (issue 16, item 5), against a real gateway process on the embedded
 * ledger: a next key and the moment it takes over (CROSSGATE_SIGNING_ROTATE_AT, a few seconds after
 * the start) are configured; records are submitted one after another until one is sealed under the
 * next key. Every receipt, before and after, verifies with `crossgate verify` pinned to its key id,
 * and the first batch of the new key names the last batch of the old one (the prev chain is intact).
 * Once with key files, once with two key pairs on a PKCS#11 token (SoftHSM2).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Receipt } from '../../src/core/types.js';
import { http, startGatewayProcess, waitFor } from '../support/gateway.js';
import { makeValidRecord } from '../support/record-factory.js';
import { runCli } from '../support/run-cli.js';
import { newSoftHsmToken } from '../support/softhsm.js';

const API_KEY = 'cg_rotation-e2e-dev-key-0001';
const TYPE = 'cn.gov.transport.toll-passage';

interface Keys {
  readonly env: Record<string, string>;
  readonly current: string;
  readonly next: string;
}

function fileKeys(): Keys {
  const dir = mkdtempSync(join(tmpdir(), 'cg-rotate-'));
  const make = (name: string): string => {
    const out = runCli(['keys', 'generate', '--alg', 'ed25519', '--out', join(dir, name)]);
    assert.equal(out.status, 0, out.stderr);
    return (JSON.parse(out.stdout) as { keyId: string }).keyId;
  };
  const current = make('2026.pem');
  const next = make('2027.pem');
  return { current, next, env: { CROSSGATE_SIGNING_KEY_FILE: join(dir, '2026.pem'), CROSSGATE_SIGNING_NEXT_KEY_FILE: join(dir, '2027.pem') } };
}

function tokenKeys(): Keys {
  const token = newSoftHsmToken();
  const make = (label: string): string => {
    const out = runCli(['keys', 'generate', '--alg', 'p256', '--pkcs11-module', token.module, '--token', token.tokenLabel, '--label', label, '--pin-file', token.pinFile]);
    assert.equal(out.status, 0, out.stderr);
    return (JSON.parse(out.stdout) as { keyId: string }).keyId;
  };
  const current = make('gateway-2026');
  const next = make('gateway-2027');
  return {
    current, next,
    env: {
      ...token.env,
      CROSSGATE_SIGNER: 'pkcs11', CROSSGATE_SIGNING_ALG: 'ES256',
      CROSSGATE_PKCS11_MODULE: token.module, CROSSGATE_PKCS11_TOKEN_LABEL: token.tokenLabel, CROSSGATE_PKCS11_PIN_FILE: token.pinFile,
      CROSSGATE_PKCS11_KEY_LABEL: 'gateway-2026', CROSSGATE_PKCS11_NEXT_KEY_LABEL: 'gateway-2027',
    },
  };
}

/**
 * The moment lies far enough after the start that a loaded machine still starts the gateway before
 * it (starts take 3–10 s here); both variants run at once so the wait is paid once.
 */
const START_MARGIN_MS = 25_000;

async function rotationRun(keys: Keys): Promise<void> {
  const { env, current, next } = keys;
  const rotateAt = new Date(Date.now() + START_MARGIN_MS).toISOString();
  const gw = await startGatewayProcess({
    env: { ...env, CROSSGATE_SIGNING_ROTATE_AT: rotateAt, CROSSGATE_DEV_API_KEY: API_KEY, CROSSGATE_BATCH_LINGER_MS: '20', CROSSGATE_LOG_LEVEL: 'info' },
    readyTimeoutMs: 120_000,
  });
  try {
    assert.ok(gw.output.some((l) => l.includes('next signing key loaded') && l.includes(`"keyId":"${next}"`) && l.includes(`"previousKeyId":"${current}"`)), 'the start-up log names both keys');
    // One record at a time (each answer comes once its batch is sealed), until the next key has sealed one.
    const receipts: { receipt: Receipt; text: string; n: number }[] = [];
    const deadline = Date.parse(rotateAt) + 30_000;
    for (let n = 0; Date.now() < deadline; n++) {
      const record = makeValidRecord(TYPE, n);
      const answer = await http(gw.url, 'POST', '/v1/records', { apiKey: API_KEY, body: record });
      assert.equal(answer.status, 202, answer.text);
      const path = `/v1/records/${encodeURIComponent(record.source)}/${encodeURIComponent(record.id)}/receipt`;
      const got = await waitFor(`receipt ${n}`, async () => {
        const r = await http(gw.url, 'GET', path, { apiKey: API_KEY });
        return r.status === 404 ? undefined : r;
      }, 20_000, 10);
      assert.equal(got.status, 200, got.text);
      const receipt = got.body as Receipt;
      receipts.push({ receipt, text: got.text, n });
      if (receipt.batch.signer.keyId === next) break;
    }
    const firstNew = receipts.findIndex((r) => r.receipt.batch.signer.keyId === next);
    assert.ok(firstNew > 0, `a batch under each key (keys seen: ${receipts.map((r) => r.receipt.batch.signer.keyId).join(', ')})`);
    assert.ok(receipts.slice(0, firstNew).every((r) => r.receipt.batch.signer.keyId === current));
    const lastOld = receipts[firstNew - 1]?.receipt as Receipt;
    const newOne = receipts[firstNew]?.receipt as Receipt;
    assert.equal(newOne.batch.prev, lastOld.batch.id, 'the first batch of the new key names the last of the old');
    assert.ok(Date.parse(newOne.batch.sealedAt) >= Date.parse(rotateAt), 'the new key signs only from the moment on');
    assert.ok(Date.parse(lastOld.batch.sealedAt) < Date.parse(rotateAt));
    for (const { receipt, text, n } of [receipts[0], receipts[firstNew - 1], receipts[firstNew]] as { receipt: Receipt; text: string; n: number }[]) {
      const receiptFile = join(gw.dataDir, `receipt-${n}.json`);
      const recordFile = join(gw.dataDir, `record-${n}.json`);
      writeFileSync(receiptFile, text);
      writeFileSync(recordFile, JSON.stringify(makeValidRecord(TYPE, n)));
      const verified = runCli(['verify', receiptFile, '--record', recordFile, '--ledger', join(gw.dataDir, 'ledger'), '--key-id', receipt.batch.signer.keyId]);
      assert.equal(verified.status, 0, verified.stdout + verified.stderr);
      const other = receipt.batch.signer.keyId === current ? next : current;
      const pinnedToOther = runCli(['verify', receiptFile, '--record', recordFile, '--ledger', join(gw.dataDir, 'ledger'), '--key-id', other]);
      assert.equal(pinnedToOther.status, 1, 'pinned to the other key, the receipt fails');
    }
  } finally {
    await gw.cleanup();
  }
}

describe('signing key rotation at a moment the operator picks', () => {
  it('key files and a PKCS#11 token: batches before and after the moment verify, and the prev chain runs across it', async () => {
    const results = await Promise.allSettled([rotationRun(fileKeys()), rotationRun(tokenKeys())]);
    for (const [i, result] of results.entries()) {
      if (result.status === 'rejected') throw new Error(`${i === 0 ? 'key files' : 'PKCS#11 token'}: ${String(result.reason)}`, { cause: result.reason });
    }
  });
});
