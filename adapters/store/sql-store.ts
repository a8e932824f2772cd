/**
 * The {@link Store} port in SQL, shared by PostgreSQL and PGlite: the drivers only differ in how they
 * connect (see postgres-store.ts, embedded-store.ts), never in the statements.
 *
 * Design notes:
 * - `saveBatch` is the hot path. It writes the batch row and all record rows with ONE statement (two
 *   data-modifying CTEs: one round trip, atomic without BEGIN/COMMIT), whatever the batch size: the
 *   records go in as parallel arrays through `unnest(...)`. The records insert is a plain INSERT: when
 *   a (source, id) already exists it fails with unique_violation, the statement writes nothing, and a
 *   read names the conflicts. (`ON CONFLICT DO NOTHING`
 *   was measured 2-3x slower per row: speculative insertion takes a lock and writes an extra WAL
 *   record per row.) On PostgreSQL a concurrent insert of the same key makes the second transaction
 *   wait for the first, then fail: exactly one of two overlapping batches wins. Rows are sent in key
 *   order so overlapping batches lock their common keys in the same order; should a deadlock or
 *   serialization failure happen anyway, the save is retried.
 * - No proof is stored per record: the batch row keeps its Merkle leaves (32 bytes per record, one
 *   bytea) and getReceipt computes the audit path from them, through a small LRU of rebuilt trees
 *   (src/core/batch-trees.ts); see migrations/003-batch-leaves.sql for why. Records written before
 *   003 keep their stored proof (raw bytes, 32 per node, see 002) and are answered from it.
 * - `attempts` counts failed anchoring attempts (markAttemptFailed); markAnchored leaves it as is.
 * - An anchored batch stays anchored: a late failure report or a second markAnchored changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { StoreError, type ErrorCode, type Issue } from '../../src/core/errors.js';
import type {
  DeadLetter, DeadLetterAuditEntry, DeadLetterFilter, DeadLetterInput, DeadLetterOrigin, DeadLetterState,
  CursoredReceipt, HealthStatus, OutboxEntry, Page, ReceiptCursor, SaveBatchResult, Store, StoredRecord,
} from '../../src/core/ports.js';
import { auditPathOf, BatchTrees } from '../../src/core/batch-trees.js';
import { hasNul, storableAudit, storableDeadLetter, storableReason, storableText } from '../../src/core/storable-text.js';
import type { BatchHeader, ChainAnchor, Receipt, RecordId, SealedBatch } from '../../src/core/types.js';
import { intArrayLiteral, textArrayLiteral } from './array-literal.js';
import type { SqlDatabase } from './sql-database.js';
import {
  batchColumns, bytes, deadLetterColumns, json, num, toAuditEntry, toDeadLetter, toOutboxEntry, toStoredRecord,
  type AuditRow, type BatchRow, type DeadLetterRow, type RecordRow,
} from './store-rows.js';

/** Options for {@link SqlStore}. */
export interface SqlStoreOptions {
  /** Dead-letter id generator; random UUIDs by default. */
  readonly newId?: () => string;
  /** Batch trees kept for receipt reads (see batch-trees.ts); 8 by default. */
  readonly treeCacheSize?: number;
}

// One statement, so one round trip and no BEGIN/COMMIT: the batch row and every record row are
// written together or not at all (a statement is atomic). Measured under REST load: the five round
// trips of an explicit transaction (BEGIN, SET, two INSERTs, COMMIT) each waited behind the HTTP work
// queued on the event loop, and one 100-record save took 250-350 ms; the gateway seals one batch at a
// time, so that wait capped throughput. When the batch id exists already (same content saved
// before), `batch` is empty, the join writes no record, and `created` is 0.
// $1..$6 are the batch row; $7..$12 the records as parallel arrays; $13 the accepted-at time.
const insertBatchAndRecords = `
  WITH batch AS (
    INSERT INTO batches (id, header, signature, signer_key_id, state, attempts, next_attempt_at, sealed_at, leaves)
    VALUES ($1, $2::text::jsonb, $3, $4, 'sealed', 0, $5, $5, $6)
    ON CONFLICT (id) DO NOTHING
    RETURNING id
  ), written AS (
    INSERT INTO records (source, id, digest, type, tenant, batch_id, leaf_index, accepted_at)
    SELECT r.source, r.id, r.digest, r.type, r.tenant, batch.id, r.leaf_index, $13::bigint
    FROM batch CROSS JOIN unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::int[])
      AS r(source, id, digest, type, tenant, leaf_index)
  )
  SELECT count(*)::int AS created FROM batch`;

