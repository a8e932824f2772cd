/**
 * The CometBFT implementation of the core's ChainClient port (docs/cometbft.md). It speaks the
 * validators' JSON-RPC over HTTP: `broadcast_tx_sync` to submit, `abci_query` on the anchor app
 * (./anchor-app) to read a batch back. Anchoring is idempotent by batch id: an anchored batch is
 * read, never resubmitted, and a header the app already holds is refused by it as a duplicate.
 *
 * Several RPC addresses may be given: a validator that does not answer is skipped for the next one,
 * so one stopped validator does not stop anchoring.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { z } from 'zod';
import { signedBytesOfHeader } from '../../../src/core/batch-header.js';
import { canonicalJson } from '../../../src/core/canonical-json.js';
import { fromBase64Url, toBase64Url, utf8 } from '../../../src/core/encoding.js';
import { ChainError, ErrorCodes } from '../../../src/core/errors.js';
import type { AnchorRequest, AnchoredBatch, ChainClient, HealthStatus } from '../../../src/core/ports.js';
import { type AnchoredEntry, anchoredEntrySchema } from './anchor-entry.js';
import { fetchLightProof, type LightProof } from './light-proof.js';
import { batchHeaderSchema } from '../fabric/chaincode/anchor-records.js';
import type { ChainAnchor, SignerInfo } from '../../../src/core/types.js';

export const COMETBFT_CHAIN_KIND = 'cometbft';

/** The anchor app's result codes (anchor-app/app.go). */
export const AnchorAppCodes = { ok: 0, malformed: 1, badSignature: 2, unregistered: 3, duplicate: 4, unauthorized: 5 } as const;

const REGISTER_PURPOSE = 'crossgate-cometbft-register-gateway-key';
/** Anchor proofs kept by anchorProof() (a few KB each). */
const PROOFS_KEPT = 1024;

export interface CometbftChainOptions {
  readonly chainId: string;
  /** Validator RPC addresses (http://host:port), tried in turn. */
  readonly rpc: readonly string[];
  /** How long one RPC call may take. */
  readonly requestTimeoutMs?: number;
  /** How long anchor() waits for the batch to be committed before a ChainTimeout (the submitter retries). */
  readonly commitTimeoutMs?: number;
}

/** An admin key of the chain (genesis app_state), which may register gateway keys. */
export interface CometbftAdminKey {
  readonly publicKey: string;
  /** Ed25519 seed, base64url. */
  readonly privateKey: string;
}

interface RpcBroadcast { code: number; log: string; hash: string }

export class CometbftChain implements ChainClient {
  readonly kind = COMETBFT_CHAIN_KIND;
  readonly network: string;
  readonly #rpc: readonly string[];
  readonly #requestTimeoutMs: number;
  readonly #commitTimeoutMs: number;
  #current = 0;
  readonly #proofs = new Map<string, LightProof>();

  constructor(options: CometbftChainOptions) {
    if (options.rpc.length === 0) throw new Error('CometBFT: at least one RPC address is needed');
    this.network = options.chainId;
    this.#rpc = options.rpc;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    this.#commitTimeoutMs = options.commitTimeoutMs ?? 30_000;
  }

  async anchor(request: AnchorRequest): Promise<ChainAnchor> {
    const batchId = request.header.id;
    const existing = await this.entry(batchId);
    if (existing) return this.#anchorOf(existing);
    const tx = { op: 'anchor', header: Buffer.from(signedBytesOfHeader(request.header)).toString('utf8'), signature: request.signature };
    await this.#broadcast(tx, `anchoring batch ${batchId}`);
    return this.#anchorOf(await this.#waitFor(() => this.entry(batchId), `the commit of batch ${batchId}`));
  }

  async lookup(batchId: string): Promise<AnchoredBatch | undefined> {
    const entry = await this.entry(batchId);
    return entry === undefined ? undefined : this.anchoredBatchOf(batchId, entry);
  }

