/**
 * Helpers for tests against the real Fabric network that scripts/fabric/network.sh starts. The test
 * setup exports the connection profile path as CROSSGATE_TEST_FABRIC_PROFILE; without it these
 * helpers throw (tests never skip). Every test signs with its own fresh gateway key and seals its
 * own batches, so tests share the network without seeing each other's data.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sha256 } from '../../src/core/digest.js';
import { toHex } from '../../src/core/encoding.js';
import type { Signer } from '../../src/core/ports.js';
import { sealBatch } from '../../src/core/seal-batch.js';
import { generatePrivateKey, newSigner } from '../../src/core/signer.js';
import type { SealedBatch, SignatureAlg, SignerInfo } from '../../src/core/types.js';
import { toBase64Url } from '../../src/core/encoding.js';

export const fabricProfileEnv = 'CROSSGATE_TEST_FABRIC_PROFILE';
const NETWORK_SH = fileURLToPath(new URL('../../../scripts/fabric/network.sh', import.meta.url));

/** The profile path from CROSSGATE_TEST_FABRIC_PROFILE. Throws when unset or missing. */
export function fabricProfilePath(): string {
  const path = process.env[fabricProfileEnv];
  if (!path || path.trim() === '') {
    throw new Error(`${fabricProfileEnv} is not set: start the network with \`bash scripts/fabric/network.sh start\` and export ${fabricProfileEnv}=$(bash scripts/fabric/network.sh profile), or run \`npm test\`, which does both`);
  }
  if (!existsSync(path)) throw new Error(`${fabricProfileEnv}=${path}: no such file (is the Fabric network provisioned?)`);
  return path;
}

/** Stops or starts one node of the test network (orderer, peer-org1, peer-org2, cc-org1, cc-org2). */
export async function fabricNode(action: 'stop-node' | 'start-node', node: string): Promise<void> {
  await promisify(execFile)('bash', [NETWORK_SH, action, node], { timeout: 120_000 });
}

export function signerInfoOf(signer: Signer): SignerInfo {
  return { keyId: signer.keyId, alg: signer.alg, publicKey: toBase64Url(signer.publicKey) };
}

export function newTestSigner(alg: SignatureAlg = 'Ed25519'): Signer {
  return newSigner(alg, generatePrivateKey(alg));
}

/** A real sealed batch over `size` random record digests, signed by `signer`. */
export async function randomBatch(signer: Signer, size = 4, prev: string | null = null, sealedAtMillis = Date.now()): Promise<SealedBatch> {
  const tag = toHex(randomBytes(6));
  const leaves = Array.from({ length: size }, (_, i) => {
    return { recordId: { source: `/test/fabric/${tag}`, id: `r-${i}` }, digestHex: toHex(sha256(randomBytes(32))), type: 'test.record', tenant: 'test' };
  });
  return sealBatch(leaves, { signer, prev, sealedAtMillis });
}

/** Retries `fn` until it resolves or the deadline passes; rethrows the last error then. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs: number, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