const existingRecords = `
  SELECT q.source, q.id
  FROM unnest($1::text[], $2::text[]) AS q(source, id)
  JOIN records r ON r.source = q.source AND r.id = q.id`;

/** SQLSTATEs saveBatch handles: a duplicate key, and the two "try again" failures. */
const uniqueViolation = '23505';
const retryable = new Set(['40P01', '40001']);
const saveAttempts = 3;

/** Thrown by saveBatch's try block when the batch exists already; never escapes the store. */
class ConflictRollback {
  constructor(readonly conflicts: readonly RecordId[]) {}
}

/** pg_advisory_xact_lock key that serializes anchor_seq numbering (any constant the schema owns). */
const anchorOrderLock = 0x63_67_61_6e; // 'cgan'

/** What a receipt is read from: a record row joined with its batch row. */
interface ReceiptRow { digest: string; leaf_index: unknown; proof: unknown; batch_id: string; header: unknown; signature: string; anchor: unknown }

const recordKey = (source: string, id: string): string => `${source}\u0000${id}`;

/** Merkle nodes and leaves are SHA-256 hashes (RFC 6962 over SHA-256), stored as raw bytes. */
const hashBytes = 32;

/** The Store over any {@link SqlDatabase}. The database must already be migrated. */
export class SqlStore implements Store {
  private readonly newId: () => string;
  private readonly trees: BatchTrees;

  constructor(private readonly db: SqlDatabase, options: SqlStoreOptions = {}) {
    this.newId = options.newId ?? randomUUID;
    this.trees = new BatchTrees(options.treeCacheSize);
  }

  async saveBatch(batch: SealedBatch, at: number): Promise<SaveBatchResult> {
    const { header, signature, records } = batch;
    const n = records.length;
    const keys = records.map((r) => recordKey(r.recordId.source, r.recordId.id));
    // Key order (any order every writer shares would do) keeps overlapping batches from deadlocking.
    const order = keys.map((_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
    const repeated: RecordId[] = [];
    for (let i = 1; i < n; i++) {
      if (keys[order[i]!] === keys[order[i - 1]!]) repeated.push(records[order[i]!]!.recordId);
    }
    if (repeated.length > 0) return { ok: false, conflicts: repeated };
    if (!(batch.leaves instanceof Uint8Array) || batch.leaves.length !== n * hashBytes) {
      throw new TypeError(`batch ${header.id} must carry 32 bytes of leaves per record (${n * hashBytes}), got ${batch.leaves?.length}`);
    }

    const sources = new Array<string>(n), ids = new Array<string>(n), digests = new Array<string>(n);
    const types = new Array<string>(n), tenants = new Array<string>(n), leafIndexes = new Array<number>(n);
    order.forEach((from, i) => {
      const r = records[from]!;
      sources[i] = r.recordId.source;
      ids[i] = r.recordId.id;
      digests[i] = r.digest;
      types[i] = r.type;
      tenants[i] = r.tenant;
      leafIndexes[i] = r.leafIndex;
    });
    const params = [
      header.id, JSON.stringify(header), signature, header.signer.keyId, at, batch.leaves,
      textArrayLiteral(sources), textArrayLiteral(ids), textArrayLiteral(digests), textArrayLiteral(types),
      textArrayLiteral(tenants), intArrayLiteral(leafIndexes), at,
    ];

    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await this.db.query<{ created: number }>(insertBatchAndRecords, params);
        // The same batch id was saved before (same content): every record of it is a repeat.
        if (rows[0]?.created !== 1) throw new ConflictRollback(records.map((r) => r.recordId));
        return { ok: true };
      } catch (err) {
        if (err instanceof ConflictRollback) return { ok: false, conflicts: err.conflicts };
        const state = sqlState(err);
        if (state === uniqueViolation) {
          const { rows } = await this.run('saveBatch', () => this.db.query<{ source: string; id: string }>(existingRecords, [params[6], params[7]]));
          const existing = new Set(rows.map((r) => recordKey(r.source, r.id)));
          const conflicts = records.filter((_, i) => existing.has(keys[i]!)).map((r) => r.recordId);
          if (conflicts.length > 0) return { ok: false, conflicts };
          // The key we collided with is gone again (its writer rolled back): try once more.
        } else if (state === undefined || !retryable.has(state)) {
          throw storeError('saveBatch', err);
        }
        if (attempt >= saveAttempts) throw storeError('saveBatch', err);
      }
    }
  }

