/** gRPC metrics beside the record counters on /metrics: calls by method and status code, their duration, streams and stream messages. */
import { RpcException } from '@nestjs/microservices';
import { status } from '@grpc/grpc-js';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface GrpcMetrics {
  /** Runs a unary handler, counting it by the status it ends with. */
  unary<T>(method: string, handler: () => Promise<T>): Promise<T>;
  /** Counts a stream as open; call the result with the status it ended with. */
  streamOpened(method: string): (code: status) => void;
  streamMessages(method: string, direction: 'received' | 'sent', messages: number): void;
}

const buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function codeOf(error: unknown): status {
  const given = error instanceof RpcException ? (error.getError() as { code?: unknown }).code : undefined;
  return typeof given === 'number' ? given : status.UNKNOWN;
}

export function createGrpcMetrics(registry: Registry): GrpcMetrics {
  const registers = [registry];
  const calls = new Counter({ name: 'crossgate_grpc_calls_total', help: 'gRPC calls ended, by method and status code.', labelNames: ['method', 'code'] as const, registers });
  const seconds = new Histogram({ name: 'crossgate_grpc_call_seconds', help: 'Duration of unary gRPC calls, by method.', labelNames: ['method'] as const, buckets, registers });
  const streams = new Gauge({ name: 'crossgate_grpc_streams_open', help: 'gRPC streams open, by method.', labelNames: ['method'] as const, registers });
  const messages = new Counter({ name: 'crossgate_grpc_stream_messages_total', help: 'Stream messages received and sent, by method.', labelNames: ['method', 'direction'] as const, registers });
  return {
    async unary(method, handler) {
      const stop = seconds.startTimer({ method });
      try {
        const result = await handler();
        calls.inc({ method, code: status[status.OK] });
        return result;
      } catch (error) {
        calls.inc({ method, code: status[codeOf(error)] ?? 'UNKNOWN' });
        throw error;
      } finally {
        stop();
      }
    },
    streamOpened(method) {
      streams.inc({ method });
      let open = true;
      return (code) => {
        if (!open) return;
        open = false;
        streams.dec({ method });
        calls.inc({ method, code: status[code] ?? 'UNKNOWN' });
      };
    },
    streamMessages(method, direction, n) {
      if (n > 0) messages.inc({ method, direction }, n);
    },
  };
}
