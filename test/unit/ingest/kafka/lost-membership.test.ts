import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { lostMembership } from '../../../../src/ingest/kafka/lost-membership.js';

// kafkajs is CommonJS and spreads its error classes into its exports: not visible as named imports.
const { KafkaJSNonRetriableError, KafkaJSProtocolError } = kafkajs;

/** A protocol error as kafkajs builds it from a broker answer. */
function protocolError(type: string): Error {
  return new KafkaJSProtocolError({ type, code: 25, retriable: false, message: `broker says ${type}` } as unknown as Error);
}

/** How kafkajs' retrier passes on a non-retriable failure: wrapped, the original as its cause. */
function wrapped(cause: Error): Error {
  const Wrapper = KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: Error }) => Error;
  return new Wrapper(cause, { cause });
}

describe('lostMembership', () => {
  for (const type of ['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID']) {
    it(`recognizes ${type}, also wrapped by kafkajs' retrier`, () => {
      assert.equal(lostMembership(protocolError(type)), true);
      assert.equal(lostMembership(wrapped(protocolError(type))), true);
    });
  }

  it('leaves every other failure to be thrown', () => {
    assert.equal(lostMembership(protocolError('NOT_COORDINATOR')), false);
    assert.equal(lostMembership(wrapped(protocolError('COORDINATOR_NOT_AVAILABLE'))), false);
    assert.equal(lostMembership(new Error('connection closed')), false);
    assert.equal(lostMembership(undefined), false);
    const loop: { cause?: unknown } = {};
    loop.cause = loop;
    assert.equal(lostMembership(loop), false);
  });
});
