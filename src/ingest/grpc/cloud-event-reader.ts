/**
 * `repeated io.cloudevents.v1.CloudEvent events = 1` (SubmitBatchRequest, SubmitStreamRequest, and
 * SubmitRequest's one `event = 1`) read straight from protobuf bytes into plain GrpcCloudEvent objects.
 *
 * Why not protobufjs: it turns string bytes that are not UTF-8 into U+FFFD without a word, so the text
 * hashed would not be the bytes sent. Here a string field that is not UTF-8 marks its event
 * (`notUtf8`), and the event is refused (RFC 7493 §2.1). The cost per record is protobufjs' (docs/grpc.md).
 *
 * Protobuf rules kept: unknown fields are skipped, the last of a repeated scalar or oneof member wins,
 * a map's last entry for a key wins. Refused as malformed (undefined): truncated or overlong varints and
 * lengths, a known field with the wrong wire type, groups (wire types 3 and 4, absent from proto3).
 */
import { isUtf8 } from 'node:buffer';
import type { GrpcAttributeValue, GrpcCloudEvent } from './grpc-records.js';

class Malformed extends Error {}

/** An attribute value with no member set (refused by the envelope); never written to. */
const NO_VALUE: GrpcAttributeValue = Object.freeze({});

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const FIXED32 = 5;

/** Node's own slicers, as protobufjs uses them: Buffer#toString adds argument checks to every call. */
interface Slicing {
  utf8Slice(start: number, end: number): string;
}

class Reader {
  at: number;
  /** The first string field of the current event whose bytes are not UTF-8. */
  notUtf8: string | undefined;
  constructor(readonly buf: Buffer & Slicing, start: number, readonly end: number) {
    this.at = start;
  }

  /**
   * The UTF-8 text of buf[start, stop). Node replaces bytes that are not UTF-8 with U+FFFD, so only a
   * text holding U+FFFD needs the bytes checked.
   */
  string(field: string, start: number, stop: number): string {
    const text = this.buf.utf8Slice(start, stop);
    if (text.includes('\uFFFD') && !isUtf8(this.buf.subarray(start, stop))) this.notUtf8 ??= field;
    return text;
  }

  /** A field's key (number << 3 | wire type); field number 0 does not exist. */
  key(): number {
    const key = this.uint32();
    if (key >>> 3 === 0) throw new Malformed();
    return key;
  }

  /** An unsigned varint that fits 32 bits (lengths). One and two bytes, the usual sizes, go first. */
  uint32(): number {
    const { buf, end } = this;
    let at = this.at;
    if (at < end) {
      const b0 = buf[at]!;
      if (b0 < 0x80) {
        this.at = at + 1;
        return b0;
      }
      if (at + 1 < end && buf[at + 1]! < 0x80) {
        this.at = at + 2;
        return (b0 & 0x7f) | (buf[at + 1]! << 7);
      }
    }
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (at >= end) throw new Malformed();
      const byte = buf[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) {
        if (value > 0xffffffff) throw new Malformed();
        this.at = at;
        return value;
      }
    }
    throw new Malformed();
  }

  /** A varint of up to 64 bits, as a BigInt (int64: two's complement). */
  uint64(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.at >= this.end) throw new Malformed();
      const byte = this.buf[this.at++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
    throw new Malformed();
  }

  /** int32: the low 32 bits of the varint, signed (negative values come sign-extended to 10 bytes). */
  int32(): number {
    return Number(BigInt.asIntN(32, this.uint64()));
  }

  int64(): number {
    return Number(BigInt.asIntN(64, this.uint64()));
  }

  /** The end of a length-delimited field starting here. */
  delimited(): number {
    const length = this.uint32();
    if (length > this.end - this.at) throw new Malformed();
    return this.at + length;
  }

  skipField(wireType: number): void {
    switch (wireType) {
      case VARINT: this.uint64(); return;
      case FIXED64: this.advance(8); return;
      case BYTES: this.at = this.delimited(); return;
      case FIXED32: this.advance(4); return;
      default: throw new Malformed();
    }
  }

  private advance(bytes: number): void {
    if (bytes > this.end - this.at) throw new Malformed();
    this.at += bytes;
  }
}

/** The field's number once its wire type is the one expected. */
function expect(key: number, wireType: number): void {
  if ((key & 7) !== wireType) throw new Malformed();
}

/** google.protobuf.Timestamp. */
function readTimestamp(r: Reader, end: number): { seconds: number; nanos: number } {
  let seconds = 0;
  let nanos = 0;
  while (r.at < end) {
    const key = r.key();
    switch (key >>> 3) {
      case 1: expect(key, VARINT); seconds = r.int64(); break;
      case 2: expect(key, VARINT); nanos = r.int32(); break;
      default: r.skipField(key & 7);
    }
  }
  return { seconds, nanos };
}

