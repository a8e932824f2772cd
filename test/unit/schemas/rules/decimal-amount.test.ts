import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  amountScaleIssue, compareDecimal, decimalAmount, decimalScale, isDecimalString, nonNegativeDecimalAmount,
} from '../../../../schemas/rules/decimal-amount.js';

test('accepts plain decimal strings', () => {
  for (const s of ['0', '0.5', '12', '12.50', '-3.25', '1000000', '0.0001', '999999999999999999']) {
    assert.equal(isDecimalString(s), true, s);
    assert.equal(decimalAmount.safeParse(s).success, true, s);
  }
});

test('rejects exponents, leading zeros, signs, spaces, negative zero, too many digits, numbers', () => {
  for (const s of ['1e3', '1E3', '01', '00.5', '+1', ' 1', '1 ', '1.', '.5', '-', '', '1,000', '-0', '-0.00', '0x10', '1.2.3', '1000000000000000000', 'NaN', '１']) {
    assert.equal(isDecimalString(s), false, s);
    assert.equal(decimalAmount.safeParse(s).success, false, s);
  }
  assert.equal(decimalAmount.safeParse(12.5).success, false);
});

test('non-negative amounts reject negatives with a message', () => {
  assert.equal(nonNegativeDecimalAmount.safeParse('0').success, true);
  assert.equal(nonNegativeDecimalAmount.safeParse('12.30').success, true);
  const r = nonNegativeDecimalAmount.safeParse('-1.00');
  assert.equal(r.success, false);
  assert.match(r.error?.issues[0]?.message ?? '', /negative/);
});

test('scale against the currency minor units', () => {
  assert.equal(decimalScale('12'), 0);
  assert.equal(decimalScale('12.345'), 3);
  assert.equal(amountScaleIssue('12.34', 'CNY'), null);
  assert.equal(amountScaleIssue('12.3', 'CNY'), null);
  assert.match(amountScaleIssue('12.345', 'CNY') ?? '', /CNY has 2 decimal places/);
  assert.equal(amountScaleIssue('1200', 'JPY'), null);
  assert.match(amountScaleIssue('1200.5', 'JPY') ?? '', /whole number/);
  assert.equal(amountScaleIssue('1.234', 'BHD'), null);
  assert.notEqual(amountScaleIssue('1.2345', 'BHD'), null);
  assert.equal(amountScaleIssue('1.2345', 'CLF'), null);
  assert.equal(amountScaleIssue('1.23', 'NOPE'), null, 'unknown currency is the currency field\'s issue');
});

test('compareDecimal orders numerically without floats', () => {
  const cases: [string, string, number][] = [
    ['1', '1.00', 0], ['0.1', '0.10', 0], ['2', '10', -1], ['10', '9.99', 1], ['-1', '0', -1], ['-2', '-10', 1],
    ['12345678901234567.8', '12345678901234567.9', -1], ['0.05', '0.5', -1], ['3.10', '3.1', 0],
  ];
  for (const [a, b, want] of cases) {
    assert.equal(compareDecimal(a, b), want, `${a} vs ${b}`);
    assert.equal(compareDecimal(b, a), want === 0 ? 0 : -want, `${b} vs ${a}`);
  }
});

/** The original split-and-pad comparison, kept as the reference for the allocation-free one. */
function referenceCompare(a: string, b: string): number {
  const negA = a.startsWith('-');
  const negB = b.startsWith('-');
  if (negA !== negB) return negA ? -1 : 1;
  const [ai = '', af = ''] = (negA ? a.slice(1) : a).split('.');
  const [bi = '', bf = ''] = (negB ? b.slice(1) : b).split('.');
  let mag: number;
  if (ai.length !== bi.length) mag = ai.length < bi.length ? -1 : 1;
  else if (ai !== bi) mag = ai < bi ? -1 : 1;
  else {
    const width = Math.max(af.length, bf.length);
    const pa = af.padEnd(width, '0');
    const pb = bf.padEnd(width, '0');
    mag = pa === pb ? 0 : pa < pb ? -1 : 1;
  }
  return negA ? -mag : mag;
}

test('compareDecimal agrees with the split-and-pad reference on decimals and on any digit/dot/sign text', () => {
  const decimal = fc.tuple(fc.boolean(), fc.stringMatching(/^(?:0|[1-9]\d{0,17})$/), fc.option(fc.stringMatching(/^\d{1,6}$/))).map(
    ([neg, int, frac]) => `${neg ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}`,
  );
  const loose = fc.string({ unit: fc.constantFrom('0', '1', '5', '9', '.', '-', 'a'), maxLength: 12 });
  fc.assert(fc.property(fc.oneof(decimal, loose), fc.oneof(decimal, loose), (a, b) => {
    assert.equal(compareDecimal(a, b), referenceCompare(a, b), `${a} vs ${b}`);
  }), { numRuns: 3000 });
});
