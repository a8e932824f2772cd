/**
 * GET /metrics in the Prometheus text format. Unauthenticated, like most scrape targets: it carries
 * counts and latencies, no record content, tenant ids or keys. Restrict it at the network edge.
 */
import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Metrics } from './metrics.js';
import { METRICS } from './ops-tokens.js';

@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS) private readonly metrics: Metrics) {}

  @Get()
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', this.metrics.contentType).header('cache-control', 'no-store');
    return this.metrics.render();
  }
}
