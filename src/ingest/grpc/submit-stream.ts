/**
 * One SubmitStream call: requests in, one answer per request out, in order, with flow control.
 *
 * The session reads while it holds fewer than `window` unanswered events; past that it pauses the call,
 * so HTTP/2 flow control stops the client's writes instead of the gateway buffering them. It also waits,
 * holding what it has read, while the pipeline is full (admission), while the tenant is over its quota
 * (the quota bucket's debt, as on Kafka), and while the client is not reading its answers.
 * Requests that arrive together are prepared and submitted together (up to the batch limit of events),
 * on a prepare worker, which is where the stream's speed comes from.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import type { Pipeline, SubmitOutcome } from '../../core/pipeline.js';
import type { TenantQuotas } from '../../core/quota.js';
import type { Tenant } from '../../core/tenant.js';
import { countEvents } from './cloud-event-reader.js';
import { grpcFailure } from './grpc-errors.js';
import { encodeStreamAnswer } from './stream-answer.js';

/** A SubmitStreamRequest as it arrives: its protobuf bytes (grpc.module.ts leaves them undecoded; answers are bytes too). */
export type SubmitStreamRequest = Buffer;

interface Pending {
  readonly sequence: number;
  readonly bytes: Buffer;
  readonly events: number;
}

export interface SubmitStreamDeps {
  readonly pipeline: Pick<Pipeline, 'admission'>;
  readonly quotas: TenantQuotas;
  /** Most events in one request, and per submission. */
  readonly batchLimit: number;
  /** Prepares and submits the events of `bytes` (one or more requests joined), outcomes in order. */
  readonly submit: (bytes: Buffer, events: number, tenant: Tenant) => Promise<SubmitOutcome[]>;
  /** Resolves once the call can take more answers (or is gone). */
  readonly waitWritable: () => Promise<void>;
  readonly counted: (direction: 'received' | 'sent', messages: number) => void;
}

/** How long to look again while the pipeline is full: short against a batch's linger, long against a spin. */
const ADMISSION_RECHECK_MS = 20;

export class SubmitStreamSession {
  readonly #queue: Pending[] = [];
  readonly #window: number;
  #unanswered = 0;
  #received = 0;
  #ended = false;
  #gone = false;
  /** The status the call ends with when the session ends it early. */
  #failed: status | undefined;
  #wake: (() => void) | undefined;
  /** Aborted when the call ends, so a wait for admission or a quota hold ends with it. */
  readonly #left = new AbortController();

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
    call.on('data', (bytes: SubmitStreamRequest) => this.#take(bytes));
    call.on('end', () => { this.#ended = true; this.#poke(); });
    call.on('cancelled', () => this.#leave());
    call.on('error', () => this.#leave());
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
        await this.#admitted(next.events);
        if (this.#gone) return status.CANCELLED;
        const outcomes = next.events === 0 ? [] : await this.deps.submit(next.bytes, next.events, this.tenant);
        let offset = 0;
        for (const { sequence, events } of next.requests) {
          await this.deps.waitWritable();
          if (this.#gone) return status.CANCELLED;
          call.write(encodeStreamAnswer(sequence, outcomes.slice(offset, offset + events)));
          offset += events;
        }
        this.deps.counted('sent', next.requests.length);
        this.#unanswered -= next.events;
        if (call.isPaused() && this.#unanswered < this.#window) call.resume();
      }
    } catch (error) {
      call.emit('error', grpcFailure(status.UNAVAILABLE, `CG_STORE_UNAVAILABLE: ${(error as Error).message}; requests without an answer were not accepted, resend them`, { reason: 'CG_STORE_UNAVAILABLE', retryAfterSeconds: 1 }));
      return status.UNAVAILABLE;
    }
  }

  #take(bytes: SubmitStreamRequest): void {
    const sequence = this.#received++;
    this.deps.counted('received', 1);
    const events = countEvents(bytes);
    if (events === undefined || events > this.deps.batchLimit) {
      const [reason, message] = events === undefined
        ? ['CG_REQUEST_INVALID', `request ${sequence} is not a crossgate.v1.SubmitStreamRequest`]
        : ['CG_BATCH_TOO_LARGE', `request ${sequence} holds ${events} events; at most ${this.deps.batchLimit} per request`];
      this.#fail(status.INVALID_ARGUMENT, reason, message);
      return;
    }
    this.#queue.push({ sequence, bytes, events });
    this.#unanswered += events;
    if (this.#unanswered >= this.#window) this.call.pause();
    this.#poke();
  }

  #fail(code: status, reason: string, message: string): void {
    this.#gone = true;
    this.#failed = code;
    this.call.emit('error', grpcFailure(code, `${reason}: ${message}`, {
      reason, fieldViolations: [{ field: 'events', description: message, reason: reason === 'CG_BATCH_TOO_LARGE' ? 'too_big' : 'invalid' }],
    }));
    this.#poke();
  }

  /** The requests at the head of the queue whose events fit one submission (at least one request), their bytes joined. */
  #nextChunk(): { requests: Pending[]; bytes: Buffer; events: number } {
    const requests = [this.#queue.shift()!];
    let events = requests[0]!.events;
    while (this.#queue.length > 0 && events + this.#queue[0]!.events <= this.deps.batchLimit) {
      const request = this.#queue.shift()!;
      events += request.events;
      requests.push(request);
    }
    return { requests, events, bytes: requests.length === 1 ? requests[0]!.bytes : Buffer.concat(requests.map((r) => r.bytes)) };
  }

  /** Waits while the pipeline is full, then for the tenant's quota (its debt, as the Kafka door does). */
  async #admitted(records: number): Promise<void> {
    const signal = this.#left.signal;
    const pause = (ms: number) => delay(ms, undefined, { signal }).catch(() => undefined);
    while (!this.#gone && this.deps.pipeline.admission() === 'full') await pause(ADMISSION_RECHECK_MS);
    const hold = records === 0 ? 0 : this.deps.quotas.reserve(this.tenant, records);
    if (hold > 0 && !this.#gone) await pause(hold);
  }

  #leave(): void {
    this.#gone = true;
    this.#left.abort();
    this.#poke();
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
