/**
 * Expected failures are values with stable codes, never exceptions (ARCHITECTURE.md, rule 3).
 * The codes are part of the public contract: REST problem details, DLQ headers and metrics carry them.
 */
export const ErrorCodes = {
  /** Bytes could not be decoded into an envelope at all (not JSON, bad CSV, missing ce_ headers). */
  DecodeFailed: 'CG_DECODE_FAILED',
  /** JSON that I-JSON (RFC 7493) forbids: invalid UTF-8, a lone surrogate, a duplicate member name. */
  NotIJson: 'CG_NOT_I_JSON',
  /** The CloudEvents envelope itself is malformed. */
  EnvelopeInvalid: 'CG_ENVELOPE_INVALID',
  /** No schema is registered for the record's (type, version). */
  SchemaUnknown: 'CG_SCHEMA_UNKNOWN',
  /** The record's data does not satisfy its schema; `issues` lists why. */
  SchemaInvalid: 'CG_SCHEMA_INVALID',
  /** The tenant may not submit records for this source. */
  SourceForbidden: 'CG_SOURCE_FORBIDDEN',
  /** The tenant may not submit records of this type. */
  TypeForbidden: 'CG_TYPE_FORBIDDEN',
  /** The tenant requires producer signatures and the record carries none. */
  ProducerSignatureMissing: 'CG_PRODUCER_SIGNATURE_MISSING',
  /** The producer signature does not verify against any of the tenant's producer keys. */
  ProducerSignatureInvalid: 'CG_PRODUCER_SIGNATURE_INVALID',
  /** The same (source, id) was already accepted with a different digest. */
  DuplicateConflict: 'CG_DUPLICATE_CONFLICT',
  /** The gateway is at its queue bound; retry later. */
  Overloaded: 'CG_OVERLOADED',
  /** The store could not be reached or failed. */
  StoreUnavailable: 'CG_STORE_UNAVAILABLE',
  /** The chain could not be reached (retryable). */
  ChainUnavailable: 'CG_CHAIN_UNAVAILABLE',
  /** The chain refused the transaction (not retryable as is). */
  ChainRejected: 'CG_CHAIN_REJECTED',
  /** The chain did not confirm in time (retryable; the submission is idempotent). */
  ChainTimeout: 'CG_CHAIN_TIMEOUT',
  /** A concurrent write conflicted on chain (MVCC); retryable. */
  ChainConflict: 'CG_CHAIN_CONFLICT',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** One problem found in a record, in the shape of a zod issue (path into the envelope). */
export interface Issue {
  readonly path: readonly (string | number)[];
  readonly code: string;
  readonly message: string;
}

/** Why a record was not accepted. */
export interface Rejection {
  readonly code: ErrorCode;
  readonly message: string;
  readonly issues?: readonly Issue[];
}

export function rejection(code: ErrorCode, message: string, issues?: readonly Issue[]): Rejection {
  return issues && issues.length > 0 ? { code, message, issues } : { code, message };
}

/** Chain failures that a retry may cure. */
const retryableChainCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCodes.ChainUnavailable,
  ErrorCodes.ChainTimeout,
  ErrorCodes.ChainConflict,
]);

/**
 * Thrown by a ChainClient when anchoring fails. `retryable` tells the submitter whether to back off
 * and try again (unavailable, timeout, MVCC conflict) or to park the batch (rejected).
 */
export class ChainError extends Error {
  override readonly name = 'ChainError';
  readonly retryable: boolean;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: readonly string[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = retryableChainCodes.has(code);
    this.details = options?.details ?? [];
  }
  readonly details: readonly string[];
}

/** Thrown by a Store when the database cannot be reached or a statement fails. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code = ErrorCodes.StoreUnavailable;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}
