/**
 * Finance sector (`finance.events`): producers send CloudEvents in binary mode (CloudEvents Kafka binding
 * §3.2): attributes in `ce_*` headers, `content-type: application/json`, the payment/invoice JSON in the
 * value. As the binding requires of receivers (§3), a record whose content-type starts with
 * `application/cloudevents` is read in structured mode instead, so a producer may switch modes.
 */
import { decodeBinary } from './cloudevents-binary.js';
import { announcesStructuredMode, decodeStructured } from './cloudevents-structured.js';
import { readHeader, type DecodeResult, type KafkaMessage } from './kafka-message.js';

/** Decodes a finance record. Never throws. */
export function decode(message: KafkaMessage): DecodeResult {
  const contentType = readHeader(message.headers, 'content-type');
  return announcesStructuredMode(message, contentType) ? decodeStructured(message, contentType) : decodeBinary(message, contentType);
}
