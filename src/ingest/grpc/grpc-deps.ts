/** What the gRPC door shares with the rest of the gateway (one injection token: it has no runtime class). */
import type { TenantDirectory } from '../../config/tenants.js';
import type { Pipeline } from '../../core/pipeline.js';
import type { ChainClient, Store } from '../../core/ports.js';
import type { TenantQuotas } from '../../core/quota.js';
import type { Clock } from '../../core/types.js';
import type { SectorOf } from '../rest/dead-letters.js';
import type { CloudEventPreparer } from '../prepare/preparer.js';
import type { AnchorSignal } from './anchor-signal.js';
import type { GrpcMetrics } from './grpc-metrics.js';

export interface GrpcDeps {
  readonly pipeline: Pick<Pipeline, 'submitMany' | 'submitPrepared' | 'admission'>;
  /** Prepares SubmitBatch and SubmitStream requests on the prepare workers REST and Kafka share. */
  readonly preparer: CloudEventPreparer;
  readonly store: Store;
  /** For GetReceipt's anchor proof. */
  readonly chain: ChainClient;
  readonly tenants: TenantDirectory;
  readonly quotas: TenantQuotas;
  readonly clock: Clock;
  readonly sectorOf: SectorOf;
  /** Most events per SubmitBatch and per SubmitStream request (CROSSGATE_REST_BATCH_LIMIT, as for POST /v1/records/batch). */
  readonly batchLimit: number;
  readonly metrics: GrpcMetrics;
  /** Wakes WatchReceipts streams when this process anchors a batch. */
  readonly anchors: AnchorSignal;
}

export const GRPC_DEPS = Symbol('crossgate.grpc.Deps');
