/**
 * The worker thread that owns the embedded store's PGlite instance (started by pglite-thread.ts).
 * PGlite is PostgreSQL compiled to WebAssembly and runs synchronously on its thread: here its CPU is
 * spent on the machine's other core instead of the gateway's event loop. Statements, parameter
 * serialization and row parsing (with the fast bytea codecs) all happen on this thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite, Results, Transaction } from '@electric-sql/pglite';
import { byteaOid, createPGlite } from './pglite-codecs.js';
import { openReplyId, toWireError, type PgliteReply, type PgliteRequest } from './pglite-protocol.js';

/** What pglite-thread.ts passes as `workerData`. */
export interface PgliteWorkerData {
  readonly dataDir?: string;
}

/** A transaction opened by a `begin` request, waiting for its `commit` or `rollback`. */
interface OpenTransaction {
  readonly tx: Transaction;
  /** Ends the callback PGlite's transaction() is running: true commits, false rolls back. */
  readonly finish: (commit: boolean) => void;
  /** Settles once PGlite has committed (or rolled back). */
  readonly ended: Promise<void>;
}

/** Thrown inside PGlite's transaction callback to make it roll back. */
const rollbackSignal = new Error('rollback requested');

/** Results smaller than this are cheaper to copy than to transfer. */
const transferBytes = 64 * 1024;

const port = parentPort;
if (port === null) throw new Error('pglite-worker.js must run as a worker thread');
const { dataDir } = workerData as PgliteWorkerData;
const transactions = new Map<number, OpenTransaction>();

function reply(message: PgliteReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function fail(id: number, err: unknown): void {
  reply({ id, ok: false, error: toWireError(err) });
}

/** Large bytea values that own their whole buffer move to the main thread instead of being copied. */
function transferables(result: Results<Record<string, unknown>>): ArrayBuffer[] {
  const columns = result.fields.filter((f) => f.dataTypeID === byteaOid).map((f) => f.name);
  if (columns.length === 0) return [];
  const list: ArrayBuffer[] = [];
  for (const row of result.rows) {
    for (const column of columns) {
      const value = row[column];
      if (value instanceof Uint8Array && value.byteLength >= transferBytes && value.byteOffset === 0
        && value.buffer instanceof ArrayBuffer && value.buffer.byteLength === value.byteLength) list.push(value.buffer);
    }
  }
  return list;
}

function target(pglite: PGlite, tx: number | undefined): PGlite | Transaction {
  if (tx === undefined) return pglite;
  const open = transactions.get(tx);
  if (open === undefined) throw new Error(`transaction ${tx} is not open`);
  return open.tx;
}

/** Opens a transaction and replies once inside it; PGlite queues it behind any transaction already open. */
function begin(pglite: PGlite, id: number): void {
  let begun = false;
  let finish!: (commit: boolean) => void;
  const decided = new Promise<boolean>((resolve) => (finish = resolve));
  const ended = pglite.transaction(async (tx) => {
    transactions.set(id, { tx, finish, ended });
    begun = true;
    reply({ id, ok: true });
    if (!(await decided)) throw rollbackSignal;
  }).then(() => undefined);
  ended.catch((err: unknown) => {
    if (!begun) fail(id, err);
  }).finally(() => transactions.delete(id));
}

async function end(id: number, tx: number, commit: boolean): Promise<void> {
  const open = transactions.get(tx);
  if (open === undefined) throw new Error(`transaction ${tx} is not open`);
  open.finish(commit);
  try {
    await open.ended;
  } catch (err) {
    if (err !== rollbackSignal) throw err;
  }
  reply({ id, ok: true });
}

async function handle(pglite: PGlite, request: PgliteRequest): Promise<void> {
  switch (request.op) {
    case 'query': {
      const params = request.params === undefined ? undefined : [...request.params];
      const result = await target(pglite, request.tx).query<Record<string, unknown>>(request.sql, params);
      reply({ id: request.id, ok: true, rows: result.rows, rowCount: result.affectedRows ?? result.rows.length }, transferables(result));
      return;
    }
    case 'exec':
      await target(pglite, request.tx).exec(request.sql);
      reply({ id: request.id, ok: true });
      return;
    case 'begin':
      begin(pglite, request.id);
      return;
    case 'commit':
    case 'rollback':
      await end(request.id, request.tx, request.op === 'commit');
      return;
    case 'close':
      await pglite.close();
      reply({ id: request.id, ok: true });
      return;
  }
}

async function main(): Promise<void> {
  let pglite: PGlite;
  try {
    pglite = createPGlite(dataDir);
    await pglite.waitReady;
  } catch (err) {
    fail(openReplyId, err);
    return;
  }
  port!.on('message', (request: PgliteRequest) => {
    handle(pglite, request).catch((err: unknown) => fail(request.id, err));
  });
  reply({ id: openReplyId, ok: true });
}

void main();
