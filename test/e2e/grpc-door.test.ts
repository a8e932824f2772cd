/**
 * The gRPC door (issue 17), against a real gateway process and a real @grpc/grpc-js client loading the
 * repository's .proto files: every example record submitted as a CloudEvents-protobuf event gets a
 * receipt over gRPC that converts to exactly the JSON receipt REST serves and that `crossgate verify`
 * accepts; tenants, forbidden sources and types, cross-tenant reads and malformed data are refused with
 * the status codes docs/grpc.md lists; SubmitBatch answers per record; health and reflection answer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { hashApiKey } from '../../src/config/tenants.js';
import { receiptOfGrpc, type GrpcReceipt } from '../../src/ingest/grpc/grpc-records.js';
import { GATEWAY_PROTO, protoLoaderOptions } from '../../src/ingest/grpc/grpc.module.js';
import { http, REPO_ROOT, startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway.js';
import { runCli } from '../support/run-cli.js';

const KEY_ALL = 'cg_grpc-e2e-all-tenant-key-0001';
const KEY_METRO = 'cg_grpc-e2e-metro-tenant-key-01';
const KEY_LIMITED = 'cg_grpc-e2e-limited-tenant-key1';

type Unary = (request: unknown, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: unknown) => void) => void;
type GatewayClient = grpc.Client & Record<'Submit' | 'SubmitBatch' | 'GetReceipt', Unary>;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function call(client: GatewayClient, method: 'Submit' | 'SubmitBatch' | 'GetReceipt', request: unknown, apiKey?: string): Promise<unknown> {
  const metadata = new grpc.Metadata();
  if (apiKey !== undefined) metadata.set('authorization', `Bearer ${apiKey}`);
  return new Promise((resolve, reject) => {
    client[method](request, metadata, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

async function refusal(promise: Promise<unknown>, code: grpc.status, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: grpc.ServiceError) => {
    assert.equal(error.code, code, `${grpc.status[error.code]}: ${error.details}`);
    assert.match(error.details, message);
    return true;
  });
}

/** A structured CloudEvent as the protobuf format carries it: attributes as strings, data as JSON text. */
function cloudEvent(record: Record<string, unknown>): Record<string, unknown> {
  const { specversion, id, source, type, data, ...attributes } = record;
  return {
    specVersion: specversion, id, source, type,
    attributes: Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { ceString: String(value) }])),
    textData: JSON.stringify(data),
  };
}

const examples = readdirSync(join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.json')).map((file) => ({
  file, record: JSON.parse(readFileSync(join(REPO_ROOT, 'examples', file), 'utf8')) as Record<string, unknown> & { source: string; id: string; type: string },
}));

