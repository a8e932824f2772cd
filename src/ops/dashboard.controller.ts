/**
 * The ops dashboard: GET /ops (the page), /ops/app.js, /ops/app.css (static, served from this process:
 * the machine may be offline, so no CDN), and GET /ops/api/overview (admin), the figures the page polls.
 *
 * The page itself is public; it holds nothing but a login form until an admin API key is entered. The
 * key stays in the tab's sessionStorage and is sent as `Authorization: Bearer` on every API call (no
 * cookie, so no CSRF surface). A strict Content-Security-Policy allows only this origin's script and style.
 */
import { Controller, Get, Header, Inject, Optional, UseGuards } from '@nestjs/common';
import type { Pipeline } from '../core/pipeline.js';
import type { ChainClient, Store } from '../core/ports.js';
import { ApiKeyGuard } from '../ingest/rest/auth.guard.js';
import { CHAIN, PIPELINE, STORE } from '../ingest/rest/tokens.js';
import { AdminGuard } from './admin.guard.js';
import { dashboardCss, dashboardHtml, dashboardJs } from './dashboard/assets.js';
import { batchView } from './dlq-api.js';
import { type HealthCheck, readiness } from './health.js';
import type { KafkaStatus } from './kafka-status.js';
import type { Metrics } from './metrics.js';
import type { OpsOptions } from './ops-options.js';
import { KAFKA_STATUS, METRICS, OPS_OPTIONS } from './ops-tokens.js';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

@Controller('ops')
export class DashboardController {
  constructor(
    @Inject(PIPELINE) private readonly pipeline: Pipeline,
    @Inject(STORE) private readonly store: Store,
    @Inject(CHAIN) private readonly chain: ChainClient,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Inject(OPS_OPTIONS) private readonly options: OpsOptions,
    @Optional() @Inject(KAFKA_STATUS) private readonly kafka?: KafkaStatus,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', CSP)
  @Header('cache-control', 'no-store')
  page(): string {
    return dashboardHtml;
  }

  @Get('app.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  script(): string {
    return dashboardJs;
  }

  @Get('app.css')
  @Header('content-type', 'text/css; charset=utf-8')
  style(): string {
    return dashboardCss;
  }

  /** Everything the dashboard shows, in one call (it polls this once a second). */
  @Get('api/overview')
  @UseGuards(ApiKeyGuard, AdminGuard)
  @Header('cache-control', 'no-store')
  async overview() {
    const checks: Record<string, HealthCheck> = { store: this.store, chain: this.chain };
    if (this.kafka !== undefined) checks.kafka = this.kafka;
    const failed = (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) });
    const [sectors, outboxDepth, dlq, batches, lag, ready] = await Promise.all([
      this.metrics.sectorTotals(),
      this.store.outboxDepth().then((depth) => ({ depth }), failed),
      this.store.deadLetterCounts().then((counts) => ({ counts }), failed),
      this.store.recentBatches(this.options.recentBatches).then((items) => ({ items: items.map(batchView) }), failed),
      this.kafka === undefined ? Promise.resolve({ lag: [] }) : this.kafka.lag().then((l) => ({ lag: [...l] }), failed),
      readiness(checks, this.options.healthTimeoutMs),
    ]);
    return {
      at: new Date().toISOString(),
      readiness: ready,
      sectors,
      pipeline: { ...this.pipeline.stats(), anchoringPaused: this.pipeline.anchoringPaused },
      outbox: outboxDepth,
      kafka: { configured: this.kafka !== undefined, ...lag },
      dlq,
      batches,
      chain: { kind: this.chain.kind, network: this.chain.network },
    };
  }
}
