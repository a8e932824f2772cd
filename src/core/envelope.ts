/**
 * CloudEvents 1.0 structured-mode JSON envelope (https://github.com/cloudevents/spec, v1.0.2):
 *
 *   specversion  REQUIRED  "1.0"
 *   id           REQUIRED  non-empty string, unique within `source` (here at most 256 characters)
 *   source       REQUIRED  URI-reference (RFC 3986), e.g. `/beijing/transport/metro-operator-3` (≤ 512)
 *   type         REQUIRED  non-empty string, e.g. `cn.gov.transport.trip` (≤ 256)
 *   time         OPTIONAL  RFC 3339 timestamp
 *   dataschema   OPTIONAL  URI; Crossgate reads `urn:crossgate:schema:<type>:v<N>` (schemas/schema-urn.ts)
 *   datacontenttype OPTIONAL, must be `application/json` here (the only data encoding accepted)
 *   subject      OPTIONAL  non-empty string
 *   data         REQUIRED here (CloudEvents makes it optional; a record without data has nothing to prove)
 *   extensions   names of 1-20 lowercase letters or digits; values string, boolean or 32-bit integer.
 *                Crossgate's own: `producersig` (base64url signature, see authorize.ts) and `producerkid`.
 * `data_base64` (binary data) is not accepted: records are JSON.
 * Attributes of the CloudEvents String type (id, type, subject, producerkid, string extension values)
 * must not contain control characters (U+0000-U+001F, U+007F-U+009F), as CloudEvents 1.0 §"Type
 * System" requires. Beyond the spec, it keeps a NUL out of the store: PostgreSQL text cannot hold
 * U+0000, and a record id carrying one made the whole batch it was sealed into fail to save.
 *
 * Source and id are the record's identity, so beyond the above they follow identity.ts: no dot or
 * empty path segments and no ambiguous percent-encodings in a source, no bidi or zero-width
 * characters in either.
 *
 * parseEnvelope never throws: untrusted input gets a CG_ENVELOPE_INVALID rejection with issues.
 */
import { z } from 'zod';
import { isDateTime } from '../../schemas/rules/date-time.js';
import { isPlainObject } from '../../schemas/rules/plain-object.js';
import { ErrorCodes, rejection, type Issue, type Rejection } from './errors.js';
import { idIdentityProblem, sourceIdentityProblem } from './identity.js';
import type { RecordEnvelope } from './types.js';
import { describeIssue, MAX_ISSUES, toIssues } from './zod-issues.js';

/** RFC 3986 characters: unreserved, reserved, and percent-encoded octets. */
const URI_CHARS = "(?:[A-Za-z0-9\\-._~:/?#\\[\\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})";
const URI_REFERENCE = new RegExp(`^${URI_CHARS}+$`);
const ABSOLUTE_URI = new RegExp(`^[A-Za-z][A-Za-z0-9+.\\-]*:${URI_CHARS}+$`);
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const NO_CONTROL = /^[^\p{Cc}]+$/u;
/** No control character (Unicode category Cc: U+0000-U+001F, U+007F-U+009F); empty is left to `.min()`. */
const NO_CONTROL_CHARS = /^[^\p{Cc}]*$/u;
// The same set spelled as code-unit ranges, for the fast check: without the `u` flag the test adds
// ~30 ns per record to acceptsEnvelope (\p{Cc}/u added 50-400 ns, same machine, alternating runs).
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const HAS_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** CloudEvents 1.0 §"Attribute Naming Convention". */
const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;

const CONTEXT_ATTRIBUTES = new Set([
  'specversion', 'id', 'source', 'type', 'time', 'dataschema', 'datacontenttype', 'subject', 'data',
  'producersig', 'producerkid',
]);

/** A zod refinement reporting `problem`'s message; the checks before it have reported their own. */
function identityRule(problem: (value: string) => string | null) {
  return (value: string, context: z.RefinementCtx): void => {
    const message = problem(value);
    if (message !== null) context.addIssue({ code: 'custom', message });
  };
}

