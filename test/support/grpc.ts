/** What the gRPC door's tests share: a free port, the example records as CloudEvents-protobuf events, and a loaded client. */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { GATEWAY_PROTO, protoLoaderOptions } from '../../src/ingest/grpc/grpc.module.js';
import { REPO_ROOT } from './gateway.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** A structured CloudEvent as the protobuf format carries it: attributes as strings, data as JSON text. */
export function cloudEvent(record: Record<string, unknown>): Record<string, unknown> {
  const { specversion, id, source, type, data, ...attributes } = record;
  return {
    specVersion: specversion, id, source, type,
    attributes: Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { ceString: String(value) }])),
    textData: JSON.stringify(data),
  };
}

export type ExampleRecord = Record<string, unknown> & { source: string; id: string; type: string };

export const examples: readonly { file: string; record: ExampleRecord }[] = readdirSync(join(REPO_ROOT, 'examples'))
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, record: JSON.parse(readFileSync(join(REPO_ROOT, 'examples', file), 'utf8')) as ExampleRecord }));

/** A crossgate.v1.Gateway client from the repository's .proto files. */
export function gatewayClient<T extends grpc.Client>(address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions = {}): T {
  const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(GATEWAY_PROTO, protoLoaderOptions)) as unknown as {
    crossgate: { v1: { Gateway: new (address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) => T } };
  };
  return new loaded.crossgate.v1.Gateway(address, credentials, options);
}
