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
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), /not valid UTF-8/],
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
