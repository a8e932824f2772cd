import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../../src/cli/command.js';
import { publicKeyInfoOf } from '../../../src/cli/commands/fabric.js';
import { toBase64Url } from '../../../src/core/encoding.js';
import { encodePrivateKeyJwk, encodePrivateKeyPem } from '../../../src/core/key-files.js';
import { generatePrivateKey, keyIdFor, publicKeyOf, SIGNATURE_ALGS } from '../../../src/core/signer.js';
import { runCli } from '../../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-cli-fabric-'));

describe('crossgate fabric: key input', () => {
  for (const alg of SIGNATURE_ALGS) {
    it(`reads the public info of a ${alg} key from "keys show" JSON, a PEM and a JWK alike`, () => {
      const privateKey = generatePrivateKey(alg);
      const publicKey = publicKeyOf(alg, privateKey);
      const expected = { keyId: keyIdFor(alg, publicKey), alg, publicKey: toBase64Url(publicKey) };
      assert.deepEqual(publicKeyInfoOf(JSON.stringify({ alg, keyId: expected.keyId, publicKey: expected.publicKey }), 'pub.json'), expected);
      assert.deepEqual(publicKeyInfoOf(encodePrivateKeyPem(alg, privateKey), 'key.pem'), expected);
      assert.deepEqual(publicKeyInfoOf(JSON.stringify(encodePrivateKeyJwk(alg, privateKey)), 'key.jwk'), expected);
    });
  }

  it('refuses public info whose key id does not match its key, and files that are no key at all', () => {
    const publicKey = publicKeyOf('Ed25519', generatePrivateKey('Ed25519'));
    assert.throws(() => publicKeyInfoOf(JSON.stringify({ alg: 'Ed25519', keyId: 'not-it', publicKey: toBase64Url(publicKey) }), 'pub.json'), UsageError);
    assert.throws(() => publicKeyInfoOf(JSON.stringify({ alg: 'RS256', publicKey: 'AAAA' }), 'pub.json'), UsageError);
    assert.throws(() => publicKeyInfoOf('hello', 'junk.txt'), UsageError);
  });
});

describe('crossgate fabric: usage', () => {
  it('names what is missing and exits 2 before touching any network', () => {
    const pub = join(dir, 'pub.json');
    writeFileSync(pub, '{}');
    for (const [args, pattern] of [
      [['fabric'], /expected a subcommand/],
      [['fabric', 'rotate-key'], /unknown subcommand/],
      [['fabric', 'register-key', '--key', pub], /--profile is required/],
      [['fabric', 'register-key', '--profile', 'p.json', '--key-id', 'k'], /register-key takes --key/],
      [['fabric', 'revoke-key', '--profile', 'p.json'], /revoke-key takes --key-id/],
      [['fabric', 'show-key', '--profile', 'p.json'], /one of --key <file> or --key-id/],
      [['fabric', 'register-key', '--profile', join(dir, 'missing.json'), '--key', join(dir, 'missing.pem')], /cannot read/],
      [['fabric', 'show-key', '--profile', join(dir, 'missing.json'), '--key-id', 'k'], /cannot open Fabric profile/],
      // A key id starting with '-' (one in 64) is taken as the value, so the profile is what fails.
      [['fabric', 'revoke-key', '--profile', join(dir, 'missing.json'), '--key-id', '-PrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k'], /cannot open Fabric profile/],
    ] as const) {
      const r = runCli(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern, args.join(' '));
    }
  });

  it('is listed in the help', () => {
    const r = runCli(['help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /fabric\s+register, revoke or show gateway keys/);
  });
});
