// Record identity rules (src/core/identity.ts): what a source and an id may not contain, so that two
// readers never see one record's identity differently. Every refused class of the reliability issue
// (#15) has a case here; the accepted column keeps ordinary sources and ids working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idIdentityProblem, sourceIdentityProblem } from '../../../src/core/identity.js';
import { parseEnvelope } from '../../../src/core/envelope.js';
import { makeValidRecord } from '../../support/record-factory.js';

const refusedSources: [string, RegExp][] = [
  ['/beijing/transport/../../shanghai/finance', /"\." or "\.\."/],
  ['/beijing/transport/./metro', /"\." or "\.\."/],
  ['..', /"\." or "\.\."/],
  ['https://example.org/a/../b', /"\." or "\.\."/],
  ['/beijing/transport/%2e%2e/%2e%2e/shanghai', /upper-case hex/],
  ['/beijing/transport/%2E%2E/%2E%2E/shanghai', /unreserved character "\."/],
  ['/beijing/transport/.%2E', /unreserved character "\."/],
  ['/beijing/%74ransport', /unreserved character "t"/],
  ['/beijing//transport', /empty path segments/],
  ['/beijing/transport/', /empty path segments/],
  ['https://example.org/', /empty path segments/],
  ['/beijing/transport%2F..%2Fshanghai', /path separator/],
  ['/beijing/transport%5Cx', /path separator/],
  ['/beijing/%E2%80%AEtransport', /format characters/],
  ['/beijing/transport%E2%80%8B', /format characters/],
  ['/beijing/transport?x=%E2%80%8B', /format characters/],
  ['/beijing/transport%00', /control/],
];

const acceptedSources = [
  '/beijing/transport/metro-operator-3', 'beijing/transport', 'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66',
  'mailto:ops@example.org', 'https://example.org', 'https://example.org/a/b', '//host/a', '/a%20b', '/%E4%BA%AC/a',
  '/a?b=..&c=//', '/a#../b', '1-555-123-4567', '/a/...', '/a/.b', '/a/b.', '/a/%FF',
];

test('sources with dot, empty or ambiguous percent-encoded segments are refused, with the reason', () => {
  for (const [source, reason] of refusedSources) {
    const problem = sourceIdentityProblem(source);
    assert.ok(problem !== null, source);
    assert.match(problem, reason, source);
    const r = parseEnvelope({ ...makeValidRecord('cn.gov.transport.trip', 1), source });
    assert.equal(r.ok, false, source);
    if (!r.ok) {
      assert.equal(r.rejection.code, 'CG_ENVELOPE_INVALID');
      assert.deepEqual(r.rejection.issues?.map((i) => i.path), [['source']], source);
    }
  }
});

test('ordinary sources stay accepted', () => {
  for (const source of acceptedSources) {
    assert.equal(sourceIdentityProblem(source), null, source);
    assert.equal(parseEnvelope({ ...makeValidRecord('cn.gov.transport.trip', 1), source }).ok, true, source);
  }
});

test('ids with bidi controls or zero-width characters are refused; other Unicode is not', () => {
  const refused = ['a\u202eb\u200b', 'a\u061cb', 'a\u200e', 'a\u200f', 'a\u202a', 'a\u202d', 'a\u2066', 'a\u2069', 'a\u200c', 'a\u200d', 'a\u2060', '\ufeffa', 'a\u00ad', 'a\u{E0041}'];
  for (const id of refused) {
    assert.match(idIdentityProblem(id) ?? '', /format characters/, JSON.stringify(id));
    const r = parseEnvelope({ ...makeValidRecord('cn.gov.transport.trip', 1), id });
    assert.equal(r.ok, false, JSON.stringify(id));
    if (!r.ok) assert.deepEqual(r.rejection.issues?.map((i) => [i.path, i.message]), [[['id'], idIdentityProblem(id)]]);
  }
  for (const id of ['order-42', '订单-42', 'é', 'x\u{1F600}', 'a b', 'ÅÄÖ']) {
    assert.equal(idIdentityProblem(id), null, id);
    assert.equal(parseEnvelope({ ...makeValidRecord('cn.gov.transport.trip', 1), id }).ok, true, id);
  }
});

test('an id with a control character still gets the control-character message, once', () => {
  const r = parseEnvelope({ ...makeValidRecord('cn.gov.transport.trip', 1), id: 'a\u0000b' });
  assert.equal(r.ok, false);
  if (!r.ok) assert.deepEqual(r.rejection.issues?.map((i) => i.message), ['id must not contain control characters']);
});
