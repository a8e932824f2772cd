import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iccid, imei, isIccid, isImei, isLuhnValid, luhnCheckDigit } from '../../../../schemas/rules/luhn.js';

test('Luhn: known-answer values', () => {
  assert.equal(isLuhnValid('79927398713'), true);
  assert.equal(isLuhnValid('79927398710'), false);
  assert.equal(luhnCheckDigit('7992739871'), '3');
  assert.equal(luhnCheckDigit('49015420323751'), '8');
  assert.equal(isLuhnValid('0'), true);
  assert.equal(isLuhnValid('12a'), false);
  assert.throws(() => luhnCheckDigit('12a'), TypeError);
});

test('Luhn: the computed check digit always validates and any other digit fails', () => {
  for (const payload of ['8986001234567890123', '898600123456789012', '1', '00000', '49015420323751']) {
    const check = luhnCheckDigit(payload);
    assert.equal(isLuhnValid(payload + check), true, payload);
    for (let d = 0; d <= 9; d++) {
      if (String(d) !== check) assert.equal(isLuhnValid(payload + String(d)), false, `${payload}${d}`);
    }
  }
});

test('IMEI: 15 digits with a Luhn check digit', () => {
  assert.equal(isImei('490154203237518'), true);
  assert.equal(imei.safeParse('490154203237518').success, true);
  assert.equal(isImei('490154203237517'), false);
  assert.equal(isImei('49015420323751'), false);
  const bad = imei.safeParse('490154203237517');
  assert.equal(bad.success, false);
  assert.match(bad.error?.issues[0]?.message ?? '', /Luhn/);
});

test('ICCID: 89 prefix, 19-20 digits, Luhn', () => {
  const twenty = '8986001234567890123' + luhnCheckDigit('8986001234567890123');
  const nineteen = '898600123456789012' + luhnCheckDigit('898600123456789012');
  for (const s of [twenty, nineteen]) {
    assert.equal(isIccid(s), true, s);
    assert.equal(iccid.safeParse(s).success, true, s);
  }
  const flipped = twenty.slice(0, -1) + String((Number(twenty.at(-1)) + 1) % 10);
  assert.equal(isIccid(flipped), false);
  const r = iccid.safeParse(flipped);
  assert.equal(r.success, false);
  assert.equal(r.error?.issues.length, 1);
  assert.match(r.error?.issues[0]?.message ?? '', /Luhn/);
  // Wrong prefix or length: one shape issue, no Luhn issue on top.
  for (const s of ['1986001234567890123' + luhnCheckDigit('1986001234567890123'), '89860012345678901', '898600123456789012345', '89860012345678901a3']) {
    assert.equal(isIccid(s), false, s);
    const p = iccid.safeParse(s);
    assert.equal(p.error?.issues.length, 1, s);
    assert.match(p.error?.issues[0]?.message ?? '', /expected an ICCID/);
  }
});
