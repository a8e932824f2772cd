import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode } from '../../../../adapters/kafka/finance-decoder.js';

const data = { messageId: 'MSG-1', amount: '12.50', currency: 'CNY' };

function binary(overrides: Record<string, Buffer | string | (Buffer | string)[] | undefined> = {}, value: Buffer | null = Buffer.from(JSON.stringify(data))) {
  return {
    key: Buffer.from('acct-1'),
    value,
    headers: {
      ce_specversion: Buffer.from('1.0'),
      ce_id: Buffer.from('pay-1'),
      ce_source: Buffer.from('/shanghai/finance/bank-7'),
      ce_type: Buffer.from('cn.gov.finance.payment'),
      ce_time: Buffer.from('2025-01-02T03:04:05Z'),
      ce_dataschema: Buffer.from('https://crossgate.example/schemas/finance/payment/v1'),
      'content-type': Buffer.from('application/json'),
      traceparent: Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
      ...overrides,
    },
  };
}

function failure(result: ReturnType<typeof decode>): string {
  assert.equal(result.ok, false);
  if (result.ok) return '';
  assert.equal(result.rejection.code, 'CG_DECODE_FAILED');
  return result.rejection.message;
}

describe('finance decoder (binary mode)', () => {
  it('maps ce_ headers to attributes, content-type to datacontenttype and the JSON value to data', () => {
    assert.deepEqual(decode(binary()), {
      ok: true,
      envelope: {
        specversion: '1.0',
        id: 'pay-1',
        source: '/shanghai/finance/bank-7',
        type: 'cn.gov.finance.payment',
        time: '2025-01-02T03:04:05Z',
        dataschema: 'https://crossgate.example/schemas/finance/payment/v1',
        datacontenttype: 'application/json',
        data,
      },
    });
  });

  it('keeps extension attributes such as the producer signature', () => {
    const result = decode(binary({ ce_producersig: 'c2ln', ce_producerkid: 'bank-7-key-1' }));
    assert.equal(result.ok, true);
    if (!result.ok) return;
    const envelope = result.envelope as Record<string, unknown>;
    assert.equal(envelope['producersig'], 'c2ln');
    assert.equal(envelope['producerkid'], 'bank-7-key-1');
    assert.equal(envelope['traceparent'], undefined, 'headers without the ce_ prefix are not attributes');
  });

  it('takes header values verbatim: the Kafka binding defines no percent-encoding', () => {
    const result = decode(binary({ ce_source: Buffer.from('/上海/finance/bank%207') }));
    assert.equal(result.ok, true);
    if (result.ok) assert.equal((result.envelope as Record<string, unknown>)['source'], '/上海/finance/bank%207');
  });

  it('accepts header values given as strings and +json content types', () => {
    const result = decode(binary({ ce_id: 'pay-2', 'content-type': 'application/vnd.bank+json; charset=utf-8' }));
    assert.equal(result.ok, true);
    if (!result.ok) return;
    const envelope = result.envelope as Record<string, unknown>;
    assert.equal(envelope['id'], 'pay-2');
    assert.equal(envelope['datacontenttype'], 'application/vnd.bank+json; charset=utf-8');
  });

  it('reads a record announced as structured mode from its value (binding §3)', () => {
    const event = { specversion: '1.0', id: 'pay-3', source: '/shanghai/finance/bank-7', type: 'cn.gov.finance.payment', data };
    const result = decode({ key: null, value: Buffer.from(JSON.stringify(event)), headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' } });
    assert.deepEqual(result, { ok: true, envelope: event });
  });

  it('names every missing required header', () => {
    const message = failure(decode(binary({ ce_id: undefined, ce_type: undefined })));
    assert.match(message, /ce_id, ce_type headers/);
  });

  it('refuses a record without content-type', () => {
    assert.match(failure(decode(binary({ 'content-type': undefined }))), /without a content-type/);
  });

  it('refuses non-JSON data', () => {
    assert.match(failure(decode(binary({ 'content-type': 'application/avro' }))), /not JSON/);
    assert.match(failure(decode(binary({}, Buffer.from('<xml/>')))), /value is not JSON/);
  });

  it('refuses a record without a value', () => {
    assert.match(failure(decode(binary({}, null))), /no value/);
  });

  it('refuses invalid UTF-8 in a header or the data, and duplicate members in the data, as not I-JSON', () => {
    for (const [result, reason] of [
      [decode(binary({ ce_source: Buffer.from([0x2f, 0xc3, 0x28]) })), /'ce_source' is not well-formed UTF-8/],
      [decode(binary({ ce_id: Buffer.from([0x61, 0xed, 0xa0, 0x80]) })), /'ce_id' is not well-formed UTF-8/],
      [decode(binary({}, Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]))), /the value is not well-formed UTF-8/],
      [decode(binary({}, Buffer.from('{"amount":"1.00","amount":"1000000.00"}'))), /the value is not I-JSON \(RFC 7493\): member name "amount" occurs more than once/],
    ] as const) {
      assert.equal(result.ok, false);
      if (result.ok) continue;
      assert.equal(result.rejection.code, 'CG_NOT_I_JSON');
      assert.match(result.rejection.message, reason);
    }
  });

  it('refuses a repeated ce_ header', () => {
    assert.match(failure(decode(binary({ ce_id: ['a', 'b'] }))), /'ce_id' occurs 2 times/);
  });

  it('refuses attribute headers that are not lower-case letters and digits', () => {
    assert.match(failure(decode(binary({ ce_Trace_Id: 'x' }))), /not a CloudEvents attribute header/);
    assert.match(failure(decode(binary({ CE_ID: 'x' }))), /not a CloudEvents attribute header/);
  });

  it('refuses ce_data and ce_datacontenttype headers', () => {
    assert.match(failure(decode(binary({ ce_data: '{}' }))), /data is the record value/);
    assert.match(failure(decode(binary({ ce_datacontenttype: 'application/json' }))), /content-type header/);
  });
});
