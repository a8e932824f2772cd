import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorize, producerSigningBytes, sourceMatchesPrefix } from '../../../src/core/authorize.js';
import { canonicalJson } from '../../../src/core/canonical-json.js';
import { toBase64Url, utf8 } from '../../../src/core/encoding.js';
import { ErrorCodes } from '../../../src/core/errors.js';
import { newSigner, SIGNATURE_ALGS } from '../../../src/core/signer.js';
import { sm2Sign } from '../../../src/core/sm2.js';
import type { ProducerKey, Tenant } from '../../../src/core/tenant.js';
import type { RecordEnvelope, SignatureAlg } from '../../../src/core/types.js';
import { makeValidRecord } from '../../support/record-factory.js';

const record = (): RecordEnvelope => makeValidRecord('cn.gov.transport.trip', 1) as unknown as RecordEnvelope;

function tenant(patch: Partial<Tenant> = {}): Tenant {
  return {
    id: 'beijing-metro', role: 'producer', sourcePrefixes: ['/beijing/transport'], allowedTypes: '*',
    requireProducerSignature: false, producerKeys: [], ...patch,
  };
}

function keyPair(alg: SignatureAlg, fill: number, keyId: string) {
  const signer = newSigner(alg, new Uint8Array(32).fill(fill));
  const key: ProducerKey = { keyId, alg, publicKey: toBase64Url(signer.publicKey) };
  return { signer, key };
}

async function signed(envelope: RecordEnvelope, signer: { sign(m: Uint8Array): Promise<Uint8Array> }, kid?: string): Promise<RecordEnvelope> {
  const unsigned = kid === undefined ? { ...envelope } : { ...envelope, producerkid: kid };
  const sig = await signer.sign(producerSigningBytes(unsigned));
  return { ...unsigned, producersig: toBase64Url(sig) };
}

test('source prefix rule: equal, or continued after a slash', () => {
  assert.equal(sourceMatchesPrefix('/beijing/transport', '/beijing/transport'), true);
  assert.equal(sourceMatchesPrefix('/beijing/transport/metro-3', '/beijing/transport'), true);
  assert.equal(sourceMatchesPrefix('/beijing/transportx', '/beijing/transport'), false);
  assert.equal(sourceMatchesPrefix('/beijing', '/beijing/transport'), false);
  assert.equal(sourceMatchesPrefix('/beijing/transport/x', '/beijing/'), true);
  assert.equal(sourceMatchesPrefix('/anything', '/'), true);
  assert.equal(sourceMatchesPrefix('/anything', ''), false);
});

test('source and type checks', () => {
  assert.equal(authorize(record(), tenant()), null);
  assert.equal(authorize(record(), tenant({ sourcePrefixes: ['/shanghai', '/beijing/transport/metro-operator-3'] })), null);
  assert.equal(authorize(record(), tenant({ sourcePrefixes: ['/beijing/transport/metro'] }))?.code, ErrorCodes.SourceForbidden);
  assert.equal(authorize(record(), tenant({ sourcePrefixes: [] }))?.code, ErrorCodes.SourceForbidden);
  assert.equal(authorize(record(), tenant({ allowedTypes: ['cn.gov.transport.trip'] })), null);
  assert.equal(authorize(record(), tenant({ allowedTypes: ['cn.gov.transport.toll-passage'] }))?.code, ErrorCodes.TypeForbidden);
  assert.equal(authorize(record(), tenant({ allowedTypes: [] }))?.code, ErrorCodes.TypeForbidden);
  // Source is checked before type.
  assert.equal(authorize(record(), tenant({ sourcePrefixes: ['/x'], allowedTypes: [] }))?.code, ErrorCodes.SourceForbidden);
});

test('signing bytes are RFC 8785 of the envelope without producersig, producerkid included', () => {
  const env = { ...record(), producerkid: 'k1', producersig: 'AAAA' };
  const { producersig: _sig, ...rest } = env;
  assert.deepEqual(producerSigningBytes(env), utf8(canonicalJson(rest)));
  assert.match(new TextDecoder().decode(producerSigningBytes(env)), /"producerkid":"k1"/);
  assert.doesNotMatch(new TextDecoder().decode(producerSigningBytes(env)), /producersig/);
});

