/**
 * crossgate.v1.Gateway (proto/crossgate/v1/gateway.proto) on the @nestjs/microservices gRPC transport:
 * the same pipeline, tenants, quotas and dead-letter index as REST, so a record is judged the same
 * whichever door it takes. Errors are gRPC status codes whose message starts with the CG_* code
 * (docs/grpc.md has the mapping).
 */
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, RpcException } from '@nestjs/microservices';
import { Metadata, status } from '@grpc/grpc-js';
import { ErrorCodes, type Rejection } from '../../core/errors.js';
import type { SubmitOutcome } from '../../core/pipeline.js';
import type { Tenant } from '../../core/tenant.js';
import type { RecordId } from '../../core/types.js';
import { mayRead } from '../rest/auth.guard.js';
import { recordRejections } from '../rest/dead-letters.js';
import { GRPC_DEPS, type GrpcDeps } from './grpc-deps.js';
import { envelopeOfCloudEvent, grpcReceipt, rejectionMessage, submitResponse, type GrpcCloudEvent } from './grpc-records.js';

const BEARER = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

function failure(code: status, message: string): RpcException {
  return new RpcException({ code, message });
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

function recordIdOf(value: unknown): RecordId | null {
  const v = value as { source?: unknown; id?: unknown } | null | undefined;
  return typeof v?.source === 'string' && typeof v.id === 'string' ? { source: v.source, id: v.id } : null;
}

/** What the dead-letter index keeps of a gRPC record: its JSON form (bytes as base64), replayable like REST's. */
function payloadOf(event: GrpcCloudEvent | undefined, envelope: Record<string, unknown> | undefined): Uint8Array {
  return Buffer.from(JSON.stringify(envelope ?? event ?? null, (_, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));
}

@Controller()
export class GatewayGrpcController {
  constructor(@Inject(GRPC_DEPS) private readonly deps: GrpcDeps) {}

  #authenticate(metadata: Metadata): Tenant {
    const header = metadata.get('authorization')[0];
    const key = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    const tenant = key === undefined ? undefined : this.deps.tenants.authenticate(key);
    if (tenant === undefined) throw failure(status.UNAUTHENTICATED, header === undefined ? 'send authorization: Bearer <api key> metadata' : 'the API key is not valid');
    return tenant;
  }

  #admit(tenant: Tenant, records: number): void {
    const decision = this.deps.quotas.take(tenant, records);
    if (decision !== undefined && !decision.ok) {
      const after = decision.retryAfterSeconds === null ? 'send fewer records per call' : `retry after ${Math.max(1, Math.ceil(decision.retryAfterSeconds))} s`;
      throw failure(status.RESOURCE_EXHAUSTED, `CG_QUOTA_EXCEEDED: tenant ${tenant.id} is over its quota of ${decision.quota.recordsPerSecond} records/s; ${after}`);
    }
    if (this.deps.pipeline.admission() === 'full') throw failure(status.UNAVAILABLE, `${ErrorCodes.Overloaded}: the gateway is at its bound; retry after 1 s`);
  }

  /** The outcomes of the events, in order; rejected ones are indexed as dead letters (origin grpc). */
  async #submit(events: readonly (GrpcCloudEvent | undefined)[], tenant: Tenant, metadata: Metadata): Promise<SubmitOutcome[]> {
    const outcomes = new Array<SubmitOutcome>(events.length);
    const envelopes: Record<string, unknown>[] = [];
    const positions: number[] = [];
    events.forEach((event, i) => {
      const decoded = envelopeOfCloudEvent(event);
      if (decoded.ok) {
        envelopes.push(decoded.envelope);
        positions.push(i);
      } else {
        outcomes[i] = { status: 'rejected', recordId: recordIdOf(event), type: typeof event?.type === 'string' ? event.type : null, rejection: decoded.rejection };
      }
    });
    const submitted = envelopes.length === 0 ? [] : await this.deps.pipeline.submitMany(envelopes, tenant);
    submitted.forEach((outcome, j) => { outcomes[positions[j] as number] = outcome; });
    const rejected = outcomes.flatMap((o, i) => o.status !== 'rejected' ? [] : [{
      recordId: o.recordId, type: o.type, rejection: o.rejection,
      payload: payloadOf(events[i], positions.includes(i) ? envelopes[positions.indexOf(i)] : undefined),
    }]);
    const userAgent = metadata.get('user-agent')[0];
    await recordRejections(this.deps.store, this.deps.clock, this.deps.sectorOf, tenant, rejected, typeof userAgent === 'string' ? { 'user-agent': userAgent } : {}, 'grpc');
    return outcomes;
  }

  @GrpcMethod('Gateway', 'Submit')
  async submitOne(request: { event?: GrpcCloudEvent }, metadata: Metadata): Promise<Record<string, unknown>> {
    const tenant = this.#authenticate(metadata);
    this.#admit(tenant, 1);
    const [outcome] = await this.#submit([request.event], tenant, metadata);
    if (outcome === undefined) throw failure(status.INTERNAL, 'no outcome');
    if (outcome.status === 'rejected') throw failure(statusOf(outcome.rejection), `${outcome.rejection.code}: ${outcome.rejection.message}${issueText(outcome.rejection)}`);
    if (outcome.status === 'overloaded') throw failure(status.UNAVAILABLE, `${ErrorCodes.Overloaded}: retry after ${Math.max(1, Math.ceil(outcome.retryAfterSeconds))} s`);
    return submitResponse(outcome);
  }

  @GrpcMethod('Gateway', 'SubmitBatch')
  async submitBatch(request: { events?: GrpcCloudEvent[] }, metadata: Metadata): Promise<Record<string, unknown>> {
    const tenant = this.#authenticate(metadata);
    const events = request.events ?? [];
    if (events.length === 0) throw failure(status.INVALID_ARGUMENT, 'CG_REQUEST_INVALID: a batch needs at least one event');
    if (events.length > this.deps.batchLimit) throw failure(status.INVALID_ARGUMENT, `CG_BATCH_TOO_LARGE: a batch holds at most ${this.deps.batchLimit} events; got ${events.length}`);
    this.#admit(tenant, events.length);
    const outcomes = await this.#submit(events, tenant, metadata);
    return { results: outcomes.map(submitResponse) };
  }

  @GrpcMethod('Gateway', 'GetReceipt')
  async getReceipt(request: { recordId?: { source?: string; id?: string } }, metadata: Metadata): Promise<Record<string, unknown>> {
    const tenant = this.#authenticate(metadata);
    const recordId = recordIdOf(request.recordId);
    if (recordId === null) throw failure(status.INVALID_ARGUMENT, 'CG_REQUEST_INVALID: record_id with source and id is required');
    const [stored] = await this.deps.store.findRecords([recordId]);
    // Another tenant's record is answered as unknown, as on REST: its existence is not revealed.
    if (stored === undefined || !mayRead(tenant, stored.tenant)) throw failure(status.NOT_FOUND, 'CG_NOT_FOUND: no such record for this tenant');
    const receipt = await this.deps.store.getReceipt(recordId);
    if (receipt === undefined) throw failure(status.UNAVAILABLE, `CG_RECEIPT_PENDING: the record is ${stored.status}; its batch is not anchored yet, retry after 1 s`);
    return grpcReceipt(receipt);
  }
}

function issueText(rejection: Rejection): string {
  const issues = rejectionMessage(rejection)['issues'] as { path: string; message: string }[];
  return issues.length === 0 ? '' : ` (${issues.slice(0, 5).map((i) => `${i.path || '/'}: ${i.message}`).join('; ')})`;
}
