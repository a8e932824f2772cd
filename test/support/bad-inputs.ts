/**
 * The catalogue of named bad-input classes (issue 15, "fuzz table"): each class says how to spoil a
 * valid record and which code each door must answer. One catalogue, rendered per door:
 *
 *   rest        the body of POST /v1/records (bytes)
 *   structured  a transport-topic Kafka message (CloudEvents structured mode)
 *   binary      a finance-topic Kafka message (binary mode: ce_* headers, data as the value)
 *   csv         a telecom-topic Kafka message (one CDR as a CSV line)
 *
 * A class that cannot be expressed in a door's format (an extension attribute in a CSV line) is left
 * out of that door's table, never guessed at. `accepted` marks edge cases just inside a limit: they
 * must go through, or the limits are off by one.
 */
import type { Message } from 'kafkajs';
import { cdrColumns } from '../../adapters/kafka/telecom-decoder.js';
import { binaryMessage, cdrCsvMessage, structuredMessage } from './kafka-wire.js';
import type { GeneratedRecord } from './record-factory.js';

export type Door = 'rest' | 'structured' | 'binary' | 'csv';
export type Expected = string; // an error code (CG_...) or 'accepted'

type Json = Record<string, unknown>;

/** What a case may need beyond the record: sources and types the tenants are set up for. */
export interface CaseContext {
  /** A source no tenant owns. */
  readonly unownedSource: string;
  /** A source owned by a tenant that may submit only the record's own type. */
  readonly restrictedSource: string;
  /** A registered type of the same sector that the restricted tenant may not submit. */
  readonly otherType: string;
  /** A numeric data member of the record's type (for number edge cases), if it has one. */
  readonly numericField?: string;
}

interface RecordCase {
  readonly name: string;
  readonly kind: 'record';
  readonly edit: (record: Json, context: CaseContext) => Json;
  readonly expect: Partial<Record<Door | 'default', Expected>>;
}

interface BytesCase {
  readonly name: string;
  readonly kind: 'bytes';
  /** The spoiled JSON text of the record (structured, rest) or of its data (binary). */
  readonly spoil: (json: string) => Buffer;
  readonly expect: Partial<Record<Door | 'default', Expected>>;
}

interface MessageCase {
  readonly name: string;
  readonly kind: 'message';
  readonly doors: readonly Door[];
  readonly spoil: (message: Message, record: GeneratedRecord) => Message;
  readonly expect: Expected;
}

export type BadCase = RecordCase | BytesCase | MessageCase;

const EI = 'CG_ENVELOPE_INVALID';
const NOT_I_JSON = 'CG_NOT_I_JSON';
const SCHEMA_INVALID = 'CG_SCHEMA_INVALID';

