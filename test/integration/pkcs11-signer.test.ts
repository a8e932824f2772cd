/**
 * The PKCS#11 signer (issue 16, item 4) against a real token, SoftHSM2: keys generated on the token
 * by the CLI and by the adapter, signatures checked by this project's verifier and by OpenSSL's
 * (node:crypto) as an independent one, ECDSA always low-S, the private key unreadable, and every
 * way of getting the setup wrong ending in a clear error that never shows the PIN.
 */
import assert from 'node:assert/strict';
import { createPublicKey, randomBytes, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type * as Pkcs11Types from 'pkcs11js';
import { generateTokenKey, openPkcs11Signer, Pkcs11Error, type Pkcs11SignerOptions } from '../../adapters/signers/pkcs11/pkcs11-signer.js';
import { fromBase64Url } from '../../src/core/encoding.js';
import { keyIdFor, publicJwkOf, verifySignature } from '../../src/core/signer.js';
import type { SignatureAlg } from '../../src/core/types.js';
import { runCli } from '../support/run-cli.js';
import { newSoftHsmToken, type SoftHsmToken } from '../support/softhsm.js';

const pkcs11 = createRequire(import.meta.url)('pkcs11js') as typeof Pkcs11Types;

/** Group orders, written out here so the low-S check does not lean on the curve library under test. */
const ORDER: Readonly<Record<string, bigint>> = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES256K: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
};

function options(token: SoftHsmToken, alg: SignatureAlg, keyLabel: string): Pkcs11SignerOptions {
  return { module: token.module, tokenLabel: token.tokenLabel, pin: token.pin, keyLabel, alg };
}

function opensslKey(alg: SignatureAlg, publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: publicJwkOf(alg, publicKey), format: 'jwk' });
}

function opensslVerifies(alg: SignatureAlg, key: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  return alg === 'Ed25519'
    ? nodeVerify(null, message, key, signature)
    : nodeVerify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
}

/**
 * A raw session of our own on the token, to look at what the signer made. `done` finalizes the
 * library when this initialized it: SoftHSM sees tokens made since only after a new C_Initialize.
 */
function inspectToken(token: SoftHsmToken): { lib: Pkcs11Types.PKCS11; session: Buffer; slot: Buffer; done: () => void } {
  const lib = new pkcs11.PKCS11();
  lib.load(token.module);
  let initialized = true;
  try {
    lib.C_Initialize();
  } catch (error) {
    if (!String(error).includes('CKR_CRYPTOKI_ALREADY_INITIALIZED')) throw error;
    initialized = false;
  }
  const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trimEnd() === token.tokenLabel);
  assert.ok(slot !== undefined);
  const session = lib.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
  try {
    lib.C_Login(session, pkcs11.CKU_USER, token.pin);
  } catch (error) {
    if (!String(error).includes('CKR_USER_ALREADY_LOGGED_IN')) throw error;
  }
  const done = () => {
    lib.C_CloseSession(session);
    if (initialized) lib.C_Finalize();
  };
  return { lib, session, slot, done };
}

function privateKeyHandle(lib: Pkcs11Types.PKCS11, session: Buffer, label: string): Buffer {
  lib.C_FindObjectsInit(session, [{ type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PRIVATE_KEY }, { type: pkcs11.CKA_LABEL, value: label }]);
  const [handle] = lib.C_FindObjects(session, 2);
  lib.C_FindObjectsFinal(session);
  assert.ok(handle !== undefined, `private key ${label} on the token`);
  return handle;
}

