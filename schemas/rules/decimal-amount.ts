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

function compareMagnitude(a: string, b: string): number {
  const [ai = '', af = ''] = a.split('.');
  const [bi = '', bf = ''] = b.split('.');
  if (ai.length !== bi.length) return ai.length < bi.length ? -1 : 1;
  if (ai !== bi) return ai < bi ? -1 : 1;
  const width = Math.max(af.length, bf.length);
  const pa = af.padEnd(width, '0');
  const pb = bf.padEnd(width, '0');
  return pa === pb ? 0 : pa < pb ? -1 : 1;
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
