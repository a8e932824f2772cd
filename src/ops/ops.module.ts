/**
 * The operations surface: `/metrics`, `/health/live`, `/health/ready`, the DLQ API under `/v1/dlq`
 * (admin only) and the dashboard at `/ops`. Built, like the REST module, from already-opened
 * dependencies; mount it with `createGatewayApp(..., { modules: [OpsModule.forRoot(deps)] })`.
 */
import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import type { SectorTopics } from '../../adapters/kafka/topics.js';
import type { TenantDirectory } from '../config/tenants.js';
import type { Pipeline } from '../core/pipeline.js';
import type { ChainClient, DeadLetter, Signer, Store } from '../core/ports.js';
import type { Tenant } from '../core/tenant.js';
import type { Clock } from '../core/types.js';
import { ApiKeyGuard } from '../ingest/rest/auth.guard.js';
import { CHAIN, CLOCK, PIPELINE, STORE, TENANTS } from '../ingest/rest/tokens.js';
import { AdminGuard } from './admin.guard.js';
import { DashboardController } from './dashboard.controller.js';
import { DlqController } from './dlq.controller.js';
import { DlqService } from './dlq-service.js';
import { HealthController } from './health.controller.js';
import type { KafkaStatus } from './kafka-status.js';
import { MetricsController } from './metrics.controller.js';
import type { RecordPreparer } from '../ingest/prepare/preparer.js';
import type { Metrics } from './metrics.js';
import { defaultOpsOptions, type OpsOptions } from './ops-options.js';
import { DLQ_SERVICE, KAFKA_STATUS, METRICS, OPS_LOGGER, OPS_OPTIONS, SIGNER } from './ops-tokens.js';

/** What the ops module is wired to. */
export interface OpsDeps {
  readonly pipeline: Pipeline;
  readonly store: Store;
  readonly chain: ChainClient;
  readonly tenants: TenantDirectory;
  readonly clock: Clock;
  readonly logger: Logger;
  /** From {@link createMetrics}; its observer must be the pipeline's observer. */
  readonly metrics: Metrics;
  /** The Kafka consumer's status, when Kafka ingestion is configured (lag, readiness). */
  readonly kafka?: KafkaStatus;
  /** The signing key(s); one with a health check (a PKCS#11 token) is part of readiness. */
  readonly signers?: readonly Signer[];
  /** The consumer's sector topics (to decode Kafka dead letters on replay, and label DLQ depth). */
  readonly sectorTopics?: SectorTopics;
  /** Tenant a Kafka dead letter without one is replayed as. */
  readonly kafkaTenant?: (entry: DeadLetter) => Tenant | undefined;
  /** The prepare workers, for their heap figures in /metrics. */
  readonly preparer?: Pick<RecordPreparer, 'workerHeaps'>;
  readonly options?: Partial<OpsOptions>;
}

@Module({})
export class OpsModule {
  static forRoot(deps: OpsDeps): DynamicModule {
    const logger = deps.logger.child({ component: 'ops' });
    const topics = deps.sectorTopics;
    const workerHeaps = deps.preparer?.workerHeaps?.bind(deps.preparer);
    deps.metrics.attach({
      store: deps.store,
      pipeline: deps.pipeline,
      ...(deps.kafka ? { kafka: deps.kafka } : {}),
      ...(workerHeaps === undefined ? {} : { workerHeaps }),
      ...(topics ? { dlqTopicOf: (sector: string) => (sector in topics ? `${topics[sector as keyof SectorTopics]}.dlq` : undefined) } : {}),
    });
    const dlq = new DlqService({
      store: deps.store, pipeline: deps.pipeline, tenants: deps.tenants, clock: deps.clock, metrics: deps.metrics, logger,
      ...(topics ? { sectorTopics: topics } : {}),
      ...(deps.kafkaTenant ? { kafkaTenant: deps.kafkaTenant } : {}),
    });
    const providers: Provider[] = [
      ApiKeyGuard,
      AdminGuard,
      { provide: PIPELINE, useValue: deps.pipeline },
      { provide: STORE, useValue: deps.store },
      { provide: CHAIN, useValue: deps.chain },
      { provide: TENANTS, useValue: deps.tenants },
      { provide: CLOCK, useValue: deps.clock },
      { provide: METRICS, useValue: deps.metrics },
      { provide: DLQ_SERVICE, useValue: dlq },
      { provide: OPS_LOGGER, useValue: logger },
      { provide: OPS_OPTIONS, useValue: { ...defaultOpsOptions, ...deps.options } },
    ];
    if (deps.kafka) providers.push({ provide: KAFKA_STATUS, useValue: deps.kafka });
    providers.push({ provide: SIGNER, useValue: deps.signers ?? [] });
    return {
      module: OpsModule,
      controllers: [MetricsController, HealthController, DlqController, DashboardController],
      providers,
    };
  }
}
