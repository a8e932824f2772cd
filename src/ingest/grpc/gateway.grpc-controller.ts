/**
 * crossgate.v1.Gateway (proto/crossgate/v1/gateway.proto) on the @nestjs/microservices gRPC transport:
 * the same pipeline, tenants, quotas and dead-letter index as REST, so a record is judged the same
 * whichever door it takes. Errors are gRPC status codes with rich details (grpc-errors.ts); docs/grpc.md
 * has the mapping.
 */
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall, RpcException } from '@nestjs/microservices';
import { type Metadata, type ServerDuplexStream, type ServerWritableStream, status } from '@grpc/grpc-js';
import { Observable } from 'rxjs';
import { withAnchorProof } from '../../core/anchor-proof.js';
import { ErrorCodes, type Rejection } from '../../core/errors.js';
import type { SubmitOutcome } from '../../core/pipeline.js';
import type { ReceiptCursor } from '../../core/ports.js';
import type { Tenant } from '../../core/tenant.js';
import { mayRead } from '../rest/auth.guard.js';
import { recordRejections } from '../rest/dead-letters.js';
import { authenticateCall, type CallIdentity } from './grpc-auth.js';
import { GRPC_DEPS, type GrpcDeps } from './grpc-deps.js';
import { grpcFailure, type FieldViolation } from './grpc-errors.js';
import { envelopeOfCloudEvent, grpcReceipt, rejectionMessage, submitResponse, type GrpcCloudEvent } from './grpc-records.js';
import { payloadOf, recordIdOf } from './cloud-event-batch.js';
import { countEvents, readCloudEvents } from './cloud-event-reader.js';
import { PrepareWorkerError } from '../prepare/preparer.js';
import { decodeCursor, encodeCursor } from './receipt-cursor.js';
import { SubmitStreamSession, type SubmitStreamRequest } from './submit-stream.js';

/** How many receipts WatchReceipts reads per store query, and how often it looks for other processes' anchors. */
const WATCH_PAGE = 256;
const WATCH_POLL_MS = 500;

function failure(code: status, reason: string, message: string, extra: Omit<Parameters<typeof grpcFailure>[2], 'reason'> = {}): RpcException {
  return new RpcException(grpcFailure(code, `${reason}: ${message}`, { reason, ...extra }));
}

/** The status code of a rejected record: who may not, what is malformed, what conflicts. */
function statusOf(rejection: Rejection): status {
  switch (rejection.code) {
    case ErrorCodes.SourceForbidden:
    case ErrorCodes.TypeForbidden:
      return status.PERMISSION_DENIED;
    case ErrorCodes.DuplicateConflict:
      return status.ALREADY_EXISTS;
    default:
      return status.INVALID_ARGUMENT;
  }
}

/** google.rpc.BadRequest field violations of a rejection: one per schema issue, else one for the record. */
export function fieldViolations(rejection: Rejection, prefix = 'event'): FieldViolation[] {
  const issues = rejectionMessage(rejection)['issues'] as { path: string; code: string; message: string }[];
  if (issues.length === 0) return [{ field: prefix, description: rejection.message, reason: rejection.code }];
  return issues.map((i) => ({ field: `${prefix}${i.path}`, description: i.message, reason: i.code }));
}

/** Resolves when the stream can take more (or is gone), so a slow reader is never buffered for. */
function writable(call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>): Promise<void> {
  if (!call.writableNeedDrain || call.cancelled || call.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      for (const event of ['drain', 'cancelled', 'close', 'error'] as const) call.off(event, done);
      resolve();
    };
    for (const event of ['drain', 'cancelled', 'close', 'error'] as const) call.on(event, done);
  });
}

@Controller()
export class GatewayGrpcController {
  constructor(@Inject(GRPC_DEPS) private readonly deps: GrpcDeps) {}

