import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { discardManySchema, listQuerySchema, payloadView, replayBodySchema, toFilter } from '../../../src/ops/dlq-api.js';

describe('DLQ API shapes', () => {
  it('parses list queries: filters, times as RFC 3339 or epoch ms, a bounded limit', () => {
    const q = listQuerySchema.parse({ code: 'CG_SCHEMA_UNKNOWN', source: '/beijing', from: '2025-01-01T00:00:00Z', to: '1735689600001', limit: '20' });
    assert.deepEqual(toFilter(q), { code: 'CG_SCHEMA_UNKNOWN', sourcePrefix: '/beijing', from: 1735689600000, to: 1735689600001 });
    assert.equal(q.limit, 20);
    assert.equal(listQuerySchema.parse({}).limit, 50);
    assert.equal(listQuerySchema.safeParse({ limit: '5000' }).success, false);
    assert.equal(listQuerySchema.safeParse({ from: 'yesterday' }).success, false);
    assert.equal(listQuerySchema.safeParse({ code: 'not a code' }).success, false);
    assert.equal(listQuerySchema.safeParse({ bogus: '1' }).success, false, 'unknown parameters are errors, not ignored');
  });

  it('needs exactly one replay target, and all: true rather than an empty filter', () => {
    assert.equal(replayBodySchema.safeParse({ ids: ['1'] }).success, true);
    assert.equal(replayBodySchema.safeParse({ filter: { code: 'CG_SCHEMA_UNKNOWN' } }).success, true);
    assert.equal(replayBodySchema.safeParse({ all: true }).success, true);
    assert.equal(replayBodySchema.safeParse({}).success, false);
    assert.equal(replayBodySchema.safeParse({ filter: {} }).success, false);
    assert.equal(replayBodySchema.safeParse({ ids: ['1'], all: true }).success, false);
    assert.equal(replayBodySchema.safeParse({ all: false }).success, false);
  });

  it('needs a reason to discard', () => {
    assert.equal(discardManySchema.safeParse({ ids: ['1'] }).success, false);
    assert.equal(discardManySchema.safeParse({ ids: ['1'], reason: '  ' }).success, false);
    assert.equal(discardManySchema.safeParse({ ids: ['1'], reason: 'test data' }).success, true);
  });

  it('shows payloads as JSON, text or base64 depending on the bytes', () => {
    assert.deepEqual(payloadView(Buffer.from('{"a":1}')), { encoding: 'utf8', text: '{"a":1}', json: { a: 1 }, size: 7 });
    assert.deepEqual(payloadView(Buffer.from('a,b,c')), { encoding: 'utf8', text: 'a,b,c', size: 5 });
    assert.deepEqual(payloadView(Uint8Array.of(0xff, 0xfe, 0x00)), { encoding: 'base64', base64: '//4A', size: 3 });
  });

  it('shows JSON nested deeper than JSON.stringify can write as text, so the answer can still be written', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const view = payloadView(Buffer.from(deep));
    assert.deepEqual(view, { encoding: 'utf8', text: deep, size: deep.length });
    assert.equal(JSON.stringify(view).length > deep.length, true);
  });
});
