/**
 * The gRPC door's messages (proto/crossgate/v1/gateway.proto) and the gateway's own shapes, both ways.
 *
 * A CloudEvent (the CloudEvents protobuf format) becomes the same structured-JSON envelope a REST or
 * Kafka record is: the four required attributes, the optional and extension attributes from
 * `attributes`, and `data` from `text_data` or `binary_data`, which must be JSON (as on the other
 * doors) and are held to RFC 7493 like them. `proto_data` is refused: records carry JSON data.
 *
 * A Receipt message is the JSON receipt member for member (`prev` absent = null), so
 * {@link receiptOfGrpc} gives back exactly the receipt REST serves.
 */
import { isJsonMediaType, mediaType, parseJson, utf8OrUndefined } from '../../../adapters/kafka/kafka-message.js';
import { ErrorCodes, type Rejection } from '../../core/errors.js';
import type { SubmitOutcome } from '../../core/pipeline.js';
import type { AnchorProof, Receipt, SignatureAlg } from '../../core/types.js';

/** io.cloudevents.v1.CloudEvent as @grpc/proto-loader gives it (camelCase fields, `oneofs: true`). */
export interface GrpcCloudEvent {
  readonly id?: string;
  readonly source?: string;
  readonly specVersion?: string;
  readonly type?: string;
  readonly attributes?: Readonly<Record<string, GrpcAttributeValue>>;
  readonly binaryData?: Uint8Array;
  readonly textData?: string;
  readonly protoData?: unknown;
  readonly data?: 'binaryData' | 'textData' | 'protoData';
  /** Set by the reader (cloud-event-reader.ts): the .proto name of a string field whose bytes are not UTF-8. */
  readonly notUtf8?: string;
}

export interface GrpcAttributeValue {
  readonly ceBoolean?: boolean;
  readonly ceInteger?: number;
  readonly ceString?: string;
  readonly ceBytes?: Uint8Array;
  readonly ceUri?: string;
  readonly ceUriRef?: string;
  readonly ceTimestamp?: { readonly seconds?: string | number; readonly nanos?: number };
  readonly attr?: string;
}

export type EnvelopeResult = { readonly ok: true; readonly envelope: Record<string, unknown> } | { readonly ok: false; readonly rejection: Rejection };

const failed = (message: string): EnvelopeResult => ({ ok: false, rejection: { code: ErrorCodes.DecodeFailed, message } });
const REQUIRED = new Set(['id', 'source', 'specversion', 'type', 'data', 'data_base64']);

/** RFC 3339 of a protobuf Timestamp, with as many fraction digits as it has (none for whole seconds). */
function timestampText(value: { readonly seconds?: string | number; readonly nanos?: number }): string | undefined {
  const seconds = Number(value.seconds ?? 0);
  const nanos = value.nanos ?? 0;
  if (!Number.isSafeInteger(seconds) || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) return undefined;
  const whole = new Date(seconds * 1000);
  if (Number.isNaN(whole.getTime())) return undefined;
  const base = whole.toISOString().slice(0, 19);
  const fraction = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `${base}${fraction}Z`;
}

function attributeValue(name: string, value: GrpcAttributeValue): unknown {
  switch (value.attr) {
    case 'ceBoolean': return value.ceBoolean;
    case 'ceInteger': return value.ceInteger;
    case 'ceString': return value.ceString;
    case 'ceUri': return value.ceUri;
    case 'ceUriRef': return value.ceUriRef;
    case 'ceBytes': return Buffer.from(value.ceBytes ?? new Uint8Array()).toString('base64');
    case 'ceTimestamp': return value.ceTimestamp === undefined ? undefined : timestampText(value.ceTimestamp);
    default: throw new TypeError(`attribute '${name}' has no value`);
  }
}

/** The envelope of a CloudEvent message, or why it cannot be one. */
export function envelopeOfCloudEvent(event: GrpcCloudEvent | null | undefined): EnvelopeResult {
  if (event === null || event === undefined) return failed('the request has no event');
  if (event.notUtf8 !== undefined) {
    const message = `${event.notUtf8} is not UTF-8 (RFC 7493 §2.1)`;
    return { ok: false, rejection: { code: ErrorCodes.NotIJson, message, issues: [{ path: [event.notUtf8], code: 'invalid_utf8', message }] } };
  }
  const envelope: Record<string, unknown> = { specversion: event.specVersion ?? '', id: event.id ?? '', source: event.source ?? '', type: event.type ?? '' };
  for (const [name, value] of Object.entries(event.attributes ?? {})) {
    if (REQUIRED.has(name)) return failed(`attribute '${name}' belongs in its own field, not in attributes`);
    // Assigning it would set the envelope's prototype, or drop the attribute without a word.
    if (name === '__proto__') return failed("attribute name '__proto__' is not a CloudEvents attribute name");
    let converted: unknown;
    try {
      converted = attributeValue(name, value);
    } catch (error) {
      return failed((error as Error).message);
    }
    if (converted === undefined) return failed(`attribute '${name}' is not a valid timestamp`);
    envelope[name] = converted;
  }
  if (event.data === 'protoData') return failed('proto_data is not accepted: records carry JSON data (text_data, or binary_data with a JSON datacontenttype)');
  const contentType = typeof envelope['datacontenttype'] === 'string' ? envelope['datacontenttype'] : 'application/json';
  if (event.data === undefined) return envelope['datacontenttype'] === undefined ? { ok: true, envelope } : failed('datacontenttype without data');
  if (!isJsonMediaType(mediaType(contentType))) return failed(`datacontenttype '${contentType}' is not JSON: records carry JSON data`);
  let text: string | undefined;
  if (event.data === 'textData') text = event.textData ?? '';
  else {
    text = utf8OrUndefined(event.binaryData ?? new Uint8Array());
    if (text === undefined) return { ok: false, rejection: { code: ErrorCodes.NotIJson, message: 'binary_data is not UTF-8' } };
  }
  const data = parseJson(text);
  if (!data.ok) return { ok: false, rejection: data.rejection };
  envelope['data'] = data.value;
  return { ok: true, envelope };
}

