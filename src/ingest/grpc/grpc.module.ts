/**
 * The gRPC door as a NestJS module and the options of the @nestjs/microservices gRPC transport that
 * serves it beside REST (a hybrid application: one process, one pipeline). The transport's server also
 * carries the standard health service (grpc.health.v1) and server reflection (grpc.reflection.v1 and
 * v1alpha), so `grpcurl list` and `describe` work without the .proto files.
 */
import { fileURLToPath } from 'node:url';
import { type DynamicModule, Module } from '@nestjs/common';
import { type GrpcOptions, Transport } from '@nestjs/microservices';
import { ReflectionService } from '@grpc/reflection';
import { loadSync } from '@grpc/proto-loader';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { GatewayGrpcController } from './gateway.grpc-controller.js';
import { GRPC_DEPS, type GrpcDeps } from './grpc-deps.js';

/** The repository's proto/ folder (this file compiles to dist/src/ingest/grpc/). */
export const PROTO_DIR = fileURLToPath(new URL('../../../../proto/', import.meta.url));
export const GATEWAY_PROTO = 'crossgate/v1/gateway.proto';

/** How proto-loader reads the messages: camelCase fields, enums by name, 64-bit integers as strings, oneof names. */
export const protoLoaderOptions = { keepCase: false, longs: String, enums: String, defaults: false, oneofs: true, includeDirs: [PROTO_DIR] };

@Module({})
export class GrpcModule {
  static forRoot(deps: GrpcDeps): DynamicModule {
    return { module: GrpcModule, controllers: [GatewayGrpcController], providers: [{ provide: GRPC_DEPS, useValue: deps }] };
  }
}

export function grpcServerOptions(url: string, limits: { maxMessageBytes: number }): GrpcOptions {
  return {
    transport: Transport.GRPC,
    options: {
      package: 'crossgate.v1',
      protoPath: GATEWAY_PROTO,
      url,
      loader: protoLoaderOptions,
      maxReceiveMessageLength: limits.maxMessageBytes,
      maxSendMessageLength: limits.maxMessageBytes,
      onLoadPackageDefinition: (definition, server) => {
        // Reflection describes the health service too, so `grpcurl list` shows everything served.
        new ReflectionService({ ...definition, ...loadSync(healthProtoPath) }).addToServer(server);
        new HealthImplementation({ '': 'SERVING', 'crossgate.v1.Gateway': 'SERVING' }).addToServer(server);
      },
    },
  };
}
