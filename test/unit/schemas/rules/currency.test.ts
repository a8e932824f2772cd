import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CURRENCY_MINOR_UNITS, currencyCode, currencyMinorUnits, isCurrencyCode } from '../../../../schemas/rules/currency.js';

test('minor units of well-known currencies', () => {
  const expected: Record<string, number> = {
    CNY: 2, USD: 2, EUR: 2, GBP: 2, HKD: 2, JPY: 0, KRW: 0, VND: 0, ISK: 0, CLP: 0,
    BHD: 3, KWD: 3, JOD: 3, OMR: 3, TND: 3, IQD: 3, LYD: 3, CLF: 4, UYW: 4,
  };
  for (const [code, minor] of Object.entries(expected)) {
    assert.equal(currencyMinorUnits(code), minor, code);
    assert.equal(currencyCode.safeParse(code).success, true, code);
  }
});

test('rejects withdrawn, unscaled, lowercase and made-up codes', () => {
  for (const code of ['HRK', 'SLL', 'VEF', 'ZWL', 'XAU', 'XXX', 'XTS', 'XDR', 'cny', 'RMB', 'CN', 'CNYY', '', 'toString', '__proto__']) {
    assert.equal(isCurrencyCode(code), false, code);
    assert.equal(currencyMinorUnits(code), undefined, code);
    assert.equal(currencyCode.safeParse(code).success, false, code);
  }
});

test('the table is a full list: every entry is 3 uppercase letters with 0, 2, 3 or 4 minor units', () => {
  const codes = Object.keys(CURRENCY_MINOR_UNITS);
  assert.ok(codes.length >= 150, `only ${codes.length} codes`);
  for (const code of codes) {
    assert.match(code, /^[A-Z]{3}$/);
    assert.ok([0, 2, 3, 4].includes(CURRENCY_MINOR_UNITS[code] ?? -1), code);
  }
});
