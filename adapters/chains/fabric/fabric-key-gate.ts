/**
 * The anchor chaincode accepts only batches signed by a gateway key an admin registered. This wraps
 * the Fabric chain so that no batch is sent before the key that signed it is known to be active
 * (each key on its own: the current one, the next one of a scheduled rotation, and an older one whose
 * batches still wait in the outbox):
 *
 * - with `registerAs` (CROSSGATE_FABRIC_REGISTER_KEY=true), the gateway registers its configured
 *   public keys itself, as that admin identity of the profile (idempotent on the chaincode), so a
 *   next key is registered at start, before it signs anything;
 * - otherwise it only reads its key record, and while the key is missing every anchor fails as
 *   retryable CG_CHAIN_UNAVAILABLE naming the command an admin must run. Batches wait in the outbox
 *   (and count towards its bound) instead of being parked as rejected, so once the admin has run
 *   `crossgate fabric register-key`, anchoring starts on the next retry without a restart.
 *
 * A revoked key is final: anchors fail as CG_CHAIN_REJECTED (the chaincode would refuse them too)
 * and the operator has to give the gateway a new key. Once the key is seen active, the gate stays
 * open; a later revocation is reported by the chaincode itself.
 */
import { ChainError, ErrorCodes } from '../../../src/core/errors.js';
import type { AnchorRequest, AnchoredBatch, ChainClient, HealthStatus } from '../../../src/core/ports.js';
import type { ChainAnchor, SignerInfo } from '../../../src/core/types.js';
import type { GatewayKeyRecord } from './chaincode/anchor-records.js';
import type { FabricKeyAdmin } from './fabric-admin.js';

/** The part of the gateway's logger the gate writes to. */
export interface GateLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface FabricKeyGateOptions {
  /** The gateway's public keys, as batch headers carry them: the current one first, then a rotation's next. */
  readonly keys: readonly SignerInfo[];
  /** Profile identity that registers the configured keys (an admin of the chaincode), or undefined to only check. */
  readonly registerAs: string | undefined;
  /** Opens a key-admin client as a profile identity (the gateway's own identity for reads). */
  readonly openAdmin: (identity: string) => Promise<FabricKeyAdmin>;
  /** The gateway's own identity in the profile (reads its key records). */
  readonly readAs: string;
  readonly logger: GateLogger;
}

type KeyState = 'unknown' | 'active' | 'missing' | 'revoked' | 'mismatch';

function sameKey(record: GatewayKeyRecord, key: SignerInfo): boolean {
  return record.alg === key.alg && record.publicKey === key.publicKey;
}

/** What the gate knows about one key, checked (or registered) once it is needed. */
class KeyCheck {
  state: KeyState = 'unknown';
  #pending: Promise<void> | undefined;
  #lastProblem = '';

  constructor(readonly key: SignerInfo, readonly registerAs: string | undefined, readonly network: string, readonly options: FabricKeyGateOptions) {}

  async ensure(): Promise<void> {
    if (this.state === 'active') return;
    if (this.state === 'revoked' || this.state === 'mismatch') throw this.#refusal();
    this.#pending ??= this.#check().finally(() => {
      this.#pending = undefined;
    });
    await this.#pending;
  }

  async #check(): Promise<void> {
    const { key, registerAs } = this;
    const { readAs, logger } = this.options;
    let record: GatewayKeyRecord | null;
    let admin: FabricKeyAdmin | undefined;
    try {
      admin = await this.options.openAdmin(registerAs ?? readAs);
      record = registerAs === undefined ? await admin.getGatewayKey(key.keyId) : await admin.registerGatewayKey(key);
    } catch (err) {
      const chainError = err instanceof ChainError ? err : new ChainError(ErrorCodes.ChainUnavailable, String(err), { cause: err });
      if (registerAs !== undefined && !chainError.retryable) {
        // Refused registration: revoked key id, or an identity that is not a chaincode admin.
        const revoked = /revoked/i.test(chainError.message + chainError.details.join(' '));
        this.state = revoked ? 'revoked' : 'missing';
        this.#report(`registering gateway key ${key.keyId} as "${registerAs}" was refused: ${chainError.message}`);
        if (revoked) throw this.#refusal();
        throw new ChainError(ErrorCodes.ChainUnavailable, `gateway key ${key.keyId} is not registered: registering it as "${registerAs}" was refused (${chainError.message})`, { cause: err });
      }
      this.#report(`checking gateway key ${key.keyId} failed (retried with the next anchor): ${chainError.message}`, 'warn');
      throw chainError;
    } finally {
      admin?.close();
    }
    if (record === null) {
      this.state = 'missing';
      const message = `gateway key ${key.keyId} is not registered on Fabric channel ${this.network}: an admin must run \`crossgate fabric register-key --profile <profile> --key <public key file>\` (or start the gateway with CROSSGATE_FABRIC_REGISTER_KEY=true); batches wait in the outbox until then`;
      this.#report(message);
      throw new ChainError(ErrorCodes.ChainUnavailable, message);
    }
    if (!sameKey(record, key)) {
      this.state = 'mismatch';
      this.#report(`gateway key id ${key.keyId} is registered with a different public key or algorithm`);
      throw this.#refusal();
    }
    if (record.status === 'revoked') {
      this.state = 'revoked';
      this.#report(`gateway key ${key.keyId} was revoked (tx ${record.revokedTxId ?? '?'}); give the gateway a new signing key and register it`);
      throw this.#refusal();
    }
    this.state = 'active';
    logger.info({ keyId: key.keyId, registeredTxId: record.registeredTxId, registeredBy: registerAs === undefined ? 'an admin' : registerAs }, 'fabric gateway key active');
  }

  #refusal(): ChainError {
    const why = this.state === 'revoked' ? 'was revoked' : 'is registered with a different public key';
    return new ChainError(ErrorCodes.ChainRejected, `gateway key ${this.key.keyId} ${why} on Fabric channel ${this.network}`);
  }

  /** Logs a key problem once per distinct message, not on every retry. */
  #report(message: string, level: 'error' | 'warn' = 'error'): void {
    if (message === this.#lastProblem) return;
    this.#lastProblem = message;
    this.options.logger[level]({ keyId: this.key.keyId }, message);
  }
}

