/**
 * Transport sector (`transport.events`): producers send CloudEvents in structured mode, the JSON event
 * format in the value (CloudEvents Kafka binding §3.3), e.g. `cn.gov.transport.trip` records.
 */
import { decodeStructured } from './cloudevents-structured.js';
import type { DecodeResult, KafkaMessage } from './kafka-message.js';

/** Decodes a transport record. Never throws. */
export function decode(message: KafkaMessage): DecodeResult {
  return decodeStructured(message);
}
