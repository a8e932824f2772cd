import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BATCH_PREFIX, batchKey, batchRange, gatewayKeyKey } from '../../../../../adapters/chains/fabric/chaincode/state-keys.js';

describe('anchor chaincode state keys', () => {
  it('namespaces batches and keys apart', () => {
    assert.equal(batchKey('ab'), 'crossgate/batch/ab');
    assert.equal(gatewayKeyKey('k1'), 'crossgate/gateway-key/k1');
    assert.ok(!gatewayKeyKey('k').startsWith(BATCH_PREFIX));
  });

  it('bounds an open-ended batch range to batch keys only', () => {
    const { start, end } = batchRange('', '');
    const id = 'f'.repeat(64);
    assert.ok(batchKey(id) >= start && batchKey(id) < end);
    assert.ok(batchKey('0'.repeat(64)) >= start);
    assert.ok(!(gatewayKeyKey('zz') >= start && gatewayKeyKey('zz') < end));
    assert.deepEqual(batchRange('a', 'b'), { start: 'crossgate/batch/a', end: 'crossgate/batch/b' });
  });
});
