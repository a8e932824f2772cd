/**
 * POST /v1/records, POST /v1/records/batch, GET /v1/records/{source}/{id}[/receipt].
 * Thin: the pipeline validates, authorizes, deduplicates and batches; this maps its outcomes to HTTP.
 */
import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { withAnchorProof } from '../../core/anchor-proof.js';
import { ErrorCodes } from '../../core/errors.js';
import type { Pipeline, SubmitOutcome } from '../../core/pipeline.js';
import type { TenantQuotas } from '../../core/quota.js';
import type { ChainClient, DeadLetter, Store } from '../../core/ports.js';
import type { Clock, Receipt, RecordId } from '../../core/types.js';
import type { RecordStatusBody, SubmitResult } from './api-schemas.js';
import { batchAnswerJson, type BatchCounts } from './batch-answer.js';
import { ApiKeyGuard, type AuthenticatedRequest, mayRead } from './auth.guard.js';
import { recordRejections, type RejectedItem, type SectorOf } from './dead-letters.js';
import { HttpErrorCodes, malformedJsonProblem, ProblemException, problem, problemOfRejection } from './problem.js';
import { rawBodyBytes, receivedBody } from './json-body.js';
import { PrepareWorkerError, type RecordPreparer } from '../prepare/preparer.js';
import { arrayElementRanges } from './array-elements.js';
import { quotaExceeded, rateLimitHeaders } from './rate-limit.js';
import { recordLinks, recordPath } from './record-paths.js';
import { CHAIN, CLOCK, PIPELINE, PREPARER, QUOTAS, REST_OPTIONS, type RestOptions, SECTOR_OF, STORE } from './tokens.js';

type Accepted = Extract<SubmitOutcome, { status: 'accepted' | 'duplicate' }>;

function submitResult(o: Accepted): SubmitResult {
  return { status: o.status, recordId: o.recordId, digest: o.digest, batchId: o.batchId, leafIndex: o.leafIndex, links: recordLinks(o.recordId, o.batchId) };
}

function overloaded(retryAfterSeconds: number): ProblemException {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new ProblemException(
    problem(ErrorCodes.Overloaded, 'The gateway queue is full; retry after the delay in Retry-After.', { retryAfterSeconds: seconds }),
    { 'retry-after': String(seconds) },
  );
}

/** Headers kept with a dead letter: never Authorization. */
function keptHeaders(request: AuthenticatedRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const ct = request.headers['content-type'];
  const ua = request.headers['user-agent'];
  if (typeof ct === 'string') out['content-type'] = ct;
  if (typeof ua === 'string') out['user-agent'] = ua;
  return out;
}

function rawBodyOf(request: AuthenticatedRequest): Uint8Array {
  return receivedBody(request) ?? Buffer.from(JSON.stringify(request.body ?? null));
}

/**
 * The bytes of each item of a batch body exactly as received, found when the first item is asked
 * for (only rejected items are). Should the body not split into `count` items (it always does when
 * it parsed as an array of that many), the whole body stands in for an item: more bytes, none lost.
 */
function batchItemBytes(body: Buffer, count: number): (index: number) => Uint8Array {
  let ranges: [number, number][] | undefined | null = null;
  return (index) => {
    if (ranges === null) ranges = arrayElementRanges(body);
    const range = ranges?.length === count ? ranges[index] : undefined;
    return new Uint8Array(range === undefined ? body : body.subarray(range[0], range[1]));
  };
}

