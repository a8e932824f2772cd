import assert from 'node:assert/strict';
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
      sessionTimeoutMs: 30_000,
    });
  });

  it('takes topics, group, topic creation, concurrency and session timeout', () => {
    const kafka = parseConfig({
      CROSSGATE_KAFKA_BROKERS: 'b:1',
      CROSSGATE_KAFKA_GROUP_ID: 'gw-prod',
      CROSSGATE_KAFKA_TOPIC_TELECOM: 'cdr.raw',
      CROSSGATE_KAFKA_CREATE_TOPICS: 'true',
      CROSSGATE_KAFKA_TOPIC_PARTITIONS: '12',
      CROSSGATE_KAFKA_CONCURRENCY: '6',
      CROSSGATE_KAFKA_SESSION_TIMEOUT_MS: '6000',
    }, '/srv').kafka;
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
});
