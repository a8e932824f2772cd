/**
 * Hostile input on the REST door, against a real gateway process: the named bad-input table
 * (test/support/bad-inputs.ts) with the code each class must get, the REST-only limits (body, batch,
 * media type), a batch mixing every bad class with good records (the good ones get receipts), and a
 * seeded property run of random and spoiled bodies. Invariants: never a 5xx, the process stays up.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { hashApiKey } from '../../src/config/tenants.js';
import { utf8Violation } from '../../src/core/i-json.js';
import { recordPath } from '../../src/ingest/rest/record-paths.js';
import { casesAt, expectedAt, render, type CaseContext } from '../support/bad-inputs.js';
import { type GatewayProcess, http, startGatewayProcess, waitFor } from '../support/gateway.js';
import { makeValidRecord, RECORD_TYPES, type GeneratedRecord } from '../support/record-factory.js';

const run = randomBytes(4).toString('hex');
const apiKey = `cg_test_fuzz_${run}_${randomBytes(16).toString('base64url')}`;
const BATCH_LIMIT = 200;
const BODY_LIMIT = 256 * 1024;
const context: CaseContext = {
  unownedSource: '/nobody/owns/this',
  restrictedSource: '/beijing/transport/metro-operator-3',
  otherType: 'cn.gov.transport.toll-passage',
  numericField: 'distanceMeters',
};
/** True when `item` is one JSON value inside an array (a leading BOM, for one, is not). */
function parsesAsItem(item: Buffer): boolean {
  try {
    JSON.parse(`[${item.toString('utf8')}]`);
    return true;
  } catch {
    return false;
  }
}

let counter = 0;
const trip = (): GeneratedRecord => makeValidRecord('cn.gov.transport.trip', counter++, { idPrefix: `fuzz-${run}-` });

