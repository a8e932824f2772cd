/**
 * The gRPC door driven by a third-party client, grpcurl (built from its Go module by
 * scripts/grpcurl.sh), through server reflection only: it lists and describes the services, submits
 * every example record, fetches each receipt, which `crossgate verify` accepts, and prints the rich
 * details of a refusal. Then over TLS with client certificates required: grpcurl authenticates with
 * its certificate alone, and without one gets no handshake.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashApiKey } from '../../src/config/tenants.js';
import { receiptOfGrpc, type GrpcReceipt } from '../../src/ingest/grpc/grpc-records.js';
import { REPO_ROOT, startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway.js';
import { cloudEvent, examples, freePort } from '../support/grpc.js';
import { runCli } from '../support/run-cli.js';

const grpcurlBin = process.env['CROSSGATE_TEST_GRPCURL'];
const KEY = 'cg_grpcurl-e2e-tenant-key-00001';
const dir = mkdtempSync(join(tmpdir(), 'cg-grpcurl-'));
const file = (name: string) => join(dir, name);

function grpcurl(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  assert.ok(grpcurlBin, 'CROSSGATE_TEST_GRPCURL must name the grpcurl binary (npm test builds it with scripts/grpcurl.sh)');
  const run = spawnSync(grpcurlBin, args, { encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** grpcurl prints proto JSON with the .proto's own field names (record_id); proto-loader's objects are camelCase. */
function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), camelKeys(v)]));
}

/** The event as a grpcurl user writes it, in proto JSON with the .proto's field names (docs/grpc.md). */
function protoJsonEvent(record: Record<string, unknown>): Record<string, unknown> {
  const { specversion, id, source, type, data, ...attributes } = record;
  return {
    id, source, spec_version: specversion, type,
    attributes: Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { ce_string: String(value) }])),
    text_data: JSON.stringify(data),
  };
}

