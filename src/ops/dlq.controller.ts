/**
 * The DLQ API, admin only:
 *   GET  /v1/dlq                 list (filters: state, sector, tenant, source, code, origin, from, to; paging)
 *   GET  /v1/dlq/counts          open dead letters by code, sector and origin
 *   GET  /v1/dlq/:id             one entry: original payload, headers, reason, audit, the record's state now
 *   POST /v1/dlq/:id/replay      replay one (answers with the result)
 *   POST /v1/dlq/replay          replay ids, a filter, or all: NDJSON progress lines, then the summary
 *   POST /v1/dlq/:id/discard     discard one with a reason (kept in the audit log)
 *   POST /v1/dlq/discard         discard ids, a filter, or all, with a reason
 */
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Store } from '../core/ports.js';
import { ApiKeyGuard, type AuthenticatedRequest } from '../ingest/rest/auth.guard.js';
import { STORE } from '../ingest/rest/tokens.js';
import { AdminGuard } from './admin.guard.js';
import {
  deadLetterDetailView, deadLetterSummary, discardManySchema, discardOneSchema, listQuerySchema, replayBodySchema, toFilter,
} from './dlq-api.js';
import { DlqService, type ReplayProgress } from './dlq-service.js';
import { invalidRequest, notFound } from './ops-problem.js';
import { DLQ_SERVICE, OPS_LOGGER } from './ops-tokens.js';

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    throw invalidRequest(`Invalid ${what}.`, result.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), code: i.code, message: i.message })));
  }
  return result.data;
}

/** Progress lines are written at most this often (plus the first and the summary). */
const PROGRESS_EVERY_MS = 200;

@Controller('v1/dlq')
@UseGuards(ApiKeyGuard, AdminGuard)
export class DlqController {
  constructor(
    @Inject(DLQ_SERVICE) private readonly dlq: DlqService,
    @Inject(STORE) private readonly store: Store,
    @Inject(OPS_LOGGER) private readonly log: Logger,
  ) {}

  @Get()
  async list(@Query() query: unknown) {
    const q = parse(listQuerySchema, query, 'query');
    const { limit, cursor, ...filter } = q;
    let page: Awaited<ReturnType<DlqService['list']>>;
    try {
      page = await this.dlq.list(toFilter(filter), limit, cursor ?? null);
    } catch (error) {
      // Stores throw RangeError for a cursor they did not hand out: the caller's mistake, not theirs.
      if (error instanceof RangeError) throw invalidRequest('cursor is not one this API returned; start again without it');
      throw error;
    }
    return { items: page.items.map(deadLetterSummary), next: page.next, total: page.total };
  }

  @Get('counts')
  async counts() {
    const counts = await this.store.deadLetterCounts();
    return { total: counts.reduce((sum, c) => sum + c.count, 0), counts };
  }

  @Get(':id')
  async show(@Param('id') id: string) {
    const detail = await this.dlq.show(id);
    if (detail === undefined) throw notFound('No such dead letter.');
    return deadLetterDetailView(detail);
  }

  @Post('replay')
  async replayMany(@Req() request: AuthenticatedRequest, @Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const b = parse(replayBodySchema, body, 'replay request');
    const target = b.ids !== undefined ? { ids: b.ids } : { filter: toFilter(b.filter ?? {}) };
    // Streams progress as NDJSON so a long replay shows its progress (the CLI draws a bar from it);
    // the replay goes on if the client disconnects: it is idempotent, and the audit log has the outcome.
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
    let lastWrite = 0;
    const write = (line: object) => {
      if (!raw.writableEnded && !raw.destroyed) raw.write(`${JSON.stringify(line)}\n`);
    };
    try {
      const summary = await this.dlq.replayMany(target, request.tenant.id, (p: ReplayProgress) => {
        const now = performance.now();
        if (p.done === 0 || p.done === p.total || now - lastWrite >= PROGRESS_EVERY_MS) {
          lastWrite = now;
          write({ type: 'progress', ...p });
        }
      });
      write({ type: 'summary', ...summary });
    } catch (error) {
      this.log.error({ err: error, actor: request.tenant.id }, 'bulk replay failed');
      write({ type: 'error', message: 'The replay stopped: the store failed. Entries replayed so far keep their new state; run it again to continue.' });
    } finally {
      raw.end();
    }
  }

  @Post(':id/replay')
  @HttpCode(200)
  async replayOne(@Req() request: AuthenticatedRequest, @Param('id') id: string) {
    const result = await this.dlq.replay(id, request.tenant.id);
    if (result.status === 'skipped' && result.reason === 'not-found') throw notFound('No such dead letter.');
    return result;
  }

  @Post('discard')
  @HttpCode(200)
  async discardMany(@Req() request: AuthenticatedRequest, @Body() body: unknown) {
    const b = parse(discardManySchema, body, 'discard request');
    const target = b.ids !== undefined ? { ids: b.ids } : { filter: toFilter(b.filter ?? {}) };
    const { discarded, skipped } = await this.dlq.discardMany(target, b.reason, request.tenant.id);
    return { discarded, skipped };
  }

  @Post(':id/discard')
  @HttpCode(200)
  async discardOne(@Req() request: AuthenticatedRequest, @Param('id') id: string, @Body() body: unknown) {
    const b = parse(discardOneSchema, body, 'discard request');
    const result = await this.dlq.discard(id, b.reason, request.tenant.id);
    if (result.status === 'skipped' && result.reason === 'not-found') throw notFound('No such dead letter.');
    return result;
  }
}
