import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readiness } from '../../../src/ops/health.js';

describe('readiness', () => {
  it('is ready only when every dependency is, and names each with its detail', async () => {
    const ok = { health: async () => ({ ok: true, detail: 'fine' }) };
    const down = { health: async () => ({ ok: false, detail: 'connection refused' }) };
    const ready = await readiness({ store: ok, chain: ok }, 1000);
    assert.equal(ready.status, 'ready');
    assert.deepEqual(Object.keys(ready.checks), ['store', 'chain']);
    const notReady = await readiness({ store: ok, chain: down }, 1000);
    assert.equal(notReady.status, 'not-ready');
    assert.equal(notReady.checks.chain?.ok, false);
    assert.equal(notReady.checks.chain?.detail, 'connection refused');
    assert.equal(notReady.checks.store?.ok, true);
  });

  it('turns a throwing or hanging check into a failed one within the deadline', async () => {
    const throws = { health: async () => { throw new Error('ECONNREFUSED 127.0.0.1:9092'); } };
    const hangs = { health: () => new Promise<never>(() => {}) };
    const started = Date.now();
    const result = await readiness({ kafka: throws, store: hangs }, 100);
    assert.ok(Date.now() - started < 2000);
    assert.equal(result.status, 'not-ready');
    assert.match(result.checks.kafka?.detail ?? '', /ECONNREFUSED/);
    assert.match(result.checks.store?.detail ?? '', /no answer within 100 ms/);
  });
});