  /** What lookup answers for an entry already read (the header parsed, the anchor named). */
  anchoredBatchOf(batchId: string, entry: AnchoredEntry): AnchoredBatch {
    let header;
    try {
      header = batchHeaderSchema.parse(JSON.parse(entry.header));
    } catch (cause) {
      throw new ChainError(ErrorCodes.ChainRejected, `reading batch ${batchId}: the app holds a header that is not a batch header`, { cause });
    }
    return { header, signature: entry.signature, anchor: this.#anchorOf(entry) };
  }

  /**
   * The offline proof of a batch's anchor (receipt `anchorProof`), or undefined until block h+1
   * exists. A proof never changes once read, so the last few are kept: tenants asking for the same
   * receipts do not turn into validator load.
   */
  async anchorProof(batchId: string): Promise<LightProof | undefined> {
    const kept = this.#proofs.get(batchId);
    if (kept !== undefined) return kept;
    const proof = await fetchLightProof(this, batchId);
    if (proof === undefined) return undefined;
    this.#proofs.set(batchId, proof);
    if (this.#proofs.size > PROOFS_KEPT) this.#proofs.delete(this.#proofs.keys().next().value as string);
    return proof;
  }

  /** The app's entry for a batch (signed header bytes, height, proof), or undefined. */
  async entry(batchId: string): Promise<AnchoredEntry | undefined> {
    const value = await this.#query('/batch', utf8(batchId), `reading batch ${batchId}`);
    if (value === undefined) return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.from(value).toString('utf8'));
    } catch (cause) {
      throw new ChainError(ErrorCodes.ChainRejected, `reading batch ${batchId}: the app answered with non-JSON`, { cause });
    }
    const parsed = anchoredEntrySchema.safeParse(raw);
    if (!parsed.success) throw new ChainError(ErrorCodes.ChainRejected, `reading batch ${batchId}: unexpected answer (${parsed.error.message})`);
    return parsed.data;
  }

  /** The app_hash of the block header at `height` (upper-case hex as CometBFT writes it, lowered), or undefined before that block exists. */
  async appHashAt(height: number): Promise<string | undefined> {
    const answer = await this.#atHeight('header', height);
    return answer === undefined ? undefined : z.object({ header: z.object({ app_hash: z.string() }) }).parse(answer).header.app_hash.toLowerCase();
  }

  /** The `commit` RPC's answer for `height` (its signed header), or undefined before that block exists. */
  async commitAt(height: number): Promise<unknown> {
    return this.#atHeight('commit', height);
  }

