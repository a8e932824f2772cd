import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../../src/config/env.js';

const token = { CROSSGATE_SIGNER: 'pkcs11', CROSSGATE_PKCS11_MODULE: 'lib/libsofthsm2.so', CROSSGATE_PKCS11_TOKEN_LABEL: 'gw', CROSSGATE_PKCS11_KEY_LABEL: 'gateway-2026' };

function problems(env: Record<string, string>): readonly string[] {
  try {
    parseConfig(env, '/srv');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.settings;
  }
  return assert.fail('expected a ConfigError');
}

describe('signer settings (CROSSGATE_SIGNER, CROSSGATE_PKCS11_*)', () => {
  it('defaults to the key file signer', () => {
    assert.deepEqual(parseConfig({}, '/srv').signer, { kind: 'file' });
  });

  it('reads a PKCS#11 token key with the PIN from a file, paths against the working directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-pin-'));
    writeFileSync(join(dir, 'pin'), '123456\n');
    const config = parseConfig({ ...token, CROSSGATE_PKCS11_PIN_FILE: join(dir, 'pin'), CROSSGATE_SIGNING_ALG: 'ES256' }, '/srv');
    assert.deepEqual(config.signer, { kind: 'pkcs11', module: '/srv/lib/libsofthsm2.so', tokenLabel: 'gw', keyLabel: 'gateway-2026', pin: '123456' });
  });

  it('names every missing or conflicting setting, and never echoes the PIN', () => {
    assert.deepEqual(problems({ CROSSGATE_SIGNER: 'pkcs11' }), ['CROSSGATE_PKCS11_MODULE', 'CROSSGATE_PKCS11_TOKEN_LABEL', 'CROSSGATE_PKCS11_KEY_LABEL', 'CROSSGATE_PKCS11_PIN_FILE']);
    assert.deepEqual(problems({ ...token, CROSSGATE_PKCS11_PIN: 'x', CROSSGATE_PKCS11_PIN_FILE: '/p' }), ['CROSSGATE_PKCS11_PIN']);
    assert.deepEqual(problems({ ...token, CROSSGATE_PKCS11_PIN_FILE: '/no/such/pin' }), ['CROSSGATE_PKCS11_PIN_FILE']);
    assert.deepEqual(problems({ ...token, CROSSGATE_PKCS11_PIN: 'x', CROSSGATE_SIGNING_ALG: 'SM2' }), ['CROSSGATE_SIGNING_ALG']);
    assert.deepEqual(problems({ ...token, CROSSGATE_PKCS11_PIN: 'x', CROSSGATE_SIGNING_KEY_FILE: 'k.pem' }), ['CROSSGATE_SIGNING_KEY_FILE']);
    assert.deepEqual(problems({ CROSSGATE_PKCS11_PIN: 'x' }), ['CROSSGATE_PKCS11_PIN']);
    assert.deepEqual(problems({ CROSSGATE_SIGNER: 'kms' }), ['CROSSGATE_SIGNER']);
    try {
      parseConfig({ ...token, CROSSGATE_PKCS11_PIN: 'secret-pin-1', CROSSGATE_PKCS11_PIN_FILE: '/p' }, '/srv');
    } catch (error) {
      assert.equal((error as Error).message.includes('secret-pin-1'), false);
    }
  });

  it('takes a scheduled rotation: the instant with the next key of the signer kind, both or neither', () => {
    assert.deepEqual(parseConfig({ CROSSGATE_SIGNING_NEXT_KEY_FILE: 'keys/2027.pem', CROSSGATE_SIGNING_ROTATE_AT: '2027-01-01T08:00:00+08:00' }, '/srv').signer,
      { kind: 'file', rotation: { atMillis: Date.parse('2027-01-01T00:00:00Z'), next: { file: '/srv/keys/2027.pem' } } });
    const onToken = parseConfig({ ...token, CROSSGATE_PKCS11_PIN: 'x', CROSSGATE_PKCS11_NEXT_KEY_LABEL: 'gateway-2027', CROSSGATE_SIGNING_ROTATE_AT: '2027-01-01T00:00:00Z' }, '/srv').signer;
    assert.deepEqual(onToken.rotation, { atMillis: Date.parse('2027-01-01T00:00:00Z'), next: { keyLabel: 'gateway-2027' } });
    assert.deepEqual(problems({ CROSSGATE_SIGNING_NEXT_KEY_FILE: 'k.pem' }), ['CROSSGATE_SIGNING_ROTATE_AT']);
    assert.deepEqual(problems({ CROSSGATE_SIGNING_ROTATE_AT: '2027-01-01T00:00:00Z' }), ['CROSSGATE_SIGNING_NEXT_KEY_FILE']);
    assert.deepEqual(problems({ CROSSGATE_SIGNING_NEXT_KEY_FILE: 'k.pem', CROSSGATE_SIGNING_ROTATE_AT: '2027-01-01 00:00' }), ['CROSSGATE_SIGNING_ROTATE_AT']);
    assert.deepEqual(problems({ CROSSGATE_SIGNING_NEXT_KEY_FILE: 'k.pem', CROSSGATE_SIGNING_ROTATE_AT: '2027-01-01T00:00:00' }), ['CROSSGATE_SIGNING_ROTATE_AT'], 'an instant needs its offset');
    assert.deepEqual(problems({ ...token, CROSSGATE_PKCS11_PIN: 'x', CROSSGATE_SIGNING_NEXT_KEY_FILE: 'k.pem', CROSSGATE_SIGNING_ROTATE_AT: '2027-01-01T00:00:00Z' }), ['CROSSGATE_SIGNING_NEXT_KEY_FILE', 'CROSSGATE_PKCS11_NEXT_KEY_LABEL']);
    assert.deepEqual(problems({ CROSSGATE_PKCS11_NEXT_KEY_LABEL: 'k', CROSSGATE_SIGNING_NEXT_KEY_FILE: 'k.pem', CROSSGATE_SIGNING_ROTATE_AT: '2027-01-01T00:00:00Z' }), ['CROSSGATE_PKCS11_NEXT_KEY_LABEL']);
  });
});

