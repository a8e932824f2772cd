/**
 * IBAN (ISO 13616-1), electronic format: uppercase, no spaces. Two checks:
 *  - the length fixed for the country (SWIFT IBAN registry);
 *  - the check digits: move the first four characters to the end, replace letters by 10..35, and the
 *    resulting integer mod 97 must be 1 (ISO 7064 MOD 97-10). Computed piecewise, no big integers.
 * The country-specific BBAN structure (which positions are digits) is not checked: the length and
 * the mod-97 digits catch typing errors, which is what a gateway needs.
 */
import { z } from 'zod';

/** IBAN length per country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = Object.freeze({
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28,
  IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20,
  LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28,
  NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24,
  SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26,
  UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
});

const SHAPE = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/;
const BBAN = /^[A-Z0-9]+$/;
const SHAPE_MESSAGE =
  'expected an IBAN in electronic format: country code, 2 check digits, uppercase letters and digits, no spaces';

/** ISO 7064 MOD 97-10 remainder of `s[from..to)` continuing from `r`, letters read as 10..35. */
function mod97(s: string, r = 0, from = 0, to = s.length): number {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    // Digits add one decimal place, letters (10..35) two. The remainder is taken only once the
    // accumulator reaches 1e7 (so r * 100 + 35 stays a 31-bit integer and V8 keeps integer
    // arithmetic): the same result with one division every few characters instead of each one.
    r = c <= 57 ? r * 10 + (c - 48) : r * 100 + (c - 55);
    if (r >= 10_000_000) r %= 97;
  }
  return r % 97;
}

/** The IBAN check: characters 5.. then the first four, mod 97, must be 1 (no string rearranging). */
function checksumOk(s: string): boolean {
  return mod97(s, mod97(s, 0, 4), 0, 4) === 1;
}

/** True when `s` is an IBAN of a registered country with the right length and check digits. */
export function isIban(s: unknown): s is string {
  if (typeof s !== 'string' || !SHAPE.test(s)) return false;
  const length = IBAN_LENGTHS[s.slice(0, 2)];
  if (length === undefined || s.length !== length) return false;
  return checksumOk(s);
}

/** The two check digits for `country` + `bban`. Throws a TypeError on malformed input. */
export function ibanCheckDigits(country: string, bban: string): string {
  if (!/^[A-Z]{2}$/.test(country) || !BBAN.test(bban)) throw new TypeError('ibanCheckDigits: bad country or BBAN');
  return String(98 - mod97(bban + country + '00')).padStart(2, '0');
}

/** Builds a valid IBAN from its country and BBAN. */
export function makeIban(country: string, bban: string): string {
  return country + ibanCheckDigits(country, bban) + bban;
}

/** Why `s` is not a valid IBAN, or null. */
export function ibanIssue(s: string): string | null {
  if (!SHAPE.test(s)) return SHAPE_MESSAGE;
  const country = s.slice(0, 2);
  const length = IBAN_LENGTHS[country];
  if (length === undefined) return `${country} does not issue IBANs`;
  if (s.length !== length) return `an IBAN for ${country} has ${length} characters, not ${s.length}`;
  if (!checksumOk(s)) return 'IBAN check digits (ISO 13616 mod 97) are wrong';
  return null;
}

/** An IBAN, e.g. `DE89370400440532013000`. */
export const iban = z
  .string()
  .regex(SHAPE, { error: SHAPE_MESSAGE, abort: true })
  .superRefine((s, ctx) => {
    const problem = ibanIssue(s);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });
