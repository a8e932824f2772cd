/**
 * The REST API end-to-end suite, over real HTTP against the real gateway process. Each test file runs
 * it against one store (embedded PGlite, PostgreSQL); nothing is mocked.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openEmbeddedLedger } from '../../adapters/chains/embedded/embedded-ledger.js';
import { hashApiKey } from '../../src/config/tenants.js';
import { producerSigningBytes } from '../../src/core/authorize.js';
import { toBase64Url } from '../../src/core/encoding.js';
import type { Receipt } from '../../src/core/types.js';
import { verifyAnchor, verifyReceipt } from '../../src/core/receipt.js';
import { generatePrivateKey, newSigner, publicKeyOf } from '../../src/core/signer.js';
import { type GatewayProcess, http, type HttpResult, startGatewayProcess, waitFor } from './gateway.js';
import { makeInvalidRecord, makeValidRecord, RECORD_TYPES, type RecordType } from './record-factory.js';
import { BatchSubmitResultSchema } from '../../src/ingest/rest/api-schemas.js';

/** How a suite gets its store: env for the gateway, and a cleanup. Called once per gateway. */
export type StoreSetup = () => Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>;

const run = randomBytes(4).toString('hex');
const key = (name: string) => `cg_test_${name}_${run}_${randomBytes(16).toString('base64url')}`;
const keys = { transport: key('transport'), finance: key('finance'), signed: key('signed'), all: key('all'), admin: key('admin') };
const prefix = `/e2e/${run}`;
const sources = { transport: `${prefix}/transport-a`, finance: `${prefix}/finance-b`, signed: `${prefix}/signed-c`, all: `${prefix}/all-d` };
const producerPrivate = generatePrivateKey('Ed25519');
const producer = newSigner('Ed25519', producerPrivate);
const forger = newSigner('Ed25519', generatePrivateKey('Ed25519'));

function tenantsFile(dir: string): string {
  const file = join(dir, 'tenants.json');
  writeFileSync(file, JSON.stringify({
    tenants: [
      { id: 'transport-a', apiKeySha256: hashApiKey(keys.transport), sourcePrefixes: [sources.transport], allowedTypes: ['cn.gov.transport.trip', 'cn.gov.transport.toll-passage'] },
      { id: 'finance-b', apiKeySha256: [hashApiKey(keys.finance)], sourcePrefixes: [sources.finance], allowedTypes: '*' },
      {
        id: 'signed-c', apiKeySha256: hashApiKey(keys.signed), sourcePrefixes: [sources.signed], allowedTypes: '*', requireProducerSignature: true,
        producerKeys: [{ keyId: 'producer-1', alg: 'Ed25519', publicKey: toBase64Url(publicKeyOf('Ed25519', producerPrivate)) }],
      },
      { id: 'all-d', apiKeySha256: hashApiKey(keys.all), sourcePrefixes: [sources.all], allowedTypes: '*' },
      { id: 'auditor', role: 'admin', apiKeySha256: hashApiKey(keys.admin) },
    ],
  }));
  return file;
}

let counter = 0;
function record(type: RecordType, source: string): Record<string, unknown> & { id: string; source: string } {
  counter += 1;
  return makeValidRecord(type, counter, { idPrefix: `${run}-`, source });
}

const recordUrl = (r: { source: string; id: string }) => `/v1/records/${encodeURIComponent(r.source)}/${encodeURIComponent(r.id)}`;

function assertProblem(res: HttpResult, status: number, code: string): Record<string, unknown> {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text.slice(0, 500)}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const body = res.body as Record<string, unknown>;
  assert.equal(body['code'], code);
  assert.equal(body['status'], status);
  assert.equal(typeof body['title'], 'string');
  assert.equal(typeof body['detail'], 'string');
  assert.equal(body['type'], `urn:crossgate:problem:${code}`);
  return body;
}

async function receiptOf(gw: GatewayProcess, apiKey: string, r: { source: string; id: string }, timeoutMs: number): Promise<Receipt> {
  return waitFor(`receipt of ${r.id}`, async () => {
    const res = await http(gw.url, 'GET', `${recordUrl(r)}/receipt`, { apiKey });
    if (res.status === 200) return res.body as Receipt;
    assertProblem(res, 404, 'CG_RECEIPT_PENDING');
    assert.equal(res.headers.get('retry-after'), '1');
    return undefined;
  }, timeoutMs);
}

