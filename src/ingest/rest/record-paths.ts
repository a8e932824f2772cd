/**
 * URLs of a record's resources. `source` contains slashes, so it travels as one URL-encoded segment.
 */
import type { RecordId } from '../../core/types.js';

/** POST route of record batches: its body is parsed by a prepare worker, not by the HTTP layer. */
export const BATCH_ROUTE = '/v1/records/batch';

export function recordPath(id: RecordId): string {
  return `/v1/records/${encodeURIComponent(id.source)}/${encodeURIComponent(id.id)}`;
}

export function recordLinks(id: RecordId, batchId: string): { status: string; receipt: string; batch: string } {
  const status = recordPath(id);
  return { status, receipt: `${status}/receipt`, batch: `/v1/batches/${encodeURIComponent(batchId)}` };
}
