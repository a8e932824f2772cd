import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../../src/config/env.js';

describe('parseConfig: Fabric settings', () => {
  it('only checks the gateway key by default', () => {
    const c = parseConfig({ CROSSGATE_CHAIN: 'fabric', CROSSGATE_FABRIC_PROFILE: 'fabric/profile.json' }, '/srv');
    assert.deepEqual(c.chain, { kind: 'fabric', profile: '/srv/fabric/profile.json', registerKeyAs: undefined });
  });

  it('registers the key as the admin identity with CROSSGATE_FABRIC_REGISTER_KEY=true', () => {
    const base = { CROSSGATE_CHAIN: 'fabric', CROSSGATE_FABRIC_PROFILE: '/p.json', CROSSGATE_FABRIC_REGISTER_KEY: 'true' };
    assert.deepEqual(parseConfig(base, '/srv').chain, { kind: 'fabric', profile: '/p.json', registerKeyAs: 'admin' });
    assert.deepEqual(parseConfig({ ...base, CROSSGATE_FABRIC_ADMIN_IDENTITY: 'org2Admin' }, '/srv').chain, { kind: 'fabric', profile: '/p.json', registerKeyAs: 'org2Admin' });
    assert.deepEqual(parseConfig({ ...base, CROSSGATE_FABRIC_REGISTER_KEY: 'false', CROSSGATE_FABRIC_ADMIN_IDENTITY: 'org2Admin' }, '/srv').chain, { kind: 'fabric', profile: '/p.json', registerKeyAs: undefined });
  });

  it('refuses key registration without the Fabric chain, and a bad boolean', () => {
    for (const env of [{ CROSSGATE_FABRIC_REGISTER_KEY: 'true' }, { CROSSGATE_CHAIN: 'fabric', CROSSGATE_FABRIC_PROFILE: '/p.json', CROSSGATE_FABRIC_REGISTER_KEY: 'maybe' }]) {
      assert.throws(() => parseConfig(env, '/srv'), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.settings, ['CROSSGATE_FABRIC_REGISTER_KEY']);
        return true;
      });
    }
  });
});