describe('gRPC door (crossgate.v1.Gateway)', () => {
  let gateway: GatewayProcess;
  let client: GatewayClient;
  let address: string;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-grpc-'));
    const tenantsFile = join(dir, 'tenants.json');
    writeFileSync(tenantsFile, JSON.stringify({
      tenants: [
        { id: 'all', role: 'admin', apiKeySha256: hashApiKey(KEY_ALL), sourcePrefixes: ['/'], allowedTypes: '*' },
        { id: 'metro', apiKeySha256: hashApiKey(KEY_METRO), sourcePrefixes: ['/beijing/transport'], allowedTypes: ['cn.gov.transport.trip'] },
        { id: 'limited', apiKeySha256: hashApiKey(KEY_LIMITED), sourcePrefixes: ['/beijing/transport'], allowedTypes: '*', quota: { recordsPerSecond: 0.01, burst: 2 } },
      ],
    }));
    const port = await freePort();
    gateway = await startGatewayProcess({ env: { CROSSGATE_TENANTS_FILE: tenantsFile, CROSSGATE_GRPC_PORT: String(port), CROSSGATE_BATCH_LINGER_MS: '20' }, readyTimeoutMs: 120_000 });
    address = `127.0.0.1:${port}`;
    const definition = protoLoader.loadSync(GATEWAY_PROTO, protoLoaderOptions);
    const loaded = grpc.loadPackageDefinition(definition) as unknown as { crossgate: { v1: { Gateway: new (address: string, credentials: grpc.ChannelCredentials) => GatewayClient } } };
    client = new loaded.crossgate.v1.Gateway(address, grpc.credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    await gateway?.cleanup();
  });

  it('every example record gets a receipt over gRPC that equals the REST receipt and passes crossgate verify', async () => {
    assert.equal(examples.length, 6);
    for (const { file, record } of examples) {
      const answer = await call(client, 'Submit', { event: cloudEvent(record) }, KEY_ALL) as { status: string; recordId: { source: string; id: string }; batchId: string };
      assert.equal(answer.status, 'SUBMIT_STATUS_ACCEPTED', file);
      assert.deepEqual(answer.recordId, { source: record.source, id: record.id });
      const again = await call(client, 'Submit', { event: cloudEvent(record) }, KEY_ALL) as { status: string; batchId: string };
      assert.equal(again.status, 'SUBMIT_STATUS_DUPLICATE', 'a repeat answers with the original result');
      assert.equal(again.batchId, answer.batchId);

      const recordId = { source: record.source, id: record.id };
      const viaGrpc = await waitFor(`receipt of ${file}`, async () => {
        try {
          return await call(client, 'GetReceipt', { recordId }, KEY_ALL) as GrpcReceipt;
        } catch (error) {
          if ((error as grpc.ServiceError).code === grpc.status.UNAVAILABLE && /CG_RECEIPT_PENDING/.test((error as grpc.ServiceError).details)) return undefined;
          throw error;
        }
      }, 20_000);
      const receipt = receiptOfGrpc(viaGrpc);
      const viaRest = await http(gateway.url, 'GET', `/v1/records/${encodeURIComponent(record.source)}/${encodeURIComponent(record.id)}/receipt`, { apiKey: KEY_ALL });
      assert.equal(viaRest.status, 200);
      assert.deepEqual(receipt, viaRest.body, `${file}: the gRPC receipt converts to the REST receipt, member for member`);
      const receiptFile = join(gateway.dataDir, `${file}.grpc-receipt.json`);
      writeFileSync(receiptFile, JSON.stringify(receipt));
      const verified = runCli(['verify', receiptFile, '--record', join(REPO_ROOT, 'examples', file), '--ledger', join(gateway.dataDir, 'ledger')]);
      assert.equal(verified.status, 0, verified.stdout + verified.stderr);
      assert.match(verified.stdout, /receipt verified/);
    }
  });

  it('refuses as REST does: no or a wrong key, a forbidden type or source, another tenant\'s receipt, malformed data', async () => {
    const trip = examples.find((e) => e.record.type === 'cn.gov.transport.trip')?.record;
    const toll = examples.find((e) => e.record.type === 'cn.gov.transport.toll-passage')?.record;
    const payment = examples.find((e) => e.record.type === 'cn.gov.finance.payment')?.record;
    assert.ok(trip && toll && payment);
    await refusal(call(client, 'Submit', { event: cloudEvent(trip) }), grpc.status.UNAUTHENTICATED, /authorization: Bearer/);
    await refusal(call(client, 'Submit', { event: cloudEvent(trip) }, 'cg_not-a-key-of-anyone-000001'), grpc.status.UNAUTHENTICATED, /not valid/);
    await refusal(call(client, 'Submit', { event: cloudEvent({ ...toll, id: 'grpc-toll-1' }) }, KEY_METRO), grpc.status.PERMISSION_DENIED, /^CG_TYPE_FORBIDDEN/);
    await refusal(call(client, 'Submit', { event: cloudEvent({ ...payment, id: 'grpc-pay-1' }) }, KEY_METRO), grpc.status.PERMISSION_DENIED, /^CG_SOURCE_FORBIDDEN/);
    await refusal(call(client, 'GetReceipt', { recordId: { source: payment.source, id: payment.id } }, KEY_METRO), grpc.status.NOT_FOUND, /CG_NOT_FOUND/);
    const duplicateMember = { ...cloudEvent({ ...trip, id: 'grpc-dup-1' }), textData: '{"a":1,"a":2}' };
    await refusal(call(client, 'Submit', { event: duplicateMember }, KEY_ALL), grpc.status.INVALID_ARGUMENT, /^CG_NOT_I_JSON/);
    await refusal(call(client, 'Submit', { event: { ...cloudEvent({ ...trip, id: 'grpc-bad-1' }), textData: '{"distanceKm": "far"}' } }, KEY_ALL), grpc.status.INVALID_ARGUMENT, /^CG_SCHEMA_INVALID/);
    await refusal(call(client, 'Submit', { event: { ...cloudEvent({ ...trip, id: 'grpc-proto-1' }), textData: undefined, protoData: { typeUrl: 'x', value: Buffer.from('') } } }, KEY_ALL), grpc.status.INVALID_ARGUMENT, /proto_data is not accepted/);
    // Every refusal of a record is in the dead-letter index, as gRPC's.
    const letters = await http(gateway.url, 'GET', '/v1/dlq?origin=grpc', { apiKey: KEY_ALL });
    assert.equal(letters.status, 200, letters.text);
    const codes = (letters.body as { items: { code: string }[] }).items.map((i) => i.code).sort();
    assert.deepEqual(codes, ['CG_DECODE_FAILED', 'CG_NOT_I_JSON', 'CG_SCHEMA_INVALID', 'CG_SOURCE_FORBIDDEN', 'CG_TYPE_FORBIDDEN']);
  });

  it('holds a tenant to its quota (the same bucket as REST): RESOURCE_EXHAUSTED once the burst is spent', async () => {
    const trip = examples.find((e) => e.record.type === 'cn.gov.transport.trip')?.record;
    assert.ok(trip);
    const events = [0, 1, 2].map((i) => cloudEvent({ ...trip, id: `grpc-quota-${i}` }));
    await refusal(call(client, 'SubmitBatch', { events }, KEY_LIMITED), grpc.status.RESOURCE_EXHAUSTED, /^CG_QUOTA_EXCEEDED: .*send fewer records per call/);
    assert.equal(((await call(client, 'Submit', { event: events[0] }, KEY_LIMITED)) as { status: string }).status, 'SUBMIT_STATUS_ACCEPTED');
    const rest = await http(gateway.url, 'POST', '/v1/records', { apiKey: KEY_LIMITED, body: { ...trip, id: 'grpc-quota-rest' } });
    assert.equal(rest.status, 202, 'REST takes the second token of the same bucket');
    await refusal(call(client, 'Submit', { event: events[1] }, KEY_LIMITED), grpc.status.RESOURCE_EXHAUSTED, /^CG_QUOTA_EXCEEDED: .*retry after \d+ s/);
  });

  it('SubmitBatch answers per record, in order, bad records beside good ones', async () => {
    const trip = examples.find((e) => e.record.type === 'cn.gov.transport.trip')?.record;
    assert.ok(trip);
    const events = [
      cloudEvent({ ...trip, id: 'grpc-batch-1' }),
      { ...cloudEvent({ ...trip, id: 'grpc-batch-2' }), textData: '{"not": "a trip"}' },
      cloudEvent({ ...trip, id: 'grpc-batch-3' }),
    ];
    const answer = await call(client, 'SubmitBatch', { events }, KEY_METRO) as { results: { status: string; recordId?: { id: string }; rejection?: { code: string; issues: { path: string }[] } }[] };
    assert.deepEqual(answer.results.map((r) => r.status), ['SUBMIT_STATUS_ACCEPTED', 'SUBMIT_STATUS_REJECTED', 'SUBMIT_STATUS_ACCEPTED']);
    assert.equal(answer.results[1]?.rejection?.code, 'CG_SCHEMA_INVALID');
    assert.ok((answer.results[1]?.rejection?.issues.length ?? 0) > 0, 'the schema issues are carried');
    assert.deepEqual(answer.results.map((r) => r.recordId?.id), ['grpc-batch-1', 'grpc-batch-2', 'grpc-batch-3']);
    await refusal(call(client, 'SubmitBatch', { events: [] }, KEY_METRO), grpc.status.INVALID_ARGUMENT, /at least one event/);
  });

  it('serves grpc.health.v1 and server reflection', async () => {
    const health = grpc.loadPackageDefinition(protoLoader.loadSync(join(REPO_ROOT, 'node_modules/grpc-health-check/proto/health/v1/health.proto'), { enums: String })) as unknown as { grpc: { health: { v1: { Health: new (a: string, c: grpc.ChannelCredentials) => grpc.Client & { Check: Unary } } } } };
    const healthClient = new health.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
    const answer = await new Promise<{ status: string }>((resolve, reject) => healthClient.Check({ service: 'crossgate.v1.Gateway' }, new grpc.Metadata(), (error, response) => (error ? reject(error) : resolve(response as { status: string }))));
    assert.equal(answer.status, 'SERVING');
    healthClient.close();

    const reflection = grpc.loadPackageDefinition(protoLoader.loadSync(join(REPO_ROOT, 'node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'))) as unknown as { grpc: { reflection: { v1: { ServerReflection: new (a: string, c: grpc.ChannelCredentials) => grpc.Client & { ServerReflectionInfo: () => grpc.ClientDuplexStream<unknown, { listServicesResponse?: { service: { name: string }[] } }> } } } } };
    const reflectionClient = new reflection.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
    const stream = reflectionClient.ServerReflectionInfo();
    const services = await new Promise<string[]>((resolve, reject) => {
      stream.on('data', (message) => { resolve((message.listServicesResponse?.service ?? []).map((s: { name: string }) => s.name)); stream.end(); });
      stream.on('error', reject);
      stream.write({ listServices: '' });
    });
    reflectionClient.close();
    assert.ok(services.includes('crossgate.v1.Gateway'), JSON.stringify(services));
    assert.ok(services.includes('grpc.health.v1.Health'), services.join(', '));
  });
});
