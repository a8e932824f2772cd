/**
 * The ports the core talks through. Adapters (adapters/chains/*, adapters/store/*) implement them;
 * the core and its tests depend only on these interfaces.
 */
import type { ErrorCode, Issue } from './errors.js';
import type {
  AnchorProof, BatchHeader, BatchState, ChainAnchor, Receipt, RecordId, SealedBatch, SignatureAlg,
} from './types.js';

/**
 * Signs for the gateway. `sign` takes the message itself (not a pre-hash): Ed25519 signs it as is,
 * ECDSA (ES256, ES256K) signs SHA-256 of it and returns raw r‖s with low S.
 * A KMS/HSM signer implements the same shape; private keys never leave it.
 */
export interface Signer {
  readonly keyId: string;
  readonly alg: SignatureAlg;
  /** Raw public key: Ed25519 32 bytes, ECDSA 33-byte SEC1 compressed. */
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** Whether the key can sign now (an HSM signer: the token answers); absent for in-process keys. */
  health?(): Promise<HealthStatus>;
}

export interface HealthStatus {
  readonly ok: boolean;
  readonly detail: string;
}

/** What the submitter hands the chain: the signed batch header. */
export interface AnchorRequest {
  readonly header: BatchHeader;
  /** Gateway signature over RFC 8785(header), base64url. */
  readonly signature: string;
}

export interface AnchoredBatch {
  readonly header: BatchHeader;
  readonly signature: string;
  readonly anchor: ChainAnchor;
}

/** A permissioned chain that anchors batch headers. */
export interface ChainClient {
  readonly kind: string;
  readonly network: string;
  /**
   * Anchors the batch. Idempotent by `header.id`: when the batch is already on chain this returns the
   * existing anchor and writes nothing. Failures throw {@link ChainError} (retryable or not).
   */
  anchor(request: AnchorRequest): Promise<ChainAnchor>;
  /** Reads an anchored batch back, or undefined when the chain has none with that id. */
  lookup(batchId: string): Promise<AnchoredBatch | undefined>;
  /**
   * Optional: evidence for an offline check of the batch's anchor (a receipt's `anchorProof`), or
   * undefined while the chain cannot give it yet. Chains without such proofs leave it out.
   */
  anchorProof?(batchId: string): Promise<AnchorProof | undefined>;
  health(): Promise<HealthStatus>;
  close(): Promise<void>;
}

/** Result of writing a sealed batch: nothing is written when any record id already exists. */
export type SaveBatchResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly conflicts: readonly RecordId[] };

/** A record the store knows, for idempotency and the status API. */
export interface StoredRecord {
  readonly recordId: RecordId;
  readonly digest: string;
  readonly type: string;
  readonly tenant: string;
  readonly batchId: string;
  readonly leafIndex: number;
  readonly status: 'sealed' | 'anchored';
  readonly acceptedAt: number;
}

/** A batch in the outbox. */
export interface OutboxEntry {
  readonly header: BatchHeader;
  readonly signature: string;
  readonly state: BatchState;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly anchor: ChainAnchor | null;
  readonly anchoredAt: number | null;
}

export type DeadLetterOrigin = 'rest' | 'kafka' | 'grpc';
export type DeadLetterState = 'open' | 'replayed' | 'discarded';

/** A record that was not accepted, kept with its original bytes so it can be replayed. */
export interface DeadLetterInput {
  readonly origin: DeadLetterOrigin;
  readonly tenant: string | null;
  readonly recordId: RecordId | null;
  readonly type: string | null;
  readonly sector: string | null;
  readonly code: ErrorCode;
  readonly message: string;
  readonly issues: readonly Issue[];
  /** The original bytes exactly as received (REST body item as JSON text, Kafka value). */
  readonly payload: Uint8Array;
  /** Original transport headers (Kafka headers, decoded as UTF-8). */
  readonly headers: Readonly<Record<string, string>>;
  readonly kafka: { readonly topic: string; readonly partition: number; readonly offset: string; readonly key: string | null; readonly timestamp: string } | null;
  readonly createdAt: number;
}

