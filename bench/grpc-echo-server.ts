/**
 * The grpc bench's transport floor: a bare @grpc/grpc-js server with crossgate.v1.Gateway/SubmitStream
 * that neither decodes nor validates, and answers each request with a pre-encoded answer of the size
 * the gateway sends. Prints its address on stdout.
 */
import * as grpc from '@grpc/grpc-js';
import { streamAnswerOf } from './grpc-messages.js';

const size = Number(process.argv[2] ?? 100);
const answer = streamAnswerOf(size);
const raw = (b: Buffer) => b;
const server = new grpc.Server();
server.addService({
  SubmitStream: { path: '/crossgate.v1.Gateway/SubmitStream', requestStream: true, responseStream: true, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw },
}, {
  SubmitStream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    call.on('data', () => call.write(answer));
    call.on('end', () => call.end());
  },
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  console.log(`127.0.0.1:${port}`);
});