describe('PKCS#11 signer on SoftHSM2', () => {
  for (const alg of ['Ed25519', 'ES256', 'ES256K'] as const) {
    it(`${alg}: a key made by crossgate keys generate signs on the token; both verifiers accept every signature`, async () => {
      const token = newSoftHsmToken();
      const generated = runCli(['keys', 'generate', '--alg', alg, '--pkcs11-module', token.module, '--token', token.tokenLabel, '--label', 'gateway', '--pin-file', token.pinFile]);
      assert.equal(generated.status, 0, generated.stderr);
      const info = JSON.parse(generated.stdout) as { alg: string; keyId: string; publicKey: string };
      assert.equal(info.alg, alg);
      assert.equal(keyIdFor(alg, fromBase64Url(info.publicKey)), info.keyId);

      const signer = await openPkcs11Signer(options(token, alg, 'gateway'));
      try {
        assert.equal(signer.keyId, info.keyId);
        assert.equal(signer.generatedOnToken, true);
        const key = opensslKey(alg, signer.publicKey);
        const messages = Array.from({ length: 48 }, () => randomBytes(1 + Math.floor(Math.random() * 300)));
        // All at once: the signer must queue them on its one session.
        const signatures = await Promise.all(messages.map((m) => signer.sign(m)));
        for (const [i, message] of messages.entries()) {
          const signature = signatures[i] as Uint8Array;
          assert.equal(signature.length, 64);
          assert.ok(verifySignature(alg, signer.publicKey, message, signature), `crossgate verifier, message ${i}`);
          assert.ok(opensslVerifies(alg, key, message, signature), `OpenSSL verifier, message ${i}`);
          const order = ORDER[alg];
          if (order !== undefined) {
            const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString('hex')}`);
            assert.ok(s <= order / 2n, `low S (message ${i})`);
          }
        }
      } finally {
        await signer.close();
      }
    });
  }

  it('the private key is sensitive, never extractable, generated on the token; its value cannot be read', async () => {
    const token = newSoftHsmToken();
    await generateTokenKey(options(token, 'Ed25519', 'k1'));
    const { lib, session, done } = inspectToken(token);
    try {
      const handle = privateKeyHandle(lib, session, 'k1');
      const [sensitive, extractable, neverExtractable, local] = lib.C_GetAttributeValue(session, handle, [
        { type: pkcs11.CKA_SENSITIVE }, { type: pkcs11.CKA_EXTRACTABLE }, { type: pkcs11.CKA_NEVER_EXTRACTABLE }, { type: pkcs11.CKA_LOCAL },
      ]).map((a) => (a.value as Buffer)[0]);
      assert.deepEqual([sensitive, extractable, neverExtractable, local], [1, 0, 1, 1]);
      assert.throws(() => lib.C_GetAttributeValue(session, handle, [{ type: pkcs11.CKA_VALUE }]), /CKR_ATTRIBUTE_SENSITIVE/);
    } finally {
      done();
    }
  });

  it('signs on after the token drops its sessions (logs in again)', async () => {
    const token = newSoftHsmToken();
    await generateTokenKey(options(token, 'ES256', 'k'));
    const signer = await openPkcs11Signer(options(token, 'ES256', 'k'));
    try {
      const { lib, slot } = inspectToken(token);
      // Every session of the process on that token, the signer's too (and its login with them).
      lib.C_CloseAllSessions(slot);
      const message = randomBytes(40);
      assert.ok(verifySignature('ES256', signer.publicKey, message, await signer.sign(message)));
    } finally {
      await signer.close();
    }
  });

  it('health: ok while the token answers (also after it dropped the session), not ok once the key is gone', async () => {
    const token = newSoftHsmToken();
    await generateTokenKey(options(token, 'Ed25519', 'k'));
    const signer = await openPkcs11Signer(options(token, 'Ed25519', 'k'));
    try {
      const healthy = await signer.health();
      assert.equal(healthy.ok, true, healthy.detail);
      assert.match(healthy.detail, new RegExp(`token "${token.tokenLabel}", key "k" \\(${signer.keyId}\\)`));
      const { lib, slot } = inspectToken(token);
      lib.C_CloseAllSessions(slot);
      assert.equal((await signer.health()).ok, true, 'the session is reopened');
      // The signer's new session holds the login for the process: a new session of ours shares it.
      const raw = lib.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
      lib.C_DestroyObject(raw, privateKeyHandle(lib, raw, 'k'));
      const gone = await signer.health();
      assert.equal(gone.ok, false);
      assert.match(gone.detail, /has a public key labelled "k" but not its other half/);
      assert.equal(gone.detail.includes(token.pin), false);

      // Another pair put under the label is not this key: not ready, and no signature with it.
      lib.C_FindObjectsInit(raw, [{ type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PUBLIC_KEY }, { type: pkcs11.CKA_LABEL, value: 'k' }]);
      const [publicHalf] = lib.C_FindObjects(raw, 1);
      lib.C_FindObjectsFinal(raw);
      lib.C_DestroyObject(raw, publicHalf as Buffer);
      await generateTokenKey(options(token, 'Ed25519', 'k'));
      const replaced = await signer.health();
      assert.equal(replaced.ok, false);
      assert.match(replaced.detail, new RegExp(`is no longer ${signer.keyId}`));
      lib.C_CloseAllSessions(slot);
      await assert.rejects(signer.sign(randomBytes(8)), /is no longer/);
    } finally {
      await signer.close();
    }
  });

  it('refuses, with a clear message and never the PIN: wrong PIN, unknown token, missing key, other curve, extractable key, SM2, a second key under one label', async () => {
    const token = newSoftHsmToken();
    await generateTokenKey(options(token, 'ES256', 'p256'));
    const refusal = async (opts: Pkcs11SignerOptions, pattern: RegExp, code?: string) => {
      await assert.rejects(openPkcs11Signer(opts), (error: unknown) => {
        assert.ok(error instanceof Pkcs11Error, String(error));
        assert.match(error.message, pattern);
        if (code !== undefined) assert.equal(error.code, code);
        assert.equal(error.message.includes(token.pin), false, 'the PIN is never in an error');
        return true;
      });
    };
    const wrongPin = `${token.pin}-wrong`;
    await assert.rejects(openPkcs11Signer({ ...options(token, 'ES256', 'p256'), pin: wrongPin }), (error: unknown) => {
      assert.ok(error instanceof Pkcs11Error);
      assert.equal(error.code, 'CKR_PIN_INCORRECT');
      assert.match(error.message, new RegExp(`login to token "${token.tokenLabel}" failed`));
      assert.equal(error.message.includes(wrongPin), false);
      return true;
    });
    await refusal({ ...options(token, 'ES256', 'p256'), tokenLabel: 'no-such-token' }, /no PKCS#11 token labelled "no-such-token" \(tokens present: .*"cg-/);
    await refusal(options(token, 'ES256', 'absent'), /has no key pair labelled "absent"; create one with: crossgate keys generate/);
    await refusal(options(token, 'Ed25519', 'p256'), /is not a Ed25519 key/);
    await refusal(options(token, 'SM2', 'p256'), /SM2 keys cannot live on a PKCS#11 token/);
    await assert.rejects(generateTokenKey(options(token, 'ES256', 'p256')), /already has a key labelled "p256"/);

    // A key pair that could be exported is not a custodian's key: refused.
    const { lib, session, done } = inspectToken(token);
    try {
      lib.C_GenerateKeyPair(session, { mechanism: pkcs11.CKM_EC_KEY_PAIR_GEN }, [
        { type: pkcs11.CKA_TOKEN, value: true }, { type: pkcs11.CKA_VERIFY, value: true },
        { type: pkcs11.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') }, { type: pkcs11.CKA_LABEL, value: 'exportable' },
      ], [
        { type: pkcs11.CKA_TOKEN, value: true }, { type: pkcs11.CKA_SIGN, value: true }, { type: pkcs11.CKA_PRIVATE, value: true },
        { type: pkcs11.CKA_SENSITIVE, value: false }, { type: pkcs11.CKA_EXTRACTABLE, value: true }, { type: pkcs11.CKA_LABEL, value: 'exportable' },
      ]);
    } finally {
      done();
    }
    await refusal(options(token, 'ES256', 'exportable'), /can leave the token/);

    const cli = runCli(['keys', 'generate', '--alg', 'p256', '--pkcs11-module', token.module, '--token', token.tokenLabel, '--label', 'p256', '--pin-file', token.pinFile]);
    assert.equal(cli.status, 2);
    assert.match(cli.stderr, /already has a key labelled "p256"/);
    assert.equal(cli.stderr.includes(token.pin) || cli.stdout.includes(token.pin), false);
  });
});
