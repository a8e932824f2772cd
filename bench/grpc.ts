/**
 * gRPC door throughput: records/s and gateway CPU per record through SubmitStream, beside the REST
 * batch endpoint on the same gateway process in the same run, and beside a bare @grpc/grpc-js server
 * (grpc-echo-server.ts) with the same messages as the transport's floor.
 *
 * Load: SubmitStream with 100 events per request (as REST's 100 records per request) and with one
 * event per request, 8 streams, 6,400 records in flight in both cases (as the REST phase's 64
 * connections x 100). Rounds alternate REST and gRPC on one gateway, in turns first; figures are
 * medians of rounds, and the ratio the median of the rounds' own ratios.
 *
 *   npm run bench -- grpc
 *   CROSSGATE_BENCH_SECONDS=20 CROSSGATE_BENCH_GRPC_ROUNDS=5 npm run bench -- grpc
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { freePort } from '../test/support/grpc.js';
import { streamRequestFactory } from './grpc-messages.js';
import { mainThreadCpuMs, processCpuMs } from './process-cpu.js';
import { load, measured, withGateway } from './rest.js';
import type { BenchResult, Figure } from './result.js';

const SECONDS = Number(process.env['CROSSGATE_BENCH_SECONDS'] ?? 15);
const ROUNDS = Math.max(1, Number(process.env['CROSSGATE_BENCH_GRPC_ROUNDS'] ?? 5));
const STREAMS = 8;
const IN_FLIGHT_RECORDS = 6_400;
const raw = (b: Buffer) => b;

interface Rate {
  readonly recordsPerSecond: number;
  readonly cpuMicrosPerRecord: number;
  readonly mainThreadMicrosPerRecord: number;
  /** The load generator's own CPU (this process): it shares the 2 cores with the gateway. */
  readonly clientMicrosPerRecord: number;
  readonly failed: number;
}

const clientCpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

const perRecord = (cpuMs: number, records: number): number => (records === 0 ? 0 : (cpuMs * 1000) / records);

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/** Keeps STREAMS SubmitStream calls busy for `seconds`; counts records answered within that time. */
async function streamLoad(address: string, apiKey: string | undefined, size: number, seconds: number, pid: number): Promise<Rate> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 << 20 });
  const metadata = new grpc.Metadata();
  if (apiKey !== undefined) metadata.set('authorization', `Bearer ${apiKey}`);
  const perStream = Math.max(1, Math.floor(IN_FLIGHT_RECORDS / STREAMS / size));
  // A request's buffer is taken again only after twice the stream's window of later requests: by then
  // it has been answered, so sent.
  const factories = Array.from({ length: STREAMS }, () => streamRequestFactory(size, 2 * perStream + 1));
  let answered = 0;
  let failed = 0;
  let open = true;
  const cpuBefore = processCpuMs(pid);
  const mainBefore = mainThreadCpuMs(pid);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const streams = factories.map((next) => new Promise<void>((resolve) => {
    const call = client.makeBidiStreamRequest('/crossgate.v1.Gateway/SubmitStream', raw, raw, metadata);
    let inFlight = 0;
    const pump = () => {
      while (open && inFlight < perStream) {
        inFlight++;
        call.write(next());
      }
      if (!open && inFlight === 0) call.end();
    };
    call.on('data', () => {
      inFlight--;
      if (open) answered++;
      pump();
    });
    call.on('error', () => { failed++; resolve(); });
    call.on('end', () => resolve());
    pump();
  }));
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  open = false;
  const elapsed = (performance.now() - started) / 1000;
  const cpu = processCpuMs(pid) - cpuBefore;
  const main = mainThreadCpuMs(pid) - mainBefore;
  const own = clientCpuMs(clientBefore);
  const records = answered * size;
  await Promise.all(streams);
  client.close();
  return { recordsPerSecond: records / elapsed, cpuMicrosPerRecord: perRecord(cpu, records), mainThreadMicrosPerRecord: perRecord(main, records), clientMicrosPerRecord: perRecord(own, records), failed };
}

async function restLoad(url: string, apiKey: string, seconds: number, pid: number): Promise<Rate> {
  const cpuBefore = processCpuMs(pid);
  const mainBefore = mainThreadCpuMs(pid);
  const clientBefore = process.cpuUsage();
  const result = measured(await load(url, '/v1/records/batch', apiKey, 100, 64, seconds), 100);
  const cpu = processCpuMs(pid) - cpuBefore;
  const main = mainThreadCpuMs(pid) - mainBefore;
  const own = clientCpuMs(clientBefore);
  const records = result.recordsPerSecond * seconds;
  return { recordsPerSecond: result.recordsPerSecond, cpuMicrosPerRecord: perRecord(cpu, records), mainThreadMicrosPerRecord: perRecord(main, records), clientMicrosPerRecord: perRecord(own, records), failed: result.failed };
}

