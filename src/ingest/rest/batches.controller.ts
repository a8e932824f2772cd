/**
 * GET /v1/batches/{batchId}: a batch's header, signature and anchoring state.
 *
 * Any authenticated tenant may read a batch: its header is what the chain shows every consortium
 * member and what every receipt of every record in it carries, and batch ids are content hashes that
 * cannot be guessed. The record list is not exposed (that would leak other tenants' record ids), and
 * the last submission error, which may name infrastructure, is shown to admin tenants only.
 */
import { Controller, Get, Inject, Param, Req, UseGuards } from '@nestjs/common';
import type { Store } from '../../core/ports.js';
import type { BatchStatusBody } from './api-schemas.js';
import { ApiKeyGuard, type AuthenticatedRequest } from './auth.guard.js';
import { HttpErrorCodes, ProblemException, problem } from './problem.js';
import { STORE } from './tokens.js';

@Controller('v1/batches')
@UseGuards(ApiKeyGuard)
export class BatchesController {
  constructor(@Inject(STORE) private readonly store: Store) {}

  @Get(':batchId')
  async get(@Req() request: AuthenticatedRequest, @Param('batchId') batchId: string): Promise<BatchStatusBody> {
    const entry = await this.store.getBatch(batchId);
    if (entry === undefined) throw new ProblemException(problem(HttpErrorCodes.NotFound, 'No such batch.'));
    const body: BatchStatusBody = {
      header: entry.header,
      signature: entry.signature,
      state: entry.state,
      attempts: entry.attempts,
      anchor: entry.anchor,
      anchoredAt: entry.anchoredAt === null ? null : new Date(entry.anchoredAt).toISOString(),
    };
    if (request.tenant.role === 'admin') body.lastError = entry.lastError;
    return body;
  }
}