@Controller('v1/records')
@UseGuards(ApiKeyGuard)
export class RecordsController {
  constructor(
    @Inject(PIPELINE) private readonly pipeline: Pipeline,
    @Inject(STORE) private readonly store: Store,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SECTOR_OF) private readonly sectorOf: SectorOf,
    @Inject(REST_OPTIONS) private readonly options: RestOptions,
    @Inject(PREPARER) private readonly preparer: RecordPreparer,
    @Inject(QUOTAS) private readonly quotas: TenantQuotas,
    @Inject(CHAIN) private readonly chain: ChainClient,
  ) {}

  /** Takes `records` from the tenant's quota (sets the RateLimit fields) or throws its 429. */
  #takeQuota(request: AuthenticatedRequest, reply: FastifyReply, records: number): void {
    const decision = this.quotas.take(request.tenant, records);
    if (decision === undefined) return;
    if (!decision.ok) throw quotaExceeded(decision, records);
    reply.headers(rateLimitHeaders(decision));
  }

  @Post()
  async submit(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SubmitResult> {
    this.#takeQuota(request, reply, 1);
    if (this.pipeline.admission() === 'full') throw overloaded(1);
    const outcome = await this.pipeline.submit(request.body, request.tenant);
    switch (outcome.status) {
      case 'accepted':
        reply.status(202).header('location', recordPath(outcome.recordId));
        return submitResult(outcome);
      case 'duplicate':
        reply.status(200).header('location', recordPath(outcome.recordId));
        return submitResult(outcome);
      case 'overloaded':
        throw overloaded(outcome.retryAfterSeconds);
      case 'rejected':
        await recordRejections(this.store, this.clock, this.sectorOf, request.tenant, [
          { recordId: outcome.recordId, type: outcome.type, rejection: outcome.rejection, payload: rawBodyOf(request) },
        ], keptHeaders(request));
        throw new ProblemException(problemOfRejection(outcome.rejection));
    }
  }

  @Post('batch')
  async submitBatch(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    // The body arrives unparsed (BATCH_ROUTE is a raw route): a prepare worker parses and checks it.
    const body = rawBodyBytes(request);
    // Refused before parsing when there is no room: an overload must not pile up bodies in memory.
    if (!this.quotas.hasAny(request.tenant)) this.#takeQuota(request, reply, 1);
    if (this.pipeline.admission() === 'full' || !this.preparer.hasRoomFor(body.byteLength)) throw overloaded(1);
    const batch = await this.preparer.prepareBatch(body, request.tenant, this.options.batchLimit).catch((error: unknown) => {
      // The worker holding this request stopped; it is replaced within a second. Nothing of the
      // request reached the pipeline, so a retry is safe (and would be anyway: (source, id) is idempotent).
      if (!(error instanceof PrepareWorkerError)) throw error;
      throw new ProblemException(
        problem(ErrorCodes.Overloaded, 'A record-preparation worker stopped while handling this request; nothing of it was submitted. Retry after the delay in Retry-After.', { retryAfterSeconds: 1 }),
        { 'retry-after': '1' },
      );
    });
    switch (batch.kind) {
      case 'malformed':
        throw new ProblemException(malformedJsonProblem(batch.empty));
      case 'not-i-json':
        throw new ProblemException(problemOfRejection(batch.rejection));
      case 'not-array':
        throw new ProblemException(problem(HttpErrorCodes.RequestInvalid, 'A batch is a JSON array of records.'));
      case 'no-items':
        throw new ProblemException(problem(HttpErrorCodes.RequestInvalid, 'A batch needs at least one record.'));
      case 'too-many':
        throw new ProblemException(problem(HttpErrorCodes.BatchTooLarge, `A batch holds at most ${this.options.batchLimit} records; got ${batch.count}.`));
      case 'prepared':
        break;
    }
    this.#takeQuota(request, reply, batch.records.length);
    if (this.pipeline.admission() === 'full') throw overloaded(1);
    const outcomes = await this.pipeline.submitPrepared(batch.records, request.tenant);
    const counts: BatchCounts = { accepted: 0, duplicate: 0, rejected: 0, overloaded: 0 };
    const rejected: RejectedItem[] = [];
    const itemBytes = batchItemBytes(body, outcomes.length);
    let retryAfter = 0;
    outcomes.forEach((o, index) => {
      counts[o.status] += 1;
      if (o.status === 'overloaded') retryAfter = Math.max(retryAfter, Math.ceil(o.retryAfterSeconds), 1);
      else if (o.status === 'rejected') rejected.push({ recordId: o.recordId, type: o.type, rejection: o.rejection, payload: itemBytes(index) });
    });
    await recordRejections(this.store, this.clock, this.sectorOf, request.tenant, rejected, keptHeaders(request));
    if (counts.overloaded === outcomes.length) throw overloaded(retryAfter);
    if (retryAfter > 0) reply.header('retry-after', String(retryAfter));
    // A BatchSubmitResult as JSON text (batch-answer.ts); Fastify sends a string with a JSON type as is.
    reply.status(200).header('content-type', 'application/json; charset=utf-8');
    return batchAnswerJson(counts, outcomes);
  }

  @Get(':source/:id')
  async status(@Req() request: AuthenticatedRequest, @Param('source') source: string, @Param('id') id: string): Promise<RecordStatusBody> {
    const recordId: RecordId = { source, id };
    const [stored] = await this.store.findRecords([recordId]);
    if (stored !== undefined && mayRead(request.tenant, stored.tenant)) {
      return {
        status: stored.status,
        recordId: stored.recordId,
        type: stored.type,
        digest: stored.digest,
        batchId: stored.batchId,
        leafIndex: stored.leafIndex,
        acceptedAt: new Date(stored.acceptedAt).toISOString(),
        links: recordLinks(stored.recordId, stored.batchId),
      };
    }
    const letter = await this.latestRejection(request, recordId);
    if (letter !== undefined) {
      return {
        status: 'rejected',
        recordId,
        type: letter.type,
        rejectedAt: new Date(letter.createdAt).toISOString(),
        problem: problemOfRejection({ code: letter.code, message: letter.message, issues: letter.issues }),
      };
    }
    throw notFound();
  }

  @Get(':source/:id/receipt')
  async receipt(
    @Req() request: AuthenticatedRequest, @Param('source') source: string, @Param('id') id: string, @Query('anchorProof') anchorProof?: string,
  ): Promise<unknown> {
    if (anchorProof !== undefined && anchorProof !== 'true' && anchorProof !== 'false') {
      throw new ProblemException(problem(HttpErrorCodes.RequestInvalid, 'anchorProof must be true or false.'));
    }
    const recordId: RecordId = { source, id };
    const [stored] = await this.store.findRecords([recordId]);
    if (stored === undefined || !mayRead(request.tenant, stored.tenant)) throw notFound();
    const receipt = await this.store.getReceipt(recordId);
    if (receipt === undefined) {
      throw new ProblemException(
        problem(HttpErrorCodes.ReceiptPending, `The record is ${stored.status}; its batch is not anchored yet.`, { retryAfterSeconds: 1 }),
        { 'retry-after': '1' },
      );
    }
    return anchorProof === 'true' ? this.withAnchorProof(receipt) : receipt;
  }

  /** The receipt with the chain's offline proof of its anchor (docs/receipt-format.md §7). */
  private async withAnchorProof(receipt: Receipt): Promise<Receipt> {
    const read = await withAnchorProof(this.chain, receipt);
    switch (read.outcome) {
      case 'proof':
        return read.receipt;
      case 'unsupported':
        throw new ProblemException(problem(HttpErrorCodes.RequestInvalid, `Receipts anchored on "${receipt.chain.kind}" carry no anchor proof from this gateway (it has them for CometBFT).`));
      case 'pending':
        throw new ProblemException(
          problem(HttpErrorCodes.ReceiptPending, 'The anchor proof needs the block after the anchor\'s, which is not there yet.', { retryAfterSeconds: 1 }),
          { 'retry-after': '1' },
        );
      case 'unavailable':
        throw new ProblemException(problem(ErrorCodes.ChainUnavailable, 'The chain did not answer for the anchor proof; retry later.', { retryAfterSeconds: 5 }), { 'retry-after': '5' });
    }
  }

  private async latestRejection(request: AuthenticatedRequest, recordId: RecordId): Promise<DeadLetter | undefined> {
    const filter = request.tenant.role === 'admin' ? { recordId, origin: 'rest' as const } : { recordId, tenant: request.tenant.id, origin: 'rest' as const };
    const page = await this.store.listDeadLetters(filter, 20, null);
    let latest: DeadLetter | undefined;
    for (const letter of page.items) {
      if (!mayRead(request.tenant, letter.tenant)) continue;
      if (latest === undefined || letter.createdAt > latest.createdAt) latest = letter;
    }
    return latest;
  }
}

/** 404 for both "no such record" and "another tenant's record": existence must not leak. */
function notFound(): ProblemException {
  return new ProblemException(problem(HttpErrorCodes.NotFound, 'No such record.'));
}