  #tenant(metadata: Metadata, call: CallIdentity): Tenant {
    const result = authenticateCall(this.deps.tenants, metadata, call);
    if (!result.ok) throw failure(status.UNAUTHENTICATED, 'CG_UNAUTHENTICATED', result.message);
    return result.tenant;
  }

  #admit(tenant: Tenant, records: number): void {
    const decision = this.deps.quotas.take(tenant, records);
    if (decision !== undefined && !decision.ok) {
      const wait = decision.retryAfterSeconds === null ? undefined : Math.max(1, Math.ceil(decision.retryAfterSeconds));
      throw failure(status.RESOURCE_EXHAUSTED, 'CG_QUOTA_EXCEEDED',
        `tenant ${tenant.id} is over its quota of ${decision.quota.recordsPerSecond} records/s; ${wait === undefined ? 'send fewer records per call' : `retry after ${wait} s`}`,
        { ...(wait === undefined ? {} : { retryAfterSeconds: wait }), quotaViolation: { subject: `tenant:${tenant.id}`, description: `${decision.quota.recordsPerSecond} records/s, burst ${decision.quota.burst}` } });
    }
    if (this.deps.pipeline.admission() === 'full') throw failure(status.UNAVAILABLE, ErrorCodes.Overloaded, 'the gateway is at its bound; retry after 1 s', { retryAfterSeconds: 1 });
  }

  /** The outcomes of the events, in order; rejected ones are indexed as dead letters (origin grpc). */
  async submitEvents(events: readonly (GrpcCloudEvent | undefined)[], tenant: Tenant, metadata: Metadata): Promise<SubmitOutcome[]> {
    const outcomes = new Array<SubmitOutcome>(events.length);
    const envelopes: Record<string, unknown>[] = [];
    const positions: number[] = [];
    const envelopeAt = new Map<number, Record<string, unknown>>();
    events.forEach((event, i) => {
      const decoded = envelopeOfCloudEvent(event);
      if (decoded.ok) {
        envelopes.push(decoded.envelope);
        positions.push(i);
        envelopeAt.set(i, decoded.envelope);
      } else {
        outcomes[i] = { status: 'rejected', recordId: recordIdOf(event), type: typeof event?.type === 'string' ? event.type : null, rejection: decoded.rejection };
      }
    });
    const submitted = envelopes.length === 0 ? [] : await this.deps.pipeline.submitMany(envelopes, tenant);
    submitted.forEach((outcome, j) => { outcomes[positions[j] as number] = outcome; });
    const rejected = outcomes.flatMap((o, i) => o.status !== 'rejected' ? [] : [{
      recordId: o.recordId, type: o.type, rejection: o.rejection, payload: payloadOf(events[i], envelopeAt.get(i)),
    }]);
    if (rejected.length > 0) {
      const userAgent = metadata.get('user-agent')[0];
      await recordRejections(this.deps.store, this.deps.clock, this.deps.sectorOf, tenant, rejected, typeof userAgent === 'string' ? { 'user-agent': userAgent } : {}, 'grpc');
    }
    return outcomes;
  }

  /**
   * The outcomes of the events of a SubmitBatch or SubmitStream request's bytes, prepared on a worker;
   * rejected ones are indexed as dead letters (origin grpc).
   */
  async submitBytes(bytes: Buffer, tenant: Tenant, metadata: Metadata): Promise<SubmitOutcome[]> {
    const prepared = await this.deps.preparer.prepareCloudEvents(bytes, tenant, this.deps.batchLimit).catch((error: unknown) => {
      if (!(error instanceof PrepareWorkerError)) throw error;
      // Nothing of the request reached the pipeline, so a retry is safe ((source, id) is idempotent too).
      throw failure(status.UNAVAILABLE, ErrorCodes.Overloaded, 'a record-preparation worker stopped while handling this request; nothing of it was submitted, retry after 1 s', { retryAfterSeconds: 1 });
    });
    if (prepared.kind === 'malformed') throw failure(status.INVALID_ARGUMENT, 'CG_REQUEST_INVALID', prepared.message);
    if (prepared.kind === 'too-many') throw failure(status.INVALID_ARGUMENT, 'CG_BATCH_TOO_LARGE', `at most ${this.deps.batchLimit} events per call; got ${prepared.count}`);
    const outcomes = await this.deps.pipeline.submitPrepared(prepared.records, tenant);
    let events: GrpcCloudEvent[] | undefined;
    const rejected = outcomes.flatMap((o, i) => o.status !== 'rejected' ? [] : [{
      recordId: o.recordId, type: o.type, rejection: o.rejection,
      // Refused by the pipeline after preparing (a conflicting duplicate): its JSON form is made here.
      payload: prepared.payloads[i] ?? payloadOf((events ??= readCloudEvents(bytes))?.[i], undefined),
    }]);
    if (rejected.length > 0) {
      const userAgent = metadata.get('user-agent')[0];
      await recordRejections(this.deps.store, this.deps.clock, this.deps.sectorOf, tenant, rejected, typeof userAgent === 'string' ? { 'user-agent': userAgent } : {}, 'grpc');
    }
    return outcomes;
  }

  @GrpcMethod('Gateway', 'Submit')
  submitOne(request: Buffer, metadata: Metadata, call: CallIdentity): Promise<Record<string, unknown>> {
    return this.deps.metrics.unary('Submit', async () => {
      const tenant = this.#tenant(metadata, call);
      // Undecoded (grpc.module.ts), so string fields that are not UTF-8 are refused, not replaced.
      const events = readCloudEvents(request);
      if (events === undefined || events.length > 1) throw failure(status.INVALID_ARGUMENT, 'CG_REQUEST_INVALID', 'the request is not a crossgate.v1.SubmitRequest with one event');
      this.#admit(tenant, 1);
      const [outcome] = await this.submitEvents([events[0]], tenant, metadata);
      if (outcome === undefined) throw failure(status.INTERNAL, 'CG_INTERNAL', 'no outcome');
      if (outcome.status === 'rejected') {
        throw failure(statusOf(outcome.rejection), outcome.rejection.code, outcome.rejection.message, { fieldViolations: fieldViolations(outcome.rejection) });
      }
      if (outcome.status === 'overloaded') {
        const wait = Math.max(1, Math.ceil(outcome.retryAfterSeconds));
        throw failure(status.UNAVAILABLE, ErrorCodes.Overloaded, `retry after ${wait} s`, { retryAfterSeconds: wait });
      }
      return submitResponse(outcome);
    });
  }

  @GrpcMethod('Gateway', 'SubmitBatch')
  submitBatch(request: Buffer, metadata: Metadata, call: CallIdentity): Promise<Record<string, unknown>> {
    return this.deps.metrics.unary('SubmitBatch', async () => {
      const tenant = this.#tenant(metadata, call);
      // The request arrives undecoded (grpc.module.ts): its events are counted, then prepared on a worker.
      const count = countEvents(request);
      if (count === undefined) throw failure(status.INVALID_ARGUMENT, 'CG_REQUEST_INVALID', 'the request is not a crossgate.v1.SubmitBatchRequest');
      if (count === 0) throw failure(status.INVALID_ARGUMENT, 'CG_REQUEST_INVALID', 'a batch needs at least one event', { fieldViolations: [{ field: 'events', description: 'empty', reason: 'too_small' }] });
      if (count > this.deps.batchLimit) {
        throw failure(status.INVALID_ARGUMENT, 'CG_BATCH_TOO_LARGE', `a batch holds at most ${this.deps.batchLimit} events; got ${count}`, { fieldViolations: [{ field: 'events', description: `at most ${this.deps.batchLimit}`, reason: 'too_big' }] });
      }
      this.#admit(tenant, count);
      const outcomes = await this.submitBytes(request, tenant, metadata);
      return { results: outcomes.map(submitResponse) };
    });
  }

  @GrpcMethod('Gateway', 'GetReceipt')
  getReceipt(request: { recordId?: { source?: string; id?: string }; anchorProof?: boolean }, metadata: Metadata, call: CallIdentity): Promise<Record<string, unknown>> {
    return this.deps.metrics.unary('GetReceipt', async () => {
      const tenant = this.#tenant(metadata, call);
      const recordId = recordIdOf(request.recordId);
      if (recordId === null) throw failure(status.INVALID_ARGUMENT, 'CG_REQUEST_INVALID', 'record_id with source and id is required', { fieldViolations: [{ field: 'record_id', description: 'required', reason: 'required' }] });
      const [stored] = await this.deps.store.findRecords([recordId]);
      // Another tenant's record is answered as unknown, as on REST: its existence is not revealed.
      if (stored === undefined || !mayRead(tenant, stored.tenant)) throw failure(status.NOT_FOUND, 'CG_NOT_FOUND', 'no such record for this tenant');
      const receipt = await this.deps.store.getReceipt(recordId);
      if (receipt === undefined) throw failure(status.UNAVAILABLE, 'CG_RECEIPT_PENDING', `the record is ${stored.status}; its batch is not anchored yet, retry after 1 s`, { retryAfterSeconds: 1 });
      if (request.anchorProof !== true) return grpcReceipt(receipt);
      const read = await withAnchorProof(this.deps.chain, receipt);
      switch (read.outcome) {
        case 'proof':
          return grpcReceipt(read.receipt);
        case 'unsupported':
          throw failure(status.INVALID_ARGUMENT, 'CG_REQUEST_INVALID', `receipts anchored on "${receipt.chain.kind}" carry no anchor proof from this gateway (it has them for CometBFT)`, {
            fieldViolations: [{ field: 'anchor_proof', description: 'not available for this chain', reason: 'unsupported' }],
          });
        case 'pending':
          throw failure(status.UNAVAILABLE, 'CG_RECEIPT_PENDING', 'the anchor proof needs the block after the anchor\'s, which is not there yet; retry after 1 s', { retryAfterSeconds: 1 });
        case 'unavailable':
          // The chain's own message names validator addresses: tenants get the fact, not the topology.
          throw failure(status.UNAVAILABLE, 'CG_CHAIN_UNAVAILABLE', 'the chain did not answer for the anchor proof; retry later', { retryAfterSeconds: 5 });
      }
    });
  }

  @GrpcStreamCall('Gateway', 'SubmitStream')
  async submitStream(call: ServerDuplexStream<SubmitStreamRequest, unknown>): Promise<void> {
    const done = this.deps.metrics.streamOpened('SubmitStream');
    let code: status = status.OK;
    try {
      const auth = authenticateCall(this.deps.tenants, call.metadata, call);
      if (!auth.ok) {
        code = status.UNAUTHENTICATED;
        call.emit('error', grpcFailure(code, `CG_UNAUTHENTICATED: ${auth.message}`, { reason: 'CG_UNAUTHENTICATED' }));
        return;
      }
      code = await new SubmitStreamSession(call, auth.tenant, {
        pipeline: this.deps.pipeline, quotas: this.deps.quotas, batchLimit: this.deps.batchLimit,
        submit: (bytes, _events, tenant) => this.submitBytes(bytes, tenant, call.metadata),
        waitWritable: () => writable(call),
        counted: (direction, n) => this.deps.metrics.streamMessages('SubmitStream', direction, n),
      }).run();
    } finally {
      done(code);
    }
  }

  @GrpcMethod('Gateway', 'WatchReceipts')
  watchReceipts(request: { cursor?: string }, metadata: Metadata, call: ServerWritableStream<unknown, unknown>): Observable<Record<string, unknown>> {
    const done = this.deps.metrics.streamOpened('WatchReceipts');
    let tenant: Tenant;
    let start: ReceiptCursor | null | undefined;
    try {
      tenant = this.#tenant(metadata, call);
      start = decodeCursor(request.cursor ?? '');
      if (start === undefined) throw failure(status.INVALID_ARGUMENT, 'CG_REQUEST_INVALID', 'cursor is not one this gateway handed out', { fieldViolations: [{ field: 'cursor', description: 'send the cursor of the last receipt received, or none', reason: 'invalid' }] });
    } catch (error) {
      done(error instanceof RpcException ? (error.getError() as { code: status }).code : status.UNKNOWN);
      throw error;
    }
    const from = start;
    return new Observable((subscriber) => {
      const stop = new AbortController();
      call.once('cancelled', () => stop.abort());
      void (async () => {
        let cursor = from;
        while (!stop.signal.aborted) {
          const page = await this.deps.store.anchoredReceipts(tenant.id, cursor, WATCH_PAGE);
          for (const { receipt, cursor: at } of page) {
            // Nest writes what we emit; emitting only when the stream can take it bounds the buffer.
            await writable(call);
            if (stop.signal.aborted) return;
            subscriber.next({ receipt: grpcReceipt(receipt), cursor: encodeCursor(at) });
            cursor = at;
          }
          this.deps.metrics.streamMessages('WatchReceipts', 'sent', page.length);
          if (page.length < WATCH_PAGE) await this.deps.anchors.wait(WATCH_POLL_MS, stop.signal);
        }
      })().then(
        () => { done(status.CANCELLED); subscriber.complete(); },
        (error: unknown) => {
          done(status.UNAVAILABLE);
          subscriber.error(grpcFailure(status.UNAVAILABLE, `CG_STORE_UNAVAILABLE: ${(error as Error).message}; resume from the last cursor`, { reason: 'CG_STORE_UNAVAILABLE', retryAfterSeconds: 1 }));
        },
      );
      return () => stop.abort();
    });
  }
}
