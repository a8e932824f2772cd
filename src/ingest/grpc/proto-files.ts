/** Where the gRPC door's .proto files are: the repository's proto/ folder (this file compiles to dist/src/ingest/grpc/). */
import { fileURLToPath } from 'node:url';

export const PROTO_DIR = fileURLToPath(new URL('../../../../proto/', import.meta.url));
export const GATEWAY_PROTO = 'crossgate/v1/gateway.proto';
export const ERROR_DETAILS_PROTO = 'google/rpc/error_details.proto';
