/**
 * Helpers for tests against the real CometBFT network that scripts/cometbft.sh starts. The test setup
 * exports the network file as CROSSGATE_TEST_COMETBFT_NETWORK; without it these helpers throw (tests
 * never skip).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const cometbftNetworkEnv = 'CROSSGATE_TEST_COMETBFT_NETWORK';
const COMETBFT_SH = fileURLToPath(new URL('../../../scripts/cometbft.sh', import.meta.url));

/** The network.json path from CROSSGATE_TEST_COMETBFT_NETWORK. Throws when unset or missing. */
export function cometbftNetworkPath(): string {
  const path = process.env[cometbftNetworkEnv];
  if (!path || path.trim() === '') {
    throw new Error(`${cometbftNetworkEnv} is not set: run \`bash scripts/cometbft.sh start\` and export ${cometbftNetworkEnv}=$(bash scripts/cometbft.sh network), or run \`npm test\`, which does both`);
  }
  if (!existsSync(path)) throw new Error(`${cometbftNetworkEnv}=${path}: no such file (is the CometBFT network provisioned?)`);
  return path;
}

/** Stops (TERM), kills (KILL) or starts validator `index` of the test network. */
export async function cometbftValidator(action: 'stop-node' | 'kill-node' | 'start-node', index: number): Promise<void> {
  await promisify(execFile)('bash', [COMETBFT_SH, action, String(index)], { timeout: 120_000 });
}

/**
 * The app and block-store heights of validator `index`'s last start (its log's "ABCI Replay Blocks"
 * line): equal heights mean the app resumed from its own state, nothing replayed into it.
 */
export function lastHandshake(index: number): { appHeight: number; storeHeight: number } {
  const log = readFileSync(join(dirname(cometbftNetworkPath()), 'logs', `validator${index}.log`), 'utf8');
  const lines = [...log.matchAll(/ABCI Replay Blocks .*appHeight=(\d+) storeHeight=(\d+)/g)];
  const last = lines.at(-1);
  if (last === undefined) throw new Error(`validator${index}'s log has no handshake line`);
  return { appHeight: Number(last[1]), storeHeight: Number(last[2]) };
}