describe('REST door under hostile input (bad-input table, properties)', () => {
  let gw: GatewayProcess;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-rest-fuzz-'));
    const tenants = join(dir, 'tenants.json');
    writeFileSync(tenants, JSON.stringify({
      tenants: [{
        id: 'fuzz', apiKeySha256: hashApiKey(apiKey), sourcePrefixes: ['/beijing/transport', '/shanghai/finance', '/guangdong/telecom'],
        allowedTypes: RECORD_TYPES.filter((t) => t !== context.otherType),
      }],
    }));
    gw = await startGatewayProcess({
      env: { CROSSGATE_TENANTS_FILE: tenants, CROSSGATE_REST_BATCH_LIMIT: String(BATCH_LIMIT), CROSSGATE_REST_BODY_LIMIT_BYTES: String(BODY_LIMIT), CROSSGATE_LOG_LEVEL: 'warn' },
      readyTimeoutMs: 120_000,
    });
  });
  after(async () => {
    await gw?.cleanup();
  });

  const post = (path: string, body: Buffer | string, contentType = 'application/json') => http(gw.url, 'POST', path, { apiKey, body, contentType });

  it(`answers every class of the bad-input table with its code (${casesAt('rest').length} classes), never a 5xx`, async () => {
    const cases = casesAt('rest');
    assert.ok(cases.length >= 40, `${cases.length} classes`);
    const wrong: string[] = [];
    for (const c of cases) {
      const res = await post('/v1/records', render(c, 'rest', trip(), context) as Buffer);
      const expected = expectedAt(c, 'rest');
      const got = res.status < 300 ? 'accepted' : String((res.body as { code?: unknown } | undefined)?.code);
      if (res.status >= 500 || got !== expected) wrong.push(`${c.name}: expected ${expected}, got ${res.status} ${got} ${res.text.slice(0, 200)}`);
      if (res.status >= 400) assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, c.name);
    }
    assert.deepEqual(wrong, []);
  });

  it('holds the REST limits at and over each one: body size, batch size, media type, shape', async () => {
    const atLimit = Array.from({ length: BATCH_LIMIT }, trip);
    assert.equal((await post('/v1/records/batch', JSON.stringify(atLimit))).status, 200, 'a batch at the limit');
    const over = await post('/v1/records/batch', JSON.stringify([...Array.from({ length: BATCH_LIMIT }, trip), trip()]));
    assert.deepEqual([over.status, (over.body as { code: string }).code], [413, 'CG_BATCH_TOO_LARGE']);
    const padded = (size: number) => {
      const r = trip();
      const text = JSON.stringify(r);
      const body = text.replace(/\}$/, `${' '.repeat(size - Buffer.byteLength(text))}}`);
      assert.equal(Buffer.byteLength(body), size);
      return body;
    };
    assert.equal((await post('/v1/records', padded(BODY_LIMIT))).status, 202, 'a body at the limit');
    const tooBig = await post('/v1/records', padded(BODY_LIMIT + 1));
    assert.deepEqual([tooBig.status, (tooBig.body as { code: string }).code], [413, 'CG_PAYLOAD_TOO_LARGE']);
    for (const [body, contentType, status, code] of [
      ['[]', 'application/json', 400, 'CG_REQUEST_INVALID'],
      ['{"records":[]}', 'application/json', 400, 'CG_REQUEST_INVALID'],
      ['[1,', 'application/json', 400, 'CG_MALFORMED_JSON'],
      ['[{}]', 'text/plain', 415, 'CG_UNSUPPORTED_MEDIA_TYPE'],
      ['[{}]', 'application/json; charset=latin-1', 200, undefined],
    ] as const) {
      const res = await post('/v1/records/batch', body, contentType);
      assert.equal(res.status, status, `${body} as ${contentType}: ${res.text}`);
      if (code !== undefined) assert.equal((res.body as { code: string }).code, code);
    }
  });

  it('judges each item of a batch mixing every bad class with good records; the good ones get receipts', async () => {
    const cases = casesAt('rest');
    const good: GeneratedRecord[] = [];
    const items: Buffer[] = [];
    const expected: string[] = [];
    for (const c of cases) {
      const item = render(c, 'rest', trip(), context) as Buffer;
      // An item that is not one JSON value, or not UTF-8, spoils the whole body (the first test has them alone).
      const alone = expectedAt(c, 'rest') as string;
      if (alone === 'CG_MALFORMED_JSON' || utf8Violation(item) !== null || !parsesAsItem(item)) continue;
      const r = trip();
      good.push(r);
      items.push(item, Buffer.from(JSON.stringify(r)));
      expected.push(alone, 'accepted');
    }
    const body = Buffer.concat([Buffer.from('['), ...items.flatMap((b, i) => (i === 0 ? [b] : [Buffer.from(','), b])), Buffer.from(']')]);
    const res = await post('/v1/records/batch', body);
    assert.equal(res.status, 200, res.text.slice(0, 500));
    const results = (res.body as { results: { status: string; problem?: { code: string } }[] }).results;
    assert.deepEqual(results.map((r) => (r.status === 'accepted' ? 'accepted' : r.problem?.code ?? r.status)), expected);
    await waitFor('receipts for every good record of the mixed batch', async () => {
      for (const r of good) {
        if ((await http(gw.url, 'GET', `${recordPath(r)}/receipt`, { apiKey })).status !== 200) return undefined;
      }
      return true;
    }, 60_000, 200);
  });

  it('property (seeded): random bytes and spoiled records never get a 5xx, and the gateway stays up', async () => {
    const spoiled = fc.tuple(fc.nat(), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([at, cut, insert]) => {
      const text = Buffer.from(JSON.stringify(trip()));
      const i = at % text.length;
      return Buffer.concat([text.subarray(0, i), Buffer.from(insert), text.subarray(Math.min(text.length, i + (cut % 4)))]);
    });
    const body = fc.oneof(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), spoiled, fc.json({ maxDepth: 3 }).map((s) => Buffer.from(s)));
    await fc.assert(fc.asyncProperty(body, fc.boolean(), async (bytes, batch) => {
      const res = await post(batch ? '/v1/records/batch' : '/v1/records', batch ? Buffer.concat([Buffer.from('['), bytes, Buffer.from(']')]) : bytes);
      assert.ok(res.status < 500, `status ${res.status} for ${bytes.toString('hex')}: ${res.text.slice(0, 300)}`);
    }), { seed: 1515, numRuns: 300 });
    assert.equal((await http(gw.url, 'GET', '/health/ready')).status, 200);
  });
});
