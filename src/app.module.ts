/**
 * The gateway's root module: REST ingestion plus whatever other modules the caller wires in
 * (ops, Kafka, gRPC), each built from the same already-opened dependencies.
 */
import { type DynamicModule, Module } from '@nestjs/common';
import { type RestDeps, RestModule } from './ingest/rest/rest.module.js';

@Module({})
export class AppModule {
  static forRoot(deps: RestDeps, extra: readonly DynamicModule[] = []): DynamicModule {
    return { module: AppModule, imports: [RestModule.forRoot(deps), ...extra] };
  }
}
