/**
 * The REST ingestion module: controllers, the API-key guard, and the providers they inject by token.
 */
import { type DynamicModule, Module } from '@nestjs/common';
import type { TenantDirectory } from '../../config/tenants.js';
import type { Pipeline } from '../../core/pipeline.js';
import type { ChainClient, Store } from '../../core/ports.js';
import type { Clock } from '../../core/types.js';
import type { RecordPreparer } from '../prepare/preparer.js';
import { ApiKeyGuard } from './auth.guard.js';
import { BatchesController } from './batches.controller.js';
import type { SectorOf } from './dead-letters.js';
import { DocsController } from './docs.controller.js';
import { RecordsController } from './records.controller.js';
import { type SchemaCatalog, SchemasController } from './schemas.controller.js';
import { TenantQuotas } from '../../core/quota.js';
import { CHAIN, CLOCK, PIPELINE, PREPARER, QUOTAS, REST_OPTIONS, type RestOptions, SCHEMA_CATALOG, SECTOR_OF, STORE, TENANTS } from './tokens.js';

/** What the REST layer is wired to. */
export interface RestDeps {
  readonly pipeline: Pipeline;
  readonly store: Store;
  readonly chain: ChainClient;
  readonly tenants: TenantDirectory;
  readonly schemas: SchemaCatalog;
  readonly sectorOf: SectorOf;
  readonly clock: Clock;
  readonly rest: RestOptions;
  readonly preparer: RecordPreparer;
  /** The tenants' quota buckets, shared with the Kafka door (default: REST's own). */
  readonly quotas?: TenantQuotas;
}

@Module({})
export class RestModule {
  static forRoot(deps: RestDeps): DynamicModule {
    return {
      module: RestModule,
      controllers: [RecordsController, BatchesController, SchemasController, DocsController],
      providers: [
        ApiKeyGuard,
        { provide: PIPELINE, useValue: deps.pipeline },
        { provide: STORE, useValue: deps.store },
        { provide: CHAIN, useValue: deps.chain },
        { provide: TENANTS, useValue: deps.tenants },
        { provide: SCHEMA_CATALOG, useValue: deps.schemas },
        { provide: SECTOR_OF, useValue: deps.sectorOf },
        { provide: CLOCK, useValue: deps.clock },
        { provide: REST_OPTIONS, useValue: deps.rest },
        { provide: PREPARER, useValue: deps.preparer },
        { provide: QUOTAS, useValue: deps.quotas ?? new TenantQuotas(deps.clock) },
      ],
      exports: [PIPELINE, STORE, CHAIN, TENANTS, CLOCK, ApiKeyGuard],
    };
  }
}
