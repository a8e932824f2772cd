/**
 * REST rejections go to the store's dead-letter table (ARCHITECTURE.md §1: "DLQ: store for REST"), with
 * the record as received, so the status API can answer `rejected` and ops can inspect and replay them.
 */
import type { DeadLetterInput, Store } from '../../core/ports.js';
import type { Tenant } from '../../core/tenant.js';
import type { Clock, RecordId } from '../../core/types.js';
import type { Rejection } from '../../core/errors.js';

/** Finds the sector of a record type (from the schema registry), or undefined for unknown types. */
export type SectorOf = (type: string) => string | undefined;

export interface RejectedItem {
  readonly recordId: RecordId | null;
  readonly type: string | null;
  readonly rejection: Rejection;
  /** The record exactly as received (single record), or re-serialized JSON (one item of a batch). */
  readonly payload: Uint8Array;
}

/** Writes one dead letter per rejected item. */
export async function recordRejections(
  store: Store, clock: Clock, sectorOf: SectorOf, tenant: Tenant, items: readonly RejectedItem[], headers: Readonly<Record<string, string>>,
  origin: 'rest' | 'grpc' = 'rest',
): Promise<void> {
  if (items.length === 0) return;
  const at = clock.now();
  await Promise.all(items.map((item) => {
    const entry: DeadLetterInput = {
      origin,
      tenant: tenant.id,
      recordId: item.recordId,
      type: item.type,
      sector: item.type === null ? null : (sectorOf(item.type) ?? null),
      code: item.rejection.code,
      message: item.rejection.message,
      issues: item.rejection.issues ?? [],
      payload: item.payload,
      headers,
      kafka: null,
      createdAt: at,
    };
    return store.addDeadLetter(entry);
  }));
}
