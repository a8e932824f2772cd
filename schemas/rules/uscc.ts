/**
 * China unified social credit code (统一社会信用代码), GB 32100-2015.
 *
 * 18 characters from the 31-character set 0-9 A-H J-N P Q R T U W X Y (no I, O, S, V, Z):
 *   1     registration authority        2  organization category
 *   3-8   administrative division code (GB/T 2260, digits)
 *   9-17  organization code (GB 11714)   18 check character
 * Check character: with Ci the value (index in the set) of character i and weights Wi = 3^(i-1) mod 31
 * (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28), C18 = 31 - (Σ Ci·Wi mod 31),
 * where 31 becomes 0. The embedded GB 11714 check digit of positions 9-17 is not checked: codes of
 * individual businesses (category 92) are assigned without it.
 */
import { z } from 'zod';

const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < CHARSET.length; i++) VALUE[CHARSET.charCodeAt(i)] = i;

/** The check character for the first 17 characters of a code. Throws a TypeError on a bad character. */
export function usccCheckChar(first17: string): string {
  if (first17.length !== 17) throw new TypeError('usccCheckChar: expected 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = VALUE[first17.charCodeAt(i)] ?? -1;
    if (v < 0) throw new TypeError(`usccCheckChar: "${first17[i]}" is not in the GB 32100 character set`);
    sum += v * (WEIGHTS[i] ?? 0);
  }
  return CHARSET[(31 - (sum % 31)) % 31] ?? '0';
}

/** True when `s` has the GB 32100 shape and its check character is right. */
export function isUscc(s: unknown): s is string {
  // SHAPE and the check character in one pass, without slicing: the same answer as the zod `uscc`.
  if (typeof s !== 'string' || s.length !== 18) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? (VALUE[c] ?? -1) : -1;
    // Characters 3-8 (indexes 2-7) are the administrative division code: digits only.
    if (v < 0 || (i >= 2 && i <= 7 && v > 9)) return false;
    sum += v * (WEIGHTS[i] ?? 0);
  }
  return s.charCodeAt(17) === CHARSET.charCodeAt((31 - (sum % 31)) % 31);
}

/** A unified social credit code, e.g. `91350100M000100Y43`. */
export const uscc = z
  .string()
  .regex(SHAPE, {
    error: 'expected a unified social credit code: 18 characters of 0-9 A-H J-N P Q R T U W X Y, digits 3-8 numeric',
    abort: true,
  })
  .refine((s) => usccCheckChar(s.slice(0, 17)) === s[17], { error: 'unified social credit code check character is wrong' });
