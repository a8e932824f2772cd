/**
 * The Hyperledger Fabric implementation of the core's ChainClient port, over
 * @hyperledger/fabric-gateway (gRPC, TLS). Batches are anchored by the `anchor` chaincode
 * (./chaincode), which checks the gateway signature and stores the header under its batch id.
 *
 * Where the block number comes from: the chaincode stores header, signature and the anchoring
 * transaction id (the block number does not exist yet while the transaction executes). A fresh
 * anchor learns its block number from the commit status; an existing one asks qscc for the block
 * that holds its transaction id. Both are immutable, so they are cached per transaction id.
 */
import type { AnchorRequest, AnchoredBatch, ChainClient, HealthStatus } from '../../../src/core/ports.js';
import { ChainError, ErrorCodes } from '../../../src/core/errors.js';
import type { ChainAnchor } from '../../../src/core/types.js';
import { canonicalJson } from '../../../src/core/canonical-json.js';
import { StatusCode } from '@hyperledger/fabric-gateway';
import { z } from 'zod';
import { batchHeaderSchema } from './chaincode/anchor-records.js';
import { blockNumberOf } from './block-number.js';
import { connectionOptionsFromProfile, type FabricConnection, type FabricConnectionOptions, type FabricTimeouts, openFabricConnection } from './fabric-connection.js';
import { toChainError } from './fabric-errors.js';
import { loadFabricProfile } from './fabric-profile.js';

export const FABRIC_CHAIN_KIND = 'fabric';

const entrySchema = z.object({
  header: batchHeaderSchema,
  signature: z.string().min(1),
  txId: z.string().min(1),
  anchoredAt: z.string(),
  submitter: z.string(),
});
const anchorResultSchema = z.object({ status: z.enum(['anchored', 'existing']), entry: entrySchema });
type Entry = z.infer<typeof entrySchema>;

const decoder = new TextDecoder();

function parseChaincodeJson<T>(schema: z.ZodType<T>, bytes: Uint8Array, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new ChainError(ErrorCodes.ChainRejected, `${what}: chaincode answered with non-JSON`, { cause });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ChainError(ErrorCodes.ChainRejected, `${what}: unexpected chaincode answer (${parsed.error.message})`);
  return parsed.data;
}

/** A ChainClient anchoring on Fabric; also exposes audit reads used by `crossgate verify --fabric`. */
export class FabricChain implements ChainClient {
  readonly kind = FABRIC_CHAIN_KIND;
  readonly network: string;
  readonly #conn: FabricConnection;
  readonly #blockOfTx = new Map<string, number>();

  constructor(conn: FabricConnection) {
    this.#conn = conn;
    this.network = conn.options.channel;
  }