async function withEchoServer<T>(size: number, fn: (address: string, pid: number) => Promise<T>): Promise<T> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./grpc-echo-server.js', import.meta.url)), String(size)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const address = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.once('data', (line: string) => resolve(line.trim()));
      child.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
    });
    return await fn(address, child.pid ?? 0);
  } finally {
    child.kill('SIGTERM');
  }
}

function figures(prefix: string, rounds: readonly Rate[]): Record<string, Figure> {
  return {
    [`${prefix} records/s`]: { value: Math.round(median(rounds.map((r) => r.recordsPerSecond))), unit: 'records/s' },
    [`${prefix} CPU per record`]: { value: Math.round(median(rounds.map((r) => r.cpuMicrosPerRecord)) * 10) / 10, unit: 'µs/record' },
    [`${prefix} main-thread CPU per record`]: { value: Math.round(median(rounds.map((r) => r.mainThreadMicrosPerRecord)) * 10) / 10, unit: 'µs/record' },
    [`${prefix} load generator CPU per record`]: { value: Math.round(median(rounds.map((r) => r.clientMicrosPerRecord)) * 10) / 10, unit: 'µs/record' },
    [`${prefix} failures`]: { value: rounds.reduce((n, r) => n + r.failed, 0), unit: 'requests or streams' },
  };
}

export async function runGrpcBench(): Promise<BenchResult> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const rounds = { rest: [] as Rate[], stream100: [] as Rate[], stream1: [] as Rate[] };
  await withGateway({ CROSSGATE_STORE: 'embedded', CROSSGATE_GRPC_PORT: String(port) }, async (gw, apiKey) => {
    await restLoad(gw.url, apiKey, 3, gw.pid); // warm-up (JIT, store caches) of both doors
    await streamLoad(address, apiKey, 100, 3, gw.pid);
    // The order alternates between rounds: the store grows and the machine's speed drifts during a run.
    for (let round = 0; round < ROUNDS; round++) {
      const phases = [
        async () => { rounds.rest.push(await restLoad(gw.url, apiKey, SECONDS, gw.pid)); },
        async () => { rounds.stream100.push(await streamLoad(address, apiKey, 100, SECONDS, gw.pid)); },
      ];
      for (const phase of round % 2 === 0 ? phases : phases.reverse()) await phase();
      rounds.stream1.push(await streamLoad(address, apiKey, 1, SECONDS, gw.pid));
    }
  });
  const floor100 = await withEchoServer(100, async (echo, pid) => [await streamLoad(echo, undefined, 100, SECONDS, pid)]);
  const floor1 = await withEchoServer(1, async (echo, pid) => [await streamLoad(echo, undefined, 1, SECONDS, pid)]);
  const show = (rs: readonly Rate[]) => rs.map((r) => Math.round(r.recordsPerSecond)).join(' / ');
  const ratios = rounds.stream100.map((r, i) => r.recordsPerSecond / (rounds.rest[i]?.recordsPerSecond ?? Infinity));
  return {
    scenario: 'grpc',
    date: new Date().toISOString(),
    metrics: {
      ...figures('gRPC SubmitStream, 100 events/request', rounds.stream100),
      ...figures('gRPC SubmitStream, 1 event/request', rounds.stream1),
      ...figures('REST POST /v1/records/batch (100 records)', rounds.rest),
    },
    baseline: {
      ...figures('bare grpc-js echo, 100 events/request', floor100),
      ...figures('bare grpc-js echo, 1 event/request', floor1),
    },
    ratio: Math.round(median(ratios) * 1000) / 1000,
    notes: [
      `one gateway process (embedded store and ledger, defaults), ${ROUNDS} rounds of ${SECONDS} s: REST batch and SubmitStream x100, in turns first, then SubmitStream x1; figures are medians of rounds; load generator on the same 2-core machine`,
      `rounds, records/s: REST batch ${show(rounds.rest)}; SubmitStream x100 ${show(rounds.stream100)}; SubmitStream x1 ${show(rounds.stream1)}`,
      `gRPC load: ${STREAMS} streams, ${IN_FLIGHT_RECORDS} records in flight; REST load: autocannon, 64 connections x 100 records; CPU per record is the gateway process's (all threads) over the records answered`,
      'baseline: a bare @grpc/grpc-js server answering each request with a pre-encoded answer of the gateway\'s size, no decoding: the transport\'s floor for the same client',
      `ratio: SubmitStream (100 events/request) records/s over REST batch records/s in the same round, median of the rounds (${ratios.map((r) => r.toFixed(2)).join(' / ')})`,
    ],
  };
}
