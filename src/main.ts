/**
 * `npm start`: parse the configuration, start the gateway, print how to use it, stop cleanly on
 * SIGINT/SIGTERM, reload the HTTPS certificate on SIGHUP. Also re-exports the entry points other code starts gateways with.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, parseConfig } from './config/env.js';
import { TenantsFileError } from './config/tenants.js';
import { type RunningGateway, startGateway } from './gateway.js';
import { recordPath } from './ingest/rest/record-paths.js';

export { parseConfig, type GatewayConfig } from './config/env.js';
export { startGateway, type RunningGateway, type StartOptions, type GatewayContext } from './gateway.js';
export { createGatewayApp } from './http-app.js';

const EXAMPLE = 'examples/cn.gov.transport.trip.json';

/** The start-up banner: URL, dev key, and ready-to-paste curl commands. */
async function banner(gateway: RunningGateway): Promise<string> {
  const { url, devApiKey } = gateway;
  const key = devApiKey ?? '<your api key>';
  const lines = ['', `Crossgate gateway listening on ${url}`, `  API docs:  ${url}/docs   (OpenAPI: ${url}/openapi.json)`];
  if (devApiKey !== undefined) lines.push(`  Dev API key (tenant "dev", every record type): ${devApiKey}`);
  lines.push('', 'Submit a record:', `  curl -sS -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' --data @${EXAMPLE} ${url}/v1/records`);
  const example = await readFile(join(process.cwd(), EXAMPLE), 'utf8').then((t) => JSON.parse(t) as { source?: unknown; id?: unknown }, () => undefined);
  if (example !== undefined && typeof example.source === 'string' && typeof example.id === 'string') {
    lines.push('Then fetch its receipt (after the batch is anchored, about a second):',
      `  curl -sS -H 'Authorization: Bearer ${key}' ${url}${recordPath({ source: example.source, id: example.id })}/receipt`);
  }
  lines.push('Other examples, one per record type: examples/<type>.json', '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`crossgate: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(config);
  } catch (err) {
    const message = err instanceof TenantsFileError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`crossgate: cannot start: ${message}\n`);
    process.exit(1);
  }
  process.stdout.write(`${await banner(gateway)}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    gateway.context.logger.info({ signal }, 'stopping');
    gateway.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // A renewed certificate takes over without a restart (and without dropping connections).
  process.on('SIGHUP', () => gateway.reloadTls());
}

if (import.meta.main) await main();
