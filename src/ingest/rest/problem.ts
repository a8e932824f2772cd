/**
 * RFC 9457 problem details: every error the REST API returns has this shape, served as
 * `application/problem+json`, with a stable `code` (the core's ErrorCodes plus the HTTP-level codes
 * below) and, for record failures, the zod-shaped `issues`.
 */
import { ErrorCodes, type ErrorCode, type Issue, type Rejection } from '../../core/errors.js';

/** Codes for failures that happen at the HTTP layer, before a record reaches the core. */
export const HttpErrorCodes = {
  /** No `Authorization: Bearer` header, or the key is unknown. */
  Unauthenticated: 'CG_UNAUTHENTICATED',
  /** Nothing here, or it belongs to another tenant (the API does not tell which). */
  NotFound: 'CG_NOT_FOUND',
  /** The record is known but its batch is not anchored yet; retry after `Retry-After`. */
  ReceiptPending: 'CG_RECEIPT_PENDING',
  /** The body is larger than CROSSGATE_REST_BODY_LIMIT_BYTES. */
  PayloadTooLarge: 'CG_PAYLOAD_TOO_LARGE',
  /** The batch has more records than CROSSGATE_REST_BATCH_LIMIT. */
  BatchTooLarge: 'CG_BATCH_TOO_LARGE',
  /** The body is not JSON (`application/json`, `application/cloudevents+json`, `application/cloudevents-batch+json`). */
  UnsupportedMediaType: 'CG_UNSUPPORTED_MEDIA_TYPE',
  /** The body is not well-formed JSON. */
  MalformedJson: 'CG_MALFORMED_JSON',
  /** The request is well-formed JSON of the wrong shape (e.g. a batch that is not an array). */
  RequestInvalid: 'CG_REQUEST_INVALID',
  MethodNotAllowed: 'CG_METHOD_NOT_ALLOWED',
  /** The tenant is over its quota (tenants file `quota`); retry after `Retry-After`. */
  QuotaExceeded: 'CG_QUOTA_EXCEEDED',
  /** A bug or an unexpected failure; the log has the details, the response does not. */
  Internal: 'CG_INTERNAL',
} as const;

export type HttpErrorCode = (typeof HttpErrorCodes)[keyof typeof HttpErrorCodes];
export type ProblemCode = ErrorCode | HttpErrorCode;

/** The problem details object (RFC 9457 §3) with Crossgate's extension members. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ProblemCode;
  readonly instance?: string;
  readonly issues?: readonly Issue[];
  /** Seconds to wait before retrying (mirrors the Retry-After header). */
  readonly retryAfterSeconds?: number;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** HTTP status of each code: the table in docs/service.md. */
export const statusOfCode: Readonly<Record<ProblemCode, number>> = {
  [ErrorCodes.DecodeFailed]: 400,
  [ErrorCodes.NotIJson]: 400,
  [ErrorCodes.EnvelopeInvalid]: 400,
  [ErrorCodes.SchemaUnknown]: 422,
  [ErrorCodes.SchemaInvalid]: 422,
  [ErrorCodes.SourceForbidden]: 403,
  [ErrorCodes.TypeForbidden]: 403,
  [ErrorCodes.ProducerSignatureMissing]: 403,
  [ErrorCodes.ProducerSignatureInvalid]: 403,
  [ErrorCodes.DuplicateConflict]: 409,
  [ErrorCodes.Overloaded]: 503,
  [ErrorCodes.StoreUnavailable]: 503,
  [ErrorCodes.ChainUnavailable]: 503,
  [ErrorCodes.ChainRejected]: 502,
  [ErrorCodes.ChainTimeout]: 504,
  [ErrorCodes.ChainConflict]: 503,
  [HttpErrorCodes.Unauthenticated]: 401,
  [HttpErrorCodes.NotFound]: 404,
  [HttpErrorCodes.ReceiptPending]: 404,
  [HttpErrorCodes.PayloadTooLarge]: 413,
  [HttpErrorCodes.BatchTooLarge]: 413,
  [HttpErrorCodes.UnsupportedMediaType]: 415,
  [HttpErrorCodes.MalformedJson]: 400,
  [HttpErrorCodes.RequestInvalid]: 400,
  [HttpErrorCodes.MethodNotAllowed]: 405,
  [HttpErrorCodes.QuotaExceeded]: 429,
  [HttpErrorCodes.Internal]: 500,
};