  findRecords(given: readonly RecordId[]): Promise<StoredRecord[]> {
    const ids = given.filter((r) => !hasNul(r.source) && !hasNul(r.id));
    return this.run('findRecords', async () => {
      if (ids.length === 0) return [];
      const { rows } = await this.db.query<RecordRow>(
        `SELECT r.source, r.id, r.digest, r.type, r.tenant, r.batch_id, r.leaf_index, r.accepted_at, b.state
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS q(source, id, ord)
         JOIN records r ON r.source = q.source AND r.id = q.id
         JOIN batches b ON b.id = r.batch_id
         ORDER BY q.ord`,
        [ids.map((r) => r.source), ids.map((r) => r.id)],
      );
      return rows.map(toStoredRecord);
    });
  }

  dueBatches(now: number, limit: number): Promise<OutboxEntry[]> {
    return this.run('dueBatches', async () => {
      const { rows } = await this.db.query<BatchRow>(
        `SELECT ${batchColumns} FROM batches
         WHERE state = 'sealed' AND next_attempt_at <= $1
         ORDER BY seq LIMIT $2`,
        [now, Math.max(0, Math.floor(limit))],
      );
      return rows.map(toOutboxEntry);
    });
  }

  outboxDepth(): Promise<number> {
    return this.run('outboxDepth', async () => {
      const { rows } = await this.db.query<{ n: unknown }>(`SELECT count(*) AS n FROM batches WHERE state = 'sealed'`);
      return num(rows[0]?.n ?? 0);
    });
  }

