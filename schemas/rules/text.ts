/** Bounded text and identifier fields. Bounds keep one record's size and log lines predictable. */
import { z } from 'zod';

// No lookaround: the exported JSON Schema pattern must also work in RE2-style engines (Go, Rust).
const VISIBLE_TEXT = /^[^\p{Cc}\s](?:[^\p{Cc}]*[^\p{Cc}\s])?$/u;

/** Visible text of 1..max characters without control characters and without edge whitespace. */
export function boundedText(max: number) {
  return z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `at most ${max} characters` })
    .regex(VISIBLE_TEXT, { error: 'no control characters and no leading or trailing whitespace' });
}

/** An identifier: 1..max of letters, digits and `. _ : -`, e.g. a route or gantry id. */
export function identifier(max: number) {
  return z
    .string()
    .regex(new RegExp(`^[A-Za-z0-9._:-]{1,${max}}$`), { error: `expected 1 to ${max} letters, digits or . _ : -` });
}

/** True when `boundedText(max)` accepts `s` (without running zod). */
export function isBoundedText(s: unknown, max: number): s is string {
  if (typeof s !== 'string' || s.length < 1 || s.length > max) return false;
  // Printable ASCII, the usual case, is decided here (0x21-0x7E at the edges, 0x20-0x7E inside: no
  // control character, no edge whitespace); anything else goes to the Unicode regex itself.
  const last = s.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7e || c < (i === 0 || i === last ? 0x21 : 0x20)) return VISIBLE_TEXT.test(s);
  }
  return true;
}

const IDENTIFIER_CHARS = /^[A-Za-z0-9._:-]+$/;

/** True when `identifier(max)` accepts `s` (without running zod). */
export function isIdentifier(s: unknown, max: number): s is string {
  return typeof s === 'string' && s.length >= 1 && s.length <= max && IDENTIFIER_CHARS.test(s);
}