/** A ChainClient that anchors a batch through `chain` only once the key that signed it is active on the chaincode. */
export class FabricKeyGate implements ChainClient {
  readonly kind: string;
  readonly network: string;
  readonly #chain: ChainClient;
  readonly #options: FabricKeyGateOptions;
  /** By key id: the configured keys from the start, others as their batches come. */
  readonly #checks = new Map<string, KeyCheck>();

  constructor(chain: ChainClient, options: FabricKeyGateOptions) {
    if (options.keys.length === 0) throw new TypeError('FabricKeyGate needs at least one gateway key');
    this.#chain = chain;
    this.#options = options;
    this.kind = chain.kind;
    this.network = chain.network;
    for (const key of options.keys) this.#checks.set(key.keyId, new KeyCheck(key, options.registerAs, chain.network, options));
  }

  /** Whether every configured key has been seen active. */
  get keyActive(): boolean {
    return this.#options.keys.every((key) => this.#checks.get(key.keyId)?.state === 'active');
  }

  /**
   * Resolves once every configured key is active; throws a ChainError otherwise (retryable while it
   * may still become active). Concurrent callers share one check per key.
   */
  async ensureKey(): Promise<void> {
    await Promise.all(this.#options.keys.map((key) => this.#checkOf(key).ensure()));
  }

  /**
   * A key no setting names (an older key whose batches wait in the outbox) is only looked up, never
   * registered: registering is for the keys the operator configured.
   */
  #checkOf(key: SignerInfo): KeyCheck {
    let check = this.#checks.get(key.keyId);
    if (check === undefined) {
      check = new KeyCheck({ keyId: key.keyId, alg: key.alg, publicKey: key.publicKey }, undefined, this.network, this.#options);
      this.#checks.set(key.keyId, check);
    }
    return check;
  }

  async anchor(request: AnchorRequest): Promise<ChainAnchor> {
    await this.#checkOf(request.header.signer).ensure();
    return this.#chain.anchor(request);
  }

  lookup(batchId: string): Promise<AnchoredBatch | undefined> {
    return this.#chain.lookup(batchId);
  }

  async health(): Promise<HealthStatus> {
    const chain = await this.#chain.health();
    if (!chain.ok || this.keyActive) return chain;
    try {
      await this.ensureKey();
      return chain;
    } catch (err) {
      return { ok: false, detail: err instanceof Error ? err.message : String(err) };
    }
  }

  close(): Promise<void> {
    return this.#chain.close();
  }
}

/**
 * The Fabric chain of CROSSGATE_CHAIN=fabric behind the key gate. Starts the key check (or the
 * registration) right away so its outcome is in the start-up logs; a chain that is down at start
 * is no error here (the check runs again with the first anchor).
 */
export async function openGatedFabricChain(options: {
  readonly profile: string;
  readonly keys: readonly SignerInfo[];
  readonly registerAs: string | undefined;
  readonly logger: GateLogger;
}): Promise<FabricKeyGate> {
  // Loaded only when configured: the Fabric client pulls in gRPC, which `npm start` does not need.
  const [{ openFabricChainFromProfile }, { openFabricKeyAdmin }, { loadFabricProfile }] = await Promise.all([
    import('./fabric-chain.js'),
    import('./fabric-admin.js'),
    import('./fabric-profile.js'),
  ]);
  const readAs = 'gateway';
  const profile = await loadFabricProfile(options.profile);
  for (const [name, setting] of [[readAs, 'CROSSGATE_FABRIC_PROFILE'], [options.registerAs, 'CROSSGATE_FABRIC_ADMIN_IDENTITY']] as const) {
    if (name !== undefined && profile.identities[name] === undefined) {
      throw new Error(`${setting}: the Fabric profile ${options.profile} has no identity "${name}" (has: ${Object.keys(profile.identities).join(', ')})`);
    }
  }
  const chain = await openFabricChainFromProfile(options.profile, { identity: readAs });
  const gate = new FabricKeyGate(chain, {
    keys: options.keys,
    registerAs: options.registerAs,
    readAs,
    openAdmin: (identity) => openFabricKeyAdmin(options.profile, identity),
    logger: options.logger,
  });
  // Problems are logged by the gate itself.
  gate.ensureKey().catch(() => undefined);
  return gate;
}
