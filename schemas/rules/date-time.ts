/**
 * RFC 3339 date-times with an explicit offset (`Z` or `±hh:mm`), as CloudEvents `time` uses them.
 * zod's ISO check validates the calendar (month 1-12, day within the month, leap years), so
 * `2024-13-01T00:00:00Z` and `2023-02-29T00:00:00Z` are rejected. Local times without offset are
 * rejected too: a record's time must be an instant.
 */
import { z } from 'zod';

/** An RFC 3339 date-time with offset, e.g. `2024-05-01T08:30:00+08:00`. */
export const dateTime = z.iso.datetime({
  offset: true,
  error: 'expected an RFC 3339 date-time with offset, e.g. "2024-05-01T08:30:00+08:00"',
});

/** Milliseconds since the epoch of an RFC 3339 date-time already checked by `dateTime`. */
export function instantOf(s: string): number {
  return Date.parse(s);
}

/** An RFC 3339 full-date (`YYYY-MM-DD`) with a real calendar day. */
export const isoDate = z.iso.date({ error: 'expected an RFC 3339 full-date, e.g. "2024-05-01"' });

// ---- the same checks without zod -----------------------------------------------------------------
// Hand-written mirrors of the patterns zod 4 tests (node_modules/zod/v4/core/regexes.js `datetime`
// with offset and without precision, and `date`): every record carries two or three date-times, and
// reading character codes is about 4x faster than zod's alternation-heavy regex. The unit tests
// compare these functions with zod on generated near-valid strings, so an upgrade of zod that
// changes its patterns shows up there.

const D0 = 48; // '0'

/** The digit value of `s[i]`, or -1 when it is not an ASCII digit. */
function digitAt(s: string, i: number): number {
  const c = s.charCodeAt(i) - D0;
  return c >= 0 && c <= 9 ? c : -1;
}

/** Two ASCII digits at `i` as a number, or -1. */
function twoDigits(s: string, i: number): number {
  const a = digitAt(s, i);
  const b = digitAt(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** True when `s[0..10)` is `YYYY-MM-DD` with a real Gregorian day (year 0000-9999, as zod's pattern). */
function dateAt(s: string): boolean {
  const century = twoDigits(s, 0);
  const yy = twoDigits(s, 2);
  if (century < 0 || yy < 0 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  if (month < 1 || month > 12 || day < 1) return false;
  if (day <= (DAYS_IN_MONTH[month] ?? 0)) return true;
  // 29 February: years divisible by 4, except centuries not divisible by 400.
  return month === 2 && day === 29 && (yy === 0 ? century % 4 === 0 : yy % 4 === 0);
}

/** True when `s[i..i+5)` is `hh:mm` with hh 00-23 and mm 00-59. */
function hourMinuteAt(s: string, i: number): boolean {
  const h = twoDigits(s, i);
  const m = twoDigits(s, i + 3);
  return h >= 0 && h <= 23 && s.charCodeAt(i + 2) === 58 && m >= 0 && m <= 59;
}

/**
 * True when `s` is an RFC 3339 date-time with offset exactly as `dateTime` (zod) accepts it:
 * `YYYY-MM-DDThh:mm:ss`, an optional fraction of one or more digits, then `Z` or `±hh:mm`.
 */
export function isDateTime(s: unknown): s is string {
  if (typeof s !== 'string' || s.length < 20 || !dateAt(s) || s.charCodeAt(10) !== 84 /* T */) return false;
  if (!hourMinuteAt(s, 11) || s.charCodeAt(16) !== 58) return false;
  const sec = twoDigits(s, 17);
  if (sec < 0 || sec > 59) return false;
  let i = 19;
  if (s.charCodeAt(i) === 46 /* . */) {
    i++;
    const fractionStart = i;
    while (digitAt(s, i) >= 0) i++;
    if (i === fractionStart) return false;
  }
  const c = s.charCodeAt(i);
  if (c === 90 /* Z */) return s.length === i + 1;
  return (c === 43 || c === 45) /* + - */ && s.length === i + 6 && hourMinuteAt(s, i + 1);
}

/** True when `s` is an RFC 3339 full-date exactly as `isoDate` (zod) accepts it. */
export function isIsoDate(s: unknown): s is string {
  return typeof s === 'string' && s.length === 10 && dateAt(s);
}

/**
 * Whether instant `a` is before instant `b`, for two strings that satisfy `isDateTime`: the same
 * answer as `instantOf(a) < instantOf(b)`. Date.parse costs about 0.4 µs; two date-times of the same
 * length with the same offset and no fraction compare as text (fixed-width fields, same offset),
 * which is the usual case of one producer's records.
 */
export function isBefore(a: string, b: string): boolean {
  const n = a.length;
  // `...ss+hh:mm` (25) or `...ssZ` (20): the fields end at index 19, the offset follows.
  if (n === b.length && (n === 25 || n === 20) && a.charCodeAt(19) !== 46 && sameFrom(a, b, 19)) return a < b;
  return instantOf(a) < instantOf(b);
}

function sameFrom(a: string, b: string, from: number): boolean {
  for (let i = from; i < a.length; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}
