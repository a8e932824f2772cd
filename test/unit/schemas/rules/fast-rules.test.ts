// The zod-free rule checks used by the fast accept paths, compared with the zod rules they mirror on
// generated near-valid inputs. Equivalence (not only soundness) is asserted: these are meant to be
// exact copies, and a zod upgrade that changes a pattern must show up here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dateTime, instantOf, isBefore, isDateTime, isIsoDate, isoDate } from '../../../../schemas/rules/date-time.js';
import { nonNegativeDecimalAmount, nonNegativeDecimalScale, decimalScale, scaledSafeInteger, toScaledBigInt } from '../../../../schemas/rules/decimal-amount.js';
import { isMoney, isPositiveMoney, money, positiveMoney } from '../../../../schemas/rules/money.js';
import { boundedText, identifier, isBoundedText, isIdentifier } from '../../../../schemas/rules/text.js';
import { hasOnlyKeys, isPlainObject } from '../../../../schemas/rules/plain-object.js';
import { iban, IBAN_LENGTHS, isIban, makeIban } from '../../../../schemas/rules/iban.js';
import { isUscc, uscc, usccCheckChar } from '../../../../schemas/rules/uscc.js';
import { isSha256Hex, sha256Hex } from '../../../../schemas/rules/hashed-id.js';

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
const digitsOf = (w: number) => fc.integer({ min: 0, max: 10 ** w - 1 }).map((n) => pad(n, w));

/** Mostly `valid`, sometimes `edge` (both directions of every boundary). */
const mostly = <T>(valid: fc.Arbitrary<T>, edge: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: edge });
const twoDigits = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => pad(n, 2));

/** Date parts around every boundary: months 0-13, days 0-32, leap and century years. */
const dateArb = fc.tuple(
  fc.oneof(fc.constantFrom('0000', '0004', '0100', '0400', '1900', '2000', '2023', '2024', '2100', '2400', '9999'), digitsOf(4), fc.constantFrom('0', '20240', '２０２４')),
  mostly(twoDigits(1, 12), fc.oneof(twoDigits(0, 13), fc.constantFrom('1', '001', 'ab', ''))),
  mostly(fc.oneof(twoDigits(1, 28), twoDigits(28, 31)), fc.oneof(twoDigits(0, 32), fc.constantFrom('1', '001', '2a', ''))),
  mostly(fc.constant('-'), fc.constantFrom('/', '')),
).map(([y, m, d, sep]) => `${y}${sep}${m}-${d}`);

const timeArb = fc.tuple(
  mostly(twoDigits(0, 23), twoDigits(20, 25)),
  mostly(twoDigits(0, 59), twoDigits(55, 61)),
  mostly(twoDigits(0, 59), twoDigits(55, 61)),
  mostly(fc.oneof(fc.constant(''), fc.stringMatching(/^\.\d{1,12}$/)), fc.constantFrom('.', '.5a', ',5', '.٣')),
  mostly(
    fc.oneof(
      fc.constantFrom('Z', '+00:00', '-00:00', '+14:00', '-12:00', '+23:59', '+08:00'),
      fc.tuple(fc.constantFrom('+', '-'), twoDigits(0, 23), twoDigits(0, 59)).map(([s, h, m]) => `${s}${h}:${m}`),
    ),
    fc.oneof(
      fc.constantFrom('z', '', '+24:00', '+08:60', '+8:00', '+0800', ' Z', 'Z ', '+08:00:00', '−08:00'),
      fc.tuple(fc.constantFrom('+', '-'), twoDigits(20, 25), twoDigits(55, 61)).map(([s, h, m]) => `${s}${h}:${m}`),
    ),
  ),
  mostly(fc.constant(':'), fc.constantFrom('-', '')),
).map(([h, m, s, frac, off, sep]) => `${h}${sep}${m}:${s}${frac}${off}`);

const dateTimeArb = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(dateArb, mostly(fc.constant('T'), fc.constantFrom('t', ' ', '')), timeArb).map(([d, t, x]) => d + t + x) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
);