/** Anchors per batch id in the embedded ledger file (read after the gateway stopped). */
function ledgerAnchorCounts(dataDir: string): Map<string, number> {
  const counts = new Map<string, number>();
  const text = readFileSync(join(dataDir, 'ledger', 'ledger.jsonl'), 'utf8');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    for (const a of (JSON.parse(line) as { anchors: { batchId: string }[] }).anchors) counts.set(a.batchId, (counts.get(a.batchId) ?? 0) + 1);
  }
  return counts;
}

export function runRestSuite(storeName: string, setupStore: StoreSetup): void {
  describe(`REST API over HTTP (${storeName} store)`, () => {
    let gw: GatewayProcess;
    let cleanupStore: () => Promise<void> = async () => undefined;
    const confDir = join(process.env['TMPDIR'] ?? '/tmp', `crossgate-e2e-conf-${run}-${storeName}`);

    before(async () => {
      mkdirSync(confDir, { recursive: true });
      const store = await setupStore();
      cleanupStore = store.cleanup;
      gw = await startGatewayProcess({
        env: {
          ...store.env,
          CROSSGATE_TENANTS_FILE: tenantsFile(confDir),
          CROSSGATE_REST_BATCH_LIMIT: '150',
          CROSSGATE_REST_BODY_LIMIT_BYTES: String(256 * 1024),
        },
        readyTimeoutMs: 180_000,
      });
    });
    after(async () => {
      await gw?.cleanup();
      await cleanupStore();
      rmSync(confDir, { recursive: true, force: true });
    });

    it('accepts one record of each type, and each receipt arrives within 2 s and verifies', async () => {
      const records = RECORD_TYPES.map((t) => record(t, sources.all));
      for (const r of records) {
        const res = await http(gw.url, 'POST', '/v1/records', { apiKey: keys.all, body: r });
        assert.equal(res.status, 202, res.text);
        const body = res.body as { status: string; recordId: unknown; digest: string; batchId: string; links: { receipt: string } };
        assert.equal(body.status, 'accepted');
        assert.deepEqual(body.recordId, { source: r.source, id: r.id });
        assert.match(body.digest, /^[0-9a-f]{64}$/);
        assert.equal(res.headers.get('location'), recordUrl(r));
        assert.equal(body.links.receipt, `${recordUrl(r)}/receipt`);
      }
      const started = Date.now();
      for (const r of records) {
        const receipt = await receiptOf(gw, keys.all, r, Math.max(1, 2000 - (Date.now() - started)));
        const verdict = verifyReceipt(receipt, { record: r });
        assert.equal(verdict.ok, true, JSON.stringify(verdict));
        assert.equal(receipt.chain.kind, 'embedded');
        const status = await http(gw.url, 'GET', recordUrl(r), { apiKey: keys.all });
        assert.equal(status.status, 200);
        assert.equal((status.body as { status: string }).status, 'anchored');
        const batch = await http(gw.url, 'GET', `/v1/batches/${receipt.batch.id}`, { apiKey: keys.all });
        assert.equal(batch.status, 200);
        assert.equal((batch.body as { state: string }).state, 'anchored');
        assert.deepEqual((batch.body as { header: unknown }).header, receipt.batch);
        assert.equal('lastError' in (batch.body as object), false, 'lastError is for admins only');
      }
      // The embedded ledger has no offline anchor proof: asking for one is a clear 400, a bad flag too.
      const first = records[0] as { source: string; id: string };
      assertProblem(await http(gw.url, 'GET', `${recordUrl(first)}/receipt?anchorProof=true`, { apiKey: keys.all }), 400, 'CG_REQUEST_INVALID');
      assertProblem(await http(gw.url, 'GET', `${recordUrl(first)}/receipt?anchorProof=yes`, { apiKey: keys.all }), 400, 'CG_REQUEST_INVALID');
      assert.equal((await http(gw.url, 'GET', `${recordUrl(first)}/receipt?anchorProof=false`, { apiKey: keys.all })).status, 200);
    });

    it('answers each record of a batch on its own: accepted, rejected with issues, duplicate', async () => {
      const earlier = record('cn.gov.finance.payment', sources.finance);
      assert.equal((await http(gw.url, 'POST', '/v1/records', { apiKey: keys.finance, body: earlier })).status, 202);
      const valid = Array.from({ length: 100 }, (_, i) => record(RECORD_TYPES[i % RECORD_TYPES.length] as RecordType, sources.finance));
      const invalid = makeInvalidRecord('bad-currency', counter + 1, { idPrefix: `${run}-x-`, source: sources.finance }) as { id: string; source: string };
      const unknownType = makeInvalidRecord('unknown-type', counter + 2, { idPrefix: `${run}-y-`, source: sources.finance });
      const res = await http(gw.url, 'POST', '/v1/records/batch', { apiKey: keys.finance, body: [...valid, invalid, earlier, unknownType, 42] });
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json; charset=utf-8$/);
      const documented = BatchSubmitResultSchema.safeParse(res.body);
      assert.ok(documented.success, `the answer is the documented BatchSubmitResult: ${JSON.stringify(documented.error?.issues)}`);
      const body = res.body as { counts: Record<string, number>; results: { index: number; status: string; batchId?: string; problem?: { code: string; issues?: unknown[] } }[] };
      assert.deepEqual(body.counts, { accepted: 100, duplicate: 1, rejected: 3, overloaded: 0 });
      assert.deepEqual(body.results.map((r) => r.index), Array.from({ length: 104 }, (_, i) => i));
      assert.ok(body.results.slice(0, 100).every((r) => r.status === 'accepted' && typeof r.batchId === 'string'));
      assert.equal(body.results[100]?.status, 'rejected');
      assert.equal(body.results[100]?.problem?.code, 'CG_SCHEMA_INVALID');
      assert.ok((body.results[100]?.problem?.issues?.length ?? 0) > 0, 'schema failures carry zod issues');
      assert.equal(body.results[101]?.status, 'duplicate');
      assert.equal(body.results[102]?.problem?.code, 'CG_SCHEMA_UNKNOWN');
      assert.equal(body.results[103]?.problem?.code, 'CG_ENVELOPE_INVALID');
      const status = await http(gw.url, 'GET', recordUrl(invalid), { apiKey: keys.finance });
      assert.equal(status.status, 200, status.text);
      const s = status.body as { status: string; problem: { code: string } };
      assert.equal(s.status, 'rejected');
      assert.equal(s.problem.code, 'CG_SCHEMA_INVALID');
    });

    it('dead-letters each rejected item of a batch as the bytes sent, even one nested too deep to re-serialize', async () => {
      const valid = record('cn.gov.telecom.cdr', sources.all);
      const deepId = `${run}-deep-${counter++}`;
      const oddId = `${run}-odd-${counter++}`;
      // 20,000 levels: JSON.parse takes it, a recursive JSON.stringify of the parsed item does not.
      const deep = `{"specversion":"1.0","id":"${deepId}","source":"${sources.all}","type":"cn.gov.transport.trip","data":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
      const odd = `{ "specversion" : "1.0", "id":"${oddId}", "source":"${sources.all}",\n "type":"cn.gov.transport.trip", "data":{"fare":1.0E1, "note":"\\u0041"} }`;
      const body = `[${JSON.stringify(valid)},\n  ${deep} ,${odd}\n]`;
      const res = await http(gw.url, 'POST', '/v1/records/batch', { apiKey: keys.all, body });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual((res.body as { counts: unknown }).counts, { accepted: 1, duplicate: 0, rejected: 2, overloaded: 0 });
      for (const [id, sent] of [[deepId, deep], [oddId, odd]] as const) {
        const list = await http(gw.url, 'GET', `/v1/dlq?source=${encodeURIComponent(sources.all)}&limit=200`, { apiKey: keys.admin });
        assert.equal(list.status, 200, list.text);
        const entry = (list.body as { items: { id: string; recordId: { id: string } | null }[] }).items.find((d) => d.recordId?.id === id);
        assert.ok(entry, `a dead letter for ${id}`);
        const shown = await http(gw.url, 'GET', `/v1/dlq/${entry.id}`, { apiKey: keys.admin });
        assert.equal((shown.body as { payload: { text: string } }).payload.text, sent, 'the item exactly as sent');
      }
    });

    it('answers lookups holding U+0000 and cursors it never handed out with 404/400/200, never 5xx', async () => {
      const nulRecord = `/v1/records/${encodeURIComponent(`${sources.all}\u0000`)}/${encodeURIComponent('x\u0000')}`;
      assert.equal((await http(gw.url, 'GET', nulRecord, { apiKey: keys.all })).status, 404);
      assert.equal((await http(gw.url, 'GET', `${nulRecord}/receipt`, { apiKey: keys.all })).status, 404);
      assert.equal((await http(gw.url, 'GET', '/v1/batches/ab%00', { apiKey: keys.all })).status, 404);
      assert.equal((await http(gw.url, 'GET', '/v1/dlq/ab%00', { apiKey: keys.admin })).status, 404);
      const filtered = await http(gw.url, 'GET', '/v1/dlq?source=%2Fa%00&tenant=t%00', { apiKey: keys.admin });
      assert.equal(filtered.status, 200, filtered.text);
      assert.equal((filtered.body as { total: number }).total, 0);
      assertProblem(await http(gw.url, 'GET', '/v1/dlq?cursor=not-a-cursor', { apiKey: keys.admin }), 400, 'CG_REQUEST_INVALID');
    });

    it('is idempotent on (source, id): same content answers 200 with the original result, different content 409', async () => {
      const r = record('cn.gov.transport.trip', sources.transport);
      const concurrent = await Promise.all(Array.from({ length: 5 }, () => http(gw.url, 'POST', '/v1/records', { apiKey: keys.transport, body: r })));
      assert.deepEqual(concurrent.map((c) => c.status).sort(), [200, 200, 200, 200, 202]);
      const results = concurrent.map((c) => c.body as { status: string; batchId: string; leafIndex: number; digest: string });
      const first = results.find((x) => x.status === 'accepted');
      assert.ok(first);
      for (const x of results) {
        assert.equal(x.batchId, first.batchId);
        assert.equal(x.leafIndex, first.leafIndex);
        assert.equal(x.digest, first.digest);
      }
      const again = await http(gw.url, 'POST', '/v1/records', { apiKey: keys.transport, body: r });
      assert.equal(again.status, 200);
      assert.equal((again.body as { status: string }).status, 'duplicate');
      assert.equal((again.body as { batchId: string }).batchId, first.batchId);
      const changed = structuredClone(r);
      (changed['data'] as Record<string, unknown>)['distanceMeters'] = 1;
      changed['time'] = '2020-01-01T00:00:00+08:00';
      assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey: keys.transport, body: changed }), 409, 'CG_DUPLICATE_CONFLICT');
      const receipt = await receiptOf(gw, keys.transport, r, 10_000);
      assert.equal(receipt.digest, first.digest, 'the conflicting submission did not replace the record');
    });

    it('authenticates with Bearer API keys', async () => {
      const r = record('cn.gov.transport.trip', sources.transport);
      const none = assertProblem(await http(gw.url, 'POST', '/v1/records', { body: r }), 401, 'CG_UNAUTHENTICATED');
      assert.ok(none);
      const wrong = await http(gw.url, 'POST', '/v1/records', { apiKey: `${keys.transport}x`, body: r });
      assertProblem(wrong, 401, 'CG_UNAUTHENTICATED');
      assert.match(wrong.headers.get('www-authenticate') ?? '', /^Bearer/);
      assertProblem(await http(gw.url, 'GET', recordUrl(r), { headers: { authorization: `Basic ${keys.transport}` } }), 401, 'CG_UNAUTHENTICATED');
    });

    it('answers malformed, oversized and mistyped bodies with 400/413/415 problems, never 500', async () => {
      const apiKey = keys.all;
      assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey, body: '{"specversion":"1.0",' }), 400, 'CG_MALFORMED_JSON');
      assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey, body: '' , contentType: 'application/json' }), 400, 'CG_MALFORMED_JSON');
      assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey, body: '{"__proto__":{"polluted":true}}' }), 400, 'CG_MALFORMED_JSON');
      assertProblem(await http(gw.url, 'POST', '/v1/records/batch', { apiKey, body: '[1,2' }), 400, 'CG_MALFORMED_JSON');
      assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey, body: 'id=1', contentType: 'application/x-www-form-urlencoded' }), 415, 'CG_UNSUPPORTED_MEDIA_TYPE');
      assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey, body: '{}', contentType: 'text/plain' }), 415, 'CG_UNSUPPORTED_MEDIA_TYPE');
      const big = record('cn.gov.transport.trip', sources.all);
      big['subject'] = 'x'.repeat(300 * 1024);
      assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey, body: big }), 413, 'CG_PAYLOAD_TOO_LARGE');
      const tooMany = Array.from({ length: 151 }, () => ({}));
      assertProblem(await http(gw.url, 'POST', '/v1/records/batch', { apiKey, body: tooMany }), 413, 'CG_BATCH_TOO_LARGE');
      assertProblem(await http(gw.url, 'POST', '/v1/records/batch', { apiKey, body: { records: [] } }), 400, 'CG_REQUEST_INVALID');
      assertProblem(await http(gw.url, 'POST', '/v1/records/batch', { apiKey, body: [] }), 400, 'CG_REQUEST_INVALID');
      // The same body as application/cloudevents+json is accepted (the media type is the only difference).
      const ce = await http(gw.url, 'POST', '/v1/records', { apiKey, body: record('cn.gov.telecom.cdr', sources.all), contentType: 'application/cloudevents+json; charset=utf-8' });
      assert.equal(ce.status, 202, ce.text);
    });

    it('refuses what I-JSON forbids (duplicate members, invalid UTF-8, lone surrogates) with CG_NOT_I_JSON, alone in a batch', async () => {
      const apiKey = keys.all;
      const good = record('cn.gov.transport.trip', sources.all);
      const text = JSON.stringify(good);
      const duplicateId = text.replace(/\}$/, `,"id":"${good.id}-other"}`);
      const invalidUtf8 = Buffer.concat([Buffer.from(text.replace(/\}$/, ',"subject":"')), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
      const encodedSurrogate = Buffer.concat([Buffer.from(text.replace(/\}$/, ',"subject":"')), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);
      const loneSurrogate = text.replace(/\}$/, ',"subject":"\\ud800"}');
      for (const [body, issue] of [[duplicateId, 'duplicate_member'], [invalidUtf8, 'invalid_utf8'], [encodedSurrogate, 'invalid_utf8'], [loneSurrogate, 'lone_surrogate']] as const) {
        const p = assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey, body }), 400, 'CG_NOT_I_JSON');
        assert.deepEqual((p['issues'] as { code: string }[]).map((i) => i.code), [issue]);
        assert.match(String(p['detail']), /^not I-JSON \(RFC 7493\)/);
      }
      assertProblem(await http(gw.url, 'POST', '/v1/records/batch', { apiKey, body: Buffer.concat([Buffer.from('['), invalidUtf8, Buffer.from(']')]) }), 400, 'CG_NOT_I_JSON');
      // In a batch, each item is judged alone: the good ones get receipts.
      const second = record('cn.gov.telecom.cdr', sources.all);
      const res = await http(gw.url, 'POST', '/v1/records/batch', { apiKey, body: `[${text},${duplicateId},${loneSurrogate},${JSON.stringify(second)}]` });
      assert.equal(res.status, 200, res.text);
      const answer = res.body as { counts: Record<string, number>; results: { status: string; problem?: { code: string } }[] };
      assert.deepEqual(answer.counts, { accepted: 2, duplicate: 0, rejected: 2, overloaded: 0 });
      assert.deepEqual(answer.results.map((r) => r.problem?.code ?? r.status), ['accepted', 'CG_NOT_I_JSON', 'CG_NOT_I_JSON', 'accepted']);
      await waitFor('receipts for the good items', async () => {
        const receipts = await Promise.all([good, second].map((r) => http(gw.url, 'GET', `${recordUrl(r)}/receipt`, { apiKey })));
        return receipts.every((r) => r.status === 200) ? true : undefined;
      }, 30_000);
    });

    it('refuses sources that are not one identity (dot, %2e and empty segments) and ids with bidi or zero-width characters', async () => {
      const apiKey = keys.transport;
      for (const source of [`${sources.transport}/../../shanghai/finance`, `${sources.transport}/%2e%2e/%2e%2e/x`, `${sources.transport}/%2E%2E/x`, `${sources.transport}//x`, `${sources.transport}/`]) {
        const p = assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey, body: { ...record('cn.gov.transport.trip', sources.transport), source } }), 400, 'CG_ENVELOPE_INVALID');
        assert.deepEqual((p['issues'] as { path: unknown[] }[]).map((i) => i.path), [['source']], source);
      }
      for (const id of ['a\u202eb\u200b', 'a\u2066b', '\ufeffa', 'a\u061c']) {
        const p = assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey, body: { ...record('cn.gov.transport.trip', sources.transport), id } }), 400, 'CG_ENVELOPE_INVALID');
        assert.match(JSON.stringify(p['issues']), /bidi controls, zero-width characters/, JSON.stringify(id));
      }
    });

    it('rejects invalid records with the core code, its HTTP status and the zod issues', async () => {
      const apiKey = keys.all;
      const invalid = makeInvalidRecord('negative-duration', 1, { idPrefix: `${run}-neg-`, source: sources.all });
      const p = assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey, body: invalid }), 422, 'CG_SCHEMA_INVALID');
      const issues = p['issues'] as { path: unknown[]; message: string }[];
      assert.ok(issues.length > 0);
      assert.ok(issues.some((i) => i.path[0] === 'data'), JSON.stringify(issues));
      assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey, body: makeInvalidRecord('unknown-type', 1, { idPrefix: `${run}-u-`, source: sources.all }) }), 422, 'CG_SCHEMA_UNKNOWN');
      assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey, body: { specversion: '1.0', id: 'x' } }), 400, 'CG_ENVELOPE_INVALID');
      assertProblem(await http(gw.url, 'GET', '/v1/nothing-here', { apiKey }), 404, 'CG_NOT_FOUND');
      assertProblem(await http(gw.url, 'GET', `/v1/records/${encodeURIComponent(sources.all)}/no-such-id`, { apiKey }), 404, 'CG_NOT_FOUND');
      assertProblem(await http(gw.url, 'GET', '/v1/batches/0000', { apiKey }), 404, 'CG_NOT_FOUND');
    });

    it('isolates tenants: no foreign sources or types, and foreign records are 404 (not 403)', async () => {
      const foreignSource = record('cn.gov.transport.trip', sources.finance);
      assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey: keys.transport, body: foreignSource }), 403, 'CG_SOURCE_FORBIDDEN');
      const lookalike = record('cn.gov.transport.trip', `${sources.transport}x/depot`);
      assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey: keys.transport, body: lookalike }), 403, 'CG_SOURCE_FORBIDDEN');
      const wrongType = record('cn.gov.finance.payment', `${sources.transport}/depot-1`);
      assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey: keys.transport, body: wrongType }), 403, 'CG_TYPE_FORBIDDEN');

      const mine = record('cn.gov.transport.toll-passage', `${sources.transport}/gantry-7`);
      assert.equal((await http(gw.url, 'POST', '/v1/records', { apiKey: keys.transport, body: mine })).status, 202);
      await receiptOf(gw, keys.transport, mine, 10_000);
      const missing = { source: mine.source, id: `${mine.id}-missing` };
      const foreignStatus = await http(gw.url, 'GET', recordUrl(mine), { apiKey: keys.finance });
      const missingStatus = await http(gw.url, 'GET', recordUrl(missing), { apiKey: keys.finance });
      assertProblem(foreignStatus, 404, 'CG_NOT_FOUND');
      assert.deepEqual({ ...(foreignStatus.body as object), instance: null }, { ...(missingStatus.body as object), instance: null }, 'a foreign record looks exactly like a missing one');
      assertProblem(await http(gw.url, 'GET', `${recordUrl(mine)}/receipt`, { apiKey: keys.finance }), 404, 'CG_NOT_FOUND');
      // A rejected record of another tenant does not leak either.
      assertProblem(await http(gw.url, 'GET', recordUrl(wrongType), { apiKey: keys.finance }), 404, 'CG_NOT_FOUND');
      // The admin role reads everything.
      const asAdmin = await http(gw.url, 'GET', recordUrl(mine), { apiKey: keys.admin });
      assert.equal(asAdmin.status, 200);
      assert.equal((asAdmin.body as { status: string }).status, 'anchored');
      assert.equal((await http(gw.url, 'GET', `${recordUrl(mine)}/receipt`, { apiKey: keys.admin })).status, 200);
      const batch = await http(gw.url, 'GET', `/v1/batches/${(asAdmin.body as { batchId: string }).batchId}`, { apiKey: keys.admin });
      assert.equal(batch.status, 200);
      assert.ok('lastError' in (batch.body as object));
    });

    it('verifies producer signatures where the tenant requires them and rejects forgeries', async () => {
      type Rec = ReturnType<typeof record>;
      const sign = async (r: Rec, signer: typeof producer, kid = 'producer-1'): Promise<Rec> => {
        const withKid: Rec = { ...r, producerkid: kid };
        return { ...withKid, producersig: toBase64Url(await signer.sign(producerSigningBytes(withKid))) };
      };
      const unsigned = record('cn.gov.finance.invoice', sources.signed);
      assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey: keys.signed, body: unsigned }), 403, 'CG_PRODUCER_SIGNATURE_MISSING');
      const forged = await sign(record('cn.gov.finance.invoice', sources.signed), forger);
      assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey: keys.signed, body: forged }), 403, 'CG_PRODUCER_SIGNATURE_INVALID');
      const signed = await sign(record('cn.gov.finance.invoice', sources.signed), producer);
      const tampered = structuredClone(signed);
      tampered['subject'] = 'changed after signing';
      assertProblem(await http(gw.url, 'POST', '/v1/records', { apiKey: keys.signed, body: tampered }), 403, 'CG_PRODUCER_SIGNATURE_INVALID');
      const ok = await http(gw.url, 'POST', '/v1/records', { apiKey: keys.signed, body: signed });
      assert.equal(ok.status, 202, ok.text);
      const receipt = await receiptOf(gw, keys.signed, signed, 10_000);
      assert.equal(verifyReceipt(receipt, { record: signed }).ok, true, 'the receipt covers the record with its signature');
    });

    it('serves the JSON Schemas and the OpenAPI document', async () => {
      const list = await http(gw.url, 'GET', '/v1/schemas');
      assert.equal(list.status, 200);
      const schemas = (list.body as { schemas: { type: string; version: number; href: string }[] }).schemas;
      assert.deepEqual(schemas.map((s) => s.type).sort(), [...RECORD_TYPES].sort());
      for (const s of schemas) {
        const one = await http(gw.url, 'GET', s.href);
        assert.equal(one.status, 200);
        assert.match(one.headers.get('content-type') ?? '', /^application\/schema\+json/);
        assert.equal((one.body as { type?: string }).type, 'object');
      }
      assertProblem(await http(gw.url, 'GET', '/v1/schemas/cn.gov.transport.trip/99'), 404, 'CG_NOT_FOUND');
      const doc = await http(gw.url, 'GET', '/openapi.json');
      assert.equal(doc.status, 200);
      const openapi = doc.body as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
      assert.equal(openapi.openapi, '3.1.0');
      for (const path of ['/v1/records', '/v1/records/batch', '/v1/records/{source}/{id}', '/v1/records/{source}/{id}/receipt', '/v1/batches/{batchId}', '/v1/schemas', '/v1/schemas/{type}/{version}']) {
        assert.ok(path in openapi.paths, `${path} documented`);
      }
      for (const ref of doc.text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
        assert.ok(ref[1] !== undefined && ref[1] in openapi.components.schemas, `dangling $ref ${ref[1]}`);
      }
      const docs = await http(gw.url, 'GET', '/docs');
      assert.equal(docs.status, 200);
      assert.match(docs.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(docs.text, /\/v1\/records\/batch/);
      assert.doesNotMatch(docs.text, /https?:\/\/(?!127\.0\.0\.1)[^"'\s]*\.(js|css)/, 'no external assets (the machine may be offline)');
    });

    it('never logs API keys', () => {
      const all = gw.output.join('\n');
      for (const k of Object.values(keys)) assert.equal(all.includes(k), false);
    });
  });

  describe(`REST back-pressure and restart (${storeName} store)`, () => {
    it('answers 503 with Retry-After while the outbox is full, and accepts again once the chain is back', async () => {
      const store = await setupStore();
      const dataDir = join(process.env['TMPDIR'] ?? '/tmp', `crossgate-e2e-bp-${run}-${storeName}`);
      const maintenance = join(dataDir, 'ledger', 'MAINTENANCE');
      mkdirSync(join(dataDir, 'ledger'), { recursive: true });
      writeFileSync(maintenance, 'e2e: chain down\n');
      const apiKey = key('bp');
      const gw = await startGatewayProcess({
        dataDir,
        env: { ...store.env, CROSSGATE_DEV_API_KEY: apiKey, CROSSGATE_OUTBOX_MAX_BATCHES: '1', CROSSGATE_RETRY_INITIAL_MS: '50', CROSSGATE_RETRY_MAX_MS: '200' },
        readyTimeoutMs: 180_000,
      });
      try {
        const first = record('cn.gov.transport.trip', '/bp/first');
        assert.equal((await http(gw.url, 'POST', '/v1/records', { apiKey, body: first })).status, 202);
        const blocked = record('cn.gov.transport.trip', '/bp/second');
        const single = await http(gw.url, 'POST', '/v1/records', { apiKey, body: blocked });
        const p = assertProblem(single, 503, 'CG_OVERLOADED');
        assert.match(single.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
        assert.equal(p['retryAfterSeconds'], Number(single.headers.get('retry-after')));
        const batch = await http(gw.url, 'POST', '/v1/records/batch', { apiKey, body: [blocked] });
        assertProblem(batch, 503, 'CG_OVERLOADED');
        assert.ok(batch.headers.get('retry-after'));
        assertProblem(await http(gw.url, 'GET', recordUrl(blocked), { apiKey }), 404, 'CG_NOT_FOUND');

        rmSync(maintenance);
        await receiptOf(gw, apiKey, first, 15_000);
        const later = await waitFor('admission reopens', async () => {
          const res = await http(gw.url, 'POST', '/v1/records', { apiKey, body: blocked });
          return res.status === 503 ? undefined : res;
        }, 15_000, 100);
        assert.equal(later.status, 202, later.text);
      } finally {
        await gw.cleanup();
        rmSync(dataDir, { recursive: true, force: true });
        await store.cleanup();
      }
    });

    it('anchors records left in the outbox by a killed gateway after restart, each batch once', async () => {
      const store = await setupStore();
      const dataDir = join(process.env['TMPDIR'] ?? '/tmp', `crossgate-e2e-rs-${run}-${storeName}`);
      const maintenance = join(dataDir, 'ledger', 'MAINTENANCE');
      mkdirSync(join(dataDir, 'ledger'), { recursive: true });
      writeFileSync(maintenance, 'e2e: chain down until restart\n');
      const apiKey = key('restart');
      const gw = await startGatewayProcess({
        dataDir,
        env: { ...store.env, CROSSGATE_DEV_API_KEY: apiKey, CROSSGATE_RETRY_INITIAL_MS: '50', CROSSGATE_RETRY_MAX_MS: '200' },
        readyTimeoutMs: 180_000,
      });
      try {
        const batch = Array.from({ length: 60 }, (_, i) => record(RECORD_TYPES[i % RECORD_TYPES.length] as RecordType, '/restart/batch'));
        const res = await http(gw.url, 'POST', '/v1/records/batch', { apiKey, body: batch });
        assert.equal(res.status, 200, res.text);
        assert.equal((res.body as { counts: { accepted: number } }).counts.accepted, 60);
        const singles = Array.from({ length: 3 }, () => record('cn.gov.telecom.cdr', '/restart/single'));
        for (const r of singles) assert.equal((await http(gw.url, 'POST', '/v1/records', { apiKey, body: r })).status, 202);
        const accepted = [...batch, ...singles];
        const before = await http(gw.url, 'GET', recordUrl(singles[0]!), { apiKey });
        assert.equal((before.body as { status: string }).status, 'sealed');
        assertProblem(await http(gw.url, 'GET', `${recordUrl(singles[0]!)}/receipt`, { apiKey }), 404, 'CG_RECEIPT_PENDING');
        const batchIds = new Set<string>();
        for (const r of accepted) {
          const s = await http(gw.url, 'GET', recordUrl(r), { apiKey });
          batchIds.add((s.body as { batchId: string }).batchId);
        }

        await gw.kill9();
        rmSync(maintenance);
        await gw.restart();

        const receipts: Receipt[] = [];
        for (const r of accepted) {
          const receipt = await receiptOf(gw, apiKey, r, 30_000);
          assert.equal(verifyReceipt(receipt, { record: r }).ok, true);
          assert.ok(batchIds.has(receipt.batch.id), 'anchored in the batch it was sealed into before the crash');
          receipts.push(receipt);
        }
        const replay = await http(gw.url, 'POST', '/v1/records', { apiKey, body: singles[1] });
        assert.equal(replay.status, 200, 'a record from before the crash is a duplicate after it');
        assert.equal(await gw.stop(), 0, 'clean shutdown on SIGTERM');

        const counts = ledgerAnchorCounts(dataDir);
        for (const id of batchIds) assert.equal(counts.get(id), 1, `batch ${id} anchored exactly once`);
        const ledger = await openEmbeddedLedger({ dir: join(dataDir, 'ledger'), signer: newSigner('Ed25519', generatePrivateKey('Ed25519')), clock: { now: () => Date.now() }, readOnly: true });
        try {
          assert.equal(ledger.verifyChain().ok, true);
          for (const receipt of receipts.slice(0, 5)) {
            assert.equal(verifyAnchor(receipt, await ledger.lookup(receipt.batch.id)).ok, true);
          }
        } finally {
          await ledger.close();
        }
      } finally {
        await gw.cleanup();
        if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
        await store.cleanup();
      }
    });
  });
}
