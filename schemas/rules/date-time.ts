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

const checker = dateTime;

/** True when `s` is an RFC 3339 date-time with offset. */
export function isDateTime(s: unknown): s is string {
  return checker.safeParse(s).success;
}

/** Milliseconds since the epoch of an RFC 3339 date-time already checked by `dateTime`. */
export function instantOf(s: string): number {
  return Date.parse(s);
}

/** An RFC 3339 full-date (`YYYY-MM-DD`) with a real calendar day. */
export const isoDate = z.iso.date({ error: 'expected an RFC 3339 full-date, e.g. "2024-05-01"' });
