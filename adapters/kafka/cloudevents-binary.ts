/**
 * CloudEvents Kafka protocol binding 1.0, binary content mode (§3.2):
 *
 *   §3.2.1 "the header `content-type` property MUST be mapped directly to the CloudEvents
 *           `datacontenttype` attribute."
 *   §3.2.2 "The `data` byte-sequence MUST be used as the value of the Kafka message."
 *   §3.2.3 "All CloudEvents attributes and CloudEvent Attributes Extensions with exception of `data` MUST
 *           be individually mapped to and from the Header fields in the Kafka message. Both header keys
 *           and header values MUST be encoded as UTF-8 strings."
 *   §3.2.3.1 "CloudEvent attributes are prefixed with `ce_`" (`time` maps to `ce_time`, `id` to `ce_id`).
 *
 * Percent-encoding: unlike the HTTP binding (§3.1.3.2 there), the Kafka binding carries header values as
 * plain UTF-8 and defines no percent-encoding, so values are taken verbatim: `%20` stays `%20`. Decoding
 * it would change the producer's `source`/`id` and so the record's identity and digest.
 *
 * Attribute values arrive as strings (their canonical string form); the core's parseEnvelope checks
 * them. Data: only JSON is accepted (the registered schemas are JSON); a record without a value has no
 * data and is refused here, because every registered record type carries data.
 */
import {
  decodeFailed, isJsonMediaType, mediaType, notUtf8, parseJson, readHeader, utf8OrUndefined,
  type DecodeResult, type HeaderRead, type KafkaMessage,
} from './kafka-message.js';

const prefix = 'ce_';
/** CloudEvents 1.0 §3.1.1: attribute names are lower-case ASCII letters and digits. */
const attributeName = /^[a-z0-9]+$/;
const required = ['specversion', 'id', 'source', 'type'] as const;

/** True when `key` starts with `ce_` in any case (without allocating a lower-cased copy). */
function hasCePrefix(key: string): boolean {
  return key.length >= 3 && (key.charCodeAt(0) | 0x20) === 0x63 && (key.charCodeAt(1) | 0x20) === 0x65 && key.charCodeAt(2) === 0x5f;
}

/**
 * Reads the `ce_*` headers into `attributes`, in header order; the failure when a header is refused.
 * `ce_data`/`ce_datacontenttype` are refused: data is the value and datacontenttype is `content-type`
 * (§3.2.1, §3.2.3), so either header would be a second, conflicting source of truth.
 */
function readCeHeadersInto(message: KafkaMessage, attributes: Record<string, unknown>): DecodeResult | undefined {
  const headers = message.headers;
  for (const key of Object.keys(headers)) {
    if (!hasCePrefix(key)) continue;
    const name = key.slice(prefix.length);
    if (!key.startsWith(prefix) || !attributeName.test(name)) {
      return decodeFailed(`header '${key}' is not a CloudEvents attribute header (ce_ followed by lower-case letters and digits)`);
    }
    if (name === 'data' || name === 'datacontenttype') {
      return decodeFailed(`header '${key}' is not allowed in binary mode: ${name === 'data' ? 'data is the record value' : 'datacontenttype is the content-type header'}`);
    }
    const read = readHeader(headers, key);
    if (read.kind === 'invalid') return decodeFailed(read.reason, read.code);
    if (read.kind === 'value') attributes[name] = read.value;
  }
  return undefined;
}

/** Reads the `ce_*` headers into attributes (see readCeHeadersInto for what is refused). */
export function readCeHeaders(message: KafkaMessage):
  { ok: true; attributes: Record<string, string> } | { ok: false; result: DecodeResult } {
  const attributes: Record<string, string> = {};
  const failed = readCeHeadersInto(message, attributes);
  return failed === undefined ? { ok: true, attributes } : { ok: false, result: failed };
}

/**
 * Decodes a binary-mode record whose data is JSON into a structured-JSON envelope candidate.
 * `contentType` is the message's content-type header when the caller has read it already.
 */
export function decodeBinary(message: KafkaMessage, contentType: HeaderRead = readHeader(message.headers, 'content-type')): DecodeResult {
  // The attributes in header order, then datacontenttype and data: built in place, no copy.
  const envelope: Record<string, unknown> = {};
  const refused = readCeHeadersInto(message, envelope);
  if (refused !== undefined) return refused;
  if (envelope['specversion'] === undefined || envelope['id'] === undefined || envelope['source'] === undefined || envelope['type'] === undefined) {
    const missing = required.filter((name) => envelope[name] === undefined);
    return decodeFailed(`binary-mode CloudEvent without ${missing.map((name) => prefix + name).join(', ')} header${missing.length > 1 ? 's' : ''}`);
  }

  if (contentType.kind === 'invalid') return decodeFailed(contentType.reason, contentType.code);
  if (contentType.kind === 'absent') {
    return decodeFailed('binary-mode CloudEvent without a content-type header: the data must be declared application/json');
  }
  if (!isJsonMediaType(mediaType(contentType.value))) {
    return decodeFailed(`content-type '${contentType.value}' is not JSON: records carry JSON data`);
  }
  if (message.value === null || message.value.length === 0) {
    return decodeFailed('the record has no value: binary-mode data is the record value');
  }
  const text = utf8OrUndefined(message.value);
  if (text === undefined) return notUtf8('the value');
  const data = parseJson(text);
  if (!data.ok) return { ok: false, rejection: data.rejection };

  envelope['datacontenttype'] = contentType.value;
  envelope['data'] = data.value;
  return { ok: true, envelope };
}
