/**
 * Mounts a {@link KafkaIngest} in the NestJS application's lifecycle: it starts once the application
 * is initialised (a Kafka that cannot be used fails the start, loudly; one that refuses the gateway's
 * credentials or certificates leaves it running, not ready, and is tried again) and stops before the HTTP server
 * and the pipeline close, so the batches in hand are made durable and committed first (SIGTERM →
 * gateway.close() → app.close() → here → pipeline.close()).
 */
import { type BeforeApplicationShutdown, type DynamicModule, Inject, Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { KafkaIngest } from './kafka-ingest.js';

export const KAFKA_INGEST = Symbol('crossgate.KafkaIngest');

@Injectable()
class KafkaIngestLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(KAFKA_INGEST) private readonly ingest: KafkaIngest) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ingest.startWhenAllowed();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.ingest.stop();
  }
}

@Module({})
export class KafkaIngestModule {
  static forRoot(ingest: KafkaIngest): DynamicModule {
    return {
      module: KafkaIngestModule,
      providers: [{ provide: KAFKA_INGEST, useValue: ingest }, KafkaIngestLifecycle],
      exports: [KAFKA_INGEST],
    };
  }
}
