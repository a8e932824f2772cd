/**
 * Gateway-key administration on the anchor chaincode: register and revoke the public keys whose
 * signatures the chaincode accepts. Must run as an admin identity (see chaincode/admin-policy.ts);
 * the gateway's own client identity is refused.
 */
import type { SignerInfo } from '../../../src/core/types.js';
import type { GatewayKeyRecord } from './chaincode/anchor-records.js';
import { connectionOptionsFromProfile, type FabricConnection, openFabricConnection } from './fabric-connection.js';
import { toChainError } from './fabric-errors.js';
import { loadFabricProfile } from './fabric-profile.js';

const decoder = new TextDecoder();

export class FabricKeyAdmin {
  readonly #conn: FabricConnection;

  constructor(conn: FabricConnection) {
    this.#conn = conn;
  }

  /** Registers the key (idempotent for the same key; a revoked key id cannot come back). */
  async registerGatewayKey(key: SignerInfo): Promise<GatewayKeyRecord> {
    return this.#submit('RegisterGatewayKey', [JSON.stringify({ keyId: key.keyId, alg: key.alg, publicKey: key.publicKey })], `registering gateway key ${key.keyId}`);
  }

  async revokeGatewayKey(keyId: string): Promise<GatewayKeyRecord> {
    return this.#submit('RevokeGatewayKey', [keyId], `revoking gateway key ${keyId}`);
  }

  async getGatewayKey(keyId: string): Promise<GatewayKeyRecord | null> {
    try {
      const bytes = await this.#conn.contract.evaluate('GetGatewayKey', { arguments: [keyId] });
      return JSON.parse(decoder.decode(bytes)) as GatewayKeyRecord | null;
    } catch (err) {
      throw toChainError(err, `reading gateway key ${keyId}`);
    }
  }

  close(): void {
    this.#conn.close();
  }

  async #submit(name: string, args: string[], action: string): Promise<GatewayKeyRecord> {
    try {
      const bytes = await this.#conn.contract.submit(name, { arguments: args });
      return JSON.parse(decoder.decode(bytes)) as GatewayKeyRecord;
    } catch (err) {
      throw toChainError(err, action);
    }
  }
}

/** Key admin for a profile identity (default `admin`). */
export async function openFabricKeyAdmin(profilePath: string, identity = 'admin'): Promise<FabricKeyAdmin> {
  const profile = await loadFabricProfile(profilePath);
  return new FabricKeyAdmin(await openFabricConnection(connectionOptionsFromProfile(profile, identity)));
}
