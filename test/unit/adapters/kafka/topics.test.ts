import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decoders, defaultSectorTopics, dlqTopic, prefixedSectorTopics, sectorOfTopic, sectorTopics, topicNameProblem,
} from '../../../../adapters/kafka/topics.js';

describe('sector topics', () => {
  it('defaults to <sector>.events and names DLQs <topic>.dlq', () => {
    assert.deepEqual(sectorTopics(), { transport: 'transport.events', finance: 'finance.events', telecom: 'telecom.events' });
    assert.equal(dlqTopic(defaultSectorTopics.finance), 'finance.events.dlq');
  });

  it('applies overrides and prefixes', () => {
    assert.equal(sectorTopics({ telecom: 'cdr.raw' }).telecom, 'cdr.raw');
    assert.deepEqual(prefixedSectorTopics('cg-test-ab12'), {
      transport: 'cg-test-ab12-transport.events', finance: 'cg-test-ab12-finance.events', telecom: 'cg-test-ab12-telecom.events',
    });
  });

  it('maps a topic back to its sector', () => {
    const topics = sectorTopics();
    assert.equal(sectorOfTopic(topics, 'finance.events'), 'finance');
    assert.equal(sectorOfTopic(topics, 'finance.events.dlq'), undefined);
  });

  it('has one decoder per sector', () => {
    assert.deepEqual(Object.keys(decoders).sort(), ['finance', 'telecom', 'transport']);
  });

  it('refuses illegal or shared topic names', () => {
    assert.throws(() => sectorTopics({ finance: 'finance events' }), /finance topic: .*must be 1-249/);
    assert.throws(() => sectorTopics({ finance: 'transport.events' }), /transport and finance are both configured/);
    assert.match(topicNameProblem('..') ?? '', /reserved/);
    assert.match(topicNameProblem('x'.repeat(246)) ?? '', /no room/);
    assert.equal(topicNameProblem('a.b_c-D9'), undefined);
  });
});
