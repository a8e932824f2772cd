/**
 * Messages between the embedded store's main-thread proxy (pglite-thread.ts) and the worker thread
 * that owns PGlite (pglite-worker.ts). Every request carries an id the reply repeats; a transaction is
 * named by the id of the `begin` request that opened it.
 */

/** What the main thread asks of the worker. */
export type PgliteRequest =
  | { readonly id: number; readonly op: 'query'; readonly sql: string; readonly params?: readonly unknown[]; readonly tx?: number }
  | { readonly id: number; readonly op: 'exec'; readonly sql: string; readonly tx?: number }
  | { readonly id: number; readonly op: 'begin' }
  | { readonly id: number; readonly op: 'commit'; readonly tx: number }
  | { readonly id: number; readonly op: 'rollback'; readonly tx: number }
  | { readonly id: number; readonly op: 'close' };

/** The id of the reply the worker sends once PGlite is open (or failed to open). */
export const openReplyId = 0;

/** The worker's answer to one request. */
export type PgliteReply =
  | { readonly id: number; readonly ok: true; readonly rows?: unknown[]; readonly rowCount?: number }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/** An Error flattened for postMessage: structured clone keeps only name and message of an Error. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  /** The error's own primitive properties: `code` (the SQLSTATE), `detail`, `constraint`, ... */
  readonly props: Record<string, string | number | boolean>;
}

/** Properties not worth a copy: PGlite attaches the statement's parameters (megabytes for a batch). */
const dropped = new Set(['params', 'queryOptions', 'stack', 'message', 'name']);

/** Flattens whatever was thrown so the main thread can rebuild it with the same code and message. */
export function toWireError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), props: {} };
  const props: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(err)) {
    if (dropped.has(key)) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') props[key] = value;
  }
  return { name: err.name, message: err.message, props };
}

/** Rebuilds an error sent by {@link toWireError}, with this thread's stack. */
export function fromWireError(wire: WireError): Error {
  const err = wire.name === 'TypeError' ? new TypeError(wire.message) : wire.name === 'RangeError' ? new RangeError(wire.message) : new Error(wire.message);
  if (err.name !== wire.name) err.name = wire.name;
  return Object.assign(err, wire.props);
}
