/**
 * An in-memory Store: not durable, for benchmarks that measure the core without a database and for
 * unit tests of the pipeline. Production uses the PostgreSQL or embedded (PGlite) store, which share
 * one set of SQL migrations; the contract tests hold all three to the same behaviour.
 */
import { auditPathOf, BatchTrees } from '../../src/core/batch-trees.js';
import { buildReceipt } from '../../src/core/receipt.js';
import { storableAudit, storableDeadLetter, storableReason, storableRecordId, storableText } from '../../src/core/storable-text.js';
import type {
  CursoredReceipt, DeadLetter, DeadLetterAuditEntry, DeadLetterFilter, DeadLetterInput, DeadLetterState, HealthStatus,
  OutboxEntry, Page, ReceiptCursor, SaveBatchResult, Store, StoredRecord,
} from '../../src/core/ports.js';
import type { ChainAnchor, Receipt, RecordId, SealedBatch, SealedRecord } from '../../src/core/types.js';

interface BatchRow {
  entry: OutboxEntry;
  seq: number;
  /** The Merkle leaves, kept as the SQL stores keep them: receipts compute audit paths from them. */
  leaves: Uint8Array;
  records: readonly SealedRecord[];
  /** Its place in the anchoring order, once anchored (as the SQL stores' anchor_seq). */
  anchorSeq: number | null;
}

const keyOf = (id: RecordId): string => `${id.source}\u0000${id.id}`;

export class MemoryStore implements Store {
  readonly #records = new Map<string, { record: SealedRecord; batchId: string; acceptedAt: number }>();
  readonly #batches = new Map<string, BatchRow>();
  readonly #deadLetters = new Map<string, DeadLetter>();
  readonly #audit: DeadLetterAuditEntry[] = [];
  readonly #trees = new BatchTrees();
  #seq = 0;
  #anchorSeq = 0;
  /** Set to make every call fail, as a database outage would. */
  failing = false;