  async #atHeight(method: string, height: number): Promise<unknown> {
    try {
      return await this.#call(method, { height: String(height) }, `reading block ${height}`);
    } catch (err) {
      if (err instanceof ChainError && /must be less than or equal to the current blockchain height|height \d+ .*(not|greater)/i.test(err.message)) return undefined;
      throw err;
    }
  }

  /** The chain id the validator answering says it runs (its node_info.network). */
  async nodeChainId(): Promise<string> {
    const status = z.object({ node_info: z.object({ network: z.string() }) }).parse(await this.#call('status', {}, 'reading the chain id'));
    return status.node_info.network;
  }

  async isRegistered(key: SignerInfo): Promise<boolean> {
    return (await this.#query('/key', utf8(`${key.alg}:${key.publicKey}`), `reading key ${key.keyId}`)) !== undefined;
  }

  /** Registers a gateway key with an admin key's signature; a key already registered is left as is. */
  async register(key: SignerInfo, admin: CometbftAdminKey): Promise<void> {
    if (await this.isRegistered(key)) return;
    const statement = canonicalJson({ purpose: REGISTER_PURPOSE, chainId: this.network, alg: key.alg, keyId: key.keyId, publicKey: key.publicKey });
    const signature = toBase64Url(ed25519.sign(utf8(statement), fromBase64Url(admin.privateKey)));
    await this.#broadcast({ op: 'register', statement, admin: admin.publicKey, signature }, `registering key ${key.keyId}`);
    await this.#waitFor(async () => ((await this.isRegistered(key)) ? true : undefined), `the registration of key ${key.keyId}`);
  }

  async health(): Promise<HealthStatus> {
    try {
      const status = z.object({ sync_info: z.object({ latest_block_height: z.string(), catching_up: z.boolean() }) })
        .parse(await this.#call('status', {}, 'health probe'));
      return { ok: !status.sync_info.catching_up, detail: `cometbft ${this.network} height ${status.sync_info.latest_block_height}` };
    } catch (err) {
      return { ok: false, detail: err instanceof Error ? err.message : String(err) };
    }
  }

  async close(): Promise<void> {}

  #anchorOf(entry: AnchoredEntry): ChainAnchor {
    return { kind: this.kind, network: this.network, txId: entry.txHash, blockNumber: entry.height };
  }

  async #broadcast(tx: object, action: string): Promise<void> {
    const bytes = Buffer.from(JSON.stringify(tx), 'utf8');
    let result: RpcBroadcast;
    try {
      result = z.object({ code: z.number(), log: z.string(), hash: z.string() }).parse(await this.#call('broadcast_tx_sync', { tx: bytes.toString('base64') }, action));
    } catch (err) {
      // The mempool refuses bytes it already holds: the first copy is on its way to a block.
      if (err instanceof ChainError && /tx already exists in cache/i.test(err.message)) return;
      // CometBFT v1 answers a CheckTx refusal as an RPC error that quotes the app's code and log.
      const refusal = err instanceof ChainError ? /is invalid: code=(\d+), data=.*?, log='(.*?)', codespace=/s.exec(err.message) : null;
      if (refusal === null) throw err;
      result = { code: Number(refusal[1]), log: refusal[2] ?? '', hash: '' };
    }
    if (result.code === AnchorAppCodes.ok || result.code === AnchorAppCodes.duplicate) return;
    throw new ChainError(ErrorCodes.ChainRejected, `${action}: the anchor app refused the transaction (code ${result.code}: ${result.log})`);
  }

  async #waitFor<T>(read: () => Promise<T | undefined>, what: string): Promise<T> {
    const deadline = Date.now() + this.#commitTimeoutMs;
    for (;;) {
      const found = await read();
      if (found !== undefined) return found;
      if (Date.now() >= deadline) throw new ChainError(ErrorCodes.ChainTimeout, `waiting for ${what}: not committed within ${this.#commitTimeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async #query(path: string, data: Uint8Array, action: string): Promise<Uint8Array | undefined> {
    const answer = z.object({ response: z.object({ code: z.number().optional(), log: z.string().optional(), value: z.string().nullable().optional() }) })
      .parse(await this.#call('abci_query', { path, data: Buffer.from(data).toString('hex'), prove: false }, action));
    const { code, log, value } = answer.response;
    if (code !== undefined && code !== 0) throw new ChainError(ErrorCodes.ChainRejected, `${action}: query refused (code ${code}: ${log ?? ''})`);
    if (value === undefined || value === null || value === '') return undefined;
    return Buffer.from(value, 'base64');
  }

  /** One JSON-RPC call, on the current validator or, when it does not answer, on the next ones. */
  async #call(method: string, params: object, action: string): Promise<unknown> {
    const failures: string[] = [];
    for (let tried = 0; tried < this.#rpc.length; tried++) {
      const url = this.#rpc[this.#current] ?? '';
      let body: { result?: unknown; error?: { code: number; message: string; data?: string } };
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
          signal: AbortSignal.timeout(this.#requestTimeoutMs),
        });
        body = (await response.json()) as typeof body;
      } catch (err) {
        failures.push(`${url}: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`);
        this.#current = (this.#current + 1) % this.#rpc.length;
        continue;
      }
      if (body.error) {
        const said = `${body.error.message} ${body.error.data ?? ''}`.trim();
        // A validator that just came back replays blocks before it takes transactions: ask the next one.
        if (/catching up/i.test(said)) {
          failures.push(`${url}: ${said}`);
          this.#current = (this.#current + 1) % this.#rpc.length;
          continue;
        }
        throw new ChainError(ErrorCodes.ChainUnavailable, `${action}: ${method} failed on ${url}: ${said}`, { details: [said] });
      }
      return body.result;
    }
    throw new ChainError(ErrorCodes.ChainUnavailable, `${action}: no validator answered (${failures.join('; ')})`, { details: failures });
  }
}

const networkFileSchema = z.object({
  chainId: z.string().min(1),
  adminKeyFile: z.string().min(1),
  validators: z.array(z.object({ name: z.string(), rpc: z.string().url(), address: z.string(), publicKey: z.string(), power: z.number() })).min(1),
});
export type CometbftNetworkFile = z.infer<typeof networkFileSchema>;

/** Reads network.json (scripts/cometbft.sh network). */
export async function loadCometbftNetwork(path: string): Promise<CometbftNetworkFile> {
  const { readFile } = await import('node:fs/promises');
  return networkFileSchema.parse(JSON.parse(await readFile(path, 'utf8')));
}

/** Reads an admin key file (written by the anchor node's `localnet`). */
export async function loadCometbftAdminKey(path: string): Promise<CometbftAdminKey> {
  const { readFile } = await import('node:fs/promises');
  return z.object({ alg: z.literal('Ed25519'), publicKey: z.string().min(1), privateKey: z.string().min(1) }).parse(JSON.parse(await readFile(path, 'utf8')));
}