const envelopeSchema = z
  .object({
    specversion: z.literal('1.0', { error: 'specversion must be "1.0"' }),
    id: z
      .string()
      .min(1, { error: 'id must not be empty' })
      .max(256, { error: 'id is at most 256 characters' })
      .regex(NO_CONTROL_CHARS, { error: 'id must not contain control characters' })
      .superRefine(identityRule((id) => NO_CONTROL_CHARS.test(id) ? idIdentityProblem(id) : null)),
    source: z
      .string()
      .min(1, { error: 'source must not be empty' })
      .max(512, { error: 'source is at most 512 characters' })
      .regex(URI_REFERENCE, { error: 'source must be a URI-reference (RFC 3986), e.g. "/beijing/transport/metro-operator-3"' })
      .superRefine(identityRule((source) => URI_REFERENCE.test(source) ? sourceIdentityProblem(source) : null)),
    type: z
      .string()
      .min(1, { error: 'type must not be empty' })
      .max(256, { error: 'type is at most 256 characters' })
      .regex(NO_CONTROL, { error: 'type must not contain control characters' }),
    time: z.iso
      .datetime({ offset: true, error: 'time must be an RFC 3339 date-time with offset' })
      .optional(),
    dataschema: z
      .string()
      .max(1024, { error: 'dataschema is at most 1024 characters' })
      .regex(ABSOLUTE_URI, { error: 'dataschema must be an absolute URI, e.g. "urn:crossgate:schema:cn.gov.transport.trip:v1"' })
      .optional(),
    datacontenttype: z.literal('application/json', { error: 'datacontenttype must be "application/json" when present' }).optional(),
    subject: z
      .string()
      .min(1, { error: 'subject must not be empty' })
      .max(256, { error: 'subject is at most 256 characters' })
      .regex(NO_CONTROL_CHARS, { error: 'subject must not contain control characters' })
      .optional(),
    producersig: z
      .string()
      .max(1024, { error: 'producersig is at most 1024 characters' })
      .regex(BASE64URL, { error: 'producersig must be unpadded base64url' })
      .optional(),
    producerkid: z
      .string()
      .min(1, { error: 'producerkid must not be empty' })
      .max(256, { error: 'producerkid is at most 256 characters' })
      .regex(NO_CONTROL_CHARS, { error: 'producerkid must not contain control characters' })
      .optional(),
    data: z.unknown(),
  })
  .catchall(
    // CloudEvents 1.0 type system: String, Boolean, Integer (signed 32-bit); URI and Timestamp are strings in JSON.
    z.union([z.string(), z.boolean(), z.number().int().min(-2147483648).max(2147483647)], {
      error: 'extension attribute values must be strings, booleans or 32-bit integers',
    }).refine((value) => typeof value !== 'string' || NO_CONTROL_CHARS.test(value), {
      error: 'extension attribute strings must not contain control characters',
    }),
  );

/** Outcome of parseEnvelope. */
export type EnvelopeResult =
  | { readonly ok: true; readonly envelope: RecordEnvelope }
  | { readonly ok: false; readonly rejection: Rejection };

function invalid(issues: Issue[]): EnvelopeResult {
  const first = issues[0];
  const message = first === undefined
    ? 'not a valid CloudEvents 1.0 envelope'
    : `not a valid CloudEvents 1.0 envelope: ${describeIssue(first)}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`;
  return { ok: false, rejection: rejection(ErrorCodes.EnvelopeInvalid, message, issues) };
}

/**
 * Strings that already matched a pattern, per attribute: producers repeat a few sources, types and
 * dataschemas, and a Set lookup costs a fraction of the URI regex. Only strings that matched are
 * kept, at most MEMO_SIZE per attribute (emptied when full), so hostile input cannot grow it.
 */
const MEMO_SIZE = 128;
const matchedSources = new Set<string>();
const matchedTypes = new Set<string>();
const matchedDataschemas = new Set<string>();

function matches(memo: Set<string>, pattern: RegExp | ((s: string) => boolean), s: string): boolean {
  if (memo.has(s)) return true;
  if (!(typeof pattern === 'function' ? pattern(s) : pattern.test(s))) return false;
  if (memo.size >= MEMO_SIZE) memo.clear();
  memo.add(s);
  return true;
}

const isIdentitySource = (s: string): boolean => URI_REFERENCE.test(s) && sourceIdentityProblem(s) === null;

const isInt32 = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;

/** A string of `min`..`max` UTF-16 code units (zod's `.min()`/`.max()` count `length`). */
const isStringOf = (v: unknown, min: number, max: number): v is string =>
  typeof v === 'string' && v.length >= min && v.length <= max;

/**
 * True only when parseEnvelope's checks below (attribute names, then `envelopeSchema`) would all pass
 * for `input`; false means "not sure" and the zod path decides. Each attribute is read the way zod
 * reads it (`input[name]`, inherited included), and every enumerable key is checked, so the answer
 * is at least as strict as zod's. Measured about 5x cheaper than the zod path per valid record
 * (0.25-0.5 µs against 1.3-2.8 µs, 100k factory records, CPU time on a shared 2-core machine).
 */
