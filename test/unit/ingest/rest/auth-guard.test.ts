import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uriNames } from '../../../../src/ingest/rest/auth.guard.js';

describe('uriNames', () => {
  it('reads the URI entries of Node\'s subjectAltName text, quoted ones as JSON strings', () => {
    assert.deepEqual(uriNames('DNS:x.example, URI:spiffe://gov.cn/a, IP Address:127.0.0.1, URI:https://b.example/p'), ['spiffe://gov.cn/a', 'https://b.example/p']);
    assert.deepEqual(uriNames('URI:"spiffe://gov.cn/a,b", DNS:y'), ['spiffe://gov.cn/a,b']);
    assert.deepEqual(uriNames('DNS:URI:not-a-uri-entry'), []);
    assert.deepEqual(uriNames(''), []);
  });
});
