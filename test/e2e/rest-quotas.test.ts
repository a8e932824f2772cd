/**
 * Per-tenant quotas on REST (issue 16, item 6), against a real gateway process: tenant A floods at
 * five times its quota while tenant B sends at half of its own. B loses nothing (every record 202);
 * A gets 429 problems with Retry-After and the RateLimit fields, and no more records through than its
 * bucket can hold over the time measured. How B's latency moves meanwhile is a bench figure
 * (`npm run bench -- overload` has the REST phases; the fairness figures are for a later bench).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashApiKey } from '../../src/config/tenants.js';
import { http, startGatewayProcess, type GatewayProcess, type HttpResult } from '../support/gateway.js';
import { makeValidRecord } from '../support/record-factory.js';

const KEY_A = 'quota-tenant-a-key-0123456789abcdef';
const KEY_B = 'quota-tenant-b-key-0123456789abcdef';
const RATE = 40;
const BURST = 40;
const SECONDS = 3;

describe('per-tenant quotas (REST)', () => {
  let gateway: GatewayProcess;
  const dir = mkdtempSync(join(tmpdir(), 'cg-quota-'));
  before(async () => {
    const tenantsFile = join(dir, 'tenants.json');
    writeFileSync(tenantsFile, JSON.stringify({
      tenants: [
        { id: 'a', apiKeySha256: hashApiKey(KEY_A), sourcePrefixes: ['/beijing'], allowedTypes: '*', quota: { recordsPerSecond: RATE, burst: BURST } },
        { id: 'b', apiKeySha256: hashApiKey(KEY_B), sourcePrefixes: ['/beijing'], allowedTypes: '*', quota: { recordsPerSecond: RATE, burst: BURST } },
      ],
    }));
    gateway = await startGatewayProcess({ env: { CROSSGATE_TENANTS_FILE: tenantsFile, CROSSGATE_BATCH_LINGER_MS: '20' }, readyTimeoutMs: 120_000 });
  });
  after(async () => {
    await gateway?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds a tenant flooding at 5x its quota to its bucket while another at its normal rate loses nothing', async () => {
    const post = (key: string, n: number): Promise<HttpResult> => http(gateway.url, 'POST', '/v1/records', {
      apiKey: key, body: makeValidRecord('cn.gov.transport.trip', n, { source: `/beijing/transport/${key.slice(13, 14)}`, idPrefix: `${key.slice(0, 14)}-` }),
    });
    // Open loop: A at 5x its rate, B at half of its rate, for SECONDS seconds.
    const answersA: Promise<HttpResult>[] = [];
    const answersB: Promise<HttpResult>[] = [];
    const started = performance.now();
    for (let tick = 0; tick < SECONDS * 10; tick++) {
      for (let k = 0; k < (5 * RATE) / 10; k++) answersA.push(post(KEY_A, tick * 100 + k));
      if (tick % 2 === 0) for (let k = 0; k < RATE / 10; k++) answersB.push(post(KEY_B, tick * 100 + k));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (tick + 1) * 100 - performance.now())));
    }
    const [a, b] = [await Promise.all(answersA), await Promise.all(answersB)];
    const elapsedSeconds = (performance.now() - started) / 1000;

    assert.deepEqual(b.filter((r) => r.status !== 202).map((r) => `${r.status} ${r.text}`), [], 'B loses nothing');
    const acceptedA = a.filter((r) => r.status === 202).length;
    const refusedA = a.filter((r) => r.status === 429);
    assert.equal(acceptedA + refusedA.length, a.length, 'A gets 202 or 429, nothing else');
    assert.ok(acceptedA >= BURST, `A got its burst through (${acceptedA})`);
    assert.ok(acceptedA <= BURST + RATE * elapsedSeconds, `A got ${acceptedA} through in ${elapsedSeconds.toFixed(2)} s: no more than its bucket holds`);
    assert.ok(refusedA.length >= a.length / 2, `most of A's flood is refused (${refusedA.length} of ${a.length})`);

    const refusal = refusedA[0] as HttpResult;
    assert.match(String(refusal.headers.get('content-type')), /^application\/problem\+json/);
    const problem = refusal.body as { code: string; status: number; retryAfterSeconds: number };
    assert.equal(problem.code, 'CG_QUOTA_EXCEEDED');
    assert.equal(problem.status, 429);
    assert.ok(Number(refusal.headers.get('retry-after')) >= 1);
    assert.equal(problem.retryAfterSeconds, Number(refusal.headers.get('retry-after')));
    assert.equal(refusal.headers.get('ratelimit-policy'), `"tenant";q=${BURST};w=1`);
    assert.match(String(refusal.headers.get('ratelimit')), /^"tenant";r=0;t=\d+$/);
    const acceptedB = b[0] as HttpResult;
    assert.match(String(acceptedB.headers.get('ratelimit')), /^"tenant";r=\d+;t=\d+$/, 'accepted answers carry the fields too');
  });

  it('refuses a batch larger than the burst without a Retry-After: it could never pass', async () => {
    const records = Array.from({ length: BURST + 1 }, (_, i) => makeValidRecord('cn.gov.transport.trip', 90_000 + i, { source: '/beijing/transport/b', idPrefix: 'quota-big-' }));
    const res = await http(gateway.url, 'POST', '/v1/records/batch', { apiKey: KEY_B, body: records });
    assert.equal(res.status, 429, res.text);
    assert.equal(res.headers.get('retry-after'), null);
    assert.match((res.body as { detail: string }).detail, /more than this tenant's burst of 40/);
  });
});
