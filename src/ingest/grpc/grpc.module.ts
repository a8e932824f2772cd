/**
 * The gRPC door as a NestJS module and the options of the @nestjs/microservices gRPC transport that
 * serves it beside REST (a hybrid application: one process, one pipeline). The transport's server also
 * carries the standard health service (grpc.health.v1) and server reflection (grpc.reflection.v1 and
 * v1alpha), so `grpcurl list` and `describe` work without the .proto files.
 */
import { type DynamicModule, Module } from '@nestjs/common';
import { type GrpcOptions, Transport } from '@nestjs/microservices';
import { ServerCredentials } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { loadSync } from '@grpc/proto-loader';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import type { GrpcSettings } from '../../config/env.js';
import { readRestTls, type RestTlsConfig } from '../../config/rest-tls.js';
import { GatewayGrpcController } from './gateway.grpc-controller.js';
import { GRPC_DEPS, type GrpcDeps } from './grpc-deps.js';
import { withResolvedImports } from './reflection-descriptors.js';
import { ERROR_DETAILS_PROTO, GATEWAY_PROTO, PROTO_DIR } from './proto-files.js';

export { GATEWAY_PROTO, PROTO_DIR } from './proto-files.js';

/** How proto-loader reads the messages: camelCase fields, enums by name, 64-bit integers as strings, oneof names. */
export const protoLoaderOptions = { keepCase: false, longs: String, enums: String, defaults: false, oneofs: true, includeDirs: [PROTO_DIR] };

@Module({})
export class GrpcModule {
  static forRoot(deps: GrpcDeps): DynamicModule {
    return { module: GrpcModule, controllers: [GatewayGrpcController], providers: [{ provide: GRPC_DEPS, useValue: deps }] };
  }
}

/**
 * TLS as the REST door has it. grpc-js can ask for a client certificate only by requiring one, so
 * client certificates are asked for when CROSSGATE_REST_TLS_CLIENT_AUTH is `required`; with `optional`,
 * gRPC callers authenticate with API keys.
 */
export function grpcCredentials(tls: RestTlsConfig | undefined): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  const material = readRestTls(tls);
  const requireClientCert = material.ca !== undefined && tls.clientAuth === 'required';
  return ServerCredentials.createSsl(
    requireClientCert ? Buffer.from(material.ca!) : null,
    [{ cert_chain: Buffer.from(material.cert), private_key: Buffer.from(material.key) }],
    requireClientCert,
  );
}

export function grpcServerOptions(url: string, settings: GrpcSettings, limits: { maxMessageBytes: number }, tls: RestTlsConfig | undefined): GrpcOptions {
  return {
    transport: Transport.GRPC,
    options: {
      package: 'crossgate.v1',
      protoPath: GATEWAY_PROTO,
      url,
      loader: protoLoaderOptions,
      credentials: grpcCredentials(tls),
      maxReceiveMessageLength: limits.maxMessageBytes,
      maxSendMessageLength: limits.maxMessageBytes,
      channelOptions: {
        'grpc.keepalive_time_ms': settings.keepaliveMs,
        'grpc.keepalive_timeout_ms': settings.keepaliveTimeoutMs,
        'grpc.max_connection_idle_ms': settings.idleTimeoutMs,
        'grpc.max_concurrent_streams': settings.maxConcurrentStreams,
      },
      onLoadPackageDefinition: (definition, server) => {
        // Submit, SubmitBatch and SubmitStream requests reach their handlers undecoded, for
        // cloud-event-reader.ts; the last two are read on a prepare worker with the rest of the
        // per-record work (cloud-event-batch.ts). SubmitStream's answers come encoded (stream-answer.ts).
        const gateway = definition['crossgate.v1.Gateway'] as unknown as Record<string, { requestDeserialize: (bytes: Buffer) => unknown; responseSerialize: (value: Buffer) => Buffer }>;
        for (const method of ['Submit', 'SubmitBatch', 'SubmitStream']) gateway[method]!.requestDeserialize = (bytes) => bytes;
        gateway['SubmitStream']!.responseSerialize = (bytes) => bytes;
        // Reflection reads the files with their own field names (spec_version, not specVersion), and
        // describes the health service and the error details too, so `grpcurl list` shows everything
        // served and grpcurl prints an error's details by name.
        const files = loadSync([GATEWAY_PROTO, ERROR_DETAILS_PROTO, 'google/rpc/status.proto'], { keepCase: true, includeDirs: [PROTO_DIR] });
        new ReflectionService(withResolvedImports({ ...files, ...loadSync(healthProtoPath, { keepCase: true }) })).addToServer(server);
        new HealthImplementation({ '': 'SERVING', 'crossgate.v1.Gateway': 'SERVING' }).addToServer(server);
      },
    },
  };
}