test('isDateTime is exactly zod dateTime (RFC 3339 with offset)', () => {
  let accepted = 0;
  fc.assert(fc.property(dateTimeArb, (s) => {
    const z = dateTime.safeParse(s).success;
    if (z) accepted++;
    return isDateTime(s) === z;
  }), { numRuns: 30_000, seed: 42 });
  assert.ok(accepted > 5000, `only ${accepted} valid date-times generated`);
  for (const v of [undefined, null, 20240501, new String('2024-05-01T00:00:00Z')]) assert.equal(isDateTime(v), false);
});

test('isIsoDate is exactly zod isoDate', () => {
  let accepted = 0;
  fc.assert(fc.property(fc.oneof(dateArb, fc.string({ maxLength: 11 })), (s) => {
    const z = isoDate.safeParse(s).success;
    if (z) accepted++;
    return isIsoDate(s) === z;
  }), { numRuns: 20_000, seed: 43 });
  assert.ok(accepted > 1000);
});

test('isBefore is instantOf(a) < instantOf(b) on valid date-times', () => {
  const valid = dateTimeArb.filter((s) => dateTime.safeParse(s).success);
  // Same prefix often, so equal and near-equal instants are common.
  const pair = fc.oneof(
    fc.tuple(valid, valid),
    valid.chain((a) => fc.tuple(fc.constant(a), fc.nat({ max: a.length - 1 }), fc.constantFrom('0', '1', '5', '9')).map(([x, i, c]) => {
      const b = x.slice(0, i) + c + x.slice(i + 1);
      return [x, dateTime.safeParse(b).success ? b : x] as [string, string];
    })),
  );
  fc.assert(fc.property(pair, ([a, b]) => isBefore(a, b) === (instantOf(a) < instantOf(b))), { numRuns: 20_000, seed: 44 });
});

const decimalArb = fc.oneof(
  fc.stringMatching(/^-?\d{0,20}(\.\d{0,6})?$/),
  fc.constantFrom('0', '00', '0.0', '-0', '.5', '5.', '1e3', ' 1', '+1', '999999999999999999', '9999999999999999999', '99999999999999999.9', '0.00000000000000001'),
  fc.string({ maxLength: 6 }),
);

test('nonNegativeDecimalScale is zod nonNegativeDecimalAmount plus decimalScale', () => {
  fc.assert(fc.property(decimalArb, (s) => {
    const z = nonNegativeDecimalAmount.safeParse(s).success;
    return nonNegativeDecimalScale(s) === (z ? decimalScale(s) : -1);
  }), { numRuns: 20_000, seed: 45 });
  assert.equal(nonNegativeDecimalScale(12), -1);
});

test('scaledSafeInteger agrees with toScaledBigInt below 2^53 and says -1 above', () => {
  const valid = decimalArb.filter((s) => nonNegativeDecimalScale(s) >= 0);
  fc.assert(fc.property(valid, fc.integer({ min: 0, max: 6 }), (s, extra) => {
    const scale = nonNegativeDecimalScale(s) + extra;
    const exact = toScaledBigInt(s, scale);
    const fast = scaledSafeInteger(s, scale);
    return exact !== null && (exact <= BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(fast) === exact : fast === -1);
  }), { numRuns: 20_000, seed: 46 });
});

test('isMoney and isPositiveMoney are exactly zod money and positiveMoney', () => {
  const moneyArb = fc.oneof(
    fc.record({ amount: decimalArb, currency: fc.constantFrom('CNY', 'JPY', 'BHD', 'CLF', 'XAU', 'cny', 'ABC') }),
    fc.record({ amount: decimalArb, currency: fc.constantFrom('CNY', 'JPY'), extra: fc.anything() }),
    fc.record({ amount: fc.anything() }),
    fc.anything(),
  );
  fc.assert(fc.property(moneyArb, (v) => isMoney(v) === money.safeParse(v).success
    && isPositiveMoney(v) === positiveMoney.safeParse(v).success), { numRuns: 20_000, seed: 47 });
});

