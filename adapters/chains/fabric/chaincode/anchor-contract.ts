/**
 * The Crossgate anchor chaincode: sealed batch headers, stored under their content-derived id
 * after the gateway's signature is checked against the gateway keys registered on chain.
 *
 * Every function takes and returns strings (JSON text); the contract API's default serializer
 * passes them through unchanged, so clients in any language see plain JSON.
 */
import { Contract, type Context } from 'fabric-contract-api';
import { type AnchorEntry, type AnchorResult, type BatchPage, type GatewayKeyRecord, describeIssues, parseJson, signerInfoSchema } from './anchor-records.js';
import { type CallerIdentity, isAdmin, parseAdminMsps } from './admin-policy.js';
import { BATCH_PREFIX, batchKey, batchRange, gatewayKeyKey } from './state-keys.js';
import { checkSignature, parseHeader } from './verify-anchor.js';

/** Name of the chaincode event emitted when a batch is anchored for the first time. */
export const BATCH_ANCHORED_EVENT = 'BatchAnchored';
const MAX_PAGE_SIZE = 1000;

function caller(ctx: Context): CallerIdentity {
  const ci = ctx.clientIdentity;
  return { mspId: ci.getMSPID(), id: ci.getID(), adminAttribute: ci.getAttributeValue('crossgate.admin') ?? null };
}

function txTimestamp(ctx: Context): string {
  const ts = ctx.stub.getTxTimestamp();
  const millis = Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
  return new Date(millis).toISOString();
}

async function readJson<T>(ctx: Context, key: string): Promise<T | undefined> {
  const bytes = await ctx.stub.getState(key);
  if (bytes === undefined || bytes.length === 0) return undefined;
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

async function writeJson(ctx: Context, key: string, value: unknown): Promise<void> {
  await ctx.stub.putState(key, Buffer.from(JSON.stringify(value), 'utf8'));
}

export class AnchorContract extends Contract {
  readonly #adminMsps: readonly string[];

  constructor(adminMsps: readonly string[] = parseAdminMsps(process.env['CROSSGATE_ANCHOR_ADMIN_MSPS'])) {
    super('crossgate.anchor');
    this.#adminMsps = adminMsps;
  }

  /**
   * Anchors a sealed batch header. Idempotent by batch id: when the id is already stored, the stored
   * entry is returned (status `existing`) and nothing is written, so retries never duplicate.
   */
  async AnchorBatch(ctx: Context, headerJson: string, signature: string): Promise<string> {
    const parsed = parseHeader(headerJson);
    if (!parsed.ok) throw new Error(parsed.reason);
    const header = parsed.header;
    const existing = await readJson<AnchorEntry>(ctx, batchKey(header.id));
    if (existing !== undefined) {
      const result: AnchorResult = { status: 'existing', entry: existing };
      return JSON.stringify(result);
    }
    const key = await readJson<GatewayKeyRecord>(ctx, gatewayKeyKey(header.signer.keyId));
    const verified = checkSignature(header, signature, key);
    if (!verified.ok) throw new Error(verified.reason);
    const entry: AnchorEntry = {
      header,
      signature,
      txId: ctx.stub.getTxID(),
      anchoredAt: txTimestamp(ctx),
      submitter: ctx.clientIdentity.getMSPID(),
    };
    await writeJson(ctx, batchKey(header.id), entry);
    ctx.stub.setEvent(BATCH_ANCHORED_EVENT, Buffer.from(JSON.stringify({ batchId: header.id, root: header.root, size: header.size, txId: entry.txId }), 'utf8'));
    const result: AnchorResult = { status: 'anchored', entry };
    return JSON.stringify(result);
  }

  /** The stored entry for a batch id as JSON, or `null` when there is none. */
  async GetBatch(ctx: Context, batchId: string): Promise<string> {
    const entry = await readJson<AnchorEntry>(ctx, batchKey(batchId));
    return JSON.stringify(entry ?? null);
  }

  /**
   * Anchored batches with ids in [startId, endId) (empty endId: to the end), a page at a time, for
   * audits. Paginated range reads are only allowed in queries (evaluate), which is how audits run.
   */
  async GetBatchesByRange(ctx: Context, startId: string, endId: string, pageSize: string, bookmark: string): Promise<string> {
    const size = Number.parseInt(pageSize, 10);
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw new Error(`pageSize must be an integer in 1..${MAX_PAGE_SIZE}`);
    const { start, end } = batchRange(startId, endId);
    const { iterator, metadata } = await ctx.stub.getStateByRangeWithPagination(start, end, size, bookmark);
    const entries: AnchorEntry[] = [];
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        if (!next.value.key.startsWith(BATCH_PREFIX)) continue;
        entries.push(JSON.parse(Buffer.from(next.value.value).toString('utf8')) as AnchorEntry);
      }
    } finally {
      await iterator.close();
    }
    const page: BatchPage = { entries, bookmark: entries.length < size ? '' : metadata.bookmark };
    return JSON.stringify(page);
  }

  /** Registers a gateway public key (admins only). Re-registering the same key is a no-op. */
  async RegisterGatewayKey(ctx: Context, keyJson: string): Promise<string> {
    this.#requireAdmin(ctx);
    const parsed = signerInfoSchema.safeParse(parseJson(keyJson, 'gateway key'));
    if (!parsed.success) throw new Error(`gateway key is malformed: ${describeIssues(parsed.error)}`);
    const { keyId, alg, publicKey } = parsed.data;
    const existing = await readJson<GatewayKeyRecord>(ctx, gatewayKeyKey(keyId));
    if (existing !== undefined) {
      if (existing.status === 'revoked') throw new Error(`gateway key ${keyId} was revoked; a revoked key id is never reused`);
      if (existing.alg !== alg || existing.publicKey !== publicKey) throw new Error(`gateway key ${keyId} is already registered with a different public key`);
      return JSON.stringify(existing);
    }
    const record: GatewayKeyRecord = {
      keyId, alg, publicKey, status: 'active',
      registeredBy: ctx.clientIdentity.getID(), registeredTxId: ctx.stub.getTxID(),
      revokedBy: null, revokedTxId: null,
    };
    await writeJson(ctx, gatewayKeyKey(keyId), record);
    return JSON.stringify(record);
  }

  /** Revokes a gateway key (admins only): batches it signs are refused from now on. */
  async RevokeGatewayKey(ctx: Context, keyId: string): Promise<string> {
    this.#requireAdmin(ctx);
    const existing = await readJson<GatewayKeyRecord>(ctx, gatewayKeyKey(keyId));
    if (existing === undefined) throw new Error(`gateway key ${keyId} is not registered`);
    if (existing.status === 'revoked') return JSON.stringify(existing);
    const record: GatewayKeyRecord = { ...existing, status: 'revoked', revokedBy: ctx.clientIdentity.getID(), revokedTxId: ctx.stub.getTxID() };
    await writeJson(ctx, gatewayKeyKey(keyId), record);
    return JSON.stringify(record);
  }

  /** The registered key record as JSON, or `null`. */
  async GetGatewayKey(ctx: Context, keyId: string): Promise<string> {
    return JSON.stringify((await readJson<GatewayKeyRecord>(ctx, gatewayKeyKey(keyId))) ?? null);
  }

  #requireAdmin(ctx: Context): void {
    const who = caller(ctx);
    if (!isAdmin(who, this.#adminMsps)) {
      throw new Error(`access denied: ${who.mspId} identity ${who.id} is not a gateway-key admin`);
    }
  }
}
