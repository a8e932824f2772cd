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
  decodeFailed, isJsonMediaType, mediaType, parseJson, readHeader, utf8OrUndefined,
  type DecodeResult, type KafkaMessage,
} from './kafka-message.js';

const prefix = 'ce_';
/** CloudEvents 1.0 §3.1.1: attribute names are lower-case ASCII letters and digits. */
const attributeName = /^[a-z0-9]+$/;
const required = ['specversion', 'id', 'source', 'type'] as const;

/**
 * Reads the `ce_*` headers into attributes. `ce_data`/`ce_datacontenttype` are refused: data is the
 * value and datacontenttype is `content-type` (§3.2.1, §3.2.3), so either header would be a second,
 * conflicting source of truth.
 */
export function readCeHeaders(message: KafkaMessage):
  { ok: true; attributes: Record<string, string> } | { ok: false; result: DecodeResult } {
  const attributes: Record<string, string> = {};
  for (const key of Object.keys(message.headers)) {
    if (!key.toLowerCase().startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (!key.startsWith(prefix) || !attributeName.test(name)) {
      return { ok: false, result: decodeFailed(`header '${key}' is not a CloudEvents attribute header (ce_ followed by lower-case letters and digits)`) };
    }
    if (name === 'data' || name === 'datacontenttype') {
      return { ok: false, result: decodeFailed(`header '${key}' is not allowed in binary mode: ${name === 'data' ? 'data is the record value' : 'datacontenttype is the content-type header'}`) };
    }
    const read = readHeader(message.headers, key);
    if (read.kind === 'invalid') return { ok: false, result: decodeFailed(read.reason) };
    if (read.kind === 'value') attributes[name] = read.value;
  }
  return { ok: true, attributes };
}

/** Decodes a binary-mode record whose data is JSON into a structured-JSON envelope candidate. */
export function decodeBinary(message: KafkaMessage): DecodeResult {
  const headers = readCeHeaders(message);
  if (!headers.ok) return headers.result;
  const { attributes } = headers;
  const missing = required.filter((name) => attributes[name] === undefined);
  if (missing.length > 0) {
    return decodeFailed(`binary-mode CloudEvent without ${missing.map((name) => prefix + name).join(', ')} header${missing.length > 1 ? 's' : ''}`);
  }

  const contentType = readHeader(message.headers, 'content-type');
  if (contentType.kind === 'invalid') return decodeFailed(contentType.reason);
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
  if (text === undefined) return decodeFailed('the value is not valid UTF-8');
  const data = parseJson(text);
  if (!data.ok) return decodeFailed(`the value is not JSON: ${data.reason}`);

  return { ok: true, envelope: { ...attributes, datacontenttype: contentType.value, data: data.value } };
}
