/**
 * SubmitStreamResponse written straight to protobuf bytes. Going through proto-loader (an object per
 * result, then protobufjs' fromObject and encode) cost ~2 µs per record on the gRPC thread, and
 * protobufjs' Writer (a list of operations, then a copy) still ~1.5 µs: here sizes are computed first
 * and the bytes written into one buffer. Fields are those submitResponse sets, in field-number order,
 * zero values included, as protobufjs writes them, so the bytes are the same
 * (test/unit/ingest/grpc/stream-answer.test.ts compares them for any outcomes).
 */
import type { SubmitOutcome } from '../../core/pipeline.js';
import { rejectionMessage } from './grpc-records.js';

const STATUS = { accepted: 1, duplicate: 2, rejected: 3, overloaded: 4 } as const;

/** Node's own writer, as protobufjs uses it: Buffer#write adds argument checks to every call. */
type Writable = Buffer & { utf8Write(text: string, offset: number): number };

interface RejectionFields { readonly code: string; readonly message: string; readonly issues: readonly { path: string; code: string; message: string }[] }

const varintSize = (value: number): number => {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
};

/** Size of a length-delimited field whose content is `length` bytes (one-byte key). */
const delimitedSize = (length: number): number => 1 + varintSize(length) + length;

const issueSize = (i: RejectionFields['issues'][number]): number =>
  delimitedSize(Buffer.byteLength(i.path)) + delimitedSize(Buffer.byteLength(i.code)) + delimitedSize(Buffer.byteLength(i.message));

function rejectionSize(r: RejectionFields): number {
  let size = delimitedSize(Buffer.byteLength(r.code)) + delimitedSize(Buffer.byteLength(r.message));
  for (const issue of r.issues) size += delimitedSize(issueSize(issue));
  return size;
}

class Out {
  at = 0;
  constructor(readonly buf: Writable) {}

  varint(value: number): void {
    while (value >= 0x80) {
      this.buf[this.at++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buf[this.at++] = value;
  }

  /** A length-delimited string field (one-byte key). */
  string(key: number, text: string, bytes = Buffer.byteLength(text)): void {
    this.buf[this.at++] = key;
    this.varint(bytes);
    this.at += this.buf.utf8Write(text, this.at);
  }

  open(key: number, length: number): void {
    this.buf[this.at++] = key;
    this.varint(length);
  }
}

/** One SubmitResponse: its size, and how to write it (sizes are computed once). */
function planResult(outcome: SubmitOutcome): { size: number; write(out: Out): void } {
  const status = STATUS[outcome.status];
  if (outcome.status === 'overloaded') {
    const retry = Math.max(1, Math.ceil(outcome.retryAfterSeconds));
    return { size: 2 + 1 + varintSize(retry), write: (out) => { out.varint(0x08); out.varint(status); out.varint(0x38); out.varint(retry); } };
  }
  const recordId = outcome.recordId;
  const sourceBytes = recordId === null ? 0 : Buffer.byteLength(recordId.source);
  const idBytes = recordId === null ? 0 : Buffer.byteLength(recordId.id);
  const recordIdSize = delimitedSize(sourceBytes) + delimitedSize(idBytes);
  let size = 2 + (recordId === null ? 0 : delimitedSize(recordIdSize));
  const writeHead = (out: Out): void => {
    out.varint(0x08);
    out.varint(status);
    if (recordId === null) return;
    out.open(0x12, recordIdSize);
    out.string(0x0a, recordId.source, sourceBytes);
    out.string(0x12, recordId.id, idBytes);
  };
  if (outcome.status === 'rejected') {
    const rejection = rejectionMessage(outcome.rejection) as unknown as RejectionFields;
    const inner = rejectionSize(rejection);
    size += delimitedSize(inner);
    return {
      size,
      write: (out) => {
        writeHead(out);
        out.open(0x32, inner);
        out.string(0x0a, rejection.code);
        out.string(0x12, rejection.message);
        for (const issue of rejection.issues) {
          out.open(0x1a, issueSize(issue));
          out.string(0x0a, issue.path);
          out.string(0x12, issue.code);
          out.string(0x1a, issue.message);
        }
      },
    };
  }
  const digestBytes = Buffer.byteLength(outcome.digest);
  const batchBytes = Buffer.byteLength(outcome.batchId);
  size += delimitedSize(digestBytes) + delimitedSize(batchBytes) + 1 + varintSize(outcome.leafIndex);
  return {
    size,
    write: (out) => {
      writeHead(out);
      out.string(0x1a, outcome.digest, digestBytes);
      out.string(0x22, outcome.batchId, batchBytes);
      out.varint(0x28);
      out.varint(outcome.leafIndex);
    },
  };
}

/** The bytes of SubmitStreamResponse{sequence, results} for these outcomes. */
export function encodeStreamAnswer(sequence: number, outcomes: readonly SubmitOutcome[]): Buffer {
  const plans = outcomes.map(planResult);
  let size = 1 + varintSize(sequence);
  for (const plan of plans) size += delimitedSize(plan.size);
  const out = new Out(Buffer.allocUnsafe(size) as Writable);
  out.varint(0x08);
  out.varint(sequence);
  for (const plan of plans) {
    out.open(0x12, plan.size);
    plan.write(out);
  }
  return out.buf;
}
