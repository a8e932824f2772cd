/**
 * ARCHITECTURE.md invariant 6, checked on a full run: the real gateway process on PostgreSQL (reached
 * with a password in its URL) and Kafka, a signing key from a PEM file, tenants with API keys, the most
 * verbose log level with request logging; then every kind of call (records accepted and rejected over
 * REST and Kafka, wrong and malformed keys, the DLQ API, the dashboard API, metrics, the CLI). Afterwards the process output is
 * searched for every secret the run used. It also checks the logs are JSON lines carrying batch and
 * record ids.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { hashApiKey } from '../../src/config/tenants.js';
import { toBase64Url, toHex } from '../../src/core/encoding.js';
import { encodePrivateKeyPem } from '../../src/core/key-files.js';
import { generatePrivateKey } from '../../src/core/signer.js';
import { createTestDatabase, type GatewayProcess, http, startGatewayProcess, waitFor } from '../support/gateway.js';
import { KafkaTestContext, kafkaBrokers, uniqueGroupId, kafkaConsumerEnv } from '../support/kafka.js';
import { invalidTrip, trip } from '../support/ops-records.js';
import { CLI } from '../support/run-cli.js';

const run = randomBytes(4).toString('hex');
const producerKey = `cg_live_producer_${randomBytes(24).toString('base64url')}`;
const adminKey = `cg_live_admin_${randomBytes(24).toString('base64url')}`;
const wrongKey = `cg_live_wrong_${randomBytes(24).toString('base64url')}`;
const dbPassword = `pw-${randomBytes(18).toString('base64url')}`;
const privateKey = generatePrivateKey('Ed25519');
const pem = encodePrivateKeyPem('Ed25519', privateKey);

let gateway: GatewayProcess;
let database: { url: string; drop(): Promise<void> };
let role: string;
let kafka: KafkaTestContext;
let transportTopic: string;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env['CROSSGATE_TEST_PG_URL'] });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('logs of a full run', { timeout: 240_000 }, () => {
  before(async () => {
    kafkaBrokers(); // throws when the test setup did not start Kafka
    database = await createTestDatabase();
    kafka = await KafkaTestContext.open('crossgate-logs-test');
    const { topics } = await kafka.createSectorTopics({ partitions: 1 });
    transportTopic = topics.transport;
    // A role that owns the test database and has a password, so the gateway's URL carries a secret.
    role = `cg_logs_${run}`;
    await admin(`CREATE ROLE ${role} LOGIN PASSWORD '${dbPassword}'`);
    const dbName = new URL(database.url).pathname.slice(1);
    await admin(`ALTER DATABASE ${dbName} OWNER TO ${role}`);
    const url = new URL(database.url);
    url.username = role;
    url.password = dbPassword;

    const dir = mkdtempSync(join(tmpdir(), 'cg-logs-'));
    const keyFile = join(dir, 'gateway-key.pem');
    writeFileSync(keyFile, pem, { mode: 0o600 });
    const tenantsFile = join(dir, 'tenants.json');
    writeFileSync(tenantsFile, JSON.stringify({
      tenants: [
        { id: 'metro', apiKeySha256: hashApiKey(producerKey), sourcePrefixes: ['/beijing/transport'], allowedTypes: '*' },
        { id: 'ops', role: 'admin', apiKeySha256: hashApiKey(adminKey) },
      ],
    }));
    gateway = await startGatewayProcess({
      readyTimeoutMs: 120_000,
      env: {
        CROSSGATE_STORE: 'postgres', CROSSGATE_PG_URL: url.toString(), CROSSGATE_SIGNING_KEY_FILE: keyFile,
        CROSSGATE_TENANTS_FILE: tenantsFile, CROSSGATE_LOG_LEVEL: 'trace', CROSSGATE_LOG_REQUESTS: 'true', CROSSGATE_BATCH_LINGER_MS: '20',
        ...kafkaConsumerEnv(topics, uniqueGroupId('logs')),
      },
    });
  });

  after(async () => {
    await gateway?.cleanup();
    await kafka?.close();
    await database?.drop();
    if (role !== undefined) await admin(`DROP ROLE IF EXISTS ${role}`);
  });

  it('never writes an API key, the database password or the private key', async () => {
    const url = gateway.url;
    const ok = await http(url, 'POST', '/v1/records/batch', { apiKey: producerKey, body: [trip(`${run}-1`), trip(`${run}-2`), invalidTrip(`${run}-bad`)] });
    assert.equal(ok.status, 200, ok.text);
    const v2 = await http(url, 'POST', '/v1/records', { apiKey: producerKey, body: trip(`${run}-v2`, { version: 2 }) });
    assert.equal(v2.status, 422);
    assert.equal((await http(url, 'POST', '/v1/records', { apiKey: wrongKey, body: trip(`${run}-3`) })).status, 401);
    assert.equal((await http(url, 'GET', '/v1/dlq', { headers: { authorization: `Basic ${adminKey}` } })).status, 401);
    assert.equal((await http(url, 'GET', '/v1/dlq', { apiKey: producerKey })).status, 403);
    const producer = await kafka.sharedProducer();
    await producer.send({
      topic: transportTopic, acks: -1,
      messages: [
        { key: `${run}-k1`, value: JSON.stringify(trip(`${run}-k1`)), headers: { 'content-type': 'application/cloudevents+json' } },
        { key: `${run}-k2`, value: 'not json', headers: { 'content-type': 'application/cloudevents+json' } },
      ],
    });
    const ids = await waitFor('the Kafka dead letter', async () => {
      const list = await http(url, 'GET', '/v1/dlq', { apiKey: adminKey });
      assert.equal(list.status, 200, list.text);
      const found = (list.body as { items: { id: string }[] }).items.map((d) => d.id);
      return found.length === 3 ? found : undefined;
    }, 60_000, 100);
    assert.equal((await http(url, 'GET', `/v1/dlq/${ids[0]}`, { apiKey: adminKey })).status, 200);
    assert.equal((await http(url, 'POST', `/v1/dlq/${ids[0]}/replay`, { apiKey: adminKey })).status, 200);
    assert.equal((await http(url, 'POST', `/v1/dlq/${ids[1]}/discard`, { apiKey: adminKey, body: { reason: 'log test' } })).status, 200);
    assert.equal((await http(url, 'POST', '/v1/dlq/replay', { apiKey: adminKey, body: { all: true } })).status, 200);
    assert.equal((await http(url, 'GET', '/ops/api/overview', { apiKey: adminKey })).status, 200);
    assert.equal((await http(url, 'GET', '/metrics')).status, 200);
    const cli = spawnSync(process.execPath, [CLI, 'dlq', 'list', '--state', 'all', '--url', url], { encoding: 'utf8', env: { ...process.env, CROSSGATE_API_KEY: adminKey } });
    assert.equal(cli.status, 0, cli.stderr);
    await waitFor('the batch to be anchored', async () => {
      const res = await http(url, 'GET', `/v1/records/${encodeURIComponent('/beijing/transport/metro-operator-3')}/${run}-1/receipt`, { apiKey: producerKey });
      return res.status === 200 ? true : undefined;
    }, 30_000);
    assert.equal(await gateway.stop(), 0);

    const output = gateway.output.join('\n');
    assert.ok(output.length > 0);
    const secrets: Record<string, string> = {
      'producer API key': producerKey,
      'admin API key': adminKey,
      'rejected API key': wrongKey,
      'database password': dbPassword,
      'private key (hex)': toHex(privateKey),
      'private key (base64url)': toBase64Url(privateKey),
      'private key (PEM body)': pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----')).join(''),
    };
    for (const [what, secret] of Object.entries(secrets)) {
      assert.equal(output.includes(secret), false, `the ${what} appears in the gateway's output`);
    }
    for (const line of pem.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'))) {
      assert.equal(output.includes(line), false, 'a line of the private key PEM appears in the output');
    }
    assert.equal(output.includes(`${role}:`), false, 'the database URL with its userinfo appears in the output');

    // Structured: every line from the process is JSON (the start-up banner aside), with batch and record ids.
    const jsonLines = gateway.output.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(jsonLines.length > 5);
    assert.ok(jsonLines.every((l) => typeof l.level === 'string' && typeof l.time === 'string' && typeof l.msg === 'string'));
    assert.ok(jsonLines.some((l) => typeof l.batchId === 'string' && l.msg === 'batch anchored'), 'a batch anchored line with its batchId');
    assert.ok(jsonLines.some((l) => typeof (l.recordId as { id?: unknown } | undefined)?.id === 'string'), 'a line with a recordId');
  });
});
