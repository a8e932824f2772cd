import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../../src/config/env.js';

describe('Kafka settings (CROSSGATE_KAFKA_*)', () => {
  it('leaves Kafka off without brokers', () => {
    assert.equal(parseConfig({}, '/srv').kafka, undefined);
    assert.equal(parseConfig({ CROSSGATE_KAFKA_BROKERS: '  ' }, '/srv').kafka, undefined);
  });

  it('parses brokers and applies defaults', () => {
    assert.deepEqual(parseConfig({ CROSSGATE_KAFKA_BROKERS: '127.0.0.1:9092, kafka-2.local:19092' }, '/srv').kafka, {
      brokers: ['127.0.0.1:9092', 'kafka-2.local:19092'],
      clientId: 'crossgate',
      groupId: 'crossgate',
      topics: { transport: 'transport.events', finance: 'finance.events', telecom: 'telecom.events' },
      createTopics: false,
      concurrency: 3,
      prepareOnWorkers: true,
      sessionTimeoutMs: 30_000,
      security: { protocol: 'plaintext' },
    });
  });

  it('takes topics, group, topic creation, concurrency, session timeout and where records are prepared', () => {
    const kafka = parseConfig({
      CROSSGATE_KAFKA_BROKERS: 'b:1',
      CROSSGATE_KAFKA_GROUP_ID: 'gw-prod',
      CROSSGATE_KAFKA_TOPIC_TELECOM: 'cdr.raw',
      CROSSGATE_KAFKA_CREATE_TOPICS: 'true',
      CROSSGATE_KAFKA_TOPIC_PARTITIONS: '12',
      CROSSGATE_KAFKA_CONCURRENCY: '6',
      CROSSGATE_KAFKA_SESSION_TIMEOUT_MS: '6000',
      CROSSGATE_KAFKA_PREPARE_ON_WORKERS: 'false',
    }, '/srv').kafka;
    assert.equal(kafka?.prepareOnWorkers, false);
    assert.equal(kafka?.groupId, 'gw-prod');
    assert.equal(kafka?.topics.telecom, 'cdr.raw');
    assert.deepEqual(kafka?.createTopics, { partitions: 12, replicationFactor: 1 });
    assert.equal(kafka?.concurrency, 6);
    assert.equal(kafka?.sessionTimeoutMs, 6000);
  });

  for (const [name, env, setting] of [
    ['a broker without a port', { CROSSGATE_KAFKA_BROKERS: 'localhost' }, 'CROSSGATE_KAFKA_BROKERS'],
    ['an illegal topic name', { CROSSGATE_KAFKA_BROKERS: 'b:1', CROSSGATE_KAFKA_TOPIC_FINANCE: 'finance events' }, 'CROSSGATE_KAFKA_TOPIC_FINANCE'],
    ['two sectors on one topic', { CROSSGATE_KAFKA_BROKERS: 'b:1', CROSSGATE_KAFKA_TOPIC_FINANCE: 'transport.events' }, 'CROSSGATE_KAFKA_TOPIC_TRANSPORT'],
    ['zero concurrency', { CROSSGATE_KAFKA_BROKERS: 'b:1', CROSSGATE_KAFKA_CONCURRENCY: '0' }, 'CROSSGATE_KAFKA_CONCURRENCY'],
    ['a session timeout below the broker minimum', { CROSSGATE_KAFKA_BROKERS: 'b:1', CROSSGATE_KAFKA_SESSION_TIMEOUT_MS: '5999' }, 'CROSSGATE_KAFKA_SESSION_TIMEOUT_MS'],
  ] as const) {
    it(`refuses ${name}, naming the setting`, () => {
      assert.throws(() => parseConfig(env, '/srv'), (error: unknown) => error instanceof ConfigError && error.settings.includes(setting));
    });
  }

  describe('security (CROSSGATE_KAFKA_SECURITY_PROTOCOL)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-kafka-env-'));
    const pem = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;
    writeFileSync(join(dir, 'ca.pem'), pem('CERTIFICATE'));
    writeFileSync(join(dir, 'client.pem'), pem('CERTIFICATE'));
    writeFileSync(join(dir, 'client.key'), pem('PRIVATE KEY'));
    writeFileSync(join(dir, 'password'), 's3cret-from-a-file\n');
    writeFileSync(join(dir, 'empty'), '');
    const base = { CROSSGATE_KAFKA_BROKERS: 'b:1' };
    const security = (env: Record<string, string>) => parseConfig({ ...base, ...env }, dir).kafka?.security;
    const refused = (env: Record<string, string>): ConfigError => {
      try {
        parseConfig({ ...base, ...env }, dir);
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err;
      }
      return assert.fail('expected a ConfigError');
    };

    it('SASL_SSL with SCRAM-SHA-512 by default, the password from a file without its newline, the CA read', () => {
      assert.deepEqual(security({
        CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', CROSSGATE_KAFKA_SASL_USERNAME: 'gw', CROSSGATE_KAFKA_SASL_PASSWORD_FILE: 'password', CROSSGATE_KAFKA_TLS_CA_FILE: 'ca.pem',
      }), { protocol: 'sasl_ssl', tls: { ca: pem('CERTIFICATE') }, sasl: { mechanism: 'scram-sha-512', username: 'gw', password: 's3cret-from-a-file' } });
    });

    it('SCRAM-SHA-256 and PLAIN, the password inline; SSL without a CA trusts the system store', () => {
      assert.deepEqual(security({ CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext', CROSSGATE_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', CROSSGATE_KAFKA_SASL_USERNAME: 'gw', CROSSGATE_KAFKA_SASL_PASSWORD: 'inline-pw' }),
        { protocol: 'sasl_plaintext', sasl: { mechanism: 'scram-sha-256', username: 'gw', password: 'inline-pw' } });
      assert.equal(security({ CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', CROSSGATE_KAFKA_SASL_MECHANISM: 'plain', CROSSGATE_KAFKA_SASL_USERNAME: 'gw', CROSSGATE_KAFKA_SASL_PASSWORD: 'inline-pw' })?.sasl?.mechanism, 'plain');
      assert.deepEqual(security({ CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'ssl' }), { protocol: 'ssl', tls: {} });
    });

    it('mTLS: a client certificate and key, both or neither', () => {
      assert.deepEqual(security({ CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'ssl', CROSSGATE_KAFKA_TLS_CERT_FILE: 'client.pem', CROSSGATE_KAFKA_TLS_KEY_FILE: 'client.key' }),
        { protocol: 'ssl', tls: { cert: pem('CERTIFICATE'), key: pem('PRIVATE KEY') } });
      assert.deepEqual(refused({ CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'ssl', CROSSGATE_KAFKA_TLS_CERT_FILE: 'client.pem' }).settings, ['CROSSGATE_KAFKA_TLS_KEY_FILE']);
    });

    const cases: [string, Record<string, string>, string[]][] = [
      ['an unknown protocol', { CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'tls' }, ['CROSSGATE_KAFKA_SECURITY_PROTOCOL']],
      ['an unknown mechanism', { CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', CROSSGATE_KAFKA_SASL_MECHANISM: 'gssapi', CROSSGATE_KAFKA_SASL_USERNAME: 'gw', CROSSGATE_KAFKA_SASL_PASSWORD: 'pw-pw-pw' }, ['CROSSGATE_KAFKA_SASL_MECHANISM']],
      ['SASL without a username or password', { CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'sasl_ssl' }, ['CROSSGATE_KAFKA_SASL_USERNAME', 'CROSSGATE_KAFKA_SASL_PASSWORD_FILE']],
      ['both password settings', { CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', CROSSGATE_KAFKA_SASL_USERNAME: 'gw', CROSSGATE_KAFKA_SASL_PASSWORD: 'pw-pw-pw', CROSSGATE_KAFKA_SASL_PASSWORD_FILE: 'password' }, ['CROSSGATE_KAFKA_SASL_PASSWORD']],
      ['an empty password file', { CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', CROSSGATE_KAFKA_SASL_USERNAME: 'gw', CROSSGATE_KAFKA_SASL_PASSWORD_FILE: 'empty' }, ['CROSSGATE_KAFKA_SASL_PASSWORD_FILE']],
      ['a file that cannot be read', { CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'ssl', CROSSGATE_KAFKA_TLS_CA_FILE: 'missing.pem' }, ['CROSSGATE_KAFKA_TLS_CA_FILE']],
      ['a CA file with no certificate', { CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'ssl', CROSSGATE_KAFKA_TLS_CA_FILE: 'client.key' }, ['CROSSGATE_KAFKA_TLS_CA_FILE']],
      ['TLS files with plaintext', { CROSSGATE_KAFKA_TLS_CA_FILE: 'ca.pem' }, ['CROSSGATE_KAFKA_TLS_CA_FILE']],
      ['SASL settings with ssl', { CROSSGATE_KAFKA_SECURITY_PROTOCOL: 'ssl', CROSSGATE_KAFKA_SASL_USERNAME: 'gw' }, ['CROSSGATE_KAFKA_SASL_USERNAME']],
    ];
    for (const [name, env, settings] of cases) {
      it(`refuses ${name}, naming the settings and never the password`, () => {
        const error = refused(env);
        assert.deepEqual(error.settings, settings);
        assert.ok(!error.message.includes('pw-pw-pw') && !error.message.includes('s3cret'), error.message);
      });
    }
  });
});
