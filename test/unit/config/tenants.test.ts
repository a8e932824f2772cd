import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateApiKey, hashApiKey, newTenantDirectory, parseTenantsFile, TenantsFileError } from '../../../src/config/tenants.js';
import { toBase64Url } from '../../../src/core/encoding.js';
import { generatePrivateKey, publicKeyOf } from '../../../src/core/signer.js';

const keyA = generateApiKey();
const keyB = generateApiKey();
const producerKey = toBase64Url(publicKeyOf('Ed25519', generatePrivateKey('Ed25519')));

const yaml = `
tenants:
  - id: beijing-transport
    apiKeySha256: ${hashApiKey(keyA)}
    sourcePrefixes: [/beijing/transport]
    allowedTypes: [cn.gov.transport.trip]
    requireProducerSignature: true
    producerKeys:
      - { keyId: metro-1, alg: Ed25519, publicKey: ${producerKey} }
  - id: ops
    role: admin
    apiKeySha256: [${hashApiKey(keyB)}]
`;

function problems(text: string): readonly string[] {
  try {
    parseTenantsFile(text, 'tenants.yaml');
  } catch (err) {
    assert.ok(err instanceof TenantsFileError);
    assert.match(err.message, /CROSSGATE_TENANTS_FILE/);
    return err.problems;
  }
  assert.fail('expected a TenantsFileError');
}

