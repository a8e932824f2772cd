import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cdrColumns, decode } from '../../../../adapters/kafka/telecom-decoder.js';
import { cdrV1 } from '../../../../schemas/telecom/cn.gov.telecom.cdr.v1.js';

const line = 'cdr-1,/guangdong/telecom/switch-9,2025-01-02T03:04:05Z,+8613800138000,+8613900139000,2025-01-02T03:00:00Z,245,460-00-1A2B3C4,9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08,voice,originating';

function message(value: string | Buffer | null, headers: Record<string, Buffer | string | undefined> = {}) {
  return { key: null, value: typeof value === 'string' ? Buffer.from(value) : value, headers };
}

function failure(result: ReturnType<typeof decode>): string {
  assert.equal(result.ok, false);
  if (result.ok) return '';
  assert.equal(result.rejection.code, 'CG_DECODE_FAILED');
  return result.rejection.message;
}

describe('telecom decoder (CDR as one CSV line)', () => {
  it('documents the column order it reads', () => {
    assert.deepEqual([...cdrColumns], ['id', 'source', 'time', 'callerNumber', 'calleeNumber', 'startTime', 'durationSeconds', 'cellId', 'imsiHash', 'callType', 'direction']);
  });

  it('maps the first three columns to the envelope and the rest to data', () => {
    assert.deepEqual(decode(message(line + '\r\n', { 'content-type': 'text/csv; charset=utf-8' })), {
      ok: true,
      envelope: {
        specversion: '1.0',
        type: 'cn.gov.telecom.cdr',
        dataschema: 'urn:crossgate:schema:cn.gov.telecom.cdr:v1',
        datacontenttype: 'application/json',
        id: 'cdr-1',
        source: '/guangdong/telecom/switch-9',
        time: '2025-01-02T03:04:05Z',
        data: {
          callerNumber: '+8613800138000',
          calleeNumber: '+8613900139000',
          startTime: '2025-01-02T03:00:00Z',
          durationSeconds: 245,
          cellId: '460-00-1A2B3C4',
          imsiHash: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
          callType: 'voice',
          direction: 'originating',
        },
      },
    });
  });

  it('produces data that the registered cn.gov.telecom.cdr v1 schema accepts', () => {
    const result = decode(message(line));
    assert.equal(result.ok, true);
    if (!result.ok) return;
    const parsed = cdrV1.dataSchema.safeParse((result.envelope as Record<string, unknown>)['data']);
    assert.equal(parsed.success, true, JSON.stringify(parsed.error?.issues));
  });

  it('unquotes RFC 4180 fields', () => {
    const quoted = '"cdr,2","/guangdong/telecom/switch-9",,+8613800138000,+8613900139000,2025-01-02T03:00:00Z,"10","cell ""A""",abc,sms,terminating';
    const result = decode(message(quoted));
    assert.equal(result.ok, true);
    if (!result.ok) return;
    const envelope = result.envelope as Record<string, unknown>;
    assert.equal(envelope['id'], 'cdr,2');
    assert.equal('time' in envelope, false, 'an empty column is left out');
    assert.deepEqual((envelope['data'] as Record<string, unknown>)['cellId'], 'cell "A"');
    assert.equal((envelope['data'] as Record<string, unknown>)['durationSeconds'], 10);
  });

  it('leaves a duration that is not a decimal integer as text for the schema to report', () => {
    for (const duration of ['1e3', '12.5', '007', ' 5', 'abc']) {
      const result = decode(message(line.replace(',245,', `,${duration.includes(' ') ? `"${duration}"` : duration},`)));
      assert.equal(result.ok, true);
      if (result.ok) assert.equal(((result.envelope as Record<string, unknown>)['data'] as Record<string, unknown>)['durationSeconds'], duration);
    }
  });

  it('adds ce_ extension headers and accepts ce_ headers that agree with the line', () => {
    const result = decode(message(line, { ce_producersig: 'c2ln', ce_producerkid: 'k1', ce_type: 'cn.gov.telecom.cdr', ce_id: 'cdr-1', ce_dataschema: 'urn:crossgate:schema:cn.gov.telecom.cdr:v1' }));
    assert.equal(result.ok, true);
    if (!result.ok) return;
    const envelope = result.envelope as Record<string, unknown>;
    assert.equal(envelope['producersig'], 'c2ln');
    assert.equal(envelope['producerkid'], 'k1');
  });

  it('refuses a ce_ header that contradicts the line', () => {
    assert.match(failure(decode(message(line, { ce_id: 'other' }))), /'ce_id' \("other"\) disagrees/);
    assert.match(failure(decode(message(line, { ce_dataschema: 'urn:crossgate:schema:cn.gov.telecom.cdr:v2' }))), /'ce_dataschema'/);
  });

  it('refuses the wrong number of columns, naming the expected order', () => {
    assert.match(failure(decode(message('a,b,c'))), /3 columns, expected 11: id,source,time,callerNumber/);
    assert.match(failure(decode(message(line + ',extra'))), /12 columns/);
  });

  it('refuses two records in one message', () => {
    assert.match(failure(decode(message(`${line}\r\n${line}`))), /more than one line/);
  });

  it('refuses invalid UTF-8 (overlong forms and encoded surrogates too) as not I-JSON', () => {
    for (const bytes of [[0x61, 0x80], [0x61, 0xc0, 0xaf], [0x61, 0xed, 0xa0, 0x80]]) {
      const result = decode(message(Buffer.from(bytes)));
      assert.equal(result.ok, false);
      if (!result.ok) assert.deepEqual([result.rejection.code, result.rejection.message], ['CG_NOT_I_JSON', 'the value is not well-formed UTF-8']);
    }
  });

  it('refuses broken quoting, no value and non-CSV content types', () => {
    assert.match(failure(decode(message('"cdr-1,' + line.slice(6)))), /never closed/);
    assert.match(failure(decode(message(null))), /no value/);
    assert.match(failure(decode(message(line, { 'content-type': 'application/json' }))), /not text\/csv/);
  });
});
