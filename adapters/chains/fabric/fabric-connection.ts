/**
 * One gRPC connection (TLS) to a Fabric Gateway peer and one signing identity, shared by the chain
 * adapter and the key-admin client. Connection settings come from the caller's config or from a
 * connection profile (fabric-profile.ts); nothing here reads the environment.
 */
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { connect, type Contract, type Gateway, hash, type Network, signers } from '@hyperledger/fabric-gateway';
import type { FabricProfile } from './fabric-profile.js';

/** Per-call deadlines, milliseconds. Submitting is idempotent, so a timeout is safe to retry. */
export interface FabricTimeouts {
  readonly evaluateMs: number;
  readonly endorseMs: number;
  readonly submitMs: number;
  readonly commitStatusMs: number;
}

export const DEFAULT_FABRIC_TIMEOUTS: FabricTimeouts = { evaluateMs: 5_000, endorseMs: 15_000, submitMs: 5_000, commitStatusMs: 60_000 };

export interface FabricConnectionOptions {
  /** host:port of the gateway peer. */
  readonly peerEndpoint: string;
  /** PEM of the CA that signed the peer's TLS certificate. */
  readonly tlsRootCertPath: string;
  /** Expected TLS server name when it differs from the endpoint's host. */
  readonly hostAlias?: string;
  readonly mspId: string;
  /** PEM X.509 certificate and PKCS#8 private key of the client identity. */
  readonly certPath: string;
  readonly keyPath: string;
  readonly channel: string;
  readonly chaincode: string;
  readonly timeouts?: Partial<FabricTimeouts>;
}

export interface FabricConnection {
  readonly options: FabricConnectionOptions;
  readonly timeouts: FabricTimeouts;
  readonly gateway: Gateway;
  readonly network: Network;
  readonly contract: Contract;
  /** The ledger query system chaincode, for block lookups. */
  readonly qscc: Contract;
  close(): void;
}

export async function openFabricConnection(options: FabricConnectionOptions): Promise<FabricConnection> {
  const [tlsRootCert, credentials, keyPem] = await Promise.all([
    readFile(options.tlsRootCertPath),
    readFile(options.certPath),
    readFile(options.keyPath),
  ]);
  const timeouts = { ...DEFAULT_FABRIC_TIMEOUTS, ...options.timeouts };
  const client = new grpc.Client(options.peerEndpoint, grpc.credentials.createSsl(tlsRootCert), {
    ...(options.hostAlias ? { 'grpc.ssl_target_name_override': options.hostAlias } : {}),
    // Reconnect promptly after a peer restart instead of backing off for minutes.
    'grpc.initial_reconnect_backoff_ms': 250,
    'grpc.max_reconnect_backoff_ms': 2_000,
  });
  const deadline = (ms: number) => (): grpc.CallOptions => ({ deadline: Date.now() + ms });
  const gateway = connect({
    client,
    identity: { mspId: options.mspId, credentials },
    signer: signers.newPrivateKeySigner(createPrivateKey(keyPem)),
    hash: hash.sha256,
    evaluateOptions: deadline(timeouts.evaluateMs),
    endorseOptions: deadline(timeouts.endorseMs),
    submitOptions: deadline(timeouts.submitMs),
    commitStatusOptions: deadline(timeouts.commitStatusMs),
  });
  const network = gateway.getNetwork(options.channel);
  return {
    options,
    timeouts,
    gateway,
    network,
    contract: network.getContract(options.chaincode),
    qscc: network.getContract('qscc'),
    close() {
      gateway.close();
      client.close();
    },
  };
}

/**
 * Connection options for one identity of a profile, talking to the first peer of that identity's
 * organization (or `peerName` when given).
 */
export function connectionOptionsFromProfile(
  profile: FabricProfile,
  identityName = 'gateway',
  overrides: { peerName?: string; timeouts?: Partial<FabricTimeouts> } = {},
): FabricConnectionOptions {
  const identity = profile.identities[identityName];
  if (!identity) throw new Error(`Fabric profile has no identity "${identityName}" (has: ${Object.keys(profile.identities).join(', ')})`);
  const peer = overrides.peerName
    ? profile.peers.find((p) => p.name === overrides.peerName)
    : (profile.peers.find((p) => p.mspId === identity.mspId) ?? profile.peers[0]);
  if (!peer) throw new Error(`Fabric profile has no peer ${overrides.peerName ?? `for ${identity.mspId}`}`);
  return {
    peerEndpoint: peer.endpoint,
    tlsRootCertPath: peer.tlsCaPath,
    ...(peer.hostAlias ? { hostAlias: peer.hostAlias } : {}),
    mspId: identity.mspId,
    certPath: identity.certPath,
    keyPath: identity.keyPath,
    channel: profile.channel,
    chaincode: profile.chaincode,
    ...(overrides.timeouts ? { timeouts: overrides.timeouts } : {}),
  };
}
