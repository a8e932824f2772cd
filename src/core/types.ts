/**
 * The data that flows through the pipeline. Wire formats (receipt, batch header) are specified in
 * docs/receipt-format.md; change them only together with that document and the verifier.
 */

/** A record's identity: the producer's `id`, unique within its `source` (CloudEvents 1.0). */
export interface RecordId {
  readonly source: string;
  readonly id: string;
}

/**
 * A CloudEvents 1.0 structured-mode envelope after boundary validation.
 * Extension attributes (including the producer signature `producersig`/`producerkid`) stay on the object.
 */
export interface RecordEnvelope {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time?: string;
  readonly dataschema?: string;
  readonly datacontenttype?: string;
  readonly subject?: string;
  readonly data: unknown;
  readonly [extension: string]: unknown;
}

/**
 * Signature algorithms, by their JOSE names (SM2 has none registered; "SM2" is GB/T 32918's own).
 * The algorithm also fixes the suite's hash: SHA-256, or SM3 for SM2 (docs/receipt-format.md §suites).
 */
export type SignatureAlg = 'Ed25519' | 'ES256' | 'ES256K' | 'SM2';

/** Public half of a signing key as it appears in batch headers and receipts. */
export interface SignerInfo {
  readonly keyId: string;
  readonly alg: SignatureAlg;
  /** Raw public key, base64url without padding (Ed25519: 32 bytes; ECDSA and SM2: 33-byte SEC1 compressed). */
  readonly publicKey: string;
}

/**
 * A sealed batch's header. The gateway signs the RFC 8785 form of this object.
 * `id` is derived from the rest (see batch-header.ts), so the same content always has the same id.
 */
export interface BatchHeader {
  readonly id: string;
  /** RFC 6962 Merkle tree head over the record digests, lowercase hex. */
  readonly root: string;
  readonly size: number;
  /** RFC 3339 UTC time the batch was sealed. */
  readonly sealedAt: string;
  /** Id of the batch this gateway sealed before this one, or null for the first. */
  readonly prev: string | null;
  readonly signer: SignerInfo;
}

/** Where a batch root landed on chain. */
export interface ChainAnchor {
  readonly kind: string;
  readonly network: string;
  readonly txId: string;
  readonly blockNumber: number;
}

/**
 * A record accepted into a sealed batch: what the store keeps per record. Its audit path is not kept:
 * it is computed from the batch's leaves when the receipt is read (batch-trees.ts).
 */
export interface SealedRecord {
  readonly recordId: RecordId;
  /** Lowercase hex SHA-256 of the RFC 8785 form of the envelope as submitted. */
  readonly digest: string;
  readonly type: string;
  readonly tenant: string;
  readonly leafIndex: number;
}

/** A batch as it enters the outbox: header, gateway signature, and its records in leaf order. */
export interface SealedBatch {
  readonly header: BatchHeader;
  /** Gateway signature over RFC 8785(header), base64url without padding. */
  readonly signature: string;
  readonly records: readonly SealedRecord[];
  /**
   * The Merkle leaves: every record's 32-byte digest, back to back in leaf order (32 × size bytes).
   * Enough to rebuild the tree and any record's audit path.
   */
  readonly leaves: Uint8Array;
}

/** The verifiable receipt handed to producers (docs/receipt-format.md). */
export interface Receipt {
  readonly recordId: RecordId;
  readonly digest: string;
  readonly leafIndex: number;
  readonly proof: readonly string[];
  readonly batch: BatchHeader;
  readonly signature: string;
  readonly chain: ChainAnchor;
  /** Optional: lets a verifier check the anchor offline (docs/receipt-format.md §anchorProof). */
  readonly anchorProof?: AnchorProof;
}

/** Chain-specific evidence of an anchor, named by `kind` (e.g. "cometbft-light"). */
export interface AnchorProof {
  readonly kind: string;
  readonly [member: string]: unknown;
}

/** Lifecycle of a record as reported by the status API. */
export type RecordStatus = 'accepted' | 'sealed' | 'anchored' | 'rejected';

/** Lifecycle of a batch in the outbox. */
export type BatchState = 'sealed' | 'anchored' | 'failed';

/** Injected time source; the core never reads the clock itself. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}
