/**
 * The Luhn (mod 10) check used by IMEI (3GPP TS 23.003) and ICCID (ITU-T E.118) numbers.
 * The rightmost digit is the check digit; from the right, every second digit is doubled.
 */
import { z } from 'zod';

/** Luhn sum of an all-digit string whose last digit is the check digit; valid when 0 mod 10. */
function luhnSum(digits: string, hasCheckDigit: boolean): number {
  let sum = 0;
  // With a check digit at the end, doubling starts at the second digit from the right.
  let double = !hasCheckDigit;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum;
}

const DIGITS = /^\d+$/;

/** True when `s` is all digits and passes the Luhn check. */
export function isLuhnValid(s: string): boolean {
  return DIGITS.test(s) && luhnSum(s, true) % 10 === 0;
}

/** The Luhn check digit to append to `payload` (all digits). Throws a TypeError on non-digits. */
export function luhnCheckDigit(payload: string): string {
  if (!DIGITS.test(payload)) throw new TypeError('luhnCheckDigit: payload must be digits');
  return String((10 - (luhnSum(payload, false) % 10)) % 10);
}

/**
 * ICCID (SIM serial, ITU-T E.118): major industry identifier 89 (telecom), then country, issuer and
 * serial, 19 or 20 digits in all including the Luhn check digit.
 */
const ICCID = /^89\d{17,18}$/;

/** True when `s` is a 19-20 digit ICCID starting with 89 whose Luhn check digit is right. */
export function isIccid(s: unknown): s is string {
  return typeof s === 'string' && ICCID.test(s) && luhnSum(s, true) % 10 === 0;
}

/** IMEI (3GPP TS 23.003): 14 digits (TAC + serial) and a Luhn check digit. */
const IMEI = /^\d{15}$/;

/** True when `s` is a 15-digit IMEI whose Luhn check digit is right. */
export function isImei(s: unknown): s is string {
  return typeof s === 'string' && IMEI.test(s) && luhnSum(s, true) % 10 === 0;
}

/** An ICCID, e.g. `89860012345678901237` (China Mobile prefix 898600). */
export const iccid = z
  .string()
  .regex(ICCID, { error: 'expected an ICCID: "89" then 17 or 18 digits', abort: true })
  .refine((s) => luhnSum(s, true) % 10 === 0, { error: 'ICCID check digit (Luhn) is wrong' });

/** An IMEI, 15 digits with a Luhn check digit. */
export const imei = z
  .string()
  .regex(IMEI, { error: 'expected an IMEI: 15 digits', abort: true })
  .refine((s) => luhnSum(s, true) % 10 === 0, { error: 'IMEI check digit (Luhn) is wrong' });