  async anchor(request: AnchorRequest): Promise<ChainAnchor> {
    const batchId = request.header.id;
    // Read first: an already anchored batch costs one query and writes nothing (no extra transaction).
    const existing = await this.#getEntry(batchId);
    if (existing) return this.#anchorOf(existing.txId);
    let submitted;
    try {
      submitted = await this.#conn.contract.submitAsync('AnchorBatch', {
        arguments: [canonicalJson(request.header), request.signature],
      });
    } catch (err) {
      throw toChainError(err, `anchoring batch ${batchId}`);
    }
    const result = parseChaincodeJson(anchorResultSchema, submitted.getResult(), `anchoring batch ${batchId}`);
    let status;
    try {
      status = await submitted.getStatus();
    } catch (err) {
      throw toChainError(err, `waiting for the commit of batch ${batchId} (tx ${submitted.getTransactionId()})`);
    }
    if (!status.successful) {
      const code = status.code === StatusCode.MVCC_READ_CONFLICT || status.code === StatusCode.PHANTOM_READ_CONFLICT ? ErrorCodes.ChainConflict : ErrorCodes.ChainRejected;
      throw new ChainError(code, `anchoring batch ${batchId}: transaction ${status.transactionId} invalid (validation code ${status.code})`);
    }
    if (result.status === 'existing') {
      // Another submitter won the race between our read and our endorsement: report its anchor.
      return this.#anchorOf(result.entry.txId);
    }
    const blockNumber = Number(status.blockNumber);
    this.#blockOfTx.set(status.transactionId, blockNumber);
    return { kind: this.kind, network: this.network, txId: status.transactionId, blockNumber };
  }

  async lookup(batchId: string): Promise<AnchoredBatch | undefined> {
    const entry = await this.#getEntry(batchId);
    if (!entry) return undefined;
    return { header: entry.header, signature: entry.signature, anchor: await this.#anchorOf(entry.txId) };
  }

  /**
   * Anchored batches with ids in [startId, endId) (endId '' = no upper bound), a page at a time.
   * For audits: reads only, evaluated on the gateway peer.
   */
  async batchesByRange(startId: string, endId: string, pageSize: number, bookmark = ''): Promise<{ batches: AnchoredBatch[]; bookmark: string }> {
    const pageSchema = z.object({ entries: z.array(entrySchema), bookmark: z.string() });
    let bytes: Uint8Array;
    try {
      bytes = await this.#conn.contract.evaluate('GetBatchesByRange', { arguments: [startId, endId, String(pageSize), bookmark] });
    } catch (err) {
      throw toChainError(err, `reading batches [${startId}, ${endId})`);
    }
    const page = parseChaincodeJson(pageSchema, bytes, 'reading batches by range');
    const batches: AnchoredBatch[] = [];
    for (const e of page.entries) batches.push({ header: e.header, signature: e.signature, anchor: await this.#anchorOf(e.txId) });
    return { batches, bookmark: page.bookmark };
  }

  async health(): Promise<HealthStatus> {
    try {
      await this.#conn.contract.evaluate('GetBatch', { arguments: ['health-probe'] });
      return { ok: true, detail: `fabric ${this.#conn.options.peerEndpoint} channel ${this.network}` };
    } catch (err) {
      return { ok: false, detail: toChainError(err, 'health probe').message };
    }
  }

  async close(): Promise<void> {
    this.#conn.close();
  }

  async #getEntry(batchId: string): Promise<Entry | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = await this.#conn.contract.evaluate('GetBatch', { arguments: [batchId] });
    } catch (err) {
      throw toChainError(err, `reading batch ${batchId}`);
    }
    const entry = parseChaincodeJson(entrySchema.nullable(), bytes, `reading batch ${batchId}`);
    return entry ?? undefined;
  }

  async #anchorOf(txId: string): Promise<ChainAnchor> {
    let blockNumber = this.#blockOfTx.get(txId);
    if (blockNumber === undefined) {
      let block: Uint8Array;
      try {
        block = await this.#conn.qscc.evaluate('GetBlockByTxID', { arguments: [this.network, txId] });
      } catch (err) {
        throw toChainError(err, `finding the block of transaction ${txId}`);
      }
      blockNumber = Number(blockNumberOf(block));
      this.#blockOfTx.set(txId, blockNumber);
    }
    return { kind: this.kind, network: this.network, txId, blockNumber };
  }
}

export type FabricChainOptions = FabricConnectionOptions;

/** Connects to a Fabric gateway peer and returns the chain adapter. */
export async function openFabricChain(options: FabricChainOptions): Promise<FabricChain> {
  // connect() is lazy: nothing goes on the wire until the first call, so only unreadable
  // credential files fail here, and they are configuration errors, not chain errors.
  return new FabricChain(await openFabricConnection(options));
}

/** The chain adapter for a connection profile file (see scripts/fabric/network.sh profile). */
export async function openFabricChainFromProfile(
  profilePath: string,
  options: { identity?: string; peerName?: string; timeouts?: Partial<FabricTimeouts> } = {},
): Promise<FabricChain> {
  const profile = await loadFabricProfile(profilePath);
  const { identity, ...overrides } = options;
  return openFabricChain(connectionOptionsFromProfile(profile, identity ?? 'gateway', overrides));
}