  markAnchored(batchId: string, anchor: ChainAnchor, at: number): Promise<void> {
    return this.run('markAnchored', async () => {
      // The advisory lock, held to commit, makes anchor_seq numbers commit in order (migration 004).
      const updated = await this.db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [anchorOrderLock]);
        const { rows } = await tx.query(
          `UPDATE batches SET state = 'anchored', anchor = $2::text::jsonb, anchored_at = $3, last_error = NULL,
             anchor_seq = nextval('batches_anchor_seq')
           WHERE id = $1 AND state <> 'anchored' RETURNING id`,
          [batchId, JSON.stringify(anchor), at],
        );
        return rows.length > 0;
      });
      if (!updated) await this.requireBatch(batchId);
    });
  }

  markAttemptFailed(batchId: string, error: string, nextAttemptAt: number, terminal: boolean): Promise<void> {
    return this.run('markAttemptFailed', async () => {
      const { rows } = await this.db.query(
        `UPDATE batches
         SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3,
             state = CASE WHEN $4::boolean THEN 'failed' ELSE state END
         WHERE id = $1 AND state <> 'anchored' RETURNING id`,
        // A chain's error text is not ours to trust either (storable-text.ts).
        [batchId, storableText(error), nextAttemptAt, terminal],
      );
      if (rows.length === 0) await this.requireBatch(batchId);
    });
  }

  getBatch(batchId: string): Promise<OutboxEntry | undefined> {
    return this.run('getBatch', async () => {
      if (hasNul(batchId)) return undefined;
      const { rows } = await this.db.query<BatchRow>(`SELECT ${batchColumns} FROM batches WHERE id = $1`, [batchId]);
      return rows[0] === undefined ? undefined : toOutboxEntry(rows[0]);
    });
  }

  lastBatchId(signerKeyId: string): Promise<string | null> {
    return this.run('lastBatchId', async () => {
      const { rows } = await this.db.query<{ id: string }>(
        'SELECT id FROM batches WHERE signer_key_id = $1 ORDER BY seq DESC LIMIT 1', [signerKeyId],
      );
      return rows[0]?.id ?? null;
    });
  }

  /**
   * Reads the record and its batch header (not the batch's leaves: the tree is usually cached), then,
   * for a record without a stored proof, takes the tree from the cache or rebuilds it from the leaves.
   */
  getReceipt(id: RecordId): Promise<Receipt | undefined> {
    return this.run('getReceipt', async () => {
      if (hasNul(id.source) || hasNul(id.id)) return undefined;
      const { rows } = await this.db.query<ReceiptRow>(
        `SELECT r.digest, r.leaf_index, r.proof, r.batch_id, b.header, b.signature, b.anchor
         FROM records r JOIN batches b ON b.id = r.batch_id
         WHERE r.source = $1 AND r.id = $2 AND b.state = 'anchored'`,
        [id.source, id.id],
      );
      const row = rows[0];
      return row === undefined ? undefined : this.receiptOf({ source: id.source, id: id.id }, row);
    });
  }

  anchoredReceipts(tenant: string, after: ReceiptCursor | null, limit: number): Promise<CursoredReceipt[]> {
    return this.run('anchoredReceipts', async () => {
      if (hasNul(tenant)) return [];
      const { rows } = await this.db.query<ReceiptRow & { anchor_seq: unknown; source: string; id: string }>(
        `SELECT b.anchor_seq, r.source, r.id, r.digest, r.leaf_index, r.proof, r.batch_id, b.header, b.signature, b.anchor
         FROM batches b JOIN records r ON r.accepted_at = b.sealed_at AND r.batch_id = b.id AND r.tenant = $1
         WHERE b.anchor_seq IS NOT NULL AND (b.anchor_seq > $2 OR (b.anchor_seq = $2 AND r.leaf_index > $3))
         ORDER BY b.anchor_seq, r.leaf_index
         LIMIT $4`,
        [tenant, after?.anchorSeq ?? 0, after?.leafIndex ?? -1, Math.max(0, Math.floor(limit))],
      );
      const receipts: CursoredReceipt[] = [];
      for (const row of rows) {
        const receipt = await this.receiptOf({ source: row.source, id: row.id }, row);
        receipts.push({ receipt, cursor: { anchorSeq: num(row.anchor_seq), leafIndex: receipt.leafIndex } });
      }
      return receipts;
    });
  }

  /**
   * The receipt of a record row joined with its batch row: the stored proof of a record written before
   * migration 003, else the audit path from the batch's tree (cached, or rebuilt from its leaves).
   */
  private async receiptOf(recordId: RecordId, row: ReceiptRow): Promise<Receipt> {
    const header = json<BatchHeader>(row.header);
    const leafIndex = num(row.leaf_index);
    const proof = row.proof !== null
      ? proofNodes(bytes(row.proof))
      : auditPathOf(await this.trees.treeOf(header, () => this.leavesOf(row.batch_id)), leafIndex, row.digest, row.batch_id);
    return { recordId, digest: row.digest, leafIndex, proof, batch: header, signature: row.signature, chain: json(row.anchor) };
  }

  private async leavesOf(batchId: string): Promise<Uint8Array> {
    const { rows } = await this.db.query<{ leaves: unknown }>('SELECT leaves FROM batches WHERE id = $1', [batchId]);
    const leaves = rows[0]?.leaves;
    if (leaves === null || leaves === undefined) throw new StoreError(`batch ${batchId} has neither leaves nor record proofs`);
    return bytes(leaves);
  }

  recentBatches(limit: number): Promise<OutboxEntry[]> {
    return this.run('recentBatches', async () => {
      const { rows } = await this.db.query<BatchRow>(
        `SELECT ${batchColumns} FROM batches WHERE state = 'anchored'
         ORDER BY anchored_at DESC, seq DESC LIMIT $1`,
        [Math.max(0, Math.floor(limit))],
      );
      return rows.map(toOutboxEntry);
    });
  }

  addDeadLetter(input: DeadLetterInput): Promise<string> {
    // Received text may hold U+0000, which text and jsonb refuse (storable-text.ts).
    const entry = storableDeadLetter(input);
    return this.run('addDeadLetter', async () => {
      const id = this.newId();
      await this.db.query(
        `INSERT INTO dead_letters (id, origin, tenant, source, record_id, type, sector, code, message, issues, payload, headers, kafka, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text::jsonb, $11, $12::text::jsonb, $13::text::jsonb, $14)`,
        [
          id, entry.origin, entry.tenant, entry.recordId?.source ?? null, entry.recordId?.id ?? null, entry.type,
          entry.sector, entry.code, entry.message, JSON.stringify(entry.issues), Buffer.from(entry.payload),
          JSON.stringify(entry.headers), entry.kafka === null ? null : JSON.stringify(entry.kafka), entry.createdAt,
        ],
      );
      return id;
    });
  }

  getDeadLetter(id: string): Promise<DeadLetter | undefined> {
    return this.run('getDeadLetter', async () => {
      if (hasNul(id)) return undefined;
      const { rows } = await this.db.query<DeadLetterRow>(`SELECT ${deadLetterColumns} FROM dead_letters WHERE id = $1`, [id]);
      return rows[0] === undefined ? undefined : toDeadLetter(rows[0]);
    });
  }

  /**
   * Newest first. `from` and `to` are both inclusive (epoch ms). The cursor is opaque; a cursor this
   * store did not produce throws a RangeError (a caller error, not a database failure).
   */
  async listDeadLetters(filter: DeadLetterFilter, limit: number, cursor: string | null): Promise<Page<DeadLetter>> {
    const after = cursor === null ? null : decodeCursor(cursor);
    const size = Math.max(0, Math.floor(limit));
    return this.run('listDeadLetters', async () => {
      const params: unknown[] = [];
      const where = deadLetterWhere(filter, params);
      const countSql = `SELECT count(*) AS n FROM dead_letters${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`;
      const total = num((await this.db.query<{ n: unknown }>(countSql, params)).rows[0]?.n ?? 0);
      if (size === 0) return { items: [], next: null, total };
      const pageParams = [...params];
      const pageWhere = [...where];
      if (after !== null) {
        pageParams.push(after.createdAt, after.seq);
        pageWhere.push(`(created_at, seq) < ($${pageParams.length - 1}::bigint, $${pageParams.length}::bigint)`);
      }
      pageParams.push(size + 1);
      const { rows } = await this.db.query<DeadLetterRow>(
        `SELECT ${deadLetterColumns} FROM dead_letters
         ${pageWhere.length > 0 ? `WHERE ${pageWhere.join(' AND ')}` : ''}
         ORDER BY created_at DESC, seq DESC LIMIT $${pageParams.length}`,
        pageParams,
      );
      const more = rows.length > size;
      const pageRows = more ? rows.slice(0, size) : rows;
      const last = pageRows[pageRows.length - 1];
      return {
        items: pageRows.map(toDeadLetter),
        next: more && last !== undefined ? encodeCursor(num(last.created_at), String(last.seq)) : null,
        total,
      };
    });
  }

  resolveDeadLetter(
    id: string, state: DeadLetterState, given: DeadLetterAuditEntry,
    newReason?: { code: ErrorCode; message: string; issues: readonly Issue[] },
  ): Promise<void> {
    const audit = storableAudit(given);
    return this.run('resolveDeadLetter', () => this.db.transaction(async (tx) => {
      if (hasNul(id)) throw new StoreError(`dead letter ${JSON.stringify(id)} does not exist`);
      const reason = newReason === undefined ? null : storableReason(newReason);
      const { rows } = await tx.query(
        `UPDATE dead_letters SET
           state = $2::text,
           resolved_at = CASE WHEN $2::text = 'open' THEN NULL ELSE $3::bigint END,
           resolution = CASE WHEN $2::text = 'open' THEN NULL ELSE $4::text END,
           code = COALESCE($5::text, code),
           message = COALESCE($6::text, message),
           issues = COALESCE($7::text::jsonb, issues)
         WHERE id = $1 RETURNING id`,
        [id, state, audit.at, audit.reason, reason?.code ?? null, reason?.message ?? null,
          reason === null ? null : JSON.stringify(reason.issues)],
      );
      if (rows.length === 0) throw new StoreError(`dead letter ${id} does not exist`);
      await tx.query(
        'INSERT INTO dead_letter_audit (dead_letter_id, action, actor, reason, at) VALUES ($1, $2, $3, $4, $5)',
        [id, audit.action, audit.actor, audit.reason, audit.at],
      );
    }));
  }

  deadLetterAudit(id: string): Promise<DeadLetterAuditEntry[]> {
    return this.run('deadLetterAudit', async () => {
      if (hasNul(id)) return [];
      const { rows } = await this.db.query<AuditRow>(
        'SELECT dead_letter_id, action, actor, reason, at FROM dead_letter_audit WHERE dead_letter_id = $1 ORDER BY seq', [id],
      );
      return rows.map(toAuditEntry);
    });
  }

  deadLetterCounts(): Promise<{ code: string; sector: string | null; origin: DeadLetterOrigin; count: number }[]> {
    return this.run('deadLetterCounts', async () => {
      const { rows } = await this.db.query<{ code: string; sector: string | null; origin: string; n: unknown }>(
        `SELECT code, sector, origin, count(*) AS n FROM dead_letters WHERE state = 'open'
         GROUP BY code, sector, origin ORDER BY code, sector, origin`,
      );
      return rows.map((r) => ({ code: r.code, sector: r.sector, origin: r.origin as DeadLetterOrigin, count: num(r.n) }));
    });
  }

  async health(): Promise<HealthStatus> {
    try {
      await this.db.query('SELECT 1');
      return { ok: true, detail: `${this.db.kind}: ok` };
    } catch (err) {
      return { ok: false, detail: `${this.db.kind}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  close(): Promise<void> {
    return this.run('close', () => this.db.close());
  }

  /** A missing batch is a caller bug worth surfacing; an already anchored one is a no-op. */
  private async requireBatch(batchId: string): Promise<void> {
    const { rows } = await this.db.query('SELECT 1 FROM batches WHERE id = $1', [batchId]);
    if (rows.length === 0) throw new StoreError(`batch ${batchId} does not exist`);
  }

  private async run<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw storeError(op, err);
    }
  }
}

function proofNodes(raw: Uint8Array): string[] {
  const nodes: string[] = [];
  const buffer = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let at = 0; at < buffer.length; at += hashBytes) nodes.push(buffer.toString('hex', at, at + hashBytes));
  return nodes;
}

/** The SQLSTATE of a driver error (both `pg` and PGlite put it in `code`). */
function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function storeError(op: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StoreError(`store ${op} failed: ${message}`, { cause: err });
}

function deadLetterWhere(filter: DeadLetterFilter, params: unknown[]): string[] {
  const where: string[] = [];
  // Dead-letter text is stored NUL-safe (storable-text.ts), so a filter is compared in that form too.
  const eq = (column: string, value: string): void => {
    params.push(storableText(value));
    where.push(`${column} = $${params.length}`);
  };
  if (filter.recordId !== undefined) {
    eq('source', filter.recordId.source);
    eq('record_id', filter.recordId.id);
  }
  if (filter.sector !== undefined) eq('sector', filter.sector);
  if (filter.tenant !== undefined) eq('tenant', filter.tenant);
  if (filter.code !== undefined) eq('code', filter.code);
  if (filter.origin !== undefined) eq('origin', filter.origin);
  if (filter.state !== undefined) eq('state', filter.state);
  if (filter.sourcePrefix !== undefined) {
    params.push(`${storableText(filter.sourcePrefix).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`source LIKE $${params.length} ESCAPE '\\'`);
  }
  if (filter.from !== undefined) {
    params.push(filter.from);
    where.push(`created_at >= $${params.length}::bigint`);
  }
  if (filter.to !== undefined) {
    params.push(filter.to);
    where.push(`created_at <= $${params.length}::bigint`);
  }
  return where;
}

function encodeCursor(createdAt: number, seq: string): string {
  return Buffer.from(JSON.stringify([createdAt, seq])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; seq: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new RangeError('invalid dead-letter cursor');
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !Number.isSafeInteger(parsed[0])
    || typeof parsed[1] !== 'string' || !/^\d{1,19}$/.test(parsed[1])) {
    throw new RangeError('invalid dead-letter cursor');
  }
  return { createdAt: parsed[0] as number, seq: parsed[1] };
}
