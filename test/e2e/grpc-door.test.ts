/**
 * The gRPC door (issue 17), against a real gateway process and a real @grpc/grpc-js client loading the
 * repository's .proto files: every example record submitted as a CloudEvents-protobuf event gets a
 * receipt over gRPC that converts to exactly the JSON receipt REST serves and that `crossgate verify`
 * accepts; tenants, forbidden sources and types, cross-tenant reads and malformed data are refused with
 * the status codes docs/grpc.md lists; SubmitBatch answers per record; health and reflection answer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { hashApiKey } from '../../src/config/tenants.js';
import { receiptOfGrpc, type GrpcReceipt } from '../../src/ingest/grpc/grpc-records.js';
import { decodeStatusDetails, STATUS_DETAILS_KEY } from '../../src/ingest/grpc/grpc-errors.js';
import { http, REPO_ROOT, startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway.js';
import { cloudEvent, examples, freePort, gatewayClient } from '../support/grpc.js';
import { runCli } from '../support/run-cli.js';

const KEY_ALL = 'cg_grpc-e2e-all-tenant-key-0001';
const KEY_METRO = 'cg_grpc-e2e-metro-tenant-key-01';
const KEY_LIMITED = 'cg_grpc-e2e-limited-tenant-key1';

type Unary = (request: unknown, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: unknown) => void) => void;
type GatewayClient = grpc.Client & Record<'Submit' | 'SubmitBatch' | 'GetReceipt', Unary> & {
  SubmitStream(metadata: grpc.Metadata): grpc.ClientDuplexStream<unknown, StreamAnswer>;
  WatchReceipts(request: { cursor?: string }, metadata: grpc.Metadata): grpc.ClientReadableStream<{ receipt: GrpcReceipt; cursor: string }>;
};
type StreamAnswer = { sequence: string; results: { status: string; recordId?: { id: string }; rejection?: { code: string } }[] };

const KEY_WATCHER = 'cg_grpc-e2e-watcher-tenant-key1';

function bearer(apiKey: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${apiKey}`);
  return metadata;
}

/** Receives from a WatchReceipts stream until `count` receipts came, then cancels it (a client going away). */
function watch(client: GatewayClient, apiKey: string, cursor: string, count: number): Promise<{ receipt: GrpcReceipt; cursor: string }[]> {
  const stream = client.WatchReceipts({ cursor }, bearer(apiKey));
  const got: { receipt: GrpcReceipt; cursor: string }[] = [];
  return new Promise((resolve, reject) => {
    stream.on('data', (message) => {
      got.push(message);
      if (got.length === count) {
        stream.cancel();
        resolve(got);
      }
    });
    stream.on('error', (error: grpc.ServiceError) => { if (error.code !== grpc.status.CANCELLED) reject(error); });
  });
}

