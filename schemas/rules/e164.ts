/**
 * E.164 international telephone numbers (ITU-T E.164), written as `+` and the digits only:
 * a country code that never starts with 0, then the national number, 8 to 15 digits in all.
 * No spaces, dashes or trunk prefixes: the canonical form keeps one spelling per number.
 */
import { z } from 'zod';

const E164 = /^\+[1-9]\d{7,14}$/;

/** True when `s` is `+` followed by 8..15 digits, the first not 0. */
export function isE164(s: unknown): s is string {
  return typeof s === 'string' && E164.test(s);
}

/** A phone number in E.164 form, e.g. `+8613800138000`. */
export const e164 = z
  .string()
  .regex(E164, { error: 'expected an E.164 number: "+" then 8 to 15 digits, country code not starting with 0' });
