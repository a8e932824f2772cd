/**
 * A prepare worker (worker_threads): prepares REST batch bodies, gRPC event requests and consumed Kafka messages for the
 * gateway's thread (preparer.ts). It builds its own schema registry, the same one the gateway builds
 * (base schemas plus CROSSGATE_EXTRA_SCHEMAS modules), says `ready`, then answers one message per request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { schemaRegistry } from '../../../schemas/registry.js';
import type { Tenant } from '../../core/tenant.js';
import type { RecordSchemaLookup } from '../../core/validate-record.js';
import { registryWithExtras } from '../../ops/extra-schemas.js';
import { unpackMessages } from '../kafka/packed-messages.js';
import { prepareMessages } from '../kafka/prepare-messages.js';
import { encodePrepared } from '../kafka/prepared-wire.js';
import { prepareCloudEvents } from '../grpc/cloud-event-batch.js';
import { prepareJsonBatch } from './json-batch.js';
import { toWire } from './prepared-wire.js';
import type { PrepareReply, PrepareRequest, PrepareWorkerData } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('prepare-worker.js runs as a worker thread');
const { extraSchemas, digestAlg } = workerData as PrepareWorkerData;

/** The tenant directory the Kafka requests name by version. */
let tenants: { version: number; tenants: readonly Tenant[] } = { version: -1, tenants: [] };

function answer(request: PrepareRequest, registry: RecordSchemaLookup): unknown {
  if (request.kind === 'batch') return toWire(prepareJsonBatch(request.body, request.tenant, registry, request.limit, digestAlg), digestAlg);
  if (request.kind === 'cloudevents') return toWire(prepareCloudEvents(request.body, request.tenant, registry, request.limit, digestAlg), digestAlg);
  if (request.tenants !== undefined) tenants = { version: request.tenantsVersion, tenants: request.tenants };
  if (tenants.version !== request.tenantsVersion) throw new Error(`tenants version ${request.tenantsVersion} was never sent (holding ${tenants.version})`);
  return encodePrepared(prepareMessages(request.sector, unpackMessages(request.packed), tenants.tenants, registry, digestAlg), digestAlg);
}

try {
  const registry = await registryWithExtras(schemaRegistry, extraSchemas);
  port.on('message', (request: PrepareRequest) => {
    let reply: PrepareReply;
    try {
      reply = { id: request.id, ok: true, result: answer(request, registry) };
    } catch (error) {
      // Preparing does not throw for bad input; this is a bug, reported to that one request.
      reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, message: error instanceof Error ? error.message : String(error) });
}