export interface DeadLetter extends DeadLetterInput {
  readonly id: string;
  readonly state: DeadLetterState;
  readonly resolvedAt: number | null;
  readonly resolution: string | null;
}

export interface DeadLetterFilter {
  readonly recordId?: RecordId;
  readonly sector?: string;
  readonly tenant?: string;
  /** Matches sources that start with this prefix. */
  readonly sourcePrefix?: string;
  readonly code?: string;
  readonly origin?: DeadLetterOrigin;
  readonly state?: DeadLetterState;
  readonly from?: number;
  readonly to?: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque cursor for the next page, null at the end. */
  readonly next: string | null;
  readonly total: number;
}

export interface DeadLetterAuditEntry {
  readonly deadLetterId: string;
  readonly action: 'replayed' | 'replay-failed' | 'discarded' | 'reopened';
  readonly actor: string;
  readonly reason: string;
  readonly at: number;
}

/** A place in the anchored order: the batch's anchoring number and a leaf index in it. */
export interface ReceiptCursor {
  readonly anchorSeq: number;
  readonly leafIndex: number;
}

export interface CursoredReceipt {
  readonly receipt: Receipt;
  readonly cursor: ReceiptCursor;
}

/**
 * Durable state: the idempotency index, the batch outbox, receipts and dead letters.
 * Two implementations share one set of SQL migrations: PostgreSQL and an embedded PGlite.
 * Methods throw {@link StoreError} when the database fails.
 */
export interface Store {
  /** Writes a sealed batch (state `sealed`) with all its records in one transaction. */
  saveBatch(batch: SealedBatch, at: number): Promise<SaveBatchResult>;
  findRecords(ids: readonly RecordId[]): Promise<StoredRecord[]>;
  /** Batches still to anchor, due at `now` (nextAttemptAt <= now), oldest first. */
  dueBatches(now: number, limit: number): Promise<OutboxEntry[]>;
  /** Number of batches not yet anchored (state `sealed`). */
  outboxDepth(): Promise<number>;
  markAnchored(batchId: string, anchor: ChainAnchor, at: number): Promise<void>;
  /** Records a failed attempt; `terminal` moves the batch to `failed` (ops must act). */
  markAttemptFailed(batchId: string, error: string, nextAttemptAt: number, terminal: boolean): Promise<void>;
  getBatch(batchId: string): Promise<OutboxEntry | undefined>;
  /** Most recently sealed batch id for this signer key, to chain `prev` across restarts. */
  lastBatchId(signerKeyId: string): Promise<string | null>;
  /** The receipt of an anchored record, or undefined while it is not anchored. */
  getReceipt(id: RecordId): Promise<Receipt | undefined>;
  /** Recently anchored batches, newest first (ops dashboard). */
  recentBatches(limit: number): Promise<OutboxEntry[]>;
  /**
   * The receipts of `tenant`'s records, in the order their batches were anchored (then leaf order),
   * after `after` (null: from the first), at most `limit`. A position once passed never gains an entry,
   * so a reader that resumes from its last cursor sees every receipt once (WatchReceipts).
   */
  anchoredReceipts(tenant: string, after: ReceiptCursor | null, limit: number): Promise<CursoredReceipt[]>;

  addDeadLetter(entry: DeadLetterInput): Promise<string>;
  getDeadLetter(id: string): Promise<DeadLetter | undefined>;
  listDeadLetters(filter: DeadLetterFilter, limit: number, cursor: string | null): Promise<Page<DeadLetter>>;
  /** Sets state and resolution, and appends to the audit log, in one transaction. */
  resolveDeadLetter(id: string, state: DeadLetterState, audit: DeadLetterAuditEntry, newReason?: { code: ErrorCode; message: string; issues: readonly Issue[] }): Promise<void>;
  deadLetterAudit(id: string): Promise<DeadLetterAuditEntry[]>;
  /** Open dead letters counted by code (metrics, dashboard). */
  deadLetterCounts(): Promise<{ code: string; sector: string | null; origin: DeadLetterOrigin; count: number }[]>;

  health(): Promise<HealthStatus>;
  close(): Promise<void>;
}
