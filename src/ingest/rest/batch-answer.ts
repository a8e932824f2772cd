/**
 * The JSON text of a `POST /v1/records/batch` answer (BatchSubmitResult), written directly.
 *
 * A 100-record answer is ~57 KB, one accepted item ~570 bytes with its links. Building an object
 * tree per item (item, links, spread result) and handing it to JSON.stringify was ~14 % of the
 * request thread under load; an accepted item is written here as text. Only its record id comes
 * from the client, and it goes through JSON.stringify; the rest is hex, numbers, fixed words and
 * encodeURIComponent output (none of which needs escaping in JSON). Rejected and overloaded items are
 * rare and go through JSON.stringify whole. test/unit/ingest/rest/batch-answer.test.ts checks the text
 * parses to exactly the object the straightforward construction gives.
 */
import type { SubmitOutcome } from '../../core/pipeline.js';
import { problemOfRejection } from './problem.js';

export interface BatchCounts {
  accepted: number;
  duplicate: number;
  rejected: number;
  overloaded: number;
}

export function batchAnswerJson(counts: BatchCounts, outcomes: readonly SubmitOutcome[]): string {
  const encodedSources = new Map<string, string>();
  let lastBatchId: string | undefined;
  let lastBatchLink = '';
  const items = new Array<string>(outcomes.length);
  for (let index = 0; index < outcomes.length; index++) {
    const o = outcomes[index] as SubmitOutcome;
    switch (o.status) {
      case 'accepted':
      case 'duplicate': {
        const { source, id } = o.recordId;
        let encodedSource = encodedSources.get(source);
        if (encodedSource === undefined) {
          encodedSource = encodeURIComponent(source);
          encodedSources.set(source, encodedSource);
        }
        if (o.batchId !== lastBatchId) {
          lastBatchId = o.batchId;
          lastBatchLink = `/v1/batches/${encodeURIComponent(o.batchId)}`;
        }
        const status = `/v1/records/${encodedSource}/${encodeURIComponent(id)}`;
        items[index] = `{"index":${index},"status":"${o.status}","recordId":{"source":${JSON.stringify(source)},"id":${JSON.stringify(id)}},`
          + `"digest":${JSON.stringify(o.digest)},"batchId":${JSON.stringify(o.batchId)},"leafIndex":${o.leafIndex},`
          + `"links":{"status":"${status}","receipt":"${status}/receipt","batch":"${lastBatchLink}"}}`;
        break;
      }
      case 'overloaded':
        items[index] = JSON.stringify({ index, status: 'overloaded', retryAfterSeconds: Math.max(1, Math.ceil(o.retryAfterSeconds)) });
        break;
      case 'rejected':
        items[index] = JSON.stringify({ index, status: 'rejected', recordId: o.recordId, problem: problemOfRejection(o.rejection) });
        break;
    }
  }
  return `{"counts":${JSON.stringify(counts)},"results":[${items.join(',')}]}`;
}
