/**
 * One SubmitStream call: requests in, one answer per request out, in order, with flow control.
 *
 * The session reads while it holds fewer than `window` unanswered events; past that it pauses the call,
 * so HTTP/2 flow control stops the client's writes instead of the gateway buffering them. It also waits,
 * holding what it has read, while the pipeline is full (admission), while the tenant is over its quota
 * (the quota bucket's debt, as on Kafka), and while the client is not reading its answers.
 * Requests that arrive together are submitted together (up to the batch limit of events), which is
 * where the stream's speed comes from.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import type { Pipeline, SubmitOutcome } from '../../core/pipeline.js';
import type { TenantQuotas } from '../../core/quota.js';
import type { Tenant } from '../../core/tenant.js';
import { grpcFailure } from './grpc-errors.js';
import { submitResponse, type GrpcCloudEvent } from './grpc-records.js';

export interface SubmitStreamRequest {
  readonly events?: readonly GrpcCloudEvent[];
}

export interface SubmitStreamDeps {
  readonly pipeline: Pick<Pipeline, 'admission'>;
  readonly quotas: TenantQuotas;
  /** Most events in one request, and per submission. */
  readonly batchLimit: number;
  readonly submit: (events: readonly GrpcCloudEvent[], tenant: Tenant) => Promise<SubmitOutcome[]>;
  /** Resolves once the call can take more answers (or is gone). */
  readonly waitWritable: () => Promise<void>;
  readonly counted: (direction: 'received' | 'sent', messages: number) => void;
}

/** How long to look again while the pipeline is full: short against a batch's linger, long against a spin. */
const ADMISSION_RECHECK_MS = 20;

export class SubmitStreamSession {
  readonly #queue: { sequence: number; events: readonly GrpcCloudEvent[] }[] = [];
  readonly #window: number;
  #unanswered = 0;
  #received = 0;
  #ended = false;
  #gone = false;
  /** The status the call ends with when the session ends it early. */
  #failed: status | undefined;
  #wake: (() => void) | undefined;

  constructor(
    private readonly call: ServerDuplexStream<SubmitStreamRequest, unknown>,
    private readonly tenant: Tenant,
    private readonly deps: SubmitStreamDeps,
  ) {
    // Two submissions' worth in hand: one being submitted, the next one read meanwhile.
    this.#window = 2 * deps.batchLimit;
  }

  /** Serves the call to its end; resolves with the status it ended with. */
  async run(): Promise<status> {
    const call = this.call;
    call.on('data', (request: SubmitStreamRequest) => this.#take(request));
    call.on('end', () => { this.#ended = true; this.#poke(); });
    call.on('cancelled', () => { this.#gone = true; this.#poke(); });
    call.on('error', () => { this.#gone = true; this.#poke(); });
    try {
      for (;;) {
        if (this.#gone) return this.#failed ?? status.CANCELLED;
        const next = this.#queue.length > 0 ? this.#nextChunk() : undefined;
        if (next === undefined) {
          if (this.#ended) {
            call.end();
            return status.OK;
          }
          await new Promise<void>((resolve) => { this.#wake = resolve; });
          continue;
        }
        await this.#admitted(next.events.length);
        if (this.#gone) return status.CANCELLED;
        const outcomes = next.events.length === 0 ? [] : await this.deps.submit(next.events, this.tenant);
        let offset = 0;
        for (const { sequence, events } of next.requests) {
          await this.deps.waitWritable();
          if (this.#gone) return status.CANCELLED;
          call.write({ sequence: String(sequence), results: outcomes.slice(offset, offset + events.length).map(submitResponse) });
          offset += events.length;
        }
        this.deps.counted('sent', next.requests.length);
        this.#unanswered -= next.events.length;
        if (call.isPaused() && this.#unanswered < this.#window) call.resume();
      }
    } catch (error) {
      call.emit('error', grpcFailure(status.UNAVAILABLE, `CG_STORE_UNAVAILABLE: ${(error as Error).message}; requests without an answer were not accepted, resend them`, { reason: 'CG_STORE_UNAVAILABLE', retryAfterSeconds: 1 }));
      return status.UNAVAILABLE;
    }
  }

  #take(request: SubmitStreamRequest): void {
    const events = request.events ?? [];
    const sequence = this.#received++;
    this.deps.counted('received', 1);
    if (events.length > this.deps.batchLimit) {
      this.#gone = true;
      this.#failed = status.INVALID_ARGUMENT;
      this.call.emit('error', grpcFailure(status.INVALID_ARGUMENT, `CG_BATCH_TOO_LARGE: request ${sequence} holds ${events.length} events; at most ${this.deps.batchLimit} per request`, {
        reason: 'CG_BATCH_TOO_LARGE', fieldViolations: [{ field: 'events', description: `at most ${this.deps.batchLimit}`, reason: 'too_big' }],
      }));
      this.#poke();
      return;
    }
    this.#queue.push({ sequence, events });
    this.#unanswered += events.length;
    if (this.#unanswered >= this.#window) this.call.pause();
    this.#poke();
  }

  /** The requests at the head of the queue whose events fit one submission (at least one request). */
  #nextChunk(): { requests: { sequence: number; events: readonly GrpcCloudEvent[] }[]; events: GrpcCloudEvent[] } {
    const requests = [this.#queue.shift()!];
    let events = requests[0]!.events.length;
    while (this.#queue.length > 0 && events + this.#queue[0]!.events.length <= this.deps.batchLimit) {
      const request = this.#queue.shift()!;
      events += request.events.length;
      requests.push(request);
    }
    return { requests, events: requests.flatMap((r) => r.events) };
  }

  /** Waits while the pipeline is full, then for the tenant's quota (its debt, as the Kafka door does). */
  async #admitted(records: number): Promise<void> {
    while (!this.#gone && this.deps.pipeline.admission() === 'full') await delay(ADMISSION_RECHECK_MS);
    const hold = records === 0 ? 0 : this.deps.quotas.reserve(this.tenant, records);
    if (hold > 0 && !this.#gone) await delay(hold);
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
