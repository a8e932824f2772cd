import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { commands } from '../../../src/cli/commands/index.js';
import { dispatch } from '../../../src/cli/dispatch.js';

/** Runs `crossgate dlq ...` in process with CROSSGATE_API_KEY set (or not). */
async function dlq(args: string[], apiKey: string | null = 'k-admin-0123456789'): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = process.env['CROSSGATE_API_KEY'];
  if (apiKey === null) delete process.env['CROSSGATE_API_KEY'];
  else process.env['CROSSGATE_API_KEY'] = apiKey;
  let stdout = '';
  let stderr = '';
  try {
    const code = await dispatch(['dlq', ...args], commands, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
    return { code, stdout, stderr };
  } finally {
    if (saved === undefined) delete process.env['CROSSGATE_API_KEY'];
    else process.env['CROSSGATE_API_KEY'] = saved;
  }
}

/** A stand-in gateway that records requests and answers like the DLQ API. */
let server: Server;
let url: string;
const requests: { method: string; url: string; auth: string | undefined; body: string }[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body });
      if (req.url === '/v1/dlq/replay') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        const base = { total: 3, replayed: 0, duplicate: 0, failed: 0, overloaded: 0, skipped: 0, failedByCode: {} };
        res.write(`${JSON.stringify({ type: 'progress', ...base, done: 0 })}\n`);
        res.write(`${JSON.stringify({ type: 'progress', ...base, done: 2, replayed: 2 })}\n`);
        res.end(`${JSON.stringify({ type: 'summary', ...base, done: 3, replayed: 2, failed: 1, failedByCode: { CG_SCHEMA_INVALID: 1 } })}\n`);
      } else if (req.url?.startsWith('/v1/dlq?')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ items: [], next: null, total: 0 }));
      } else {
        res.writeHead(403, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ code: 'CG_FORBIDDEN', detail: 'This endpoint is for admin tenants.' }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('crossgate dlq', () => {
  it('refuses bad usage before calling anything', async () => {
    const before = requests.length;
    assert.equal((await dlq(['replay', '--url', url])).code, 2, 'no target');
    assert.equal((await dlq(['replay', '1', '--all', '--url', url])).code, 2, 'two targets');
    assert.equal((await dlq(['replay', '--state', 'open', '--code', 'CG_X', '--url', url])).code, 2, '--state does not apply');
    assert.equal((await dlq(['discard', '1', '--url', url])).code, 2, 'no reason');
    assert.equal((await dlq(['list', '--url', url], null)).code, 2, 'no key');
    assert.match((await dlq(['list', '--url', url], null)).stderr, /CROSSGATE_API_KEY/);
    assert.equal((await dlq(['frobnicate', '--url', url])).code, 2);
    assert.equal((await dlq(['list', '--api-key', 'x', '--url', url])).code, 2, 'no --api-key flag: keys stay out of shell history');
    assert.equal(requests.length, before);
  });

  it('replays a filter, drawing progress on stderr and the summary on stdout; exit 1 when some failed', async () => {
    const res = await dlq(['replay', '--code', 'CG_SCHEMA_UNKNOWN', '--sector', 'transport', '--url', url]);
    assert.equal(res.code, 1);
    const sent = requests.at(-1);
    assert.equal(sent?.auth, 'Bearer k-admin-0123456789');
    assert.deepEqual(JSON.parse(sent?.body ?? ''), { filter: { code: 'CG_SCHEMA_UNKNOWN', sector: 'transport' } });
    assert.match(res.stderr, /\[#{30}\] 100%\s+3\/3/);
    assert.match(res.stdout, /replayed 3 of 3 dead letters/);
    assert.match(res.stdout, /failed again\s+1\s+\(CG_SCHEMA_INVALID ×1/);
  });

  it('reports API problems and exits 2', async () => {
    const res = await dlq(['show', '42', '--url', url]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /403 CG_FORBIDDEN This endpoint is for admin tenants\./);
    const list = await dlq(['list', '--state', 'all', '--from', '2025-01-01T00:00:00Z', '--url', url]);
    assert.equal(list.code, 0);
    assert.equal(requests.at(-1)?.url, '/v1/dlq?state=all&from=2025-01-01T00%3A00%3A00Z&limit=50');
  });
});
