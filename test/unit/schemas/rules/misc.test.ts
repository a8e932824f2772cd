import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellId, cellTechnology, isCellId } from '../../../../schemas/rules/cell-id.js';
import { dateTime, instantOf, isDateTime, isoDate } from '../../../../schemas/rules/date-time.js';
import { imsiHash, isSha256Hex } from '../../../../schemas/rules/hashed-id.js';
import { isNonNegativeInt, nonNegativeInt } from '../../../../schemas/rules/integer.js';

test('RFC 3339 date-time with offset', () => {
  for (const s of ['2024-05-01T08:30:00+08:00', '2024-05-01T00:30:00Z', '2024-02-29T23:59:59.999Z', '2024-05-01T08:30:00.123456-05:00']) {
    assert.equal(isDateTime(s), true, s);
  }
  for (const s of ['2024-13-01T00:00:00Z', '2023-02-29T00:00:00Z', '2024-04-31T00:00:00Z', '2024-05-01T24:00:00Z', '2024-05-01T08:30:00', '2024-05-01 08:30:00Z', '2024-05-01', 'yesterday', '']) {
    assert.equal(isDateTime(s), false, s);
    assert.equal(dateTime.safeParse(s).success, false, s);
  }
  assert.equal(instantOf('2024-05-01T08:30:00+08:00'), instantOf('2024-05-01T00:30:00Z'));
  assert.equal(isoDate.safeParse('2024-05-01').success, true);
  assert.equal(isoDate.safeParse('2024-02-30').success, false);
});

test('non-negative integers', () => {
  for (const n of [0, 1, 3600, Number.MAX_SAFE_INTEGER]) {
    assert.equal(isNonNegativeInt(n), true);
    assert.equal(nonNegativeInt.safeParse(n).success, true);
  }
  for (const n of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '5', null]) {
    assert.equal(isNonNegativeInt(n), false, String(n));
    assert.equal(nonNegativeInt.safeParse(n).success, false, String(n));
  }
});

test('hashed IMSI is 64 lowercase hex digits', () => {
  const h = 'a'.repeat(32) + '0123456789abcdef'.repeat(2);
  assert.equal(isSha256Hex(h), true);
  assert.equal(imsiHash.safeParse(h).success, true);
  for (const s of [h.toUpperCase(), h.slice(1), h + '0', '460001234567890', 'g'.repeat(64)]) {
    assert.equal(imsiHash.safeParse(s).success, false, s);
  }
});

test('cell ids: MCC-MNC-ECI (7 hex) or MCC-MNC-NCI (9 hex)', () => {
  for (const s of ['460-00-1A2B3C4', '460-11-0012AB34F', '310-260-ABCDEF0']) {
    assert.equal(isCellId(s), true, s);
    assert.equal(cellId.safeParse(s).success, true, s);
  }
  assert.equal(cellTechnology('460-00-1A2B3C4'), 'lte');
  assert.equal(cellTechnology('460-11-0012AB34F'), 'nr');
  for (const s of ['46000-1A2B3C4', '460-0-1A2B3C4', '460-0000-1A2B3C4', '460-00-1a2b3c4', '460-00-1A2B3C', '460-00-1A2B3C4D', '060-00-1A2B3C4', '860-00-1A2B3C4']) {
    assert.equal(isCellId(s), false, s);
  }
});
