/**
 * The exact bytes of each element of a JSON array body, so a rejected item of a batch is dead-lettered
 * as it was received (not re-serialized from its parsed value, which changes whitespace, escapes and
 * number spelling, and overflows the stack on deeply nested input).
 *
 * The body has already been parsed by JSON.parse, so it is valid JSON and this only has to find
 * boundaries: no validation, no recursion (nesting is a counter), one pass over the bytes. Every
 * structural character is ASCII and every byte of a multi-byte UTF-8 sequence is >= 0x80, so
 * scanning bytes is safe.
 */
import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COMMA, isJsonWhitespace, OPEN_ARRAY, OPEN_OBJECT, QUOTE } from '../../core/json-syntax.js';

/**
 * [start, end) byte ranges of the top-level elements of `body`, a JSON array text, without the
 * whitespace around them; undefined when `body` is not an array.
 */
export function arrayElementRanges(body: Uint8Array): [number, number][] | undefined {
  let i = 0;
  const n = body.length;
  // A UTF-8 byte order mark is allowed before JSON text by Fastify's parser: skip it too.
  if (n >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) i = 3;
  while (i < n && isJsonWhitespace(body[i] as number)) i++;
  if (body[i] !== OPEN_ARRAY) return undefined;
  i++;
  const ranges: [number, number][] = [];
  let depth = 0;
  let start = -1;
  let lastSignificant = -1;
  for (; i < n; i++) {
    const byte = body[i] as number;
    if (byte === QUOTE) {
      if (start < 0) start = i;
      for (i++; i < n && body[i] !== QUOTE; i++) if (body[i] === BACKSLASH) i++;
      lastSignificant = i;
      continue;
    }
    if (isJsonWhitespace(byte)) continue;
    if (depth === 0 && (byte === COMMA || byte === CLOSE_ARRAY)) {
      if (start >= 0) ranges.push([start, lastSignificant + 1]);
      start = -1;
      if (byte === CLOSE_ARRAY) return ranges;
      continue;
    }
    if (start < 0) start = i;
    if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) depth++;
    else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
    lastSignificant = i;
  }
  return undefined;
}
