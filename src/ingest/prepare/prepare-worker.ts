/**
 * A prepare worker (worker_threads): parses and prepares batch bodies for the request thread
 * (preparer.ts). It builds its own schema registry, the same one the gateway builds (base schemas
 * plus CROSSGATE_EXTRA_SCHEMAS modules), says `ready`, then answers one message per request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { schemaRegistry } from '../../../schemas/registry.js';
import { registryWithExtras } from '../../ops/extra-schemas.js';
import { prepareJsonBatch } from './json-batch.js';
import type { PrepareReply, PrepareRequest, PrepareWorkerData } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('prepare-worker.js runs as a worker thread');
const { extraSchemas, digestAlg } = workerData as PrepareWorkerData;

try {
  const registry = await registryWithExtras(schemaRegistry, extraSchemas);
  port.on('message', (request: PrepareRequest) => {
    let reply: PrepareReply;
    try {
      reply = { id: request.id, ok: true, batch: prepareJsonBatch(request.body, request.tenant, registry, request.limit, digestAlg) };
    } catch (error) {
      // prepareJsonBatch does not throw for bad input; this is a bug, reported to that one request.
      reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, message: error instanceof Error ? error.message : String(error) });
}