function ok(args: readonly string[]): string {
  const run = grpcurl(args);
  assert.equal(run.status, 0, `grpcurl ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

describe('gRPC door with grpcurl', () => {
  let gateway: GatewayProcess;
  let address: string;
  before(async () => {
    writeFileSync(file('tenants.json'), JSON.stringify({
      tenants: [{ id: 'all', apiKeySha256: hashApiKey(KEY), sourcePrefixes: ['/'], allowedTypes: '*' }],
    }));
    const port = await freePort();
    gateway = await startGatewayProcess({ env: { CROSSGATE_TENANTS_FILE: file('tenants.json'), CROSSGATE_GRPC_PORT: String(port), CROSSGATE_BATCH_LINGER_MS: '20' }, readyTimeoutMs: 120_000 });
    address = `127.0.0.1:${port}`;
  });
  after(async () => {
    await gateway?.cleanup();
  });

  it('lists and describes the services through reflection', () => {
    const services = ok(['-plaintext', address, 'list']).trim().split('\n');
    for (const name of ['crossgate.v1.Gateway', 'grpc.health.v1.Health']) assert.ok(services.includes(name), services.join(', '));
    const described = ok(['-plaintext', address, 'describe', 'crossgate.v1.Gateway']);
    assert.match(described, /rpc SubmitStream \( stream \.crossgate\.v1\.SubmitStreamRequest \) returns \( stream \.crossgate\.v1\.SubmitStreamResponse \)/);
    assert.match(described, /rpc WatchReceipts \( \.crossgate\.v1\.WatchReceiptsRequest \) returns \( stream \.crossgate\.v1\.WatchReceiptsResponse \)/);
    assert.match(ok(['-plaintext', '-d', '{"service": "crossgate.v1.Gateway"}', address, 'grpc.health.v1.Health/Check']), /"status": "SERVING"/);
  });

  it('submits every example record; each receipt, fetched by grpcurl, passes crossgate verify', async () => {
    assert.equal(examples.length, 6);
    for (const { file: name, record } of examples) {
      const answer = JSON.parse(ok(['-plaintext', '-H', `authorization: Bearer ${KEY}`, '-d', JSON.stringify({ event: protoJsonEvent(record) }), address, 'crossgate.v1.Gateway/Submit'])) as { status: string; record_id: unknown };
      assert.equal(answer.status, 'SUBMIT_STATUS_ACCEPTED', name);
      assert.deepEqual(answer.record_id, { source: record.source, id: record.id });
      const request = JSON.stringify({ record_id: { source: record.source, id: record.id } });
      const receipt = await waitFor(`receipt of ${name}`, () => {
        const run = grpcurl(['-plaintext', '-H', `authorization: Bearer ${KEY}`, '-d', request, address, 'crossgate.v1.Gateway/GetReceipt']);
        if (run.status !== 0 && /CG_RECEIPT_PENDING/.test(run.stderr)) return Promise.resolve(undefined);
        assert.equal(run.status, 0, run.stderr);
        return Promise.resolve(receiptOfGrpc(camelKeys(JSON.parse(run.stdout)) as GrpcReceipt));
      }, 20_000);
      const receiptFile = join(gateway.dataDir, `${name}.grpcurl-receipt.json`);
      writeFileSync(receiptFile, JSON.stringify(receipt));
      const verified = runCli(['verify', receiptFile, '--record', join(REPO_ROOT, 'examples', name), '--ledger', join(gateway.dataDir, 'ledger')]);
      assert.equal(verified.status, 0, verified.stdout + verified.stderr);
      assert.match(verified.stdout, /receipt verified/);
    }
  });

  it('prints a refusal\'s status and its rich details (ErrorInfo, BadRequest)', () => {
    const trip = examples.find((e) => e.record.type === 'cn.gov.transport.trip')?.record;
    assert.ok(trip);
    const event = { ...cloudEvent({ ...trip, id: 'grpcurl-bad-1' }), textData: JSON.stringify({ ...(trip['data'] as object), distanceMeters: 'far' }) };
    const run = grpcurl(['-plaintext', '-H', `authorization: Bearer ${KEY}`, '-d', JSON.stringify({ event }), address, 'crossgate.v1.Gateway/Submit']);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /Code: InvalidArgument/);
    assert.match(run.stderr, /Message: CG_SCHEMA_INVALID/);
    assert.match(run.stderr, /"@type": "type\.googleapis\.com\/google\.rpc\.ErrorInfo"[\s\S]*"reason": "CG_SCHEMA_INVALID"/);
    assert.match(run.stderr, /"@type": "type\.googleapis\.com\/google\.rpc\.BadRequest"[\s\S]*"field": "event\/data\/distanceMeters"/);
  });
});

describe('gRPC door over TLS with client certificates required (grpcurl)', () => {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const issue = (name: string, subject: string, extension: string) => {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    writeFileSync(file(`${name}.ext`), `${extension}\n`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`);
  };
  let gateway: GatewayProcess;
  let address: string;
  before(async () => {
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=grpc-test-ca', '-keyout', 'ca.key', '-out', 'ca.pem');
    issue('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
    issue('metro', '/CN=metro-exporter', 'extendedKeyUsage=clientAuth');
    issue('nobody', '/CN=nobody', 'extendedKeyUsage=clientAuth');
    writeFileSync(file('tls-tenants.json'), JSON.stringify({
      tenants: [{ id: 'metro', clientCertificates: [{ subject: 'CN=metro-exporter' }], sourcePrefixes: ['/beijing/transport'], allowedTypes: '*' }],
    }));
    const port = await freePort();
    gateway = await startGatewayProcess({
      env: {
        CROSSGATE_TENANTS_FILE: file('tls-tenants.json'), CROSSGATE_GRPC_PORT: String(port),
        CROSSGATE_REST_TLS_CERT_FILE: file('server.pem'), CROSSGATE_REST_TLS_KEY_FILE: file('server.key'),
        CROSSGATE_REST_TLS_CLIENT_CA_FILE: file('ca.pem'), CROSSGATE_REST_TLS_CLIENT_AUTH: 'required',
      },
      readyTimeoutMs: 120_000,
    });
    address = `127.0.0.1:${port}`;
  });
  after(async () => {
    await gateway?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('authenticates the tenant by its certificate, refuses an unmapped one, and shakes no hands without one', () => {
    const trip = examples.find((e) => e.record.type === 'cn.gov.transport.trip')?.record;
    assert.ok(trip);
    const submit = (cert: string | undefined, id: string) => grpcurl([
      '-cacert', file('ca.pem'), ...(cert === undefined ? [] : ['-cert', file(`${cert}.pem`), '-key', file(`${cert}.key`)]),
      '-d', JSON.stringify({ event: cloudEvent({ ...trip, id }) }), address, 'crossgate.v1.Gateway/Submit',
    ]);
    const accepted = submit('metro', 'grpc-tls-1');
    assert.equal(accepted.status, 0, accepted.stderr);
    assert.match(accepted.stdout, /SUBMIT_STATUS_ACCEPTED/);
    const unmapped = submit('nobody', 'grpc-tls-2');
    assert.match(unmapped.stderr, /Code: Unauthenticated[\s\S]*CN=nobody/);
    const anonymous = submit(undefined, 'grpc-tls-3');
    assert.notEqual(anonymous.status, 0);
    assert.doesNotMatch(anonymous.stderr, /Code: Unauthenticated/, 'refused at the handshake, before any call');
    assert.match(anonymous.stderr, /certificate|handshake|connection/i);
  });
});
