import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { fromHex, toHex } from '../../../src/core/encoding.js';
import {
  encodePrivateKeyJwk, encodePrivateKeyPem, KeyFileError, parseKeyFile,
} from '../../../src/core/key-files.js';
import { generatePrivateKey, keyIdFor, publicKeyOf, SIGNATURE_ALGS } from '../../../src/core/signer.js';
import type { SignatureAlg } from '../../../src/core/types.js';

const opensslCurve: Record<SignatureAlg, ['ed25519'] | ['ec', string]> = {
  Ed25519: ['ed25519'],
  ES256: ['ec', 'prime256v1'],
  ES256K: ['ec', 'secp256k1'],
  SM2: ['ec', 'SM2'],
};

function opensslKey(alg: SignatureAlg): { pkcs8: string; sec1?: string; publicPem: string; d: Uint8Array } {
  const [type, namedCurve] = opensslCurve[alg];
  const { privateKey, publicKey } = type === 'ed25519'
    ? generateKeyPairSync('ed25519')
    : generateKeyPairSync('ec', { namedCurve: namedCurve as string });
  return {
    pkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    ...(type === 'ec' ? { sec1: privateKey.export({ type: 'sec1', format: 'pem' }).toString() } : {}),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    d: privateScalar(privateKey),
  };
}

/** OpenSSL's view of the private scalar: its JWK "d", or for SM2 (no JWK form in node) read from PKCS#8 DER. */
function privateScalar(privateKey: KeyObject): Uint8Array {
  if (privateKey.asymmetricKeyType !== undefined && privateKey.asymmetricKeyDetails?.namedCurve !== 'SM2') {
    return new Uint8Array(Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url'));
  }
  // PrivateKeyInfo of an SM2 key: 30 81 87 | 02 01 00 | 30 13 (ecPublicKey, SM2 curve) | 04 6d | 30 6b 02 01 01 04 20 <d>
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  assert.equal(der.subarray(0, 3).toString('hex'), '308187');
  assert.equal(der.subarray(8, 27).toString('hex'), '06072a8648ce3d020106082a811ccf5501822d');
  assert.equal(der.subarray(27, 36).toString('hex'), '046d306b0201010420');
  return new Uint8Array(der.subarray(36, 68));
}

describe('parseKeyFile', () => {
  for (const alg of SIGNATURE_ALGS) {
    it(`${alg}: reads OpenSSL-written PKCS#8${alg === 'Ed25519' ? '' : ' and SEC1'} PEM`, () => {
      const k = opensslKey(alg);
      assert.deepEqual(parseKeyFile(k.pkcs8), { alg, privateKey: k.d });
      if (k.sec1 !== undefined) assert.deepEqual(parseKeyFile(k.sec1), { alg, privateKey: k.d });
    });
    it(`${alg}: round-trips our PEM and JWK writers`, () => {
      const sk = generatePrivateKey(alg);
      const pem = encodePrivateKeyPem(alg, sk);
      assert.match(pem, /^-----BEGIN PRIVATE KEY-----/);
      assert.deepEqual(parseKeyFile(pem), { alg, privateKey: sk });
      // OpenSSL agrees on what the PEM holds.
      assert.deepEqual(privateScalar(createPrivateKey(pem)), sk);
      const jwk = encodePrivateKeyJwk(alg, sk);
      assert.equal(jwk.alg, alg);
      assert.equal(jwk.kid, keyIdFor(alg, publicKeyOf(alg, sk)));
      assert.deepEqual(parseKeyFile(JSON.stringify(jwk, null, 2)), { alg, privateKey: sk });
    });
  }
  it('accepts the RFC 8037 A.1 Ed25519 private JWK (alg "EdDSA" tolerated)', () => {
    const jwk = {
      kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA',
      d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A',
      x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
    };
    const parsed = parseKeyFile(JSON.stringify(jwk));
    assert.equal(parsed.alg, 'Ed25519');
    assert.equal(toHex(parsed.privateKey), '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
  });
  it('left-pads short ECDSA "d" values', () => {
    const sk = fromHex('00'.repeat(31) + '01');
    const jwk = { ...encodePrivateKeyJwk('ES256K', sk), d: 'AQ' };
    assert.deepEqual(parseKeyFile(JSON.stringify(jwk)).privateKey, sk);
  });
  it('rejects unusable files with a KeyFileError that names the problem and not the key', () => {
    const sk = generatePrivateKey('ES256');
    const good = encodePrivateKeyJwk('ES256', sk);
    const other = encodePrivateKeyJwk('ES256', generatePrivateKey('ES256'));
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const cases: [string, RegExp][] = [
      ['hello', /neither PEM nor a JWK/],
      ['{not json', /does not parse/],
      ['[1]', /JSON object/],
      [opensslKey('ES256').publicPem, /no private key/],
      [JSON.stringify({ ...good, d: undefined }), /no private member "d"/],
      [JSON.stringify({ ...good, x: other.x }), /"x" does not match/],
      [JSON.stringify({ ...good, alg: 'ES256K' }), /"alg" is ES256K/],
      [JSON.stringify({ ...good, d: 'AA==' }), /not unpadded base64url/],
      [JSON.stringify({ ...good, d: Buffer.alloc(32).toString('base64url') }), /not a valid ES256 private key/],
      [JSON.stringify({ kty: 'EC', crv: 'P-384', d: 'AA' }), /unsupported key type EC\/P-384/],
      [p384, /unsupported key type EC\/P-384/],
      [rsa, /unsupported key type RSA/],
      ['-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', /could not be decoded/],
    ];
    for (const [text, message] of cases) {
      assert.throws(() => parseKeyFile(text), (error: unknown) => {
        assert.ok(error instanceof KeyFileError, `${text.slice(0, 30)}: ${String(error)}`);
        assert.match(error.message, message);
        assert.equal(error.code, 'CG_KEY_FILE_INVALID');
        assert.equal(error.message.includes(good.d), false);
        return true;
      });
    }
  });
});