const titles: Readonly<Record<ProblemCode, string>> = {
  [ErrorCodes.DecodeFailed]: 'Record could not be decoded',
  [ErrorCodes.NotIJson]: 'Not I-JSON (RFC 7493)',
  [ErrorCodes.EnvelopeInvalid]: 'Invalid CloudEvents envelope',
  [ErrorCodes.SchemaUnknown]: 'Unknown record type or version',
  [ErrorCodes.SchemaInvalid]: 'Record does not match its schema',
  [ErrorCodes.SourceForbidden]: 'Source not allowed for this tenant',
  [ErrorCodes.TypeForbidden]: 'Record type not allowed for this tenant',
  [ErrorCodes.ProducerSignatureMissing]: 'Producer signature required',
  [ErrorCodes.ProducerSignatureInvalid]: 'Producer signature does not verify',
  [ErrorCodes.DuplicateConflict]: 'Record id already used with different content',
  [ErrorCodes.Overloaded]: 'Gateway overloaded',
  [ErrorCodes.StoreUnavailable]: 'Store unavailable',
  [ErrorCodes.ChainUnavailable]: 'Chain unavailable',
  [ErrorCodes.ChainRejected]: 'Chain rejected the transaction',
  [ErrorCodes.ChainTimeout]: 'Chain timed out',
  [ErrorCodes.ChainConflict]: 'Chain write conflict',
  [HttpErrorCodes.Unauthenticated]: 'Authentication required',
  [HttpErrorCodes.NotFound]: 'Not found',
  [HttpErrorCodes.ReceiptPending]: 'Receipt not ready yet',
  [HttpErrorCodes.PayloadTooLarge]: 'Request body too large',
  [HttpErrorCodes.BatchTooLarge]: 'Too many records in one batch',
  [HttpErrorCodes.UnsupportedMediaType]: 'Unsupported media type',
  [HttpErrorCodes.MalformedJson]: 'Malformed JSON',
  [HttpErrorCodes.RequestInvalid]: 'Invalid request',
  [HttpErrorCodes.MethodNotAllowed]: 'Method not allowed',
  [HttpErrorCodes.QuotaExceeded]: 'Tenant quota exceeded',
  [HttpErrorCodes.Internal]: 'Internal error',
};

/** Builds a problem for `code`; `status` defaults to the code's status in {@link statusOfCode}. */
export function problem(code: ProblemCode, detail: string, extra?: { issues?: readonly Issue[] | undefined; retryAfterSeconds?: number; status?: number; instance?: string }): Problem {
  const p: { -readonly [K in keyof Problem]: Problem[K] } = {
    type: `urn:crossgate:problem:${code}`,
    title: titles[code],
    status: extra?.status ?? statusOfCode[code],
    detail,
    code,
  };
  if (extra?.instance !== undefined) p.instance = extra.instance;
  if (extra?.issues !== undefined && extra.issues.length > 0) p.issues = extra.issues;
  if (extra?.retryAfterSeconds !== undefined) p.retryAfterSeconds = extra.retryAfterSeconds;
  return p;
}

/** The problem for a record the core did not accept. */
export function problemOfRejection(r: Rejection): Problem {
  return problem(r.code, r.message, { issues: r.issues });
}

/** Thrown by handlers and guards to answer with a problem; the exception filter serializes it. */
export class ProblemException extends Error {
  override readonly name = 'ProblemException';
  constructor(readonly problem: Problem, readonly headers: Readonly<Record<string, string>> = {}) {
    super(`${problem.code}: ${problem.detail}`);
  }
}

/** An empty body, or one that is not JSON (also JSON with `__proto__` or `constructor.prototype`). */
export function malformedJsonProblem(empty: boolean): Problem {
  return problem(HttpErrorCodes.MalformedJson, empty ? 'The body is empty; a JSON value is required.' : 'The body is not well-formed JSON.');
}
