/**
 * GET /health/live and GET /health/ready, unauthenticated (probes carry no keys) and revealing nothing
 * secret: the details are dependency names, ok flags, latencies and the adapters' own short messages.
 */
import { Controller, Get, Header, Inject, Optional, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ChainClient, Signer, Store } from '../core/ports.js';
import { CHAIN, STORE } from '../ingest/rest/tokens.js';
import { type HealthCheck, type Readiness, readiness } from './health.js';
import type { KafkaStatus } from './kafka-status.js';
import { KAFKA_STATUS, OPS_OPTIONS, SIGNER } from './ops-tokens.js';
import type { OpsOptions } from './ops-options.js';

@Controller('health')
export class HealthController {
  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(CHAIN) private readonly chain: ChainClient,
    @Inject(OPS_OPTIONS) private readonly options: OpsOptions,
    @Inject(SIGNER) private readonly signers: readonly Signer[],
    @Optional() @Inject(KAFKA_STATUS) private readonly kafka?: KafkaStatus,
  ) {}

  /** The process is up and its event loop turns. */
  @Get('live')
  @Header('cache-control', 'no-store')
  live() {
    return { status: 'live' };
  }

  /** 200 when store, chain, (when configured) Kafka and an HSM signer are reachable; 503 with the details otherwise. */
  @Get('ready')
  @Header('cache-control', 'no-store')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<Readiness> {
    const checks: Record<string, HealthCheck> = { store: this.store, chain: this.chain };
    if (this.kafka !== undefined) checks.kafka = this.kafka;
    // A key on a token is a dependency too: no signature, no sealed batch.
    this.signers.forEach((signer, i) => {
      const health = signer.health?.bind(signer);
      if (health !== undefined) checks[i === 0 ? 'signer' : `signer-${i + 1}`] = { health };
    });
    const result = await readiness(checks, this.options.healthTimeoutMs);
    reply.status(result.status === 'ready' ? 200 : 503);
    return result;
  }
}
