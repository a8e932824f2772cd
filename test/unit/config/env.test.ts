import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../../src/config/env.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env, '/srv');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('parseConfig', () => {
  it('starts on embedded defaults with an empty environment', () => {
    const c = parseConfig({}, '/srv');
    assert.equal(c.port, 8080);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.dataDir, '/srv/.crossgate');
    assert.deepEqual(c.store, { kind: 'embedded' });
    assert.deepEqual(c.chain, { kind: 'embedded' });
    assert.equal(c.tenantsFile, undefined);
    assert.equal(c.devApiKey, undefined);
    assert.equal(c.rest.batchLimit, 1000);
    assert.ok(c.limits.lingerMs > 0 && c.limits.lingerMs <= 1000, 'default linger leaves receipts well inside 2 s');
  });

  it('reads settings and resolves relative paths against the working directory', () => {
    const c = parseConfig({
      PORT: '9000', CROSSGATE_DATA_DIR: 'state', CROSSGATE_TENANTS_FILE: 'conf/tenants.yaml',
      CROSSGATE_STORE: 'postgres', CROSSGATE_PG_URL: 'postgres://u:pw@127.0.0.1:5432/cg', CROSSGATE_PG_POOL_SIZE: '4', CROSSGATE_PG_QUERY_TIMEOUT_MS: '5000',
      CROSSGATE_REST_BATCH_LIMIT: '50', CROSSGATE_BATCH_LINGER_MS: '0', CROSSGATE_DEV_API_KEY: 'a-fixed-dev-key-123',
    }, '/srv');
    assert.equal(c.port, 9000);
    assert.equal(c.dataDir, '/srv/state');
    assert.equal(c.tenantsFile, '/srv/conf/tenants.yaml');
    assert.deepEqual(c.store, { kind: 'postgres', connectionString: 'postgres://u:pw@127.0.0.1:5432/cg', poolSize: 4, queryTimeoutMs: 5000 });
    assert.equal(c.rest.batchLimit, 50);
    assert.equal(c.limits.lingerMs, 0);
    assert.equal(c.devApiKey, 'a-fixed-dev-key-123');
  });

  it('sizes the prepare pool and the ready threshold, within their bounds', () => {
    const d = parseConfig({}, '/srv');
    const cores = availableParallelism();
    assert.equal(d.rest.prepareWorkers, Math.min(4, Math.max(1, cores - 1)));
    assert.equal(d.limits.readyBatchRecords, 1000);
    const c = parseConfig({ CROSSGATE_PREPARE_WORKERS: '0', CROSSGATE_BATCH_READY_RECORDS: '5000', CROSSGATE_BATCH_MAX_RECORDS: '2000' }, '/srv');
    assert.equal(c.rest.prepareWorkers, 0);
    assert.equal(c.limits.readyBatchRecords, 2000, 'never above the batch cap');
    assert.deepEqual(configError({ CROSSGATE_PREPARE_WORKERS: '-1', CROSSGATE_BATCH_READY_RECORDS: '0' }).settings.toSorted(),
      ['CROSSGATE_BATCH_READY_RECORDS', 'CROSSGATE_PREPARE_WORKERS']);
  });

  it('names every bad setting in the error', () => {
    const e = configError({ PORT: '70000', CROSSGATE_STORE: 'mysql', CROSSGATE_LOG_LEVEL: 'loud' });
    assert.deepEqual([...e.settings].sort(), ['CROSSGATE_LOG_LEVEL', 'CROSSGATE_STORE', 'PORT']);
    for (const s of e.settings) assert.match(e.message, new RegExp(`^  ${s}: `, 'm'));
    assert.match(e.message, /"70000"/, 'the offending value is shown');
  });

  it('requires the settings a choice depends on', () => {
    assert.deepEqual(configError({ CROSSGATE_STORE: 'postgres' }).settings, ['CROSSGATE_PG_URL']);
    assert.deepEqual(configError({ CROSSGATE_CHAIN: 'fabric' }).settings, ['CROSSGATE_FABRIC_PROFILE']);
    assert.deepEqual(configError({ CROSSGATE_RETRY_INITIAL_MS: '5000', CROSSGATE_RETRY_MAX_MS: '100' }).settings, ['CROSSGATE_RETRY_MAX_MS']);
  });

  it('never echoes secrets it rejects', () => {
    const short = configError({ CROSSGATE_DEV_API_KEY: 'short-secret' });
    assert.deepEqual(short.settings, ['CROSSGATE_DEV_API_KEY']);
    assert.equal(short.message.includes('short-secret'), false);
    const url = configError({ CROSSGATE_STORE: 'postgres', CROSSGATE_PG_URL: 'mysql://u:hunter2@h/db' });
    assert.deepEqual(url.settings, ['CROSSGATE_PG_URL']);
    assert.equal(url.message.includes('hunter2'), false);
  });
});
