import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iban, ibanCheckDigits, ibanIssue, isIban, makeIban } from '../../../../schemas/rules/iban.js';

// Published example IBANs (SWIFT IBAN registry / national bank examples).
const VALID = [
  'DE89370400440532013000', 'GB82WEST12345698765432', 'FR1420041010050500013M02606', 'NL91ABNA0417164300',
  'BE68539007547034', 'NO9386011117947', 'CH9300762011623852957', 'MT84MALT011000012345MTLCAST001S',
  'ES9121000418450200051332', 'IT60X0542811101000000123456', 'SA0380000000608010167519',
];

test('accepts published example IBANs', () => {
  for (const s of VALID) {
    assert.equal(isIban(s), true, s);
    assert.equal(iban.safeParse(s).success, true, s);
  }
});

test('rejects wrong check digits, single-character typos and transpositions', () => {
  assert.match(ibanIssue('DE88370400440532013000') ?? '', /mod 97/);
  for (const s of VALID) {
    const typo = s.slice(0, 10) + (s[10] === '1' ? '2' : '1') + s.slice(11);
    assert.equal(isIban(typo), false, typo);
    const swapped = s.slice(0, 6) + s[7] + s[6] + s.slice(8);
    if (s[6] !== s[7]) assert.equal(isIban(swapped), false, swapped);
  }
});

test('rejects wrong length for the country, unknown countries, print format, lowercase', () => {
  assert.match(ibanIssue('DE8937040044053201300') ?? '', /22 characters/);
  assert.match(ibanIssue('CN1234567890123456789') ?? '', /does not issue IBANs/);
  assert.equal(isIban('DE89 3704 0044 0532 0130 00'), false);
  assert.equal(isIban('de89370400440532013000'), false);
  assert.equal(iban.safeParse('DE89 3704 0044 0532 0130 00').error?.issues.length, 1);
  assert.equal(iban.safeParse(42).success, false);
});

test('makeIban computes check digits that validate', () => {
  assert.equal(ibanCheckDigits('DE', '370400440532013000'), '89');
  assert.equal(makeIban('GB', 'WEST12345698765432'), 'GB82WEST12345698765432');
  const built = makeIban('FR', '20041010050500013M02606');
  assert.equal(built, 'FR1420041010050500013M02606');
  assert.throws(() => ibanCheckDigits('de', '123'), TypeError);
});
