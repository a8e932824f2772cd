/**
 * The gateway signing on a PKCS#11 token (issue 16, item 4), end to end: a key generated on a
 * SoftHSM2 token by the CLI, the gateway started with CROSSGATE_SIGNER=pkcs11, every example record
 * submitted over REST, and each receipt checked by `crossgate verify` pinned to the token key's id.
 * A wrong PIN stops the start with one line that names the setting and never the PIN; the PIN is in
 * no log line.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { http, REPO_ROOT, startGatewayProcess, waitFor } from '../support/gateway.js';
import { runCli } from '../support/run-cli.js';
import { newSoftHsmToken } from '../support/softhsm.js';

const API_KEY = 'cg_pkcs11-e2e-dev-key-0001';

describe('gateway with its signing key on a PKCS#11 token', () => {
  for (const alg of ['Ed25519', 'ES256'] as const) {
    it(`${alg}: every example record gets a receipt signed by the token that crossgate verify accepts`, async () => {
      const token = newSoftHsmToken();
      const generated = runCli(['keys', 'generate', '--alg', alg, '--pkcs11-module', token.module, '--token', token.tokenLabel, '--label', 'gateway-2026', '--pin-file', token.pinFile]);
      assert.equal(generated.status, 0, generated.stderr);
      const { keyId } = JSON.parse(generated.stdout) as { keyId: string };
      const gw = await startGatewayProcess({
        env: {
          ...token.env,
          CROSSGATE_DEV_API_KEY: API_KEY,
          CROSSGATE_SIGNER: 'pkcs11',
          CROSSGATE_SIGNING_ALG: alg,
          CROSSGATE_PKCS11_MODULE: token.module,
          CROSSGATE_PKCS11_TOKEN_LABEL: token.tokenLabel,
          CROSSGATE_PKCS11_KEY_LABEL: 'gateway-2026',
          CROSSGATE_PKCS11_PIN_FILE: token.pinFile,
          CROSSGATE_BATCH_LINGER_MS: '50',
          CROSSGATE_LOG_LEVEL: 'debug',
        },
        readyTimeoutMs: 120_000,
      });
      try {
        const loaded = gw.output.find((l) => l.includes('"signing key loaded"'));
        assert.ok(loaded !== undefined && loaded.includes(`"keyId":"${keyId}"`) && loaded.includes('"signer":"pkcs11"') && loaded.includes('"generatedOnToken":true'), loaded);
        const examples = readdirSync(join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.json'));
        assert.equal(examples.length, 6);
        for (const file of examples) {
          const record = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', file), 'utf8')) as { source: string; id: string };
          const submitted = await http(gw.url, 'POST', '/v1/records', { apiKey: API_KEY, body: record });
          assert.equal(submitted.status, 202, submitted.text);
          const path = `/v1/records/${encodeURIComponent(record.source)}/${encodeURIComponent(record.id)}/receipt`;
          const receipt = await waitFor(`receipt of ${file}`, async () => {
            const answer = await http(gw.url, 'GET', path, { apiKey: API_KEY });
            return answer.status === 200 ? answer.text : undefined;
          }, 20_000);
          const receiptFile = join(gw.dataDir, `${file}.receipt.json`);
          writeFileSync(receiptFile, receipt);
          const verified = runCli(['verify', receiptFile, '--record', join(REPO_ROOT, 'examples', file), '--ledger', join(gw.dataDir, 'ledger'), '--key-id', keyId]);
          assert.equal(verified.status, 0, verified.stdout + verified.stderr);
          assert.match(verified.stdout, /receipt verified/);
        }
        assert.equal(gw.output.some((l) => l.includes(token.pin)), false, 'the PIN is in no log line');
        const ready = await http(gw.url, 'GET', '/health/ready');
        assert.equal(ready.status, 200, ready.text);
        const signerCheck = (ready.body as { checks: Record<string, { ok: boolean; detail: string }> }).checks['signer'];
        assert.equal(signerCheck?.ok, true);
        assert.match(signerCheck?.detail ?? '', new RegExp(`token "${token.tokenLabel}", key "gateway-2026"`));
      } finally {
        await gw.cleanup();
      }
    });
  }

  it('a wrong PIN stops the start with one clear line, without the PIN', async () => {
    const token = newSoftHsmToken();
    const generated = runCli(['keys', 'generate', '--alg', 'ed25519', '--pkcs11-module', token.module, '--token', token.tokenLabel, '--label', 'k', '--pin-file', token.pinFile]);
    assert.equal(generated.status, 0, generated.stderr);
    const wrongPin = 'not-the-pin-0123456789';
    await assert.rejects(startGatewayProcess({
      env: {
        ...token.env,
        CROSSGATE_SIGNER: 'pkcs11',
        CROSSGATE_PKCS11_MODULE: token.module,
        CROSSGATE_PKCS11_TOKEN_LABEL: token.tokenLabel,
        CROSSGATE_PKCS11_KEY_LABEL: 'k',
        CROSSGATE_PKCS11_PIN: wrongPin,
      },
      readyTimeoutMs: 60_000,
    }), (error: Error) => {
      assert.match(error.message, /CKR_PIN_INCORRECT/);
      assert.equal(error.message.includes(wrongPin), false, error.message);
      return true;
    });
  });
});
