/**
 * Consumed Kafka messages packed for a prepare worker: every key, value and header byte copied into
 * one fresh ArrayBuffer plus an Int32Array of offsets, both transferred (not cloned) by postMessage.
 *
 * Why not post the messages as they are: kafkajs's Buffers are views on its fetch buffers, and
 * structured clone copies a view's whole backing ArrayBuffer, not the view, so a chunk of 256 records
 * would carry a whole fetch response. One copy of exactly the bytes needed, then a transfer, is the
 * least a worker hand-off can cost.
 *
 * Layout, per message: keyStart, keyLength (−1: null), valueStart, valueLength (−1: null), headers;
 * per header: nameStart, nameLength, values (−1: a single value, not an array); per value: tag
 * (0 bytes, 1 string, 2 undefined), start, length.
 */
import type { KafkaHeaderValue, KafkaMessage } from '../../../adapters/kafka/kafka-message.js';

export interface PackedMessages {
  readonly bytes: ArrayBuffer;
  readonly layout: Int32Array;
}

const TAG_BYTES = 0;
const TAG_STRING = 1;
const TAG_UNDEFINED = 2;

function valueBytes(value: Buffer | string | undefined): number {
  if (value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength;
}

/** Packs `messages`; the result is meant to be transferred (`transferList(packed)`). */
export function packMessages(messages: readonly KafkaMessage[]): PackedMessages {
  let total = 0;
  let slots = 0;
  for (const message of messages) {
    total += (message.key?.byteLength ?? 0) + (message.value?.byteLength ?? 0);
    slots += 5;
    for (const name of Object.keys(message.headers)) {
      total += Buffer.byteLength(name);
      slots += 3;
      const header = message.headers[name];
      if (Array.isArray(header)) {
        for (const item of header) total += valueBytes(item);
        slots += 3 * header.length;
      } else {
        total += valueBytes(header);
        slots += 3;
      }
    }
  }
  const bytes = Buffer.from(new ArrayBuffer(total));
  const layout = new Int32Array(slots);
  let at = 0;
  let slot = 0;
  const push = (value: number): void => {
    layout[slot++] = value;
  };
  const put = (value: Buffer | null): void => {
    if (value === null) {
      push(0);
      push(-1);
      return;
    }
    bytes.set(value, at);
    push(at);
    push(value.byteLength);
    at += value.byteLength;
  };
  const putString = (value: string): void => {
    const written = bytes.write(value, at, 'utf8');
    push(at);
    push(written);
    at += written;
  };
  const putHeaderValue = (value: Buffer | string | undefined): void => {
    if (value === undefined) {
      push(TAG_UNDEFINED);
      push(0);
      push(0);
    } else if (typeof value === 'string') {
      push(TAG_STRING);
      putString(value);
    } else {
      push(TAG_BYTES);
      put(value);
    }
  };
  for (const message of messages) {
    put(message.key);
    put(message.value);
    const names = Object.keys(message.headers);
    push(names.length);
    for (const name of names) {
      putString(name);
      const header = message.headers[name];
      if (Array.isArray(header)) {
        push(header.length);
        for (const item of header) putHeaderValue(item);
      } else {
        push(-1);
        putHeaderValue(header);
      }
    }
  }
  return { bytes: bytes.buffer as ArrayBuffer, layout };
}

/** What postMessage should transfer for `packed`. */
export function transferList(packed: PackedMessages): ArrayBuffer[] {
  return [packed.bytes, packed.layout.buffer as ArrayBuffer];
}

/** The messages back, as views on `packed.bytes` (no copy). */
export function unpackMessages(packed: PackedMessages): KafkaMessage[] {
  const { bytes, layout } = packed;
  const text = Buffer.from(bytes);
  let i = 0;
  const next = (): number => layout[i++] as number;
  const view = (): Buffer | null => {
    const start = next();
    const length = next();
    return length < 0 ? null : Buffer.from(bytes, start, length);
  };
  const string = (): string => {
    const start = next();
    return text.toString('utf8', start, start + next());
  };
  const headerValue = (): Buffer | string | undefined => {
    const tag = next();
    if (tag === TAG_STRING) return string();
    if (tag === TAG_UNDEFINED) {
      i += 2;
      return undefined;
    }
    return view() ?? Buffer.alloc(0);
  };
  const messages: KafkaMessage[] = [];
  while (i < layout.length) {
    const key = view();
    const value = view();
    // Own properties, as kafkajs builds them: a header named `__proto__` stays a header.
    const entries: [string, KafkaHeaderValue][] = [];
    for (let count = next(); count > 0; count--) {
      const name = string();
      const values = next();
      entries.push([name, values < 0 ? headerValue() : Array.from({ length: values }, headerValue) as (Buffer | string)[]]);
    }
    messages.push({ key, value, headers: Object.fromEntries(entries) });
  }
  return messages;
}
