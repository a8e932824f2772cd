/**
 * Opens the CometBFT chain for the gateway: the network file gives chain id and validators; with an
 * admin key file, each signing key (the current one, a rotation's next) is registered on the anchor
 * app before the first batch it signed (a registration that fails for want of validators is retried with the batch, like any
 * unavailable chain). Without one, the keys must be registered by whoever holds the admin key.
 */
import { ChainError, ErrorCodes } from '../../../src/core/errors.js';
import type { AnchorRequest, AnchoredBatch, ChainClient, HealthStatus } from '../../../src/core/ports.js';
import type { AnchorProof, ChainAnchor, SignerInfo } from '../../../src/core/types.js';
import { CometbftChain, type CometbftAdminKey, loadCometbftAdminKey, loadCometbftNetwork } from './cometbft-chain.js';

export interface CometbftLogger {
  info(fields: object, message: string): void;
}

export interface OpenCometbftChainOptions {
  readonly network: string;
  readonly adminKeyFile: string | undefined;
  readonly logger: CometbftLogger;
  readonly commitTimeoutMs?: number;
}

class RegisteringChain implements ChainClient {
  readonly kind: string;
  readonly network: string;
  readonly #registered = new Set<string>();

  constructor(readonly chain: CometbftChain, readonly admin: CometbftAdminKey | undefined, readonly logger: CometbftLogger) {
    this.kind = chain.kind;
    this.network = chain.network;
  }

  async anchor(request: AnchorRequest): Promise<ChainAnchor> {
    await this.#ensureRegistered(request.header.signer);
    return this.chain.anchor(request);
  }

  lookup(batchId: string): Promise<AnchoredBatch | undefined> {
    return this.chain.lookup(batchId);
  }

  anchorProof(batchId: string): Promise<AnchorProof | undefined> {
    return this.chain.anchorProof(batchId);
  }

  health(): Promise<HealthStatus> {
    return this.chain.health();
  }

  close(): Promise<void> {
    return this.chain.close();
  }

  async #ensureRegistered(key: SignerInfo): Promise<void> {
    const ref = `${key.alg}:${key.publicKey}`;
    if (this.#registered.has(ref)) return;
    if (this.admin !== undefined) {
      await this.chain.register(key, this.admin);
      this.logger.info({ keyId: key.keyId, alg: key.alg, chainId: this.network }, 'gateway key registered on the CometBFT anchor app');
    } else if (!(await this.chain.isRegistered(key))) {
      // Retryable: an operator may register the key, and the batch then anchors.
      throw new ChainError(ErrorCodes.ChainUnavailable, `gateway key ${key.keyId} is not registered on CometBFT chain ${this.network} (set CROSSGATE_COMETBFT_ADMIN_KEY, or register it as an admin)`);
    }
    this.#registered.add(ref);
  }
}

export async function openCometbftChain(options: OpenCometbftChainOptions): Promise<ChainClient> {
  const network = await loadCometbftNetwork(options.network);
  const admin = options.adminKeyFile === undefined ? undefined : await loadCometbftAdminKey(options.adminKeyFile);
  const chain = new CometbftChain({ chainId: network.chainId, rpc: network.validators.map((v) => v.rpc), commitTimeoutMs: options.commitTimeoutMs });
  return new RegisteringChain(chain, admin, options.logger);
}
