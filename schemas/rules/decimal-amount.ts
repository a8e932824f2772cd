/**
 * Money amounts as decimal strings, never JSON numbers: a binary float cannot hold 0.1 exactly, and
 * RFC 8785 would re-spell large numbers, so the digest would depend on the producer's JSON library.
 *
 * Form: optional `-`, an integer part without leading zeros (just `0` when below one), an optional
 * fraction. No exponent, no `+`, no spaces, no negative zero. At most 18 digits in all (ISO 20022
 * `ActiveCurrencyAndAmount` totalDigits). The fraction may not be longer than the currency's minor
 * units (checked by `amountScaleIssue`, because the currency is another field).
 */
import { z } from 'zod';
import { currencyMinorUnits } from './currency.js';

const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
const NEGATIVE_ZERO = /^-0(?:\.0+)?$/;
const MAX_DIGITS = 18;

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/** True when `s` is a decimal string as described above (sign allowed). */
export function isDecimalString(s: unknown): s is string {
  return typeof s === 'string' && DECIMAL.test(s) && !NEGATIVE_ZERO.test(s) && digitCount(s) <= MAX_DIGITS;
}

/** Number of digits after the decimal point of a decimal string. */
export function decimalScale(s: string): number {
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/**
 * Why `amount` does not fit `currency`'s minor units, or null when it does (or when the currency is
 * unknown: that is the currency field's own issue, reported once there).
 */
export function amountScaleIssue(amount: string, currency: string): string | null {
  const minor = currencyMinorUnits(currency);
  if (minor === undefined) return null;
  const scale = decimalScale(amount);
  if (scale <= minor) return null;
  return minor === 0
    ? `${currency} has no minor unit: the amount must be a whole number`
    : `${currency} has ${minor} decimal place${minor === 1 ? '' : 's'}: "${amount}" has ${scale}`;
}

const FORM_MESSAGE =
  'expected a decimal string: digits with an optional fraction, no exponent, no leading zeros, at most 18 digits';

const NON_NEGATIVE = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;
const withinLimits = (s: string): boolean => !NEGATIVE_ZERO.test(s) && digitCount(s) <= MAX_DIGITS;

/** A signed decimal amount string, e.g. `"-12.50"`. */
export const decimalAmount = z
  .string()
  .regex(DECIMAL, { error: FORM_MESSAGE, abort: true })
  .refine(withinLimits, { error: FORM_MESSAGE });

/** A decimal amount string that is zero or positive, e.g. `"12.50"`. */
export const nonNegativeDecimalAmount = z
  .string()
  .regex(NON_NEGATIVE, { error: `${FORM_MESSAGE}; must not be negative`, abort: true })
  .refine(withinLimits, { error: FORM_MESSAGE });

/**
 * Compares two decimal strings numerically without converting to floating point.
 * Returns -1, 0 or 1. Both must satisfy `isDecimalString`.
 */
export function compareDecimal(a: string, b: string): number {
  const negA = a.startsWith('-');
  const negB = b.startsWith('-');
  if (negA !== negB) return negA ? -1 : 1;
  const mag = compareMagnitude(negA ? a.slice(1) : a, negB ? b.slice(1) : b);
  return negA ? -mag : mag;
}

/** Character code of '0', the implicit digit after the end of a fraction. */
const ZERO = 48;

/**
 * Integer parts by length then digit by digit, then fractions as if right-padded with zeros. Runs on
 * every payment and invoice, so it reads character codes in place: splitting and padding allocated
 * several strings and an array per call and cost about 20x more.
 */
function compareMagnitude(a: string, b: string): number {
  const aDot = a.indexOf('.');
  const bDot = b.indexOf('.');
  const aInt = aDot < 0 ? a.length : aDot;
  const bInt = bDot < 0 ? b.length : bDot;
  if (aInt !== bInt) return aInt < bInt ? -1 : 1;
  for (let k = 0; k < aInt; k++) {
    const x = a.charCodeAt(k);
    const y = b.charCodeAt(k);
    if (x !== y) return x < y ? -1 : 1;
  }
  const aFrac = fractionLength(a, aDot);
  const bFrac = fractionLength(b, bDot);
  const width = Math.max(aFrac, bFrac);
  for (let k = 0; k < width; k++) {
    const x = k < aFrac ? a.charCodeAt(aDot + 1 + k) : ZERO;
    const y = k < bFrac ? b.charCodeAt(bDot + 1 + k) : ZERO;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Characters after the dot at `dot`, up to a second dot if any (never there in a valid decimal). */
function fractionLength(s: string, dot: number): number {
  if (dot < 0) return 0;
  const next = s.indexOf('.', dot + 1);
  return (next < 0 ? s.length : next) - dot - 1;
}

/**
 * The value of a decimal string times 10^scale as a bigint (exact). The string's own scale must not
 * be above `scale`; returns null when it is.
 */
export function toScaledBigInt(s: string, scale: number): bigint | null {
  const negative = s.startsWith('-');
  const body = negative ? s.slice(1) : s;
  const dot = body.indexOf('.');
  const whole = dot < 0 ? body : body.slice(0, dot);
  const fraction = dot < 0 ? '' : body.slice(dot + 1);
  if (fraction.length > scale) return null;
  const value = BigInt(whole + fraction.padEnd(scale, '0'));
  return negative ? -value : value;
}

/**
 * The scale (digits after the point) of `s` when `nonNegativeDecimalAmount` accepts it, else -1.
 * One pass over the characters instead of zod's two regexes and digit count: this runs for every
 * amount of every finance and transport record.
 */
export function nonNegativeDecimalScale(s: unknown): number {
  if (typeof s !== 'string') return -1;
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === ZERO) {
    i = 1;
  } else if (c > ZERO && c <= 57) {
    i = 1;
    while (i < n && (c = s.charCodeAt(i)) >= ZERO && c <= 57) i++;
  } else {
    return -1;
  }
  const intDigits = i;
  if (i === n) return intDigits <= MAX_DIGITS ? 0 : -1;
  if (s.charCodeAt(i) !== 46 /* . */) return -1;
  i++;
  const fractionStart = i;
  while (i < n && (c = s.charCodeAt(i)) >= ZERO && c <= 57) i++;
  const scale = i - fractionStart;
  if (i !== n || scale === 0 || intDigits + scale > MAX_DIGITS) return -1;
  return scale;
}

/**
 * The value of a decimal string times 10^scale as a number when that is below 2^53 (exact), else -1.
 * `s` must satisfy `nonNegativeDecimalScale(s) >= 0` with a scale of at most `scale`.
 */
export function scaledSafeInteger(s: string, scale: number): number {
  let value = 0;
  let fraction = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      fraction = 0;
      continue;
    }
    value = value * 10 + (c - ZERO);
    if (fraction >= 0) fraction++;
  }
  for (let k = fraction < 0 ? 0 : fraction; k < scale; k++) value *= 10;
  return Number.isSafeInteger(value) ? value : -1;
}
