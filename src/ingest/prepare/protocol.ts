/** Messages between the request thread and a prepare worker. */
import type { Sector } from '../../../adapters/kafka/topics.js';
import type { DigestAlg } from '../../core/digest.js';
import type { Tenant } from '../../core/tenant.js';
import type { PackedMessages } from '../kafka/packed-messages.js';

export interface PrepareWorkerData {
  /** Module paths of extra schema versions (CROSSGATE_EXTRA_SCHEMAS), loaded as the gateway does. */
  readonly extraSchemas: readonly string[];
  /** The hash of the gateway key's suite, for record digests. */
  readonly digestAlg: DigestAlg;
}

/** A REST batch body, prepared for the tenant that sent it. */
export interface BatchRequest {
  readonly kind: 'batch';
  readonly id: number;
  readonly body: Uint8Array;
  readonly tenant: Tenant;
  readonly limit: number;
}

/** A gRPC SubmitBatch or SubmitStream request's protobuf bytes (several stream requests joined), for `tenant`. */
export interface CloudEventsRequest {
  readonly kind: 'cloudevents';
  readonly id: number;
  readonly body: Uint8Array;
  readonly tenant: Tenant;
  readonly limit: number;
}

/**
 * Consumed Kafka messages of one sector. The tenant directory is sent once per worker and version
 * (`tenants` absent: the worker holds version `tenantsVersion` already), not with every chunk.
 */
export interface KafkaRequest {
  readonly kind: 'kafka';
  readonly id: number;
  readonly sector: Sector;
  readonly packed: PackedMessages;
  readonly tenantsVersion: number;
  readonly tenants?: readonly Tenant[];
}

export type PrepareRequest = BatchRequest | CloudEventsRequest | KafkaRequest;

/** `result`: a PreparedBatch for a batch request, PreparedEvents for a cloudevents one, their records as prepared-wire.ts writes them; for a Kafka one PreparedMessage[] as encodePrepared writes it. */
export type PrepareReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly message: string };

export type ReadyMessage = { readonly ready: true } | { readonly ready: false; readonly message: string };