test('isBoundedText and isIdentifier are exactly zod boundedText and identifier', () => {
  const text140 = boundedText(140);
  const id32 = identifier(32);
  const textArb = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.string({ unit: fc.constantFrom('a', ' ', '\t', '\u0085', '\u00a0', '\u2028', '京', '\u{1F600}', '-', '.', ':', '_', 'Z', '9'), maxLength: 8 }),
    fc.integer({ min: 0, max: 150 }).map((n) => 'x'.repeat(n)),
    fc.integer({ min: 60, max: 80 }).map((n) => '京'.repeat(n)),
    fc.anything(),
  );
  fc.assert(fc.property(textArb, (s) => isBoundedText(s, 140) === text140.safeParse(s).success
    && isIdentifier(s, 32) === id32.safeParse(s).success), { numRuns: 20_000, seed: 48 });
});

test('plain objects and key sets', () => {
  assert.equal(isPlainObject({}), true);
  assert.equal(isPlainObject(Object.create(null)), true);
  for (const v of [null, [], new Date(0), new Map(), 'x', 1, Object.create({})]) assert.equal(isPlainObject(v), false);
  const keys = ['a', 'b'];
  assert.equal(hasOnlyKeys({ a: 1 }, keys), true);
  assert.equal(hasOnlyKeys({ a: 1, c: 2 }, keys), false);
  assert.equal(hasOnlyKeys(JSON.parse('{"__proto__": 1}') as object, keys), false);
  assert.equal(hasOnlyKeys(Object.create({ c: 1 }) as object, keys), false, 'inherited enumerable keys count');
});

/** `valid` with one character replaced, inserted or removed (or unchanged), to sit on the boundary. */
const nearMiss = (valid: fc.Arbitrary<string>, alphabet: string): fc.Arbitrary<string> =>
  fc.tuple(valid, fc.nat(), fc.constantFrom('keep', 'keep', 'set', 'insert', 'delete', 'lower'), fc.constantFrom(...alphabet)).map(([v, n, op, c]) => {
    const i = n % (v.length + 1);
    switch (op) {
      case 'set': return v.slice(0, i) + c + v.slice(i + 1);
      case 'insert': return v.slice(0, i) + c + v.slice(i);
      case 'delete': return v.slice(0, i) + v.slice(i + 1);
      case 'lower': return v.toLowerCase();
      default: return v;
    }
  });

test('isIban, isUscc and isSha256Hex are exactly their zod rules', () => {
  const upperAlnum = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const ibanArb = nearMiss(
    fc.constantFrom('DE', 'GB', 'NL', 'NO', 'MT', 'RU', 'FR', 'XX').chain((country) => {
      const n = (IBAN_LENGTHS[country] ?? 20) - 4;
      return fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'), minLength: n, maxLength: n })
        .map((bban) => makeIban(country, bban));
    }),
    `${upperAlnum}a -`,
  );
  const usccArb = nearMiss(
    fc.stringMatching(/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{9}$/).map((first17) => first17 + usccCheckChar(first17)),
    `${upperAlnum}a京`,
  );
  const hexArb = nearMiss(fc.stringMatching(/^[0-9a-f]{64}$/), '0123456789abcdefgABCDEF ');
  // Independent of the rule's own mod 97 (which zod's iban shares): the ISO 13616 check with a bigint.
  const bigintCheckOk = (s: string): boolean => {
    const moved = s.slice(4) + s.slice(0, 4);
    const digits = [...moved].map((ch) => (/\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55))).join('');
    return BigInt(digits) % 97n === 1n;
  };
  const shapeAndLengthOk = (s: string): boolean => /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(s) && IBAN_LENGTHS[s.slice(0, 2)] === s.length;
  const valid = [0, 0, 0];
  fc.assert(fc.property(ibanArb, usccArb, hexArb, (i, u, h) => {
    const z = [iban.safeParse(i).success, uscc.safeParse(u).success, sha256Hex.safeParse(h).success];
    z.forEach((ok, k) => { if (ok) valid[k] = (valid[k] ?? 0) + 1; });
    return isIban(i) === z[0] && isIban(i) === (shapeAndLengthOk(i) && bigintCheckOk(i))
      && isUscc(u) === z[1] && isSha256Hex(h) === z[2];
  }), { numRuns: 20_000, seed: 49 });
  for (const n of valid) assert.ok(n > 4000, `only ${valid.join('/')} valid IBAN/USCC/hex values generated`);
});
