/**
 * Where REST batch bodies, gRPC event requests and consumed Kafka messages are prepared: in worker threads, so the gateway's
 * thread keeps to HTTP, the consumer, batching and the store, and a machine's other cores take the
 * per-record work (JSON parse, decoding, envelope, authorization, schema, RFC 8785, digest), which is
 * most of a record's CPU. One pool serves every door.
 *
 * The pool sends each body to the worker with the fewest requests outstanding. A worker that dies
 * fails only the requests it held (they get PrepareWorkerError: the batch endpoint answers 503 with
 * Retry-After; logged), and is replaced after a second; while no worker is
 * alive the request thread prepares bodies itself, so requests never wait for a worker to come back.
 * With `size` 0 there are no workers at all (every body is prepared in the request thread).
 *
 * Bodies waiting for a worker are bounded in bytes (`maxPendingBytes`): past it `hasRoomFor` says no
 * and the batch endpoint answers 503, so an overload queues at the client, not in the gateway's memory.
 * Kafka chunks are not counted there: they are bounded by the consumer (two fetches in hand per
 * partition), and counting them would let a Kafka backlog turn REST callers away. gRPC requests are
 * not counted either: a stream holds at most its window, a unary call one message.
 */
import { Worker } from 'node:worker_threads';
import type { Sector } from '../../../adapters/kafka/topics.js';
import type { KafkaMessage } from '../../../adapters/kafka/kafka-message.js';
import type { DigestAlg } from '../../core/digest.js';
import type { Tenant } from '../../core/tenant.js';
import type { RecordSchemaLookup } from '../../core/validate-record.js';
import { packMessages, transferList } from '../kafka/packed-messages.js';
import { prepareMessages, type PreparedMessage } from '../kafka/prepare-messages.js';
import { decodePrepared } from '../kafka/prepared-wire.js';
import { prepareCloudEvents, type PreparedEvents } from '../grpc/cloud-event-batch.js';
import { prepareJsonBatch, type PreparedBatch } from './json-batch.js';
import { fromWire, type OnTheWire } from './prepared-wire.js';
import type { PrepareReply, PrepareRequest, PrepareWorkerData, ReadyMessage } from './protocol.js';

export interface RecordPreparer {
  /** Parses a batch body (a JSON array of records) and prepares each record for `tenant`. */
  prepareBatch(body: Uint8Array, tenant: Tenant, limit: number): Promise<PreparedBatch>;
  /** Whether a body of `bytes` may be sent now: false while the bodies held would pass the bound. */
  hasRoomFor(bytes: number): boolean;
  /** Worker threads alive now (0: the request thread prepares). */
  readonly workers: number;
  /** V8 heap of each worker thread (their memory is not in the process's heap figures). */
  workerHeaps?(): Promise<readonly WorkerHeap[]>;
  close(): Promise<void>;
}

/** gRPC SubmitBatch and SubmitStream requests, as protobuf bytes (src/ingest/grpc/cloud-event-batch.ts). */
export interface CloudEventPreparer {
  prepareCloudEvents(body: Uint8Array, tenant: Tenant, limit: number): Promise<PreparedEvents>;
}

export interface WorkerHeap {
  readonly usedBytes: number;
  readonly totalBytes: number;
}

export interface MessagePreparer {
  /** Decodes and prepares consumed messages of `sector`, each for its tenant among `tenants`. */
  prepareMessages(sector: Sector, messages: readonly KafkaMessage[], tenants: readonly Tenant[]): Promise<PreparedMessage[]>;
}

/** The pool as startPreparePool makes it: a preparer, plus its threads for health checks and tests. */
export interface PreparePool extends RecordPreparer, MessagePreparer, CloudEventPreparer {
  threads(): readonly Worker[];
  workerHeaps(): Promise<readonly WorkerHeap[]>;
}

export interface PreparePoolOptions {
  /** Worker threads; 0 prepares in the request thread. */
  readonly size: number;
  /** The gateway's registry, for preparing in the request thread. */
  readonly registry: RecordSchemaLookup;
  /** CROSSGATE_EXTRA_SCHEMAS, so each worker builds the same registry. */
  readonly extraSchemas: readonly string[];
  /** The hash of the gateway key's suite (digestAlgOf(signer.alg)): records are digested with it. */
  readonly digestAlg: DigestAlg;
  /** Told when a worker dies; must not throw. */
  readonly onWorkerExit?: (error: Error) => void;
  /** Delay before a dead worker is replaced (default 1 s). */
  readonly respawnMs?: number;
  /** Bytes of bodies held by the workers at most (one body is always taken, whatever its size). */
  readonly maxPendingBytes: number;
}

export class PrepareWorkerError extends Error {
  override readonly name = 'PrepareWorkerError';
}

interface Waiting {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

const WORKER_URL = new URL('./prepare-worker.js', import.meta.url);

class PoolWorker {
  readonly pending = new Map<number, Waiting>();
  /** The version of the tenant directory this worker holds (−1: none yet). */
  tenantsVersion = -1;

  private constructor(readonly thread: Worker) {}

