import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e164, isE164 } from '../../../../schemas/rules/e164.js';

test('accepts E.164 numbers of 8 to 15 digits', () => {
  for (const s of ['+8613800138000', '+14155552671', '+442071838750', '+12345678', '+123456789012345']) {
    assert.equal(isE164(s), true, s);
    assert.equal(e164.safeParse(s).success, true, s);
  }
});

test('rejects national forms, separators, leading 0 country codes and wrong lengths', () => {
  for (const s of ['13800138000', '+0861380013800', '+86 138 0013 8000', '+86-13800138000', '+1234567', '+1234567890123456', '+', '', '+86138001380a0', '８613800138000']) {
    assert.equal(isE164(s), false, s);
    assert.equal(e164.safeParse(s).success, false, s);
  }
  assert.equal(isE164(8613800138000), false);
});
