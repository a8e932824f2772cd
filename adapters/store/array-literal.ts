/**
 * PostgreSQL array literals built in one pass. The `pg` driver serializes a JavaScript array element
 * by element with two regular-expression replaces each; for a 5,000-record batch (25,000 short
 * strings) that was a measurable share of saveBatch's client CPU. Both drivers pass a string through
 * unchanged, and the server parses it as the array type the statement casts to (`$1::text[]`).
 *
 * Array input syntax (PostgreSQL docs, "Array Value Input"): `{"a","b"}`; inside double quotes a
 * backslash escapes the next character, so only `"` and `\` need escaping.
 */

const needsEscape = /["\\]/;

/** `{"v1","v2",...}` for strings (never NULL). */
export function textArrayLiteral(values: readonly string[]): string {
  if (values.length === 0) return '{}';
  if (!needsEscape.test(values.join(''))) return `{"${values.join('","')}"}`;
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

/** `{1,2,3}` for integers. */
export function intArrayLiteral(values: readonly number[]): string {
  for (const v of values) {
    if (!Number.isSafeInteger(v)) throw new TypeError(`not an integer: ${v}`);
  }
  return `{${values.join(',')}}`;
}
