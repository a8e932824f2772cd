import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseKeyFile } from '../../../src/core/key-files.js';
import { keyIdFor, publicKeyOf } from '../../../src/core/signer.js';
import { runCli } from '../../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-cli-keys-'));

describe('crossgate keys', () => {
  for (const [flag, alg] of [['ed25519', 'Ed25519'], ['p256', 'ES256'], ['secp256k1', 'ES256K'], ['sm2', 'SM2']] as const) {
    it(`generate --alg ${flag} writes a 0600 key file and prints only the public half`, () => {
      const out = join(dir, `${flag}.pem`);
      const r = runCli(['keys', 'generate', '--alg', flag, '--out', out]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(statSync(out).mode & 0o777, 0o600);
      const key = parseKeyFile(readFileSync(out, 'utf8'));
      assert.equal(key.alg, alg);
      const info = JSON.parse(r.stdout) as { alg: string; keyId: string; publicKey: string };
      assert.equal(info.alg, alg);
      assert.equal(info.keyId, keyIdFor(alg, publicKeyOf(alg, key.privateKey)));
      assert.equal(r.stdout.includes(Buffer.from(key.privateKey).toString('base64url')), false);
      const shown = runCli(['keys', 'show', out]);
      assert.equal(shown.status, 0, shown.stderr);
      assert.deepEqual(JSON.parse(shown.stdout), info);
      const again = runCli(['keys', 'generate', '--alg', flag, '--out', out]);
      assert.equal(again.status, 2);
      assert.match(again.stderr, /already exists/);
    });
  }

  it('generate without --out writes the key to stdout and the public info to stderr; --format jwk works', () => {
    const r = runCli(['keys', 'generate', '--alg', 'p256', '--format', 'jwk']);
    assert.equal(r.status, 0, r.stderr);
    const key = parseKeyFile(r.stdout);
    assert.equal(key.alg, 'ES256');
    assert.equal((JSON.parse(r.stderr) as { keyId: string }).keyId, keyIdFor('ES256', publicKeyOf('ES256', key.privateKey)));
  });

  it('rejects bad arguments with exit 2', () => {
    for (const args of [['keys'], ['keys', 'generate'], ['keys', 'generate', '--alg', 'rsa'], ['keys', 'generate', '--alg', 'p256', '--format', 'der'],
      ['keys', 'show'], ['keys', 'show', join(dir, 'missing.pem')], ['keys', 'rotate']]) {
      const r = runCli(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.notEqual(r.stderr, '');
    }
  });

  it('prints help', () => {
    const r = runCli(['help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /verify/);
    assert.match(r.stdout, /keys/);
    assert.match(runCli(['verify', '--help']).stdout, /--record/);
  });
});
