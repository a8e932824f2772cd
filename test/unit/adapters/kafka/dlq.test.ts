import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDlqMessage, DlqHeaders, headersAsText, type FailedRecord } from '../../../../adapters/kafka/dlq.js';
import { ErrorCodes, rejection } from '../../../../src/core/errors.js';

const record: FailedRecord = {
  topic: 'finance.events',
  partition: 2,
  offset: '41',
  timestamp: '1735787045000',
  key: Buffer.from('acct-1'),
  value: Buffer.from([0x00, 0xff, 0x7b]),
  headers: {
    ce_id: Buffer.from('pay-1'),
    'content-type': 'application/json',
    repeated: [Buffer.from('a'), 'b'],
    gone: undefined,
  },
};

describe('buildDlqMessage', () => {
  const why = rejection(ErrorCodes.SchemaInvalid, 'amount: expected a decimal string', [
    { path: ['data', 'amount'], code: 'invalid_type', message: 'expected string' },
  ]);
  const message = buildDlqMessage(record, why, { gatewayVersion: '0.1.0', rejectedAt: 1735787046123, recordId: { source: '/shanghai/finance/bank-7', id: 'pay-1' } });

  it('keeps the original key, value bytes and headers', () => {
    assert.equal(message.key, record.key);
    assert.deepEqual(message.value, Buffer.from([0x00, 0xff, 0x7b]));
    assert.deepEqual(message.headers['ce_id'], Buffer.from('pay-1'));
    assert.equal(message.headers['content-type'], 'application/json');
    assert.deepEqual(message.headers['repeated'], [Buffer.from('a'), 'b']);
    assert.equal('gone' in message.headers, false);
  });

  it('adds the reason and the origin as __cg.errors.* headers', () => {
    assert.equal(message.headers[DlqHeaders.code], 'CG_SCHEMA_INVALID');
    assert.equal(message.headers[DlqHeaders.message], 'amount: expected a decimal string');
    assert.deepEqual(JSON.parse(message.headers[DlqHeaders.issues] as string), [
      { path: ['data', 'amount'], code: 'invalid_type', message: 'expected string' },
    ]);
    assert.equal(message.headers[DlqHeaders.topic], 'finance.events');
    assert.equal(message.headers[DlqHeaders.partition], '2');
    assert.equal(message.headers[DlqHeaders.offset], '41');
    assert.equal(message.headers[DlqHeaders.timestamp], '1735787045000');
    assert.equal(message.headers[DlqHeaders.rejectedAt], '1735787046123');
    assert.equal(message.headers[DlqHeaders.gatewayVersion], '0.1.0');
    assert.equal(message.headers[DlqHeaders.recordSource], '/shanghai/finance/bank-7');
    assert.equal(message.headers[DlqHeaders.recordId], 'pay-1');
    assert.equal(DlqHeaders.code, '__cg.errors.code');
  });

  it('writes an empty issues array and no record headers when they are unknown', () => {
    const bare = buildDlqMessage({ ...record, key: null, value: null }, rejection(ErrorCodes.DecodeFailed, 'not JSON'), { gatewayVersion: '0.1.0', rejectedAt: 1 });
    assert.equal(bare.key, null);
    assert.equal(bare.value, null);
    assert.equal(bare.headers[DlqHeaders.issues], '[]');
    assert.equal(DlqHeaders.recordId in bare.headers, false);
    assert.equal(DlqHeaders.recordSource in bare.headers, false);
  });

  it('replaces the context of an earlier failure instead of repeating it', () => {
    const replayed = { ...record, headers: { ...message.headers } };
    const again = buildDlqMessage(replayed, rejection(ErrorCodes.DecodeFailed, 'second reason'), { gatewayVersion: '0.2.0', rejectedAt: 2 });
    assert.equal(again.headers[DlqHeaders.message], 'second reason');
    assert.equal(again.headers[DlqHeaders.gatewayVersion], '0.2.0');
    assert.equal(DlqHeaders.recordId in again.headers, false, 'no stale record id from the first failure');
    assert.deepEqual(again.headers['ce_id'], Buffer.from('pay-1'));
  });
});

describe('headersAsText', () => {
  it('decodes values as UTF-8 and joins repeated keys', () => {
    assert.deepEqual(headersAsText(record.headers), { ce_id: 'pay-1', 'content-type': 'application/json', repeated: 'a, b' });
  });
});