describe('tenants file', () => {
  it('hashes API keys with SHA-256 (hex)', () => {
    assert.equal(hashApiKey('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.match(keyA, /^cg_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(keyA, keyB);
  });

  it('parses YAML and JSON into tenants, with defaults', () => {
    const entries = parseTenantsFile(yaml, 'tenants.yaml');
    assert.deepEqual(entries.map((e) => e.tenant.id), ['beijing-transport', 'ops']);
    const [transport, ops] = entries.map((e) => e.tenant);
    assert.deepEqual(transport?.allowedTypes, ['cn.gov.transport.trip']);
    assert.equal(transport?.role, 'producer');
    assert.equal(transport?.producerKeys[0]?.keyId, 'metro-1');
    assert.equal(ops?.role, 'admin');
    assert.deepEqual(ops?.sourcePrefixes, []);
    assert.deepEqual(ops?.allowedTypes, []);
    assert.equal(ops?.requireProducerSignature, false);
    const json = parseTenantsFile(JSON.stringify({ tenants: [{ id: 'x', apiKeySha256: hashApiKey(keyA), allowedTypes: '*' }] }), 'tenants.json');
    assert.equal(json[0]?.tenant.allowedTypes, '*');
  });

  it('authenticates by key, and only by the exact key', () => {
    const directory = newTenantDirectory(parseTenantsFile(yaml, 'tenants.yaml'));
    assert.equal(directory.authenticate(keyA)?.id, 'beijing-transport');
    assert.equal(directory.authenticate(keyB)?.id, 'ops');
    assert.equal(directory.authenticate(`${keyA} `), undefined);
    assert.equal(directory.authenticate(keyA.slice(0, -1)), undefined);
    assert.equal(directory.authenticate(hashApiKey(keyA)), undefined, 'the stored hash is not a key');
    assert.equal(directory.authenticate(''), undefined);
  });

  it('reports every problem with its place in the file', () => {
    const found = problems(`
tenants:
  - id: a
    apiKeySha256: NOT-A-HASH
  - id: b
    apiKeySha256: ${hashApiKey(keyA)}
    requireProducerSignature: true
  - id: c
    apiKeySha256: ${hashApiKey(keyA)}
    sourcePrefixes: [beijing]
    producerKeys: [{ keyId: k, alg: ES256, publicKey: ${producerKey} }]
    colour: blue
`);
    const joined = found.join('\n');
    assert.match(joined, /tenants\.0\.apiKeySha256: must be the lowercase hex SHA-256/);
    assert.match(joined, /tenants\.1\.producerKeys: requireProducerSignature needs at least one producer key/);
    assert.match(joined, /tenants\.2\.sourcePrefixes\.0: a source prefix starts with "\/"/);
    assert.match(joined, /tenants\.2\.producerKeys\.0\.publicKey: ES256 public key must be 33 bytes/);
    assert.match(joined, /tenants\.2: .*colour/);
  });

  it('registers SM2 producer keys, with a distinguishing identifier if they name one (SM2 keys only)', () => {
    const sm2Key = toBase64Url(publicKeyOf('SM2', generatePrivateKey('SM2')));
    const [entry] = parseTenantsFile(`
tenants:
  - id: beijing-finance
    apiKeySha256: ${hashApiKey(keyA)}
    sourcePrefixes: [/beijing/finance]
    requireProducerSignature: true
    producerKeys:
      - { keyId: bank-1, alg: SM2, publicKey: ${sm2Key}, distinguishingId: bank-1@beijing }
      - { keyId: bank-2, alg: SM2, publicKey: ${sm2Key} }
`, 'tenants.yaml');
    assert.deepEqual(entry?.tenant.producerKeys, [
      { keyId: 'bank-1', alg: 'SM2', publicKey: sm2Key, distinguishingId: 'bank-1@beijing' },
      { keyId: 'bank-2', alg: 'SM2', publicKey: sm2Key },
    ]);
    const found = problems(`
tenants:
  - id: a
    apiKeySha256: ${hashApiKey(keyA)}
    producerKeys: [{ keyId: k, alg: Ed25519, publicKey: ${producerKey}, distinguishingId: x }, { keyId: j, alg: SM2, publicKey: ${producerKey} }]
`).join('\n');
    assert.match(found, /producerKeys\.0\.distinguishingId: only SM2 keys have a distinguishing identifier/);
    assert.match(found, /producerKeys\.1\.publicKey: SM2 public key must be 33 bytes/);
  });

  it('rejects duplicate tenant ids and one key shared by two tenants', () => {
    const h = hashApiKey(keyA);
    const found = problems(`tenants:\n  - { id: a, apiKeySha256: ${h} }\n  - { id: a, apiKeySha256: ${h} }\n`).join('\n');
    assert.match(found, /duplicate tenant id a/);
    assert.match(found, /the same API key is listed twice/);
  });

  it('rejects text that is not YAML/JSON, and an empty tenant list', () => {
    assert.match(problems('tenants: [\n').join('\n'), /not valid YAML\/JSON/);
    assert.ok(problems('tenants: []').length > 0);
  });

  it('maps verified client certificates to tenants by URI SAN, subject, or both; refuses rules it cannot use', () => {
    const entries = parseTenantsFile(JSON.stringify({ tenants: [
      { id: 'a', clientCertificates: [{ uri: 'spiffe://gov.cn/beijing/transport' }], sourcePrefixes: ['/beijing/transport'] },
      { id: 'b', clientCertificates: [{ subject: 'CN=finance,O=Beijing,C=CN', uri: 'spiffe://gov.cn/beijing/finance' }] },
      { id: 'c', apiKeySha256: hashApiKey('c-key-0123456789abcdef'), clientCertificates: [{ subject: 'CN=shared' }] },
      { id: 'd', clientCertificates: [{ subject: 'CN=shared', uri: 'spiffe://gov.cn/d' }] },
    ] }), 'tenants.json');
    const directory = newTenantDirectory(entries);
    const who = (subject: string, uris: string[] = []) => directory.authenticateCertificate({ subject, uris })?.id;
    assert.equal(who('CN=anything', ['spiffe://gov.cn/beijing/transport']), 'a');
    assert.equal(who('CN=finance,O=Beijing,C=CN', ['spiffe://gov.cn/beijing/finance']), 'b');
    assert.equal(who('CN=finance,O=Beijing,C=CN'), undefined, 'b needs both its subject and its URI');
    assert.equal(who('CN=shared'), 'c');
    assert.equal(who('CN=shared', ['spiffe://gov.cn/d']), undefined, 'a certificate two tenants claim names neither');
    assert.equal(directory.authenticate('c-key-0123456789abcdef')?.id, 'c');

    const problems = (tenants: unknown[]) => {
      try {
        parseTenantsFile(JSON.stringify({ tenants }), 't.json');
      } catch (error) {
        assert.ok(error instanceof TenantsFileError);
        return error.problems;
      }
      return assert.fail('expected a TenantsFileError');
    };
    assert.match(problems([{ id: 'x' }]).join('\n'), /tenants\.0\.apiKeySha256: a tenant needs an API key hash or a client certificate/);
    assert.match(problems([{ id: 'x', clientCertificates: [{}] }]).join('\n'), /clientCertificates\.0: names a subject, a uri, or both/);
    assert.match(problems([{ id: 'x', clientCertificates: [{ uri: 'spiffe://u' }] }, { id: 'y', clientCertificates: [{ uri: 'spiffe://u' }] }]).join('\n'),
      /tenants\.1\.clientCertificates\.0: the same client certificate rule is listed twice/);
  });
});