for (const alg of SIGNATURE_ALGS) {
  test(`producer signatures (${alg}): valid with and without producerkid`, async () => {
    const a = keyPair(alg, 1, 'key-a');
    const b = keyPair(alg, 2, 'key-b');
    const t = tenant({ requireProducerSignature: true, producerKeys: [a.key, b.key] });
    assert.equal(authorize(await signed(record(), b.signer, 'key-b'), t), null);
    assert.equal(authorize(await signed(record(), b.signer), t), null, 'no kid: any key may verify');
  });
}

test('SM2 producer keys: signatures by the registered distinguishing identifier verify, others do not', () => {
  const privateKey = new Uint8Array(32).fill(3);
  const { key } = keyPair('SM2', 3, 'dept-42');
  const withId = tenant({ requireProducerSignature: true, producerKeys: [{ ...key, distinguishingId: 'dept-42@beijing.gov.cn' }] });
  const withDefault = tenant({ requireProducerSignature: true, producerKeys: [key] });
  const sign = (envelope: RecordEnvelope, id?: string): RecordEnvelope => {
    const unsigned = { ...envelope, producerkid: 'dept-42' };
    return { ...unsigned, producersig: toBase64Url(sm2Sign(producerSigningBytes(unsigned), privateKey, id)) };
  };
  const byId = sign(record(), 'dept-42@beijing.gov.cn');
  const byDefault = sign(record());
  assert.equal(authorize(byId, withId), null);
  assert.equal(authorize(byDefault, withId)?.code, ErrorCodes.ProducerSignatureInvalid);
  assert.equal(authorize(byDefault, withDefault), null);
  assert.equal(authorize(byId, withDefault)?.code, ErrorCodes.ProducerSignatureInvalid);
});

test('producer signatures: missing, wrong key, unknown kid, tampered, malformed', async () => {
  const a = keyPair('Ed25519', 1, 'key-a');
  const b = keyPair('Ed25519', 2, 'key-b');
  const t = tenant({ requireProducerSignature: true, producerKeys: [a.key] });
  assert.equal(authorize(record(), t)?.code, ErrorCodes.ProducerSignatureMissing);
  assert.equal(authorize(record(), tenant({ producerKeys: [a.key] })), null, 'not required: unsigned is fine');

  const byB = await signed(record(), b.signer, 'key-a');
  assert.equal(authorize(byB, t)?.code, ErrorCodes.ProducerSignatureInvalid, 'kid names a, signed by b');
  const unknownKid = await signed(record(), a.signer, 'key-z');
  assert.match(authorize(unknownKid, t)?.message ?? '', /key-z/);
  assert.equal(authorize(unknownKid, t)?.code, ErrorCodes.ProducerSignatureInvalid);

  const good = await signed(record(), a.signer, 'key-a');
  assert.equal(authorize(good, t), null);
  const tamperedData = { ...good, data: { ...(good.data as object), distanceMeters: 1 } };
  assert.equal(authorize(tamperedData, t)?.code, ErrorCodes.ProducerSignatureInvalid);
  const relabeled = { ...good, producerkid: undefined };
  delete (relabeled as Record<string, unknown>)['producerkid'];
  assert.equal(authorize(relabeled, t)?.code, ErrorCodes.ProducerSignatureInvalid, 'producerkid is signed');
  assert.equal(authorize({ ...good, producersig: 'AAAA' }, t)?.code, ErrorCodes.ProducerSignatureInvalid);
  assert.equal(authorize({ ...good, producersig: 'A' }, t)?.code, ErrorCodes.ProducerSignatureInvalid, 'not decodable');
  assert.equal(authorize({ ...good, producersig: 7 }, t)?.code, ErrorCodes.ProducerSignatureInvalid);

  const noKeys = tenant({ requireProducerSignature: true, producerKeys: [] });
  assert.equal(authorize(await signed(record(), a.signer), noKeys)?.code, ErrorCodes.ProducerSignatureInvalid);
  const brokenKey = tenant({ requireProducerSignature: true, producerKeys: [{ ...a.key, keyId: 'bad', publicKey: '!!' }, a.key] });
  assert.equal(authorize(await signed(record(), a.signer), brokenKey), null, 'a malformed key does not stop the others');
});