  /** Starts a worker and resolves once its registry is built; rejects if it cannot start. */
  static start(data: PrepareWorkerData, onExit: (worker: PoolWorker, error: Error) => void): Promise<PoolWorker> {
    return new Promise((resolve, reject) => {
      const thread = new Worker(WORKER_URL, { workerData: data, name: 'crossgate-prepare' });
      const worker = new PoolWorker(thread);
      let ready = false;
      thread.on('message', (message: PrepareReply | ReadyMessage) => {
        if ('ready' in message) {
          if (message.ready) {
            ready = true;
            resolve(worker);
          } else {
            reject(new PrepareWorkerError(`prepare worker could not start: ${message.message}`));
            void thread.terminate();
          }
          return;
        }
        const waiting = worker.pending.get(message.id);
        if (waiting === undefined) return;
        worker.pending.delete(message.id);
        if (message.ok) waiting.resolve(message.result);
        else waiting.reject(new PrepareWorkerError(`prepare worker failed: ${message.message}`));
      });
      let failure: Error | undefined;
      thread.on('error', (error) => {
        failure = error;
      });
      thread.on('exit', (code) => {
        const error = new PrepareWorkerError(`prepare worker stopped (exit code ${code})${failure ? `: ${failure.message}` : ''}`);
        for (const waiting of worker.pending.values()) waiting.reject(error);
        worker.pending.clear();
        if (ready) onExit(worker, error);
        else reject(error);
      });
    });
  }
}

/** Starts `options.size` workers (all ready before it resolves) and returns the pool. */
export async function startPreparePool(options: PreparePoolOptions): Promise<PreparePool> {
  const data: PrepareWorkerData = { extraSchemas: [...options.extraSchemas], digestAlg: options.digestAlg };
  const live = new Set<PoolWorker>();
  let nextId = 0;
  let closed = false;
  const respawns = new Set<ReturnType<typeof setTimeout>>();
  let pendingBytes = 0;

  const onExit = (worker: PoolWorker, error: Error): void => {
    live.delete(worker);
    if (closed) return;
    options.onWorkerExit?.(error);
    const timer = setTimeout(() => {
      respawns.delete(timer);
      spawn().catch((startError: unknown) => onExit(worker, startError instanceof Error ? startError : new Error(String(startError))));
    }, options.respawnMs ?? 1000);
    respawns.add(timer);
  };

  async function spawn(): Promise<void> {
    const worker = await PoolWorker.start(data, onExit);
    if (closed) await worker.thread.terminate();
    else live.add(worker);
  }

  try {
    await Promise.all(Array.from({ length: options.size }, () => spawn()));
  } catch (error) {
    closed = true;
    await Promise.all([...live].map((w) => w.thread.terminate()));
    throw error;
  }

  // A tenants reload makes a new array: each array gets a version, sent to each worker once.
  const versions = new WeakMap<readonly Tenant[], number>();
  let lastVersion = 0;
  function tenantsVersion(tenants: readonly Tenant[]): number {
    let version = versions.get(tenants);
    if (version === undefined) versions.set(tenants, (version = ++lastVersion));
    return version;
  }

  function send<T>(worker: PoolWorker, request: PrepareRequest, transfer: ArrayBuffer[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      worker.pending.set(request.id, { resolve: (result) => resolve(result as T), reject });
      try {
        worker.thread.postMessage(request, transfer);
      } catch (error) {
        // Not sent (a value that cannot be cloned): not pending either, or it would skew leastBusy.
        worker.pending.delete(request.id);
        if (request.kind === 'kafka') worker.tenantsVersion = -1;
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  function leastBusy(): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    for (const worker of live) {
      if (best === undefined || worker.pending.size < best.pending.size) best = worker;
    }
    return best;
  }

  return {
    get workers() {
      return live.size;
    },
    threads: () => [...live].map((w) => w.thread),
    async workerHeaps() {
      const stats = await Promise.all([...live].map((w) => w.thread.getHeapStatistics().catch(() => undefined)));
      return stats.flatMap((s) => (s === undefined ? [] : [{ usedBytes: s.used_heap_size, totalBytes: s.total_heap_size }]));
    },
    hasRoomFor(bytes) {
      return pendingBytes === 0 || pendingBytes + bytes <= options.maxPendingBytes;
    },
    prepareBatch(body, tenant, limit) {
      const worker = leastBusy();
      if (worker === undefined) return Promise.resolve(prepareJsonBatch(body, tenant, options.registry, limit, options.digestAlg));
      const id = nextId++;
      pendingBytes += body.byteLength;
      const release = () => { pendingBytes -= body.byteLength; };
      return send<OnTheWire<PreparedBatch>>(worker, { kind: 'batch', id, body, tenant, limit }, []).then(fromWire).finally(release);
    },
    prepareCloudEvents(body, tenant, limit) {
      const worker = leastBusy();
      if (worker === undefined) return Promise.resolve(prepareCloudEvents(body, tenant, options.registry, limit, options.digestAlg));
      // A copy of its own, moved to the worker: grpc-js hands messages over as views of larger receive
      // buffers, and cloning a view would copy all of the buffer behind it.
      const own = new Uint8Array(body);
      return send<OnTheWire<PreparedEvents>>(worker, { kind: 'cloudevents', id: nextId++, body: own, tenant, limit }, [own.buffer]).then(fromWire);
    },
    prepareMessages(sector, messages, tenants) {
      const worker = leastBusy();
      if (worker === undefined) return Promise.resolve(prepareMessages(sector, messages, tenants, options.registry, options.digestAlg));
      const version = tenantsVersion(tenants);
      const packed = packMessages(messages);
      const request: PrepareRequest = {
        kind: 'kafka', id: nextId++, sector, packed, tenantsVersion: version,
        ...(worker.tenantsVersion === version ? {} : { tenants }),
      };
      worker.tenantsVersion = version;
      return send<unknown[]>(worker, request, transferList(packed)).then(decodePrepared);
    },
    async close() {
      closed = true;
      for (const timer of respawns) clearTimeout(timer);
      respawns.clear();
      const workers = [...live];
      live.clear();
      await Promise.all(workers.map((w) => w.thread.terminate()));
    },
  };
}
