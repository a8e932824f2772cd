/**
 * Preparing a record: everything the pipeline does to one record before it queues it, as one pure,
 * synchronous function of (parsed JSON value, tenant, schema registry): parse the envelope, authorize,
 * validate, write the RFC 8785 canonical form and digest it.
 *
 * It holds no state and returns plain data (strings, numbers, plain objects), so it runs wherever
 * there is a core to spare: in the pipeline's own thread, or in a worker thread that hands the
 * result back by structured clone (src/ingest/prepare). Either way the answer is the same function's.
 */
import { authorize } from './authorize.js';
import { canonicalRecordJson } from './canonical-record.js';
import { digestUtf8Hex, type DigestAlg } from './digest.js';
import { parseEnvelope } from './envelope.js';
import { ErrorCodes, rejection, type Rejection } from './errors.js';
import type { Tenant } from './tenant.js';
import type { RecordId } from './types.js';
import { validateRecord, type RecordSchemaLookup } from './validate-record.js';

export type PreparedRecord =
  | {
    readonly ok: true;
    readonly recordId: RecordId;
    /** `digestAlg` of the UTF-8 RFC 8785 form, hex. */
    readonly digestHex: string;
    /** The hash `digestHex` was made with: the pipeline refuses records hashed for another suite. */
    readonly digestAlg: DigestAlg;
    readonly type: string;
    readonly sector: string;
    /** Size counted against the batch byte budget: UTF-16 length of the canonical text. */
    readonly bytes: number;
  }
  | {
    readonly ok: false;
    readonly recordId: RecordId | null;
    readonly type: string | null;
    readonly sector: string | null;
    readonly rejection: Rejection;
  };

function rejected(recordId: RecordId | null, type: string | null, sector: string | null, why: Rejection): PreparedRecord {
  return { ok: false, recordId, type, sector, rejection: why };
}

/**
 * Checks and digests one record (a JSON value, already parsed) with `digestAlg`, the hash of the
 * gateway key's suite. Never throws for bad input.
 */
export function prepareRecord(input: unknown, tenant: Tenant, registry: RecordSchemaLookup, digestAlg: DigestAlg): PreparedRecord {
  const parsed = parseEnvelope(input);
  if (!parsed.ok) return rejected(null, null, null, parsed.rejection);
  const envelope = parsed.envelope;
  const recordId = { source: envelope.source, id: envelope.id };
  const denied = authorize(envelope, tenant);
  if (denied !== null) return rejected(recordId, envelope.type, null, denied);
  const valid = validateRecord(envelope, registry);
  if (!valid.ok) return rejected(recordId, envelope.type, null, valid.rejection);
  let canonical: string;
  try {
    canonical = canonicalRecordJson(input, valid.dataSchema);
  } catch (error) {
    // JSON.parse accepts numbers such as 1e400 that have no JSON form once parsed (Infinity).
    return rejected(recordId, envelope.type, valid.sector, rejection(
      ErrorCodes.EnvelopeInvalid, `record cannot be canonicalized: ${(error as Error).message}`,
    ));
  }
  return {
    ok: true, recordId, digestHex: digestUtf8Hex(digestAlg, canonical), digestAlg, type: valid.type, sector: valid.sector,
    // UTF-16 length: exact for ASCII, and close enough for a batch byte budget otherwise.
    bytes: canonical.length,
  };
}
