/**
 * {@link SqlDatabase} over a PGlite instance that lives on a worker thread (pglite-worker.ts).
 *
 * PGlite runs PostgreSQL's work synchronously on whatever thread owns it; in the gateway's thread it
 * took about as much CPU per stored record as everything else the gateway does. On its own thread the
 * database uses a second core, as a PostgreSQL server process would.
 *
 * `transaction(fn)` runs `fn` here, with an executor whose statements run inside one transaction on the
 * worker. PGlite runs one transaction at a time, so other statements wait their turn there, as they
 * would in-thread. Errors keep their `code` (SQLSTATE) and message across the thread. If the worker
 * stops (crash, termination) every pending and later call rejects with {@link StoreError}.
 */
import { Worker } from 'node:worker_threads';
import { StoreError } from '../../src/core/errors.js';
import { fromWireError, openReplyId, type PgliteReply, type PgliteRequest } from './pglite-protocol.js';
import type { PgliteWorkerData } from './pglite-worker.js';
import type { SqlDatabase, SqlExecutor } from './sql-database.js';

/** Options for {@link openPgliteThread}. */
export interface PgliteThreadOptions {
  /** Directory holding the database files. Omit for an in-memory database. */
  readonly dataDir?: string;
  /** Runs once the worker is gone after {@link PgliteThread.close} (the data-directory lock's release). */
  readonly afterClose?: () => void;
  /**
   * How long close() waits for work already queued (an open transaction) before terminating the
   * worker anyway and rejecting what is left. Default 10 s.
   */
  readonly closeGraceMs?: number;
}

type Request = PgliteRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
type Ok = Extract<PgliteReply, { ok: true }>;

interface Pending {
  readonly resolve: (reply: Ok) => void;
  readonly reject: (err: Error) => void;
}

const workerUrl = new URL('./pglite-worker.js', import.meta.url);

/**
 * Starts the worker and opens PGlite in it. Rejects with {@link StoreError} if either fails; the
 * caller keeps any data-directory lock (it is released by close(), or by the caller on failure).
 */
export async function openPgliteThread(options: PgliteThreadOptions = {}): Promise<PgliteThread> {
  const data: PgliteWorkerData = options.dataDir === undefined ? {} : { dataDir: options.dataDir };
  const worker = new Worker(workerUrl, { workerData: data });
  const thread = new PgliteThread(worker, options);
  try {
    await thread.opened;
  } catch (err) {
    await worker.terminate();
    throw err instanceof StoreError ? err : new StoreError(`cannot open PGlite: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return thread;
}

/** The main-thread side of the worker: see the module comment. */
export class PgliteThread implements SqlDatabase {
  readonly kind = 'pglite';
  /** Settles when the worker has opened PGlite (rejects if it could not). */
  readonly opened: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private nextId = openReplyId + 1;
  /** Set once the worker is gone (or going): the error every further call gets. */
  private stopped: StoreError | undefined;
  private crash: Error | undefined;
  private closing: Promise<void> | undefined;
  private openTransactions = 0;
  private referenced = true;

  /** `worker` is exposed for tests that simulate a crash; nothing else should talk to it. */
  constructor(readonly worker: Worker, private readonly options: PgliteThreadOptions = {}) {
    this.opened = new Promise<void>((resolve, reject) => {
      this.pending.set(openReplyId, { resolve: () => resolve(), reject });
    });
    worker.on('message', (reply: PgliteReply) => this.settle(reply));
    worker.on('error', (err) => {
      this.crash ??= err;
    });
    worker.on('messageerror', (err) => {
      this.crash ??= err;
      void worker.terminate();
    });
    worker.on('exit', (code) => this.onExit(code));
  }

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number }> {
    return this.runQuery<R>(sql, params, undefined);
  }

  async exec(sql: string): Promise<void> {
    await this.request({ op: 'exec', sql });
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const { id: tx } = await this.request({ op: 'begin' });
    this.openTransactions++;
    try {
      const executor: SqlExecutor = {
        query: (sql, params) => this.runQuery(sql, params, tx),
        exec: async (sql) => {
          await this.request({ op: 'exec', sql, tx });
        },
      };
      let result: T;
      try {
        result = await fn(executor);
      } catch (err) {
        // The caller's error is the one that matters; a failed rollback (worker gone) adds nothing.
        await this.request({ op: 'rollback', tx }).catch(() => undefined);
        throw err;
      }
      await this.request({ op: 'commit', tx });
      return result;
    } finally {
      this.openTransactions--;
      this.updateRef();
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    let failure: Error | undefined;
    if (this.stopped === undefined) {
      const graceMs = this.options.closeGraceMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
      const outcome = await Promise.race([this.send({ op: 'close' }).then(() => 'closed' as const, (err: Error) => err), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') failure = new StoreError(`the embedded database did not close within ${graceMs} ms (a transaction was still open); its thread was terminated`);
      else if (outcome instanceof Error && this.stopped === undefined) failure = outcome;
    }
    this.stopped ??= new StoreError('the embedded store is closed');
    await this.worker.terminate();
    this.rejectAll();
    this.options.afterClose?.();
    if (failure !== undefined) throw failure;
  }

  private async runQuery<R>(sql: string, params: readonly unknown[] | undefined, tx: number | undefined): Promise<{ rows: R[]; rowCount: number }> {
    const reply = await this.request({ op: 'query', sql, ...(params === undefined ? {} : { params }), ...(tx === undefined ? {} : { tx }) });
    return { rows: (reply.rows ?? []) as R[], rowCount: reply.rowCount ?? 0 };
  }

  /** A request from the SqlDatabase API: refused once close() was called, except inside an open transaction. */
  private request(message: Request): Promise<Ok> {
    if (this.closing !== undefined && !('tx' in message && message.tx !== undefined)) {
      return Promise.reject(this.stopped ?? new StoreError('the embedded store is closed'));
    }
    return this.send(message);
  }

  private send(message: Request): Promise<Ok> {
    if (this.stopped !== undefined) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise<Ok>((resolve, reject) => {
      try {
        this.worker.postMessage({ ...message, id });
      } catch (err) {
        // A parameter structured clone cannot copy (a function, a symbol): the caller's mistake.
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.pending.set(id, { resolve, reject });
      this.updateRef();
    });
  }

  private settle(reply: PgliteReply): void {
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    this.pending.delete(reply.id);
    if (reply.ok) pending.resolve(reply);
    else pending.reject(fromWireError(reply.error));
    this.updateRef();
  }

  private onExit(code: number): void {
    const why = this.crash === undefined ? `exit code ${code}` : this.crash.message;
    this.stopped ??= new StoreError(`the embedded database thread stopped (${why})`, this.crash === undefined ? undefined : { cause: this.crash });
    this.rejectAll();
  }

  private rejectAll(): void {
    const error = this.stopped ?? new StoreError('the embedded database thread stopped');
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  /**
   * An idle store must not keep the process alive (an in-thread PGlite holds no handle either), but
   * a thread with work in flight must: nothing else may be keeping the event loop running.
   */
  private updateRef(): void {
    const busy = this.pending.size > 0 || this.openTransactions > 0;
    if (busy === this.referenced) return;
    this.referenced = busy;
    if (busy) this.worker.ref();
    else this.worker.unref();
  }
}