export function acceptsEnvelope(input: unknown): input is RecordEnvelope {
  if (!isPlainObject(input) || !Object.hasOwn(input, 'data') || input['data'] === undefined) return false;
  const time = input['time'];
  const dataschema = input['dataschema'];
  const datacontenttype = input['datacontenttype'];
  const subject = input['subject'];
  const producersig = input['producersig'];
  const producerkid = input['producerkid'];
  const source = input['source'];
  const type = input['type'];
  if (input['specversion'] !== '1.0'
    || !isStringOf(input['id'], 1, 256) || idIdentityProblem(input['id']) !== null
    || !isStringOf(source, 1, 512) || !matches(matchedSources, isIdentitySource, source)
    || !isStringOf(type, 1, 256) || !matches(matchedTypes, NO_CONTROL, type)
    || (time !== undefined && !isDateTime(time))
    || (dataschema !== undefined && !(isStringOf(dataschema, 0, 1024) && matches(matchedDataschemas, ABSOLUTE_URI, dataschema)))
    || (datacontenttype !== undefined && datacontenttype !== 'application/json')
    || (subject !== undefined && !(isStringOf(subject, 1, 256) && !HAS_CONTROL.test(subject)))
    || (producersig !== undefined && !(isStringOf(producersig, 0, 1024) && BASE64URL.test(producersig)))
    || (producerkid !== undefined && !(isStringOf(producerkid, 1, 256) && !HAS_CONTROL.test(producerkid)))) return false;
  for (const key in input) {
    if (CONTEXT_ATTRIBUTES.has(key)) continue;
    if (!EXTENSION_NAME.test(key)) return false;
    const value = input[key];
    if (typeof value === 'string' ? HAS_CONTROL.test(value) : typeof value !== 'boolean' && !isInt32(value)) return false;
  }
  return true;
}

/**
 * Checks that `input` (a parsed JSON value) is a CloudEvents 1.0 structured-mode envelope as above.
 * Never throws. On success the envelope is the input object itself when the fast check accepts it,
 * else zod's validated copy (same data reference as the input); callers only read it.
 */
export function parseEnvelope(input: unknown): EnvelopeResult {
  try {
    if (acceptsEnvelope(input)) return { ok: true, envelope: input };
  } catch {
    // Exotic objects only (throwing getters, proxies): the zod path below answers for them.
  }
  return parseEnvelopeWithZod(input);
}

/**
 * parseEnvelope without the fast accept check: the reference the fast check is tested against, and
 * what answers every input the fast check is not sure about. Never throws.
 */
export function parseEnvelopeWithZod(input: unknown): EnvelopeResult {
  try {
    if (!isPlainObject(input)) {
      return invalid([{ path: [], code: 'invalid_type', message: 'a record must be a JSON object' }]);
    }
    const issues: Issue[] = [];
    if (!Object.hasOwn(input, 'data')) {
      issues.push({ path: ['data'], code: 'invalid_type', message: Object.hasOwn(input, 'data_base64')
        ? 'data is required; data_base64 (binary data) is not accepted, records are JSON'
        : 'data is required' });
    }
    for (const key of Object.keys(input)) {
      if (issues.length >= MAX_ISSUES) break;
      if (!CONTEXT_ATTRIBUTES.has(key) && !EXTENSION_NAME.test(key)) {
        issues.push({ path: [key], code: 'unrecognized_keys', message: 'attribute names are 1 to 20 lowercase letters or digits (CloudEvents 1.0)' });
      }
    }
    const parsed = envelopeSchema.safeParse(input);
    if (!parsed.success) {
      for (const issue of toIssues(parsed.error.issues)) {
        // The missing-data issue is already reported above with a better message.
        if (issue.path.length === 1 && issue.path[0] === 'data' && !Object.hasOwn(input, 'data')) continue;
        if (issues.length < MAX_ISSUES) issues.push(issue);
      }
    }
    if (issues.length > 0) return invalid(issues);
    return { ok: true, envelope: parsed.data as RecordEnvelope };
  } catch (error) {
    // Only reachable with exotic objects (getters that throw, proxies): never from JSON.parse output.
    return invalid([{ path: [], code: 'custom', message: `record could not be read: ${error instanceof Error ? error.message : String(error)}` }]);
  }
}
