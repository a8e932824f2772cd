/**
 * SubmitStream's flow control against a real gateway process: while the pipeline is full (the chain
 * refuses writes, the outbox is at its bound of one batch), the server reads no more than its window of
 * unanswered events (twice the batch limit), the rest stays with the client (held by HTTP/2 flow
 * control), and once the chain is back every request is answered, in order.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { hashApiKey } from '../../src/config/tenants.js';
import { http, startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway.js';
import { cloudEvent, examples, freePort, gatewayClient } from '../support/grpc.js';

const KEY = 'cg_grpc-flow-e2e-tenant-key-001';
const BATCH_LIMIT = 10;
const WINDOW = 2 * BATCH_LIMIT;

type Client = grpc.Client & {
  GetReceipt(request: unknown, metadata: grpc.Metadata, callback: () => void): void;
  SubmitStream(metadata: grpc.Metadata): grpc.ClientDuplexStream<unknown, { sequence: string; results: { status: string }[] }> };

async function receivedByServer(url: string): Promise<number> {
  const { text } = await http(url, 'GET', '/metrics');
  const line = text.split('\n').find((l) => l.startsWith('crossgate_grpc_stream_messages_total{method="SubmitStream",direction="received"}'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('SubmitStream flow control', () => {
  let gateway: GatewayProcess;
  let client: Client;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-grpc-flow-'));
    writeFileSync(join(dir, 'tenants.json'), JSON.stringify({ tenants: [{ id: 'flow', apiKeySha256: hashApiKey(KEY), sourcePrefixes: ['/'], allowedTypes: '*' }] }));
    const port = await freePort();
    gateway = await startGatewayProcess({
      env: {
        CROSSGATE_TENANTS_FILE: join(dir, 'tenants.json'), CROSSGATE_GRPC_PORT: String(port),
        CROSSGATE_REST_BATCH_LIMIT: String(BATCH_LIMIT), CROSSGATE_OUTBOX_MAX_BATCHES: '1',
        CROSSGATE_BATCH_LINGER_MS: '10', CROSSGATE_RETRY_INITIAL_MS: '50', CROSSGATE_RETRY_MAX_MS: '200',
      },
      readyTimeoutMs: 120_000,
    });
    client = gatewayClient<Client>(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    rmSync(dir, { recursive: true, force: true });
  });
  after(async () => {
    client?.close();
    await gateway?.cleanup();
  });

  it('reads at most its window while the pipeline is full, then answers every request in order', async () => {
    const trip = examples.find((e) => e.record.type === 'cn.gov.transport.trip')?.record;
    assert.ok(trip);
    const maintenance = join(gateway.dataDir, 'ledger', 'MAINTENANCE');
    writeFileSync(maintenance, 'grpc flow test\n');
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${KEY}`);
    const stream = client.SubmitStream(metadata);
    const answers: { sequence: string; results: { status: string }[] }[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('data', (answer: { sequence: string; results: { status: string }[] }) => answers.push(answer));
      stream.on('end', resolve);
      stream.on('error', reject);
    });

    // The first record fills the outbox (its batch cannot be anchored): from then on the pipeline is full.
    stream.write({ events: [cloudEvent({ ...trip, id: 'flow-0' })] });
    await waitFor('the first answer', () => Promise.resolve(answers.length === 1 ? true : undefined));

    // grpc-js queues a client's writes in its HTTP/2 session without telling the writer (write() keeps
    // returning true), so the client writes all of them; the bound is on what the server takes.
    const total = 2_000;
    for (let i = 1; i < total; i++) stream.write({ events: [cloudEvent({ ...trip, id: `flow-${i}` })] });
    stream.end();
    // A later call on the same connection is answered only after the server has read every byte sent
    // before it (one TCP stream, frames in order): whatever HTTP/2 let through has reached the door by then.
    await new Promise<void>((resolve) => client.GetReceipt({ recordId: { source: trip.source, id: 'flow-0' } }, metadata, () => resolve()));
    const read = await receivedByServer(gateway.url);
    assert.ok(read >= 1 + WINDOW && read <= 1 + WINDOW + 1, `the server read ${read} requests: the first and its window of ${WINDOW} (one more may be taken before the pause)`);
    assert.equal(answers.length, 1, 'nothing more is answered while the pipeline is full');

    rmSync(maintenance);
    await ended;
    assert.deepEqual(answers.map((a) => Number(a.sequence)), Array.from({ length: total }, (_, i) => i), 'every request answered once, in order');
    assert.ok(answers.every((a) => a.results.length === 1 && a.results[0]?.status === 'SUBMIT_STATUS_ACCEPTED'), 'every record accepted');
    assert.equal(await receivedByServer(gateway.url), total);
  });
});