function call(client: GatewayClient, method: 'Submit' | 'SubmitBatch' | 'GetReceipt', request: unknown, apiKey?: string): Promise<unknown> {
  const metadata = new grpc.Metadata();
  if (apiKey !== undefined) metadata.set('authorization', `Bearer ${apiKey}`);
  return new Promise((resolve, reject) => {
    client[method](request, metadata, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

async function refusal(promise: Promise<unknown>, code: grpc.status, message: RegExp): Promise<grpc.ServiceError> {
  let caught: grpc.ServiceError | undefined;
  await assert.rejects(promise, (error: grpc.ServiceError) => {
    assert.equal(error.code, code, `${grpc.status[error.code]}: ${error.details}`);
    assert.match(error.details, message);
    caught = error;
    return true;
  });
  return caught!;
}

/** The google.rpc.Status in an error's grpc-status-details-bin trailer, details by type name. */
function richDetails(error: grpc.ServiceError): Record<string, Record<string, unknown>> {
  const [bytes] = error.metadata.get(STATUS_DETAILS_KEY);
  assert.ok(bytes instanceof Buffer, 'the error carries grpc-status-details-bin');
  const decoded = decodeStatusDetails(bytes);
  assert.equal(decoded.code, error.code, 'google.rpc.Status.code is the call\'s status code');
  assert.equal(decoded.message, error.details);
  return Object.fromEntries(decoded.details.map((d) => [d.type.replace('type.googleapis.com/google.rpc.', ''), d.value]));
}

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
        { id: 'watcher', apiKeySha256: hashApiKey(KEY_WATCHER), sourcePrefixes: ['/beijing/transport'], allowedTypes: '*' },
        { id: 'limited', apiKeySha256: hashApiKey(KEY_LIMITED), sourcePrefixes: ['/beijing/transport'], allowedTypes: '*', quota: { recordsPerSecond: 0.01, burst: 2 } },
      ],
    }));
    const port = await freePort();
    gateway = await startGatewayProcess({ env: { CROSSGATE_TENANTS_FILE: tenantsFile, CROSSGATE_GRPC_PORT: String(port), CROSSGATE_BATCH_LINGER_MS: '20' }, readyTimeoutMs: 120_000 });
    address = `127.0.0.1:${port}`;
    client = gatewayClient<GatewayClient>(address, grpc.credentials.createInsecure());
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
      // The embedded ledger has no offline anchor proof: asking for one is a clear INVALID_ARGUMENT.
      await refusal(call(client, 'GetReceipt', { recordId, anchorProof: true }, KEY_ALL), grpc.status.INVALID_ARGUMENT, /^CG_REQUEST_INVALID: receipts anchored on "embedded" carry no anchor proof/);
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
    const farData = JSON.stringify({ ...(trip['data'] as object), distanceMeters: 'far' });
    const invalid = await refusal(call(client, 'Submit', { event: { ...cloudEvent({ ...trip, id: 'grpc-bad-1' }), textData: farData } }, KEY_ALL), grpc.status.INVALID_ARGUMENT, /^CG_SCHEMA_INVALID/);
    const details = richDetails(invalid);
    assert.deepEqual(details['ErrorInfo'], { reason: 'CG_SCHEMA_INVALID', domain: 'crossgate', metadata: {} });
    const violations = (details['BadRequest'] as { fieldViolations: { field: string; description: string; reason: string }[] }).fieldViolations;
    assert.deepEqual(violations.map((v) => [v.field, v.reason]), [['event/data/distanceMeters', 'invalid_type']], 'one violation per schema issue, at its JSON pointer');
    assert.ok(violations[0]!.description.length > 0);
    await refusal(call(client, 'Submit', { event: { ...cloudEvent({ ...trip, id: 'grpc-proto-1' }), textData: undefined, protoData: { typeUrl: 'x', value: Buffer.from('') } } }, KEY_ALL), grpc.status.INVALID_ARGUMENT, /proto_data is not accepted/);
    // Bytes that are not UTF-8 in a string field: refused, not read as U+FFFD (sent raw: a client encodes strings itself).
    const serialize = (client.constructor as unknown as { service: Record<string, { requestSerialize(v: unknown): Buffer }> }).service['Submit']!.requestSerialize;
    const bytes = serialize({ event: { ...cloudEvent({ ...trip, id: 'grpc-utf8-1' }), textData: '{"a":"~~"}' } });
    bytes.set([0xc0, 0xaf], bytes.indexOf('~~')); // an overlong '/'
    const submitRaw = (raw: Buffer) => new Promise((resolve, reject) => {
      client.makeUnaryRequest('/crossgate.v1.Gateway/Submit', (b: Buffer) => b, (b: Buffer) => b, raw, bearer(KEY_ALL), (error, response) => (error ? reject(error) : resolve(response)));
    });
    const notUtf8 = await refusal(submitRaw(bytes), grpc.status.INVALID_ARGUMENT, /^CG_NOT_I_JSON: text_data is not UTF-8/);
    assert.equal(richDetails(notUtf8)['ErrorInfo']?.['reason'], 'CG_NOT_I_JSON');
    const twice = serialize({ event: cloudEvent({ ...trip, id: 'grpc-twice-1' }) });
    await refusal(submitRaw(Buffer.concat([twice, twice])), grpc.status.INVALID_ARGUMENT, /^CG_REQUEST_INVALID: .*one event/);
    // Every refusal of a record is in the dead-letter index, as gRPC's.
    const letters = await http(gateway.url, 'GET', '/v1/dlq?origin=grpc', { apiKey: KEY_ALL });
    assert.equal(letters.status, 200, letters.text);
    const codes = (letters.body as { items: { code: string }[] }).items.map((i) => i.code).sort();
    assert.deepEqual(codes, ['CG_DECODE_FAILED', 'CG_NOT_I_JSON', 'CG_NOT_I_JSON', 'CG_SCHEMA_INVALID', 'CG_SOURCE_FORBIDDEN', 'CG_TYPE_FORBIDDEN']);
  });

  it('holds a tenant to its quota (the same bucket as REST): RESOURCE_EXHAUSTED once the burst is spent', async () => {
    const trip = examples.find((e) => e.record.type === 'cn.gov.transport.trip')?.record;
    assert.ok(trip);
    const events = [0, 1, 2].map((i) => cloudEvent({ ...trip, id: `grpc-quota-${i}` }));
    await refusal(call(client, 'SubmitBatch', { events }, KEY_LIMITED), grpc.status.RESOURCE_EXHAUSTED, /^CG_QUOTA_EXCEEDED: .*send fewer records per call/);
    assert.equal(((await call(client, 'Submit', { event: events[0] }, KEY_LIMITED)) as { status: string }).status, 'SUBMIT_STATUS_ACCEPTED');
    const rest = await http(gateway.url, 'POST', '/v1/records', { apiKey: KEY_LIMITED, body: { ...trip, id: 'grpc-quota-rest' } });
    assert.equal(rest.status, 202, 'REST takes the second token of the same bucket');
    const exhausted = await refusal(call(client, 'Submit', { event: events[1] }, KEY_LIMITED), grpc.status.RESOURCE_EXHAUSTED, /^CG_QUOTA_EXCEEDED: .*retry after \d+ s/);
    const details = richDetails(exhausted);
    const delay = (details['RetryInfo'] as { retryDelay: { seconds: number } }).retryDelay.seconds;
    assert.ok(delay >= 1 && new RegExp(`retry after ${delay} s`).test(exhausted.details), `RetryInfo says what the message says (${delay} s)`);
    assert.equal((details['QuotaFailure'] as { violations: { subject: string }[] }).violations[0]?.subject, 'tenant:limited');
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

  it('SubmitStream answers every request once, in order, per record, bad records beside good ones', async () => {
    const trip = examples.find((e) => e.record.type === 'cn.gov.transport.trip')?.record;
    assert.ok(trip);
    const stream = client.SubmitStream(bearer(KEY_METRO));
    const answers: StreamAnswer[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('data', (answer: StreamAnswer) => answers.push(answer));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const requests = 60;
    for (let i = 0; i < requests; i++) {
      // Every seventh request carries two events, the second of them malformed.
      const events = [cloudEvent({ ...trip, id: `grpc-stream-${i}` })];
      if (i % 7 === 0) events.push({ ...cloudEvent({ ...trip, id: `grpc-stream-bad-${i}` }), textData: '{"not": "a trip"}' });
      stream.write({ events });
    }
    stream.end();
    await ended;
    assert.deepEqual(answers.map((a) => a.sequence), Array.from({ length: requests }, (_, i) => String(i)), 'one answer per request, in order');
    for (const [i, answer] of answers.entries()) {
      const expected = i % 7 === 0 ? ['SUBMIT_STATUS_ACCEPTED', 'SUBMIT_STATUS_REJECTED'] : ['SUBMIT_STATUS_ACCEPTED'];
      assert.deepEqual(answer.results.map((r) => r.status), expected, `request ${i}`);
      assert.equal(answer.results[0]?.recordId?.id, `grpc-stream-${i}`);
    }
    const bad = answers[0]?.results[1];
    assert.equal(bad?.rejection?.code, 'CG_SCHEMA_INVALID');

    // Without a key the stream ends at once with UNAUTHENTICATED.
    const anonymous = client.SubmitStream(new grpc.Metadata());
    const refused = await new Promise<grpc.ServiceError>((resolve) => {
      anonymous.on('data', () => assert.fail('no answer without a key'));
      anonymous.on('error', resolve);
      anonymous.write({ events: [cloudEvent({ ...trip, id: 'grpc-stream-anonymous' })] });
    });
    assert.equal(refused.code, grpc.status.UNAUTHENTICATED);
  });

  it('WatchReceipts delivers each of the tenant\'s receipts exactly once across a disconnect and a resume from the cursor', async () => {
    const trip = examples.find((e) => e.record.type === 'cn.gov.transport.trip')?.record;
    assert.ok(trip);
    const submit = async (ids: string[]) => {
      const answer = await call(client, 'SubmitBatch', { events: ids.map((id) => cloudEvent({ ...trip, id })) }, KEY_WATCHER) as { results: { status: string }[] };
      assert.ok(answer.results.every((r) => r.status === 'SUBMIT_STATUS_ACCEPTED'));
    };
    const first = Array.from({ length: 5 }, (_, i) => `grpc-watch-a-${i}`);
    const second = Array.from({ length: 6 }, (_, i) => `grpc-watch-b-${i}`);
    // Watching from the start (no cursor), live: the receipts come as the batch is anchored.
    const before = watch(client, KEY_WATCHER, '', 3);
    await submit(first);
    const part1 = await before;
    // While nobody watches, the rest of the first records and all of the second ones are anchored.
    await submit(second);
    const resumed = await watch(client, KEY_WATCHER, part1.at(-1)!.cursor, first.length + second.length - 3);
    const ids = [...part1, ...resumed].map((m) => m.receipt.recordId.id);
    assert.deepEqual(ids, [...first, ...second], 'every receipt once, in anchoring order, none skipped or repeated at the resume');
    // Each is the receipt REST serves, and another tenant's records never appear.
    for (const message of [part1[0]!, resumed.at(-1)!]) {
      const { source, id } = message.receipt.recordId;
      const rest = await http(gateway.url, 'GET', `/v1/records/${encodeURIComponent(source)}/${encodeURIComponent(id)}/receipt`, { apiKey: KEY_WATCHER });
      assert.deepEqual(receiptOfGrpc(message.receipt), rest.body);
    }
    // A cursor the gateway never handed out is refused.
    const bogus = client.WatchReceipts({ cursor: 'from-the-top' }, bearer(KEY_WATCHER));
    const error = await new Promise<grpc.ServiceError>((resolve) => { bogus.on('error', resolve); bogus.on('data', () => assert.fail('no receipt for a bad cursor')); });
    assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
    assert.deepEqual(richDetails(error)['BadRequest'], { fieldViolations: [{ field: 'cursor', description: 'send the cursor of the last receipt received, or none', reason: 'invalid' }] });
    // The gRPC metrics count the calls by method and status, the refused watch included.
    const metrics = (await http(gateway.url, 'GET', '/metrics')).text;
    assert.match(metrics, /^crossgate_grpc_calls_total\{method="WatchReceipts",code="INVALID_ARGUMENT"\} 1$/m);
    assert.match(metrics, /^crossgate_grpc_calls_total\{method="SubmitBatch",code="OK"\} [1-9]/m);
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