  #check(): void {
    if (this.failing) throw new Error('memory store: simulated outage');
  }

  async saveBatch(batch: SealedBatch, at: number): Promise<SaveBatchResult> {
    this.#check();
    // One key per record, made once: the core benchmark runs through this store, and building the
    // (source, id) key string is most of the per-record cost here.
    const records = batch.records;
    const keys = new Array<string>(records.length);
    let conflicts: RecordId[] | undefined;
    for (let i = 0; i < records.length; i++) {
      const recordId = (records[i] as SealedRecord).recordId;
      const key = keyOf(recordId);
      keys[i] = key;
      if (this.#records.has(key)) (conflicts ??= []).push(recordId);
    }
    if (conflicts !== undefined) return { ok: false, conflicts };
    if (!(batch.leaves instanceof Uint8Array) || batch.leaves.length !== records.length * 32) {
      throw new TypeError(`batch ${batch.header.id} must carry 32 bytes of leaves per record (${records.length * 32}), got ${batch.leaves?.length}`);
    }
    const batchId = batch.header.id;
    for (let i = 0; i < records.length; i++) {
      this.#records.set(keys[i] as string, { record: records[i] as SealedRecord, batchId, acceptedAt: at });
    }
    this.#seq += 1;
    this.#batches.set(batch.header.id, {
      seq: this.#seq,
      leaves: batch.leaves,
      records: batch.records,
      anchorSeq: null,
      entry: { header: batch.header, signature: batch.signature, state: 'sealed', attempts: 0, nextAttemptAt: at, lastError: null, anchor: null, anchoredAt: null },
    });
    return { ok: true };
  }

  async findRecords(ids: readonly RecordId[]): Promise<StoredRecord[]> {
    this.#check();
    const found: StoredRecord[] = [];
    for (const id of ids) {
      const row = this.#records.get(keyOf(id));
      if (row === undefined) continue;
      const batch = this.#batches.get(row.batchId);
      found.push({
        recordId: row.record.recordId, digest: row.record.digest, type: row.record.type, tenant: row.record.tenant,
        batchId: row.batchId, leafIndex: row.record.leafIndex, acceptedAt: row.acceptedAt,
        status: batch?.entry.state === 'anchored' ? 'anchored' : 'sealed',
      });
    }
    return found;
  }

  async dueBatches(now: number, limit: number): Promise<OutboxEntry[]> {
    this.#check();
    return [...this.#batches.values()]
      .filter((row) => row.entry.state === 'sealed' && row.entry.nextAttemptAt <= now)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit)
      .map((row) => row.entry);
  }

  async outboxDepth(): Promise<number> {
    this.#check();
    return [...this.#batches.values()].filter((row) => row.entry.state === 'sealed').length;
  }

  async markAnchored(batchId: string, anchor: ChainAnchor, at: number): Promise<void> {
    this.#check();
    const row = this.#batches.get(batchId);
    if (row === undefined || row.entry.state === 'anchored') return;
    row.entry = { ...row.entry, state: 'anchored', anchor, anchoredAt: at, lastError: null };
    row.anchorSeq = ++this.#anchorSeq;
  }

  async markAttemptFailed(batchId: string, error: string, nextAttemptAt: number, terminal: boolean): Promise<void> {
    this.#check();
    const row = this.#batches.get(batchId);
    if (row) row.entry = { ...row.entry, state: terminal ? 'failed' : 'sealed', attempts: row.entry.attempts + 1, lastError: storableText(error), nextAttemptAt };
  }

  async getBatch(batchId: string): Promise<OutboxEntry | undefined> {
    this.#check();
    return this.#batches.get(batchId)?.entry;
  }

  async lastBatchId(signerKeyId: string): Promise<string | null> {
    this.#check();
    let last: BatchRow | undefined;
    for (const row of this.#batches.values()) {
      if (row.entry.header.signer.keyId === signerKeyId && (last === undefined || row.seq > last.seq)) last = row;
    }
    return last?.entry.header.id ?? null;
  }

  async getReceipt(id: RecordId) {
    this.#check();
    const row = this.#records.get(keyOf(id));
    const stored = row && this.#batches.get(row.batchId);
    const batch = stored?.entry;
    if (!row || !stored || !batch || batch.anchor === null) return undefined;
    return this.#receiptOf(row.record, stored, batch.anchor);
  }

  #receiptOf(record: SealedRecord, batch: BatchRow, anchor: ChainAnchor): Receipt {
    const { header, signature } = batch.entry;
    const tree = this.#trees.cached(header.id) ?? this.#trees.add(header, batch.leaves);
    const proof = auditPathOf(tree, record.leafIndex, record.digest, header.id);
    return buildReceipt({ ...record, proof }, header, signature, anchor);
  }

  async anchoredReceipts(tenant: string, after: ReceiptCursor | null, limit: number): Promise<CursoredReceipt[]> {
    this.#check();
    const from = after ?? { anchorSeq: 0, leafIndex: -1 };
    const batches = [...this.#batches.values()]
      .filter((row): row is BatchRow & { anchorSeq: number } => row.anchorSeq !== null && row.anchorSeq >= from.anchorSeq)
      .sort((a, b) => a.anchorSeq - b.anchorSeq);
    const found: CursoredReceipt[] = [];
    for (const row of batches) {
      const anchor = row.entry.anchor;
      if (anchor === null) continue;
      for (const record of row.records) {
        if (found.length >= limit) return found;
        if (record.tenant !== tenant || (row.anchorSeq === from.anchorSeq && record.leafIndex <= from.leafIndex)) continue;
        found.push({ receipt: this.#receiptOf(record, row, anchor), cursor: { anchorSeq: row.anchorSeq, leafIndex: record.leafIndex } });
      }
    }
    return found;
  }

  async recentBatches(limit: number): Promise<OutboxEntry[]> {
    this.#check();
    return [...this.#batches.values()].sort((a, b) => b.seq - a.seq).slice(0, limit).map((row) => row.entry);
  }

  async addDeadLetter(entry: DeadLetterInput): Promise<string> {
    this.#check();
    const id = String(this.#deadLetters.size + 1);
    // As the SQL stores keep it (storable-text.ts), so the contract tests hold all three alike.
    this.#deadLetters.set(id, { ...storableDeadLetter(entry), id, state: 'open', resolvedAt: null, resolution: null });
    return id;
  }

  async getDeadLetter(id: string): Promise<DeadLetter | undefined> {
    this.#check();
    return this.#deadLetters.get(id);
  }

  async listDeadLetters(filter: DeadLetterFilter, limit: number, cursor: string | null): Promise<Page<DeadLetter>> {
    this.#check();
    // Entries are kept NUL-safe (storable-text.ts), so the filter is compared in that form too.
    const text = (value: string | undefined) => (value === undefined ? undefined : storableText(value));
    const sector = text(filter.sector), tenant = text(filter.tenant), sourcePrefix = text(filter.sourcePrefix), code = text(filter.code);
    const recordId = filter.recordId === undefined ? undefined : storableRecordId(filter.recordId);
    const matches = [...this.#deadLetters.values()].filter((d) =>
      (sector === undefined || d.sector === sector)
      && (tenant === undefined || d.tenant === tenant)
      && (sourcePrefix === undefined || (d.recordId?.source.startsWith(sourcePrefix) ?? false))
      && (code === undefined || d.code === code)
      && (filter.origin === undefined || d.origin === filter.origin)
      && (filter.state === undefined || d.state === filter.state)
      && (filter.from === undefined || d.createdAt >= filter.from)
      && (filter.to === undefined || d.createdAt < filter.to)
      && (recordId === undefined || (d.recordId !== null && keyOf(d.recordId) === keyOf(recordId))));
    const start = cursor === null ? 0 : Number(cursor);
    // As the SQL stores do for a cursor they did not hand out.
    if (!Number.isSafeInteger(start) || start < 0) throw new RangeError('invalid dead-letter cursor');
    const items = matches.slice(start, start + limit);
    const next = start + limit < matches.length ? String(start + limit) : null;
    return { items, next, total: matches.length };
  }

  async resolveDeadLetter(id: string, state: DeadLetterState, given: DeadLetterAuditEntry, newReason?: Pick<DeadLetter, 'code' | 'message' | 'issues'>): Promise<void> {
    this.#check();
    const entry = this.#deadLetters.get(id);
    if (entry === undefined) return;
    const audit = storableAudit(given);
    const reason = newReason === undefined ? {} : storableReason(newReason);
    this.#deadLetters.set(id, {
      ...entry, ...reason, state,
      resolvedAt: state === 'open' ? null : audit.at,
      resolution: state === 'open' ? null : audit.reason,
    });
    this.#audit.push(audit);
  }

  async deadLetterAudit(id: string): Promise<DeadLetterAuditEntry[]> {
    this.#check();
    return this.#audit.filter((entry) => entry.deadLetterId === id);
  }

  async deadLetterCounts() {
    this.#check();
    const counts = new Map<string, { code: string; sector: string | null; origin: DeadLetter['origin']; count: number }>();
    for (const d of this.#deadLetters.values()) {
      if (d.state !== 'open') continue;
      const key = `${d.code}|${d.sector}|${d.origin}`;
      const current = counts.get(key) ?? { code: d.code, sector: d.sector, origin: d.origin, count: 0 };
      counts.set(key, { ...current, count: current.count + 1 });
    }
    return [...counts.values()];
  }

  async health(): Promise<HealthStatus> {
    return this.failing ? { ok: false, detail: 'memory store failing' } : { ok: true, detail: 'memory store' };
  }

  async close(): Promise<void> {}
}
