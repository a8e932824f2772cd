/**
 * gRPC errors with rich details (the google.rpc error model): the status code, a message that starts
 * with the CG_* code REST's problem details carry, and a `grpc-status-details-bin` trailer holding a
 * google.rpc.Status whose details are an ErrorInfo (reason = the CG_* code), plus a BadRequest with
 * one field violation per schema issue, a RetryInfo when the caller should come back, or a QuotaFailure.
 */
import { Metadata, status } from '@grpc/grpc-js';
import { loadProtoRoot } from './proto-files.js';

export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
const ERROR_DOMAIN = 'crossgate';

const root = loadProtoRoot(['google/rpc/status.proto', 'google/rpc/error_details.proto']);
const StatusMessage = root.lookupType('google.rpc.Status');
const detailTypes = {
  ErrorInfo: root.lookupType('google.rpc.ErrorInfo'),
  BadRequest: root.lookupType('google.rpc.BadRequest'),
  RetryInfo: root.lookupType('google.rpc.RetryInfo'),
  QuotaFailure: root.lookupType('google.rpc.QuotaFailure'),
};

export interface FieldViolation {
  /** JSON pointer into the record, prefixed with the event's place in a batch (`events[3]/data/fare`). */
  readonly field: string;
  readonly description: string;
  /** The schema rule (zod issue code). */
  readonly reason: string;
}

export interface ErrorDetails {
  /** The CG_* code: ErrorInfo.reason. */
  readonly reason: string;
  readonly fieldViolations?: readonly FieldViolation[];
  readonly retryAfterSeconds?: number;
  readonly quotaViolation?: { readonly subject: string; readonly description: string };
}

/** What grpc-js sends for a failed call (a ServerErrorResponse: code, details, trailers). */
export interface GrpcFailure {
  readonly code: status;
  readonly message: string;
  readonly details: string;
  readonly metadata: Metadata;
}

function any(type: keyof typeof detailTypes, value: Record<string, unknown>): { type_url: string; value: Uint8Array } {
  const message = detailTypes[type];
  return { type_url: `type.googleapis.com/google.rpc.${type}`, value: message.encode(message.fromObject(value)).finish() };
}

/** The google.rpc.Status of a failure, encoded. */
export function statusDetails(code: status, message: string, details: ErrorDetails): Uint8Array {
  const anys = [any('ErrorInfo', { reason: details.reason, domain: ERROR_DOMAIN })];
  if (details.fieldViolations !== undefined && details.fieldViolations.length > 0) {
    anys.push(any('BadRequest', { fieldViolations: details.fieldViolations.map((v) => ({ ...v })) }));
  }
  if (details.retryAfterSeconds !== undefined) {
    anys.push(any('RetryInfo', { retryDelay: { seconds: Math.max(1, Math.ceil(details.retryAfterSeconds)), nanos: 0 } }));
  }
  if (details.quotaViolation !== undefined) anys.push(any('QuotaFailure', { violations: [{ ...details.quotaViolation }] }));
  return StatusMessage.encode(StatusMessage.fromObject({ code, message, details: anys })).finish();
}

export function grpcFailure(code: status, message: string, details: ErrorDetails): GrpcFailure {
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(statusDetails(code, message, details)));
  return { code, message, details: message, metadata };
}

/** Decodes a `grpc-status-details-bin` value (for tests and clients of this repository). */
export function decodeStatusDetails(bytes: Uint8Array): { code: number; message: string; details: { type: string; value: Record<string, unknown> }[] } {
  const decoded = StatusMessage.toObject(StatusMessage.decode(bytes), { longs: Number, defaults: true }) as { code: number; message: string; details: { type_url?: string; typeUrl?: string; value: Uint8Array }[] };
  return {
    code: decoded.code,
    message: decoded.message,
    details: decoded.details.map((d) => {
      const url = d.type_url ?? d.typeUrl ?? '';
      const name = url.slice(url.lastIndexOf('.') + 1) as keyof typeof detailTypes;
      const type = detailTypes[name];
      return { type: url, value: type === undefined ? {} : type.toObject(type.decode(d.value), { longs: Number, defaults: true }) };
    }),
  };
}
