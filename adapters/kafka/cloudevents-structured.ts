/**
 * CloudEvents Kafka protocol binding 1.0, structured content mode (§3.3), JSON event format:
 *
 *   "If present, the Kafka message header property `content-type` MUST be set to the media type of an
 *    event format." — e.g. `content-type: application/cloudevents+json; charset=UTF-8`
 *   "The event metadata and data are then rendered in accordance with the event format specification
 *    and the resulting data becomes the Kafka application data section."
 *
 * The value is one JSON object (the batch format `application/cloudevents-batch+json` is not part of the
 * Kafka binding). Attribute checks are left to the core's parseEnvelope, so REST and Kafka report an
 * invalid envelope the same way; this file only gets from bytes to a JSON object.
 */
import {
  decodeFailed, isPlainObject, mediaType, notUtf8, parseJson, readHeader, utf8OrUndefined,
  type DecodeResult, type HeaderRead, type KafkaMessage,
} from './kafka-message.js';

export const structuredMediaType = 'application/cloudevents+json';

/** True when the content-type header announces structured mode (§3: prefix `application/cloudevents`, any case). */
export function announcesStructuredMode(message: KafkaMessage, contentType: HeaderRead = readHeader(message.headers, 'content-type')): boolean {
  return contentType.kind === 'value' && contentType.value.trim().toLowerCase().startsWith('application/cloudevents');
}

/**
 * Decodes a structured-mode record. A missing content-type is accepted (the topic's contract says
 * structured); a present one must be the JSON event format. `contentType` is the message's
 * content-type header when the caller has read it already.
 */
export function decodeStructured(message: KafkaMessage, contentType: HeaderRead = readHeader(message.headers, 'content-type')): DecodeResult {
  if (contentType.kind === 'invalid') return decodeFailed(contentType.reason, contentType.code);
  if (contentType.kind === 'value') {
    const type = mediaType(contentType.value);
    if (type !== structuredMediaType && type !== 'application/json') {
      return decodeFailed(`content-type '${contentType.value}' is not the CloudEvents JSON event format (${structuredMediaType})`);
    }
  }
  if (message.value === null || message.value.length === 0) {
    return decodeFailed('the record has no value: a structured-mode CloudEvent is a JSON object in the value');
  }
  const text = utf8OrUndefined(message.value);
  if (text === undefined) return notUtf8('the value');
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, rejection: parsed.rejection };
  if (!isPlainObject(parsed.value)) {
    return decodeFailed(`the value is JSON ${Array.isArray(parsed.value) ? 'array' : typeof parsed.value === 'object' ? 'null' : typeof parsed.value}, not a CloudEvents object`);
  }
  return { ok: true, envelope: parsed.value };
}