const set = (key: string, value: unknown) => (r: Json): Json => ({ ...r, [key]: value });
const without = (key: string) => (r: Json): Json => {
  const copy = { ...r };
  delete copy[key];
  return copy;
};
const withData = (edit: (data: Json, context: CaseContext) => Json) => (r: Json, context: CaseContext): Json => ({ ...r, data: edit({ ...(r['data'] as Json) }, context) });
const bytes = (...parts: (string | number[])[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
/** The JSON text with `bad` (raw bytes) inserted as a new member of the outermost object. */
const withMember = (json: string, member: string | number[][]): Buffer => typeof member === 'string'
  ? Buffer.from(`${json.slice(0, -1)},${member}}`)
  : bytes(json.slice(0, -1), ',"zz":"', ...member, '"}');

const recordCase = (name: string, edit: RecordCase['edit'], expect: RecordCase['expect']): RecordCase => ({ name, kind: 'record', edit, expect });
const bytesCase = (name: string, spoil: BytesCase['spoil'], expect: BytesCase['expect']): BytesCase => ({ name, kind: 'bytes', spoil, expect });
const messageCase = (name: string, doors: readonly Door[], spoil: MessageCase['spoil'], expect: Expected): MessageCase => ({ name, kind: 'message', doors, spoil, expect });

export const badCases: readonly BadCase[] = [
  // Envelope attributes: presence, type, limits (at and over), identity rules, header injection.
  recordCase('specversion missing', without('specversion'), { default: EI, binary: 'CG_DECODE_FAILED' }),
  recordCase('specversion 0.3', set('specversion', '0.3'), { default: EI }),
  recordCase('specversion as a number', set('specversion', 1), { default: EI, binary: EI }),
  recordCase('id missing', without('id'), { default: EI, binary: 'CG_DECODE_FAILED' }),
  recordCase('id empty', set('id', ''), { default: EI }),
  recordCase('id at its limit (256)', (r) => ({ ...r, id: `${String(r['id'])}-`.padEnd(256, 'x') }), { default: 'accepted' }),
  recordCase('id over its limit (257)', (r) => ({ ...r, id: `${String(r['id'])}-`.padEnd(257, 'x') }), { default: EI }),
  recordCase('id as a number', set('id', 42), { default: EI, binary: 'n/a', csv: 'n/a' }),
  recordCase('id with U+0000', (r) => ({ ...r, id: `${String(r['id'])}\u0000` }), { default: EI }),
  recordCase('id with CRLF header injection', (r) => ({ ...r, id: `${String(r['id'])}\r\nx-injected: 1` }), { default: EI }),
  recordCase('id with a bidi override', (r) => ({ ...r, id: `${String(r['id'])}\u202eab` }), { default: EI }),
  recordCase('id with a zero-width space', (r) => ({ ...r, id: `${String(r['id'])}\u200b` }), { default: EI }),
  // In CSV the id is the first column, and a BOM that starts a value is its encoding signature (dropped).
  recordCase('id starting with U+FEFF', (r) => ({ ...r, id: `\ufeff${String(r['id'])}` }), { default: EI, csv: 'n/a' }),
  recordCase('id with U+0085 (C1 control)', (r) => ({ ...r, id: `${String(r['id'])}\u0085` }), { default: EI }),
  recordCase('source missing', without('source'), { default: EI, binary: 'CG_DECODE_FAILED' }),
  recordCase('source with .. segments', (r) => ({ ...r, source: `${String(r['source'])}/../../elsewhere` }), { default: EI }),
  recordCase('source with %2e%2e segments', (r) => ({ ...r, source: `${String(r['source'])}/%2e%2e/%2e%2e/elsewhere` }), { default: EI }),
  recordCase('source with %2E%2E segments', (r) => ({ ...r, source: `${String(r['source'])}/%2E%2E/elsewhere` }), { default: EI }),
  recordCase('source with an empty segment', (r) => ({ ...r, source: String(r['source']).replace(/\/([^/]*)$/, '//$1') }), { default: EI }),
  recordCase('source with a trailing slash', (r) => ({ ...r, source: `${String(r['source'])}/` }), { default: EI }),
  recordCase('source with a space', (r) => ({ ...r, source: `${String(r['source'])} x` }), { default: EI }),
  recordCase('source with a percent-encoded bidi override', (r) => ({ ...r, source: `${String(r['source'])}/%E2%80%AEx` }), { default: EI }),
  recordCase('source with a percent-encoded slash', (r) => ({ ...r, source: `${String(r['source'])}%2F..%2Fx` }), { default: EI }),
  recordCase('source at its limit (512)', (r) => ({ ...r, source: `${String(r['source'])}/`.padEnd(512, 's') }), { default: 'accepted' }),
  recordCase('source over its limit (513)', (r) => ({ ...r, source: `${String(r['source'])}/`.padEnd(513, 's') }), { default: EI }),
  recordCase('source no tenant owns', (r, c) => ({ ...r, source: c.unownedSource }), { default: 'CG_SOURCE_FORBIDDEN' }),
  recordCase('type the tenant may not submit', (r, c) => ({ ...r, source: c.restrictedSource, type: c.otherType }), { default: 'CG_TYPE_FORBIDDEN', csv: 'n/a' }),
  recordCase('type empty', set('type', ''), { default: EI, csv: 'n/a' }),
  recordCase('dataschema of an unknown version', (r) => ({ ...r, dataschema: String(r['dataschema']).replace(/:v1$/, ':v9') }), { default: 'CG_SCHEMA_UNKNOWN', csv: 'n/a' }),
  recordCase('dataschema not a URI', set('dataschema', 'not a uri'), { default: EI, csv: 'n/a' }),
  recordCase('time on 30 February', set('time', '2024-02-30T00:00:00Z'), { default: EI }),
  recordCase('time without an offset', set('time', '2024-05-01T08:00:00'), { default: EI }),
  recordCase('time offset +24:00', set('time', '2024-05-01T08:00:00+24:00'), { default: EI }),
  recordCase('datacontenttype text/plain', set('datacontenttype', 'text/plain'), { default: EI, binary: 'CG_DECODE_FAILED', csv: 'n/a' }),
  recordCase('data missing', without('data'), { default: EI, binary: 'n/a', csv: 'n/a' }),
  recordCase('data_base64 instead of data', (r) => ({ ...without('data')(r), data_base64: 'AAAA' }), { default: EI, binary: 'n/a', csv: 'n/a' }),
  recordCase('subject empty', set('subject', ''), { default: EI, csv: 'n/a' }),
  recordCase('subject over its limit (257)', set('subject', 's'.repeat(257)), { default: EI, csv: 'n/a' }),
  recordCase('extension name with upper case', set('traceId', 'x'), { default: EI, binary: 'CG_DECODE_FAILED', csv: 'n/a' }),
  recordCase('extension name over 20 characters', set('a'.repeat(21), 'x'), { default: EI, binary: EI, csv: 'n/a' }),
  recordCase('extension value an object', set('ext', { a: 1 }), { default: EI, binary: 'n/a', csv: 'n/a' }),
  recordCase('extension integer over 32 bits', set('ext', 2147483648), { default: EI, binary: 'n/a', csv: 'n/a' }),
  recordCase('extension integer at 32 bits', set('ext', 2147483647), { default: 'accepted', binary: 'accepted', csv: 'n/a' }),
  recordCase('producersig not base64url', set('producersig', 'a+b/c='), { default: EI, csv: 'n/a' }),
  recordCase('record is an array', (r) => [r] as unknown as Json, { default: EI, structured: 'CG_DECODE_FAILED', binary: 'n/a', csv: 'n/a' }),
  recordCase('record is null', () => null as unknown as Json, { default: EI, structured: 'CG_DECODE_FAILED', binary: 'n/a', csv: 'n/a' }),
  // Data against its schema.
  recordCase('data null', set('data', null), { default: SCHEMA_INVALID, csv: 'n/a' }),
  recordCase('data an array', set('data', []), { default: SCHEMA_INVALID, csv: 'n/a' }),
  recordCase('data missing a required member', withData((d) => {
    delete d[Object.keys(d)[0] as string];
    return d;
  }), { default: SCHEMA_INVALID }),
  recordCase('data with an unknown member', withData((d) => ({ ...d, unexpected: 1 })), { default: SCHEMA_INVALID, csv: 'n/a' }),
  recordCase('data member of the wrong type', withData((d) => ({ ...d, [Object.keys(d)[0] as string]: 12345 })), { default: SCHEMA_INVALID }),
  recordCase('data string over 10,000 characters', withData((d) => ({ ...d, [Object.keys(d)[0] as string]: 'x'.repeat(10_001) })), { default: SCHEMA_INVALID }),
  recordCase('data nested 300 levels deep', withData((d) => {
    let deep: unknown = 1;
    for (let i = 0; i < 300; i++) deep = [deep];
    return { ...d, unexpected: deep };
  }), { default: SCHEMA_INVALID, csv: 'n/a' }),
  recordCase('data number negative zero', withData((d, c) => (c.numericField === undefined ? d : { ...d, [c.numericField]: -0 })), { default: 'accepted' }),
  recordCase('data number fractional where an integer is required', withData((d, c) => (c.numericField === undefined ? { ...d, unexpected: 0.5 } : { ...d, [c.numericField]: 1.5 })), { default: SCHEMA_INVALID, csv: 'CG_SCHEMA_INVALID' }),
  // The bytes: syntax, truncation, I-JSON (RFC 7493), numbers JSON has but records cannot hold.
  bytesCase('empty', () => Buffer.alloc(0), { rest: 'CG_MALFORMED_JSON', default: 'CG_DECODE_FAILED' }),
  bytesCase('whitespace only', () => Buffer.from(' \n\t '), { rest: 'CG_MALFORMED_JSON', default: 'CG_DECODE_FAILED' }),
  bytesCase('truncated in the middle', (j) => Buffer.from(j.slice(0, Math.floor(j.length / 2))), { rest: 'CG_MALFORMED_JSON', default: 'CG_DECODE_FAILED' }),
  bytesCase('truncated by one byte', (j) => Buffer.from(j.slice(0, -1)), { rest: 'CG_MALFORMED_JSON', default: 'CG_DECODE_FAILED' }),
  bytesCase('trailing garbage', (j) => Buffer.from(`${j}x`), { rest: 'CG_MALFORMED_JSON', default: 'CG_DECODE_FAILED' }),
  bytesCase('two JSON values', (j) => Buffer.from(`${j}${j}`), { rest: 'CG_MALFORMED_JSON', default: 'CG_DECODE_FAILED' }),
  bytesCase('single quotes', (j) => Buffer.from(j.replaceAll('"', "'")), { rest: 'CG_MALFORMED_JSON', default: 'CG_DECODE_FAILED' }),
  bytesCase('raw control character in a string', (j) => withMember(j, [[0x01]]), { rest: 'CG_MALFORMED_JSON', default: 'CG_DECODE_FAILED' }),
  // A leading BOM is dropped by every door (RFC 8259 §8.1 lets parsers ignore it), not refused.
  bytesCase('a BOM before the JSON', (j) => bytes([0xef, 0xbb, 0xbf], j), { default: 'accepted' }),
  bytesCase('nested 10,000 levels deep', () => Buffer.from(`${'['.repeat(10_000)}${']'.repeat(10_000)}`), { rest: EI, default: 'CG_DECODE_FAILED', binary: SCHEMA_INVALID }),
  bytesCase('duplicate member name', (j) => withMember(j, `${j.slice(1, j.indexOf(','))}`), { default: NOT_I_JSON }),
  bytesCase('duplicate member name spelled with an escape', (j) => {
    const name = j.slice(2, j.indexOf('"', 2));
    return withMember(j, `"\\u${(name.codePointAt(0) as number).toString(16).padStart(4, '0')}${name.slice(1)}":1`);
  }, { default: NOT_I_JSON }),
  bytesCase('lone high surrogate escape', (j) => withMember(j, '"zz":"\\ud800"'), { default: NOT_I_JSON }),
  bytesCase('lone low surrogate escape', (j) => withMember(j, '"zz":"x\\udfff"'), { default: NOT_I_JSON }),
  bytesCase('invalid UTF-8 byte', (j) => withMember(j, [[0xff]]), { default: NOT_I_JSON }),
  bytesCase('Latin-1 byte', (j) => withMember(j, [[0xe9]]), { default: NOT_I_JSON }),
  bytesCase('overlong encoding of "/"', (j) => withMember(j, [[0xc0, 0xaf]]), { default: NOT_I_JSON }),
  bytesCase('overlong encoding of NUL', (j) => withMember(j, [[0xc0, 0x80]]), { default: NOT_I_JSON }),
  bytesCase('encoded surrogate (CESU-8)', (j) => withMember(j, [[0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80]]), { default: NOT_I_JSON }),
  bytesCase('code point over U+10FFFF', (j) => withMember(j, [[0xf4, 0x90, 0x80, 0x80]]), { default: NOT_I_JSON }),
  bytesCase('truncated multi-byte sequence', (j) => withMember(j, [[0xe4, 0xba]]), { default: NOT_I_JSON }),
  bytesCase('__proto__ member', (j) => withMember(j, '"__proto__":{"polluted":true}'), { rest: 'CG_MALFORMED_JSON', default: EI, binary: SCHEMA_INVALID }),
  bytesCase('number 1e400 (Infinity once parsed)', (j) => withMember(j, '"ext":1e400'), { default: EI, binary: SCHEMA_INVALID }),
  bytesCase('integer beyond 2^53', (j) => withMember(j, '"ext":12345678901234567890'), { default: EI, binary: SCHEMA_INVALID }),
  // Kafka headers: repeats, encodings, injection, binary-mode rules.
  messageCase('content-type not the door\'s format', ['structured', 'binary', 'csv'], (m) => ({ ...m, headers: { ...m.headers, 'content-type': 'application/xml' } }), 'CG_DECODE_FAILED'),
  messageCase('content-type repeated', ['structured', 'binary', 'csv'], (m) => ({ ...m, headers: { ...m.headers, 'content-type': ['application/json', 'text/csv'] } }), 'CG_DECODE_FAILED'),
  messageCase('content-type not UTF-8', ['structured', 'binary', 'csv'], (m) => ({ ...m, headers: { ...m.headers, 'content-type': Buffer.from([0x61, 0xff]) } }), NOT_I_JSON),
  messageCase('no value (tombstone)', ['structured', 'binary', 'csv'], (m) => ({ ...m, value: null }), 'CG_DECODE_FAILED'),
  messageCase('ce_id repeated', ['binary'], (m) => ({ ...m, headers: { ...m.headers, ce_id: ['a', 'b'] } }), 'CG_DECODE_FAILED'),
  messageCase('ce_id missing', ['binary'], (m) => {
    const headers = { ...m.headers };
    delete headers['ce_id'];
    return { ...m, headers };
  }, 'CG_DECODE_FAILED'),
  messageCase('ce_source overlong UTF-8', ['binary'], (m) => ({ ...m, headers: { ...m.headers, ce_source: bytes('/shanghai/finance/', [0xc0, 0xaf]) } }), NOT_I_JSON),
  messageCase('ce_id encoded surrogate', ['binary'], (m) => ({ ...m, headers: { ...m.headers, ce_id: bytes('x', [0xed, 0xa0, 0x80]) } }), NOT_I_JSON),
  messageCase('ce_data header', ['binary'], (m) => ({ ...m, headers: { ...m.headers, ce_data: '{}' } }), 'CG_DECODE_FAILED'),
  messageCase('ce_datacontenttype header', ['binary'], (m) => ({ ...m, headers: { ...m.headers, ce_datacontenttype: 'application/json' } }), 'CG_DECODE_FAILED'),
  messageCase('CE_ID in upper case', ['binary'], (m) => ({ ...m, headers: { ...m.headers, CE_ID: 'x' } }), 'CG_DECODE_FAILED'),
  messageCase('CSV: a column missing', ['csv'], (m) => ({ ...m, value: String(m.value).replace(/,[^,]*\r\n$/, '\r\n') }), 'CG_DECODE_FAILED'),
  messageCase('CSV: a column too many', ['csv'], (m) => ({ ...m, value: String(m.value).replace(/\r\n$/, ',extra\r\n') }), 'CG_DECODE_FAILED'),
  messageCase('CSV: an unbalanced quote', ['csv'], (m) => ({ ...m, value: `"${String(m.value)}` }), 'CG_DECODE_FAILED'),
  messageCase('CSV: two lines in one message', ['csv'], (m) => ({ ...m, value: `${String(m.value)}${String(m.value)}` }), 'CG_DECODE_FAILED'),
  messageCase('CSV: empty line', ['csv'], (m) => ({ ...m, value: '\r\n' }), 'CG_DECODE_FAILED'),
  messageCase('CSV: invalid UTF-8', ['csv'], (m) => ({ ...m, value: bytes(String(m.value).slice(0, 5), [0xff], String(m.value).slice(5)) }), NOT_I_JSON),
  messageCase('CSV: overlong UTF-8', ['csv'], (m) => ({ ...m, value: bytes(String(m.value).slice(0, 5), [0xc0, 0xaf], String(m.value).slice(5)) }), NOT_I_JSON),
  messageCase('CSV: encoded surrogate', ['csv'], (m) => ({ ...m, value: bytes(String(m.value).slice(0, 5), [0xed, 0xbf, 0xbf], String(m.value).slice(5)) }), NOT_I_JSON),
  messageCase('CSV: ce_id header disagreeing with the line', ['csv'], (m) => ({ ...m, headers: { ...m.headers, ce_id: 'other' } }), 'CG_DECODE_FAILED'),
  messageCase('CSV: duration not a number', ['csv'], (m, r) => ({ ...m, value: String(m.value).replace(`,${String((r.data as Json)['durationSeconds'])},`, ',long,') }), SCHEMA_INVALID),
];

/** What a case expects at a door; undefined when the case does not apply there. */
export function expectedAt(c: BadCase, door: Door): Expected | undefined {
  if (c.kind === 'message') return c.doors.includes(door) ? c.expect : undefined;
  if (c.kind === 'bytes' && door === 'csv') return undefined;
  const expected = c.expect[door] ?? c.expect.default;
  return expected === 'n/a' ? undefined : expected;
}

/** The cases that apply at a door. */
export function casesAt(door: Door): BadCase[] {
  return badCases.filter((c) => expectedAt(c, door) !== undefined);
}

const csvColumns = new Set<string>(cdrColumns);

/** The message a record case renders to at a Kafka door. */
function messageOf(door: Exclude<Door, 'rest'>, record: Json): Message {
  if (door === 'structured') return structuredMessage(record as GeneratedRecord);
  if (door === 'binary') return binaryMessage(record as GeneratedRecord);
  // CSV carries id, source, time and the CDR columns only; a case that edits anything else does not apply.
  return cdrCsvMessage(record as GeneratedRecord);
}

/** True when a record edit only touches what a CSV line carries. */
export function csvCanCarry(base: Json, edited: Json): boolean {
  if (edited === null || typeof edited !== 'object' || Array.isArray(edited)) return false;
  for (const key of new Set([...Object.keys(base), ...Object.keys(edited)])) {
    if (key === 'data' || key === 'id' || key === 'source' || key === 'time') continue;
    if (JSON.stringify(base[key]) !== JSON.stringify(edited[key])) return false;
  }
  const data = edited['data'] as Json | undefined;
  return data !== undefined && Object.keys(data).every((k) => csvColumns.has(k));
}

/** A case rendered at a door: REST body bytes, or a Kafka message. */
export function render(c: BadCase, door: Door, record: GeneratedRecord, context: CaseContext): Buffer | Message {
  if (c.kind === 'message') {
    if (door === 'rest') throw new Error(`${c.name} is a Kafka case`);
    return c.spoil(messageOf(door, record), record);
  }
  if (c.kind === 'bytes') {
    if (door === 'rest') return c.spoil(JSON.stringify(record));
    if (door === 'structured') return { ...structuredMessage(record), value: c.spoil(JSON.stringify(record)) };
    if (door === 'binary') return { ...binaryMessage(record), value: c.spoil(JSON.stringify(record.data)) };
    throw new Error(`${c.name} has no CSV form`);
  }
  const edited = c.edit(record, context);
  if (door === 'rest') return Buffer.from(JSON.stringify(edited));
  if (door === 'binary') {
    // Binary mode carries attributes as strings; data and datacontenttype travel as value and content-type.
    const message = binaryMessage({ ...edited, data: undefined } as unknown as GeneratedRecord);
    return { ...message, value: edited['data'] === undefined ? null : JSON.stringify(edited['data']) };
  }
  if (door === 'structured' && (edited === null || typeof edited !== 'object' || Array.isArray(edited))) {
    return { key: 'x', value: JSON.stringify(edited), headers: { 'content-type': 'application/cloudevents+json' } };
  }
  return messageOf(door, edited);
}
