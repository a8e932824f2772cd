/**
 * The README's quick start, literally: start the gateway with no configuration, run the `curl`
 * commands it prints for every examples/<type>.json, fetch the receipts, and check them with
 * `crossgate verify` (the real CLI, against the embedded ledger). Also: a bad setting stops the
 * process with a message naming it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { REPO_ROOT, startGatewayProcess, waitFor } from '../support/gateway.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Runs main.js with `env` and returns how it ended (it must end: the config is bad). */
async function startExpectingFailure(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  try {
    await run(process.execPath, [MAIN], { cwd: REPO_ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 120_000 });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code?: number | null; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : null, stderr: e.stderr ?? '' };
  }
}

describe('configuration errors stop the gateway with the setting named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crossgate-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('rejects a bad PORT, a missing CROSSGATE_PG_URL and a negative linger, naming each', async () => {
    for (const [env, setting] of [
      [{ PORT: 'eighty' }, 'PORT'],
      [{ CROSSGATE_STORE: 'postgres' }, 'CROSSGATE_PG_URL'],
      [{ CROSSGATE_BATCH_LINGER_MS: '-5' }, 'CROSSGATE_BATCH_LINGER_MS'],
      [{ CROSSGATE_STORE: 'mysql' }, 'CROSSGATE_STORE'],
    ] as const) {
      const result = await startExpectingFailure({ ...env, CROSSGATE_DATA_DIR: dir });
      assert.equal(result.code, 2, `${setting}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`${setting}: `));
    }
  });

  it('rejects an invalid tenants file, naming the file and the entry', async () => {
    const file = join(dir, 'tenants.yaml');
    writeFileSync(file, 'tenants:\n  - id: a\n    apiKeySha256: not-a-hash\n');
    const result = await startExpectingFailure({ PORT: '0', CROSSGATE_DATA_DIR: dir, CROSSGATE_TENANTS_FILE: file });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /CROSSGATE_TENANTS_FILE/);
    assert.match(result.stderr, /tenants\.0\.apiKeySha256/);
  });
});

describe('quick start: npm start, the printed curl, receipts that crossgate verify accepts', () => {
  it('works with no configuration at all', async () => {
    const gw = await startGatewayProcess({ readyTimeoutMs: 180_000 });
    try {
      const banner = gw.output.join('\n');
      const key = /Dev API key \(tenant "dev", every record type\): (\S+)/.exec(banner)?.[1];
      assert.ok(key !== undefined && key.startsWith('cg_'), banner);
      assert.equal(statSync(join(gw.dataDir, 'dev-api-key')).mode & 0o077, 0, 'the stored dev key is private to its owner');
      const submit = banner.split('\n').find((l) => l.trim().startsWith('curl') && l.includes('--data @examples/'))?.trim();
      assert.ok(submit !== undefined, banner);
      assert.ok(submit.includes(`${gw.url}/v1/records`));

      const examples = readdirSync(join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.json'));
      assert.equal(examples.length, 6, 'one example per record type');
      const submitted: { file: string; source: string; id: string }[] = [];
      for (const file of examples) {
        const command: string = submit.replace(/@examples\/\S+\.json/, `@examples/${file}`);
        const { stdout }: { stdout: string } = await run('sh', ['-c', command], { cwd: REPO_ROOT });
        const answer = JSON.parse(stdout) as { status: string; recordId: { source: string; id: string } };
        assert.equal(answer.status, 'accepted', `${file}: ${stdout}`);
        submitted.push({ file, ...answer.recordId });
      }
      const printedReceipt = banner.split('\n').find((l) => l.trim().startsWith('curl') && l.includes('/receipt'))?.trim();
      assert.ok(printedReceipt !== undefined, banner);

      const started = Date.now();
      for (const record of submitted) {
        const command: string = record.file === 'cn.gov.transport.trip.json'
          ? printedReceipt
          : `curl -sS -H 'Authorization: Bearer ${key}' ${gw.url}/v1/records/${encodeURIComponent(record.source)}/${encodeURIComponent(record.id)}/receipt`;
        const receipt = await waitFor(`receipt of ${record.file}`, async () => {
          const { stdout }: { stdout: string } = await run('sh', ['-c', command], { cwd: REPO_ROOT });
          const body = JSON.parse(stdout) as { code?: string };
          return body.code === 'CG_RECEIPT_PENDING' ? undefined : stdout;
        }, Math.max(1, 2000 - (Date.now() - started)));
        const receiptFile = join(gw.dataDir, `${record.file}.receipt.json`);
        writeFileSync(receiptFile, receipt);
        const verified = await run(process.execPath, [CLI, 'verify', receiptFile, '--record', join(REPO_ROOT, 'examples', record.file), '--ledger', join(gw.dataDir, 'ledger')], { cwd: REPO_ROOT });
        assert.match(verified.stdout, /receipt verified/);
        assert.match(verified.stdout, /ok {2}ledger/);
      }

      // The dev key survives a restart (scripts keep working), and is never in the structured logs.
      assert.equal(await gw.stop(), 0);
      await gw.restart();
      assert.equal((/Dev API key \(tenant "dev", every record type\): (\S+)/g.exec(gw.output.slice(-20).join('\n')) ?? [])[1], key);
      const logs = gw.output.filter((l) => l.startsWith('{'));
      assert.ok(logs.length > 0);
      assert.equal(logs.some((l) => l.includes(key)), false, 'the API key is printed in the banner only, never logged');
      assert.equal(readFileSync(join(gw.dataDir, 'dev-api-key'), 'utf8').trim(), key);
    } finally {
      await gw.cleanup();
    }
  });
});
