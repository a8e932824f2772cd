import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUscc, uscc, usccCheckChar } from '../../../../schemas/rules/uscc.js';

// Codes of real registered enterprises, as published on their business licences.
const REAL = ['91350100M000100Y43', '9144030071526726XG', '914403001922038216', '91110000802100433B'];

test('accepts real unified social credit codes', () => {
  for (const s of REAL) {
    assert.equal(isUscc(s), true, s);
    assert.equal(uscc.safeParse(s).success, true, s);
  }
});

test('check character follows GB 32100 weights 3^(i-1) mod 31', () => {
  assert.equal(usccCheckChar('91350100M000100Y4'), '3');
  assert.equal(usccCheckChar('9144030071526726X'), 'G');
  // Weighted sum 0 → 31 - 0 = 31 → 0.
  assert.equal(usccCheckChar('00000000000000000'), '0');
  // One non-zero digit: 1 * weight 1 = 1 → 31 - 1 = 30 → 'Y'.
  assert.equal(usccCheckChar('10000000000000000'), 'Y');
  assert.equal(usccCheckChar('01000000000000000'), 'W', '1 * weight 3 = 3 → 28 → W');
  assert.throws(() => usccCheckChar('I1000000000000000'), TypeError);
});

test('rejects wrong check characters and any single-character change', () => {
  for (const s of REAL) {
    for (const pos of [0, 5, 10, 16, 17]) {
      const c = s[pos] === '1' ? '2' : '1';
      const changed = s.slice(0, pos) + c + s.slice(pos + 1);
      assert.equal(isUscc(changed), false, changed);
    }
  }
  const r = uscc.safeParse('91350100M000100Y44');
  assert.match(r.error?.issues[0]?.message ?? '', /check character/);
});

test('rejects excluded letters, lowercase, wrong length and letters in the division code', () => {
  for (const s of ['91350100M000100I43', '91350100M000100O43', '91350100M000100S43', '91350100m000100Y43', '91350100M000100Y4', '91350100M000100Y433', '913501A0M000100Y43']) {
    assert.equal(isUscc(s), false, s);
    const r = uscc.safeParse(s);
    assert.equal(r.error?.issues.length, 1, s);
  }
});