/** crossgate.v1.SubmitResponse of one outcome (proto-loader object form). */
export function submitResponse(outcome: SubmitOutcome): Record<string, unknown> {
  switch (outcome.status) {
    case 'accepted':
    case 'duplicate':
      return {
        status: outcome.status === 'accepted' ? 'SUBMIT_STATUS_ACCEPTED' : 'SUBMIT_STATUS_DUPLICATE',
        recordId: outcome.recordId, digest: outcome.digest, batchId: outcome.batchId, leafIndex: outcome.leafIndex,
      };
    case 'rejected':
      return {
        status: 'SUBMIT_STATUS_REJECTED',
        ...(outcome.recordId === null ? {} : { recordId: outcome.recordId }),
        rejection: rejectionMessage(outcome.rejection),
      };
    case 'overloaded':
      return { status: 'SUBMIT_STATUS_OVERLOADED', retryAfterSeconds: Math.max(1, Math.ceil(outcome.retryAfterSeconds)) };
  }
}

/** RFC 6901 pointer of an issue path. */
function pointer(path: readonly (string | number)[]): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export function rejectionMessage(rejection: Rejection): Record<string, unknown> {
  return {
    code: rejection.code, message: rejection.message,
    issues: (rejection.issues ?? []).map((issue) => ({ path: pointer(issue.path), code: issue.code, message: issue.message })),
  };
}

/** crossgate.v1.Receipt of a receipt. */
export function grpcReceipt(receipt: Receipt): Record<string, unknown> {
  const { batch, chain } = receipt;
  return {
    recordId: receipt.recordId, digest: receipt.digest, leafIndex: receipt.leafIndex, proof: [...receipt.proof],
    batch: {
      id: batch.id, root: batch.root, size: batch.size, sealedAt: batch.sealedAt,
      ...(batch.prev === null ? {} : { prev: batch.prev }),
      signer: { keyId: batch.signer.keyId, alg: batch.signer.alg, publicKey: batch.signer.publicKey },
    },
    signature: receipt.signature,
    chain: { kind: chain.kind, network: chain.network, txId: chain.txId, blockNumber: chain.blockNumber },
    ...(receipt.anchorProof === undefined ? {} : { anchorProofJson: JSON.stringify(receipt.anchorProof) }),
  };
}

/** A crossgate.v1.Receipt as proto-loader decodes it (longs as strings or numbers; zero values may be absent). */
export interface GrpcReceipt {
  readonly recordId: { readonly source: string; readonly id: string };
  readonly digest: string;
  readonly leafIndex?: number;
  readonly proof?: readonly string[];
  readonly batch: {
    readonly id: string; readonly root: string; readonly size?: string | number; readonly sealedAt: string; readonly prev?: string;
    readonly signer: { readonly keyId: string; readonly alg: string; readonly publicKey: string };
  };
  readonly signature: string;
  readonly chain: { readonly kind: string; readonly network: string; readonly txId: string; readonly blockNumber?: string | number };
  readonly anchorProofJson?: string;
}

/** The JSON receipt (docs/receipt-format.md) of a Receipt message: what `crossgate verify` reads. */
export function receiptOfGrpc(message: GrpcReceipt): Receipt {
  const { batch, chain } = message;
  return {
    recordId: { source: message.recordId.source, id: message.recordId.id },
    digest: message.digest,
    leafIndex: message.leafIndex ?? 0,
    proof: [...(message.proof ?? [])],
    batch: {
      id: batch.id, root: batch.root, size: Number(batch.size ?? 0), sealedAt: batch.sealedAt, prev: batch.prev ?? null,
      signer: { keyId: batch.signer.keyId, alg: batch.signer.alg as SignatureAlg, publicKey: batch.signer.publicKey },
    },
    signature: message.signature,
    chain: { kind: chain.kind, network: chain.network, txId: chain.txId, blockNumber: Number(chain.blockNumber ?? 0) },
    ...(message.anchorProofJson ? { anchorProof: JSON.parse(message.anchorProofJson) as AnchorProof } : {}),
  };
}