/** Reads one event; the first string field that is not UTF-8 is named in `notUtf8`. */
function readEvent(r: Reader, end: number): GrpcCloudEvent {
  const event: { -readonly [K in keyof GrpcCloudEvent]: GrpcCloudEvent[K] } = {};
  r.notUtf8 = undefined;
  while (r.at < end) {
    const key = r.key();
    const field = key >>> 3;
    if (field > 8) {
      r.skipField(key & 7);
      continue;
    }
    expect(key, BYTES);
    const stop = r.delimited();
    switch (field) {
      case 1: event.id = r.string('id', r.at, stop); break;
      case 2: event.source = r.string('source', r.at, stop); break;
      case 3: event.specVersion = r.string('spec_version', r.at, stop); break;
      case 4: event.type = r.string('type', r.at, stop); break;
      case 5: readAttribute(r, stop, (event.attributes ??= {}) as Record<string, GrpcAttributeValue>); break;
      case 6: event.binaryData = Buffer.from(r.buf.subarray(r.at, stop)); event.data = 'binaryData'; break;
      case 7: event.textData = r.string('text_data', r.at, stop); event.data = 'textData'; break;
      case 8: event.protoData = Buffer.from(r.buf.subarray(r.at, stop)); event.data = 'protoData'; break;
    }
    r.at = stop;
  }
  if (r.notUtf8 !== undefined) event.notUtf8 = r.notUtf8;
  return event;
}

/** One `attributes` map entry (key = 1, value = 2) into `into`. */
function readAttribute(r: Reader, end: number, into: Record<string, GrpcAttributeValue>): void {
  let name = '';
  let value = NO_VALUE;
  while (r.at < end) {
    const key = r.key();
    const field = key >>> 3;
    if (field === 1) {
      expect(key, BYTES);
      const stop = r.delimited();
      name = r.string('attributes key', r.at, stop);
      r.at = stop;
    } else if (field === 2) {
      expect(key, BYTES);
      value = readAttributeValue(r, r.delimited());
    } else {
      r.skipField(key & 7);
    }
  }
  // An own property even for `__proto__` (an assignment would set the prototype), for the envelope to refuse.
  if (name === '__proto__') Object.defineProperty(into, name, { value, enumerable: true, writable: true, configurable: true });
  else into[name] = value;
}

function readAttributeValue(r: Reader, end: number): GrpcAttributeValue {
  let value = NO_VALUE;
  while (r.at < end) {
    const key = r.key();
    const field = key >>> 3;
    if (field === 1 || field === 2) {
      expect(key, VARINT);
      value = field === 1 ? { attr: 'ceBoolean', ceBoolean: r.uint64() !== 0n } : { attr: 'ceInteger', ceInteger: r.int32() };
      continue;
    }
    if (field < 3 || field > 7) {
      r.skipField(key & 7);
      continue;
    }
    expect(key, BYTES);
    const stop = r.delimited();
    switch (field) {
      case 3: value = { attr: 'ceString', ceString: r.string('ce_string', r.at, stop) }; break;
      case 4: value = { attr: 'ceBytes', ceBytes: Buffer.from(r.buf.subarray(r.at, stop)) }; break;
      case 5: value = { attr: 'ceUri', ceUri: r.string('ce_uri', r.at, stop) }; break;
      case 6: value = { attr: 'ceUriRef', ceUriRef: r.string('ce_uri_ref', r.at, stop) }; break;
      case 7: value = { attr: 'ceTimestamp', ceTimestamp: readTimestamp(r, stop) }; break;
    }
    r.at = stop;
  }
  return value;
}

function readerOf(bytes: Uint8Array): Reader {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new Reader(buf as Buffer & Slicing, 0, buf.length);
}

/** `read`'s answer, or undefined when the bytes are malformed. */
function unlessMalformed<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof Malformed) return undefined;
    throw error;
  }
}

/**
 * The events of a message whose field 1 is `CloudEvent` (repeated or not: each occurrence is one
 * event, in order), or undefined when the bytes are not such a message.
 */
export function readCloudEvents(bytes: Uint8Array): GrpcCloudEvent[] | undefined {
  const r = readerOf(bytes);
  return unlessMalformed(() => {
    const events: GrpcCloudEvent[] = [];
    while (r.at < r.end) {
      const key = r.key();
      if (key >>> 3 !== 1) {
        r.skipField(key & 7);
        continue;
      }
      expect(key, BYTES);
      const stop = r.delimited();
      events.push(readEvent(r, stop));
      r.at = stop;
    }
    return events;
  });
}

/**
 * How many events a request holds, from its top-level fields alone (no decoding): what flow control
 * counts as a request arrives. Undefined when the bytes are not a well-formed message of this shape.
 */
export function countEvents(bytes: Uint8Array): number | undefined {
  const r = readerOf(bytes);
  return unlessMalformed(() => {
    let count = 0;
    while (r.at < r.end) {
      if (r.uint32() !== ((1 << 3) | BYTES)) return undefined; // only field 1, length-delimited
      r.at = r.delimited();
      count++;
    }
    return count;
  });
}
