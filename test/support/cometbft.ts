/**
 * Helpers for tests against the real CometBFT network that scripts/cometbft.sh starts. The test setup
 * exports the network file as CROSSGATE_TEST_COMETBFT_NETWORK; without it these helpers throw (tests
 * never skip).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
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
