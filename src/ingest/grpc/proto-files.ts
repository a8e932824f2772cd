/** Where the gRPC door's .proto files are: the repository's proto/ folder (this file compiles to dist/src/ingest/grpc/). */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export const PROTO_DIR = fileURLToPath(new URL('../../../../proto/', import.meta.url));
export const GATEWAY_PROTO = 'crossgate/v1/gateway.proto';
export const ERROR_DETAILS_PROTO = 'google/rpc/error_details.proto';

/** A protobufjs root with `files` loaded from proto/ (google/protobuf/* are protobufjs' own). */
export function loadProtoRoot(files: readonly string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : `${PROTO_DIR}${target}`);
  return root.loadSync([...files]);
}
