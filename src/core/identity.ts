/**
 * A record's identity is (source, id), compared byte for byte and authorized by source prefix
 * (authorize.ts). Both must therefore have one spelling that every reader sees the same way. The rules
 * (docs/service.md "Record identity"):
 *
 * source, beyond being an RFC 3986 URI-reference: in its path (after an optional `scheme:` and
 * `//authority`, before `?` or `#`) no empty segment (`//`, a trailing `/`), no `.` or `..` segment,
 * no percent-encoded unreserved character (`%2E`, `%41`: RFC 3986 §6.2.2.2 makes them equal to the
 * plain character), no `%2F` or `%5C` (a decoder would read a separator), and percent-encodings in
 * upper-case hex only (§6.2.2.1). Anywhere in it, no percent-encoded control, format (bidi, zero-width)
 * character.
 *
 * id: no control characters (Cc) and no format characters (Cf: the bidi controls U+061C, U+200E/F,
 * U+202A-U+202E, U+2066-U+2069, the zero-width U+200B-U+200D, U+2060, U+FEFF, and the rest of Cf).
 */

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const PERCENT = /%([0-9A-Fa-f]{2})/g;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
/** Characters no identity may carry: controls (Cc) and invisible format characters (Cf). */
export const INVISIBLE = /[\p{Cc}\p{Cf}]/u;
const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;

/** The path of a URI-reference: after scheme and authority, before query and fragment. */
function pathOf(source: string): string {
  let rest = source;
  const scheme = SCHEME.exec(rest);
  if (scheme !== null) rest = rest.slice(scheme[0].length);
  const end = rest.search(/[?#]/);
  if (end !== -1) rest = rest.slice(0, end);
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    rest = slash === -1 ? '' : rest.slice(slash);
  }
  return rest;
}

/** Why `source` (already a URI-reference) is not an unambiguous identity; null when it is one. */
export function sourceIdentityProblem(source: string): string | null {
  const path = pathOf(source);
  const segments = path.split('/');
  // A path that starts with "/" has an empty first piece before it; that one is not a segment.
  for (let i = path.startsWith('/') ? 1 : 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (segment === '' && path !== '') return 'source must not have empty path segments ("//" or a trailing "/")';
    if (segment === '.' || segment === '..') return 'source must not have "." or ".." path segments';
  }
  for (const [, hex] of path.matchAll(PERCENT)) {
    const byte = Number.parseInt(hex as string, 16);
    if (hex !== (hex as string).toUpperCase()) return 'source percent-encodings use upper-case hex digits ("%2F", not "%2f")';
    if (UNRESERVED.test(String.fromCharCode(byte))) return `source must not percent-encode the unreserved character "${String.fromCharCode(byte)}" (%${hex as string})`;
    if (byte === 0x2f || byte === 0x5c) return `source must not percent-encode a path separator (%${hex as string})`;
  }
  if (source.includes('%')) {
    let decoded: string | undefined;
    try {
      decoded = decodeURIComponent(source);
    } catch {
      decoded = undefined; // percent-encoded bytes that are not UTF-8 text: they decode to no character
    }
    if (decoded !== undefined && INVISIBLE.test(decoded)) return 'source must not percent-encode control or format characters (bidi controls, zero-width characters)';
  }
  return null;
}

/** Why `id` is not an unambiguous identity; null when it is one. */
export function idIdentityProblem(id: string): string | null {
  if (ASCII_PRINTABLE.test(id)) return null;
  return INVISIBLE.test(id) ? 'id must not contain control or format characters (bidi controls, zero-width characters)' : null;
}
