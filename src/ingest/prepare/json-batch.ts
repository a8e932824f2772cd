/**
 * A JSON batch body (an array of records) from bytes to prepared records: parse, check its shape,
 * prepare each item (src/core/prepare.ts). Pure: the same function runs in a prepare worker and, with
 * no workers configured, in the request's own thread.
 *
 * Parsing is Fastify's own (secure-json-parse, `__proto__` and `constructor.prototype` refused), so a
 * body is judged the same whether a worker or the HTTP layer parses it.
 */
import secureJsonParse from 'secure-json-parse';
import type { DigestAlg } from '../../core/digest.js';
import type { Rejection } from '../../core/errors.js';
import { iJsonViolationsPerElement, utf8Violation } from '../../core/i-json.js';
import { prepareRecord, type PreparedRecord } from '../../core/prepare.js';
import type { Tenant } from '../../core/tenant.js';
import type { RecordSchemaLookup } from '../../core/validate-record.js';

export type PreparedBatch =
  /** Not JSON (or poisoned JSON); `empty` when there were no bytes at all. */
  | { readonly kind: 'malformed'; readonly empty: boolean }
  /** The bytes are not well-formed UTF-8 (RFC 7493 §2.1): no item can be told apart from the next. */
  | { readonly kind: 'not-i-json'; readonly rejection: Rejection }
  | { readonly kind: 'not-array' }
  | { readonly kind: 'no-items' }
  | { readonly kind: 'too-many'; readonly count: number }
  | { readonly kind: 'prepared'; readonly records: readonly PreparedRecord[] };

const PARSE_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;

export function prepareJsonBatch(body: Uint8Array, tenant: Tenant, registry: RecordSchemaLookup, limit: number, digestAlg: DigestAlg): PreparedBatch {
  if (body.byteLength === 0) return { kind: 'malformed', empty: true };
  const notUtf8 = utf8Violation(body);
  if (notUtf8 !== null) return { kind: 'not-i-json', rejection: notUtf8 };
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  let items: unknown;
  try {
    items = secureJsonParse.parse(text, undefined, PARSE_OPTIONS);
  } catch {
    return { kind: 'malformed', empty: false };
  }
  if (!Array.isArray(items)) return { kind: 'not-array' };
  if (items.length === 0) return { kind: 'no-items' };
  if (items.length > limit) return { kind: 'too-many', count: items.length };
  // An item that is not I-JSON (a duplicate member name, a lone surrogate) is refused alone.
  const violations = iJsonViolationsPerElement(text, items);
  const records = new Array<PreparedRecord>(items.length);
  for (let i = 0; i < items.length; i++) {
    const violation = violations[i];
    records[i] = violation == null
      ? prepareRecord(items[i], tenant, registry, digestAlg)
      : { ok: false, recordId: null, type: null, sector: null, rejection: violation };
  }
  return { kind: 'prepared', records };
}
