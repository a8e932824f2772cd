/**
 * Text a store keeps about what it received, made safe for PostgreSQL.
 *
 * PostgreSQL's text and jsonb cannot hold U+0000: the server refuses the whole statement. Dead
 * letters carry received text (a zod issue's path is the received keys, its message may quote them;
 * Kafka keys and headers are arbitrary bytes read as UTF-8; operators type reasons), so one NUL
 * would make the dead-letter write fail, and a Kafka partition retrying it would stall; a chain's
 * error text, kept as a batch's last error, is not ours to trust either. Every store
 * therefore writes each U+0000 in such text as the six characters `\u0000`; the exact bytes are
 * never lost, they stay in the dead letter's payload (bytea) and in the `<topic>.dlq` copy.
 */
import type { DeadLetterAuditEntry, DeadLetterInput } from './ports.js';
import type { ErrorCode, Issue } from './errors.js';
import type { RecordId } from './types.js';

const NUL = '\u0000';
const NUL_AS_TEXT = '\\u0000';

/**
 * True when `text` holds U+0000. No record or batch key can (CloudEvents Strings refuse control
 * characters, batch ids are hex), so a lookup by such a key finds nothing without asking the database,
 * which would refuse the query instead.
 */
export function hasNul(text: string): boolean {
  return text.includes(NUL);
}

export function storableText(text: string): string {
  return text.includes(NUL) ? text.replaceAll(NUL, NUL_AS_TEXT) : text;
}

function storableOrNull(text: string | null): string | null {
  return text === null ? null : storableText(text);
}

function storableRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([name, value]) => [storableText(name), storableText(value)]));
}

/** Issues with NUL-free paths and messages. */
function storableIssues(issues: readonly Issue[]): Issue[] {
  return issues.map((issue) => ({
    ...issue,
    path: issue.path.map((step) => (typeof step === 'string' ? storableText(step) : step)),
    message: storableText(issue.message),
    code: storableText(issue.code),
  }));
}

export function storableRecordId(id: RecordId): RecordId {
  return { source: storableText(id.source), id: storableText(id.id) };
}

/** A new reason for a dead letter (a failed replay), as every store keeps it. */
export function storableReason(reason: { readonly code: ErrorCode; readonly message: string; readonly issues: readonly Issue[] }): { code: ErrorCode; message: string; issues: Issue[] } {
  return { code: reason.code, message: storableText(reason.message), issues: storableIssues(reason.issues) };
}

/** The dead letter as every store keeps it (payload untouched). */
export function storableDeadLetter(entry: DeadLetterInput): DeadLetterInput {
  return {
    ...entry,
    tenant: storableOrNull(entry.tenant),
    recordId: entry.recordId === null ? null : storableRecordId(entry.recordId),
    type: storableOrNull(entry.type),
    sector: storableOrNull(entry.sector),
    message: storableText(entry.message),
    issues: storableIssues(entry.issues),
    headers: storableRecord(entry.headers),
    kafka: entry.kafka === null ? null : { ...entry.kafka, topic: storableText(entry.kafka.topic), key: storableOrNull(entry.kafka.key) },
  };
}

export function storableAudit(audit: DeadLetterAuditEntry): DeadLetterAuditEntry {
  return { ...audit, actor: storableText(audit.actor), reason: storableText(audit.reason) };
}
