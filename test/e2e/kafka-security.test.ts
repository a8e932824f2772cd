/**
 * The gateway process consuming over the test broker's secured listeners (scripts/kafka.sh: SASL_SSL
 * with SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN; SSL with client certificates required). Records
 * produced to the sector topics are stored; credentials and certificates the cluster refuses, or a
 * broker certificate the gateway does not trust, give one error line and a not-ready status while the
 * gateway keeps serving and tries again quietly; the password never reaches the log.
 */
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sectors } from '../../adapters/kafka/topics.js';
import { recordPath } from '../../src/ingest/rest/record-paths.js';
import { http, startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway.js';
import { KafkaTestContext, kafkaBrokers, kafkaConsumerEnv, uniqueGroupId } from '../support/kafka.js';
import { sectorMessage } from '../support/kafka-wire.js';
import { makeValidRecord, type RecordType } from '../support/record-factory.js';
import { alterUserScramCredentialsV0, Connection } from '@platformatic/kafka';

interface SecureListeners {
  readonly saslSslBrokers: string;
  readonly sslBrokers: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly untrustedCaFile: string;
  readonly untrustedCertFile: string;
  readonly untrustedKeyFile: string;
  readonly saslUsername: string;
  readonly saslPasswordFile: string;
}

function secureListeners(): SecureListeners {
  const raw = process.env['CROSSGATE_TEST_KAFKA_SECURE'];
  if (raw === undefined || raw.trim() === '') {
    throw new Error('CROSSGATE_TEST_KAFKA_SECURE is not set: export CROSSGATE_TEST_KAFKA_SECURE="$(bash scripts/kafka.sh secure)", or run `npm test`, which does');
  }
  return JSON.parse(raw) as SecureListeners;
}

const API_KEY = 'kafka-security-dev-key-0123456789abcdef';
const typeOf = { transport: 'cn.gov.transport.trip', finance: 'cn.gov.finance.payment', telecom: 'cn.gov.telecom.cdr' } as const satisfies Record<string, RecordType>;

describe('gateway consuming Kafka over TLS and SASL', () => {
  const secure = secureListeners();
  const password = readFileSync(secure.saslPasswordFile, 'utf8').trim();
  const scratch = mkdtempSync(join(tmpdir(), 'cg-kafka-sec-'));
  const wrongPasswordFile = join(scratch, 'wrong-password');
  writeFileSync(wrongPasswordFile, 'not-the-password-of-crossgate\n');
  let ctx: KafkaTestContext;
  let gateway: GatewayProcess | undefined;
  before(async () => {
    ctx = await KafkaTestContext.open('kafka-security');
  });
  after(async () => {
    await gateway?.cleanup();
    await ctx?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const saslSsl = (mechanism: string, passwordFile = secure.saslPasswordFile) => ({
    CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
    CROSSGATE_KAFKA_SASL_MECHANISM: mechanism,
    CROSSGATE_KAFKA_SASL_USERNAME: secure.saslUsername,
    CROSSGATE_KAFKA_SASL_PASSWORD_FILE: passwordFile,
    CROSSGATE_KAFKA_TLS_CA_FILE: secure.caFile,
  });
  const mtls = (certFile: string, keyFile: string) => ({
    CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'ssl',
    CROSSGATE_KAFKA_TLS_CA_FILE: secure.caFile,
    CROSSGATE_KAFKA_TLS_CERT_FILE: certFile,
    CROSSGATE_KAFKA_TLS_KEY_FILE: keyFile,
  });

  async function startGateway(brokers: string, security: Record<string, string>): Promise<{ gateway: GatewayProcess; topics: Awaited<ReturnType<KafkaTestContext['createSectorTopics']>> }> {
    const topics = await ctx.createSectorTopics();
    gateway = await startGatewayProcess({
      env: { CROSSGATE_DEV_API_KEY: API_KEY, CROSSGATE_BATCH_LINGER_MS: '50', CROSSGATE_LOG_LEVEL: 'info', ...kafkaConsumerEnv(topics.topics, uniqueGroupId('sec'), brokers), ...security },
      readyTimeoutMs: 120_000,
    });
    return { gateway, topics };
  }

  const accepted: [string, string, () => Record<string, string>][] = [
    ['SASL_SSL, SCRAM-SHA-512', secure.saslSslBrokers, () => saslSsl('scram-sha-512')],
    ['SASL_SSL, SCRAM-SHA-256', secure.saslSslBrokers, () => saslSsl('scram-sha-256')],
    ['SASL_SSL, PLAIN', secure.saslSslBrokers, () => saslSsl('plain')],
    ['SSL with a client certificate (mTLS)', secure.sslBrokers, () => mtls(secure.certFile, secure.keyFile)],
  ];
  for (const [name, brokers, security] of accepted) {
    it(`consumes over ${name}: every sector's record is stored, ready, the password never logged`, async () => {
      const started = await startGateway(brokers, security());
      try {
        const records = sectors.map((sector, i) => {
          const record = makeValidRecord(typeOf[sector], i, { idPrefix: `${started.topics.prefix}-` });
          return { sector, record };
        });
        for (const { sector, record } of records) await ctx.produce(started.topics.topics[sector], [sectorMessage(sector, record)]);
        for (const { record } of records) {
          await waitFor(`record ${record.id} stored`, async () => {
            const status = await http(started.gateway.url, 'GET', recordPath({ source: record.source, id: record.id }), { apiKey: API_KEY });
            return status.status === 200 ? true : undefined;
          }, 60_000, 100);
        }
        const ready = await http(started.gateway.url, 'GET', '/health/ready');
        assert.equal(ready.status, 200, ready.text);
        assert.ok(!started.gateway.output.some((line) => line.includes(password)), 'the SASL password appears in no log line');
      } finally {
        await started.gateway.cleanup();
        gateway = undefined;
      }
    });
  }

  const refused: [string, string, () => Record<string, string>, RegExp][] = [
    ['a wrong SCRAM password', secure.saslSslBrokers, () => saslSsl('scram-sha-512', wrongPasswordFile), /SASL SCRAM SHA512 authentication failed/],
    ['a wrong PLAIN password', secure.saslSslBrokers, () => saslSsl('plain', wrongPasswordFile), /SASL PLAIN authentication failed/],
    ['a client certificate from a CA the broker does not trust', secure.sslBrokers, () => mtls(secure.untrustedCertFile, secure.untrustedKeyFile), /broker refused the TLS handshake/],
    ['no client certificate where the broker requires one', secure.sslBrokers, () => ({ CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'ssl', CROSSGATE_KAFKA_TLS_CA_FILE: secure.caFile }), /broker refused the TLS handshake/],
    ['a broker certificate the gateway does not trust', secure.saslSslBrokers, () => ({ ...saslSsl('scram-sha-512'), CROSSGATE_KAFKA_TLS_CA_FILE: secure.untrustedCaFile }), /broker's certificate is not trusted/],
  ];
  for (const [name, brokers, security, reason] of refused) {
    it(`refused for ${name}: one error line, not ready with the reason, REST still up, tried again quietly`, async () => {
      const started = await startGateway(brokers, security());
      try {
        const url = started.gateway.url;
        // The second attempt comes 5 s after the first refusal.
        const detail = await waitFor('a second refused attempt', async () => {
          const ready = await http(url, 'GET', '/health/ready');
          assert.equal(ready.status, 503, `not ready while Kafka refuses: ${ready.text}`);
          const match = /Kafka refused the gateway \(([^)]*)\); attempt (\d+)/.exec(ready.text);
          return match !== null && Number(match[2]) >= 2 ? match[1] : undefined;
        }, 60_000, 200);
        assert.match(detail, reason);
        const errorLines = started.gateway.output.filter((line) => /"level":"(error|fatal)"/.test(line));
        assert.equal(errorLines.length, 1, `one error line, got:\n${errorLines.join('\n')}`);
        assert.match(errorLines[0] as string, /Kafka refused the gateway/);
        assert.match(errorLines[0] as string, reason);
        assert.equal((await http(url, 'GET', '/health/live')).status, 200);
        assert.ok(!started.gateway.output.some((line) => line.includes(password) || line.includes('not-the-password-of-crossgate')), 'no password in the log');
        assert.equal(await started.gateway.stop(), 0, 'a clean SIGTERM while refused');
      } finally {
        await started.gateway.cleanup();
        gateway = undefined;
      }
    });
  }

  it('recovers once the cluster accepts: a SCRAM user created while the gateway is refused lets its next attempt in', async () => {
    const user = `late-${randomBytes(4).toString('hex')}`;
    const userPassword = randomBytes(18).toString('base64url');
    const userPasswordFile = join(scratch, `${user}-password`);
    writeFileSync(userPasswordFile, `${userPassword}\n`);
    const started = await startGateway(secure.saslSslBrokers, { ...saslSsl('scram-sha-512', userPasswordFile), CROSSGATE_KAFKA_SASL_USERNAME: user });
    try {
      const url = started.gateway.url;
      await waitFor('the first refusal', async () => /Kafka refused the gateway/.test((await http(url, 'GET', '/health/ready')).text) ? true : undefined, 60_000, 200);
      await createScramSha512User(user, userPassword);
      await waitFor('ready after the user exists', async () => (await http(url, 'GET', '/health/ready')).status === 200 ? true : undefined, 90_000, 200);
      const record = makeValidRecord(typeOf.transport, 0, { idPrefix: `${started.topics.prefix}-` });
      await ctx.produce(started.topics.topics.transport, [sectorMessage('transport', record)]);
      await waitFor(`record ${record.id} stored`, async () => {
        const status = await http(url, 'GET', recordPath({ source: record.source, id: record.id }), { apiKey: API_KEY });
        return status.status === 200 ? true : undefined;
      }, 60_000, 100);
      const errorLines = started.gateway.output.filter((line) => /"level":"(error|fatal)"/.test(line));
      assert.equal(errorLines.length, 1, `one error line for the refusal, got:\n${errorLines.join('\n')}`);
      assert.ok(started.gateway.output.some((line) => line.includes('Kafka accepted the gateway')), 'the recovery is logged');
      assert.ok(!started.gateway.output.some((line) => line.includes(userPassword)), 'no password in the log');
    } finally {
      await started.gateway.cleanup();
      gateway = undefined;
    }
  });
});

/**
 * Adds a SCRAM-SHA-512 credential over the plaintext listener (the test broker has no authorizer), as an
 * operator would with kafka-configs.sh: salted password per RFC 5802, PBKDF2-HMAC-SHA-512.
 */
async function createScramSha512User(name: string, password: string): Promise<void> {
  const [host, port] = (kafkaBrokers()[0] ?? '').split(':');
  if (host === undefined || port === undefined) throw new Error(`no plaintext broker address in ${kafkaBrokers().join(',')}`);
  const connection = new Connection('crossgate-test-admin');
  await connection.connect(host, Number(port));
  try {
    const salt = randomBytes(32);
    const iterations = 4096;
    const response = await alterUserScramCredentialsV0.api.async(connection, [], [
      { name, mechanism: 2, iterations, salt, saltedPassword: pbkdf2Sync(password, salt, iterations, 64, 'sha512') },
    ]);
    for (const result of response.results) assert.equal(result.errorCode, 0, `creating SCRAM user ${result.user}: ${result.errorMessage ?? ''}`);
  } finally {
    await connection.close();
  }
}
