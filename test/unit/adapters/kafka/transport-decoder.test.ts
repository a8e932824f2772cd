import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode } from '../../../../adapters/kafka/transport-decoder.js';

const event = {
  specversion: '1.0',
  id: 'trip-1',
  source: '/beijing/transport/metro-operator-3',
  type: 'cn.gov.transport.trip',
  time: '2025-01-02T03:04:05Z',
  data: { vehicle: 'B-12345', distanceMeters: 1200 },
};

function message(value: Buffer | null, headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> = {}) {
  return { key: null, value, headers };
}

describe('transport decoder (structured mode)', () => {
  it('returns the JSON object in the value as the envelope candidate', () => {
    const result = decode(message(Buffer.from(JSON.stringify(event))));
    assert.deepEqual(result, { ok: true, envelope: event });
  });

  it('accepts the CloudEvents JSON content type with parameters, in any case', () => {
    const result = decode(message(Buffer.from(JSON.stringify(event)), { 'content-type': Buffer.from('Application/CloudEvents+JSON; charset=UTF-8') }));
    assert.equal(result.ok, true);
  });

  it('strips a UTF-8 byte order mark', () => {
    const result = decode(message(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(event))])));
    assert.deepEqual(result, { ok: true, envelope: event });
  });

  for (const [name, value, expected] of [
    ['no value (tombstone)', null, /no value/],
    ['an empty value', Buffer.alloc(0), /no value/],
    ['text that is not JSON', Buffer.from('{"id": '), /not JSON/],
    ['a JSON array', Buffer.from('[1,2]'), /JSON array/],
    ['JSON null', Buffer.from('null'), /JSON null/],
    ['a JSON string', Buffer.from('"x"'), /JSON string/],
  ] as const) {
    it(`refuses ${name} with CG_DECODE_FAILED`, () => {
      const result = decode(message(value));
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.rejection.code, 'CG_DECODE_FAILED');
      assert.match(result.rejection.message, expected);
    });
  }

  // RFC 7493 (I-JSON): RFC 8785 is defined over it, so these are refused with their own code.
  for (const [name, value, issue] of [
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'invalid_utf8'],
    ['an overlong encoding', Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]), 'invalid_utf8'],
    ['an encoded surrogate', Buffer.from([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d]), 'invalid_utf8'],
    ['a duplicate member name', Buffer.from(JSON.stringify(event).replace(/^\{/, '{"id":"other",')), 'duplicate_member'],
    ['a lone surrogate', Buffer.from(JSON.stringify({ ...event, id: 'x' }).replace('"x"', '"\\ud800"')), 'lone_surrogate'],
  ] as const) {
    it(`refuses ${name} with CG_NOT_I_JSON`, () => {
      const result = decode(message(value));
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.rejection.code, 'CG_NOT_I_JSON');
      assert.match(result.rejection.message, /the value (is not well-formed UTF-8|is not I-JSON)/);
      if (issue !== 'invalid_utf8') assert.deepEqual(result.rejection.issues?.map((i) => i.code), [issue]);
    });
  }

  it('refuses a content type other than the JSON event format', () => {
    const result = decode(message(Buffer.from(JSON.stringify(event)), { 'content-type': 'application/cloudevents-batch+json' }));
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.rejection.message, /cloudevents-batch\+json/);
  });

  it('refuses a repeated content-type header instead of picking one', () => {
    const result = decode(message(Buffer.from(JSON.stringify(event)), { 'content-type': ['application/cloudevents+json', 'text/csv'] }));
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.rejection.message, /occurs 2 times/);
  });
});
