/** Messages between the request thread and a prepare worker. */
import type { DigestAlg } from '../../core/digest.js';
import type { Tenant } from '../../core/tenant.js';
import type { PreparedBatch } from './json-batch.js';

export interface PrepareWorkerData {
  /** Module paths of extra schema versions (CROSSGATE_EXTRA_SCHEMAS), loaded as the gateway does. */
  readonly extraSchemas: readonly string[];
  /** The hash of the gateway key's suite, for record digests. */
  readonly digestAlg: DigestAlg;
}

export interface PrepareRequest {
  readonly id: number;
  readonly body: Uint8Array;
  readonly tenant: Tenant;
  readonly limit: number;
}

export type PrepareReply =
  | { readonly id: number; readonly ok: true; readonly batch: PreparedBatch }
  | { readonly id: number; readonly ok: false; readonly message: string };

export type ReadyMessage = { readonly ready: true } | { readonly ready: false; readonly message: string };
