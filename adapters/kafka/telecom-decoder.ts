/**
 * Telecom sector (`telecom.events`): switches export call detail records as CSV, one record per Kafka
 * message, columns in the fixed order of docs/kafka-telecom-csv.md:
 *
 *   id,source,time,callerNumber,calleeNumber,startTime,durationSeconds,cellId,imsiHash,callType,direction
 *
 * The line becomes a `cn.gov.telecom.cdr` v1 CloudEvent (schemas/telecom/cn.gov.telecom.cdr.v1.ts): the
 * first three columns are envelope attributes, the rest the record's data, named as in the schema. The
 * column layout is tied to v1, so `dataschema` names v1 explicitly: a v2 with other fields needs a new
 * layout (and a new decoder version), not a silent reinterpretation of old lines. Values are passed on as text except `durationSeconds`, which becomes a
 * number when it is a plain decimal integer; anything else stays text so the schema reports it with its
 * path (`data.durationSeconds`) instead of this decoder guessing. Empty columns are left out, so a
 * missing required value is reported by the schema as missing.
 *
 * `ce_*` headers may add extension attributes (e.g. `ce_producersig`, `ce_producerkid`); a header that
 * names an attribute the CSV line defines must agree with it.
 */
import { readCeHeaders } from './cloudevents-binary.js';
import { parseCsvRecord } from './csv-record.js';
import { schemaUrn } from '../../schemas/schema-urn.js';
import {
  decodeFailed, mediaType, notUtf8, readHeader, utf8OrUndefined, type DecodeResult, type KafkaMessage,
} from './kafka-message.js';

export const cdrType = 'cn.gov.telecom.cdr';
/** The schema version the column layout below was written for. */
export const cdrDataschema = schemaUrn(cdrType, 1);

/** Column order of the telecom CSV line (docs/kafka-telecom-csv.md). Fixed for v1; a v2 gets its own layout. */
export const cdrColumns = [
  'id', 'source', 'time', 'callerNumber', 'calleeNumber', 'startTime', 'durationSeconds', 'cellId', 'imsiHash',
  'callType', 'direction',
] as const;

const envelopeColumns = new Set<string>(['id', 'source', 'time']);
const csvDefined = new Set<string>(['specversion', 'id', 'source', 'type', 'time', 'dataschema']);
const acceptedMediaTypes = new Set(['text/csv', 'text/plain']);
const decimalInteger = /^-?(0|[1-9][0-9]*)$/;

/** Decodes a telecom CSV record. Never throws. */
export function decode(message: KafkaMessage): DecodeResult {
  const contentType = readHeader(message.headers, 'content-type');
  if (contentType.kind === 'invalid') return decodeFailed(contentType.reason, contentType.code);
  if (contentType.kind === 'value' && !acceptedMediaTypes.has(mediaType(contentType.value))) {
    return decodeFailed(`content-type '${contentType.value}' is not text/csv: telecom records are one CSV line`);
  }
  if (message.value === null || message.value.length === 0) {
    return decodeFailed('the record has no value: a telecom record is one CSV line');
  }
  const text = utf8OrUndefined(message.value);
  if (text === undefined) return notUtf8('the value');
  const parsed = parseCsvRecord(text);
  if (!parsed.ok) return decodeFailed(`the value is not one CSV record: ${parsed.reason}`);
  if (parsed.fields.length !== cdrColumns.length) {
    return decodeFailed(`the CSV record has ${parsed.fields.length} column${parsed.fields.length === 1 ? '' : 's'}, expected ${cdrColumns.length}: ${cdrColumns.join(',')}`);
  }

  const envelope: Record<string, unknown> = {
    specversion: '1.0', type: cdrType, dataschema: cdrDataschema, datacontenttype: 'application/json',
  };
  const data: Record<string, unknown> = {};
  const fields = parsed.fields;
  for (let index = 0; index < cdrColumns.length; index++) {
    const column = cdrColumns[index] as (typeof cdrColumns)[number];
    const value = fields[index] as string;
    if (value === '') continue;
    if (envelopeColumns.has(column)) envelope[column] = value;
    else data[column] = column === 'durationSeconds' && decimalInteger.test(value) ? Number(value) : value;
  }

  const headers = readCeHeaders(message);
  if (!headers.ok) return headers.result;
  for (const [name, value] of Object.entries(headers.attributes)) {
    if (csvDefined.has(name)) {
      if (envelope[name] !== value) {
        return decodeFailed(`header 'ce_${name}' (${JSON.stringify(value)}) disagrees with the CSV line (${JSON.stringify(envelope[name] ?? null)})`);
      }
      continue;
    }
    envelope[name] = value;
  }
  envelope['data'] = data;
  return { ok: true, envelope };
}
