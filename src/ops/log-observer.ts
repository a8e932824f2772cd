/**
 * Pipeline events as structured log lines: each batch sealed and anchored (with its id, so a receipt's
 * batch id finds its history in the logs) and each failed chain submission. Records are not logged one
 * by one at info level (a gateway takes thousands a second); rejections are at debug.
 */
import type { Logger } from 'pino';
import type { PipelineObserver } from '../core/pipeline.js';

export function loggingObserver(logger: Logger): PipelineObserver {
  const log = logger.child({ component: 'pipeline' });
  return {
    batchSealed(header, sealMillis) {
      log.info({ batchId: header.id, size: header.size, root: header.root, prev: header.prev, sealMs: sealMillis }, 'batch sealed');
    },
    batchAnchored(header, sealToAnchorMillis, submitMillis) {
      log.info({ batchId: header.id, size: header.size, sealToAnchorMs: sealToAnchorMillis, submitMs: submitMillis }, 'batch anchored');
    },
    chainSubmitFailed(batchId, code, retryable) {
      log.warn({ batchId, code, retryable }, retryable ? 'chain submission failed; will retry' : 'chain submission failed; batch parked');
    },
    recordRejected(code, type, sector) {
      log.debug({ code, type, sector }, 'record rejected');
    },
  };
}
