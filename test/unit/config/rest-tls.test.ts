import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../../src/config/env.js';

const settingsOf = (env: Record<string, string>): readonly string[] => {
  try {
    parseConfig(env, '/nonexistent-dir');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.settings;
  }
  return assert.fail('expected a ConfigError');
};

describe('REST TLS settings (CROSSGATE_REST_TLS_*)', () => {
  it('leaves the door on plain HTTP without them', () => {
    assert.equal(parseConfig({}, '/srv').rest.tls, undefined);
  });

  it('refuses half a pair, client settings without HTTPS, unknown client auth and unreadable files, naming the setting', () => {
    assert.deepEqual(settingsOf({ CROSSGATE_REST_TLS_CERT_FILE: 'server.pem' }), ['CROSSGATE_REST_TLS_KEY_FILE']);
    assert.deepEqual(settingsOf({ CROSSGATE_REST_TLS_CLIENT_CA_FILE: 'ca.pem' }), ['CROSSGATE_REST_TLS_CLIENT_CA_FILE']);
    assert.deepEqual(settingsOf({ CROSSGATE_REST_TLS_CERT_FILE: 'a', CROSSGATE_REST_TLS_KEY_FILE: 'b', CROSSGATE_REST_TLS_CLIENT_AUTH: 'sometimes' }), ['CROSSGATE_REST_TLS_CLIENT_AUTH']);
    assert.deepEqual(settingsOf({ CROSSGATE_REST_TLS_CERT_FILE: 'a', CROSSGATE_REST_TLS_KEY_FILE: 'b', CROSSGATE_REST_TLS_CLIENT_AUTH: 'required' }), ['CROSSGATE_REST_TLS_CLIENT_AUTH']);
    assert.deepEqual(settingsOf({ CROSSGATE_REST_TLS_CERT_FILE: 'missing.pem', CROSSGATE_REST_TLS_KEY_FILE: 'missing.key' }), ['CROSSGATE_REST_TLS_CERT_FILE']);
  });
});
