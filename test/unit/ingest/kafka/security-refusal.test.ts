import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { securityRefusal } from '../../../../src/ingest/kafka/security-refusal.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const named = (message: string, name: string) => Object.assign(new Error(message), { name });

describe('securityRefusal', () => {
  it('names SASL failures, untrusted broker certificates and the broker\'s TLS alerts, through cause chains', () => {
    assert.equal(securityRefusal(named('SASL PLAIN authentication failed: Invalid username or password', 'KafkaJSSASLAuthenticationError')),
      'SASL PLAIN authentication failed: Invalid username or password');
    const wrapped = new Error('retries exceeded', { cause: withCode('Connection error: unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') });
    assert.equal(securityRefusal(wrapped), "the broker's certificate is not trusted: UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    assert.equal(securityRefusal(new Error('Connection error: 40:error:0A000412:SSL routines:ssl3_read_bytes:ssl/tls alert bad certificate:rec_layer_s3.c')),
      'the broker refused the TLS handshake: alert "bad certificate"');
  });

  it('leaves every other failure alone: an unreachable broker or missing topics still fail the start', () => {
    assert.equal(securityRefusal(withCode('connect ECONNREFUSED 127.0.0.1:9092', 'ECONNREFUSED')), undefined);
    assert.equal(securityRefusal(new Error('Kafka topics missing: transport.events')), undefined);
    assert.equal(securityRefusal('not an error'), undefined);
    const loop: Error & { cause?: unknown } = new Error('loop');
    loop.cause = loop;
    assert.equal(securityRefusal(loop), undefined);
  });
});
