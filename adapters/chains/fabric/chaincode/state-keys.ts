/**
 * World-state keys of the anchor chaincode. Everything lives under a `crossgate/` prefix so the
 * namespace stays readable next to other data and so a range scan over one kind never sees another.
 * Batch ids and key ids contain no `/`, and `0` sorts right after `/`, which bounds the ranges.
 */
export const BATCH_PREFIX = 'crossgate/batch/';
export const KEY_PREFIX = 'crossgate/gateway-key/';

export function batchKey(batchId: string): string {
  return BATCH_PREFIX + batchId;
}

export function gatewayKeyKey(keyId: string): string {
  return KEY_PREFIX + keyId;
}

/** [start, end) covering every batch key; the end is the first string after the prefix range. */
export function batchRange(startId: string, endId: string): { start: string; end: string } {
  return {
    start: BATCH_PREFIX + startId,
    end: endId === '' ? BATCH_PREFIX.slice(0, -1) + '0' : BATCH_PREFIX + endId,
  };
}
