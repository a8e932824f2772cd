import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tenant } from '../../../../src/core/tenant.js';
import { tenantForSource } from '../../../../src/ingest/kafka/tenant-for-source.js';

function tenant(id: string, ...sourcePrefixes: string[]): Tenant {
  return { id, role: 'producer', sourcePrefixes, allowedTypes: '*', requireProducerSignature: false, producerKeys: [] };
}

describe('tenantForSource', () => {
  const tenants = [tenant('broad', '/beijing'), tenant('metro', '/beijing/transport/metro-3'), tenant('twin', '/beijing'), tenant('bank', '/shanghai/finance/')];

  it('picks the longest matching prefix', () => {
    assert.equal(tenantForSource(tenants, '/beijing/transport/metro-3/line-1')?.id, 'metro');
    assert.equal(tenantForSource(tenants, '/beijing/transport/bus-1')?.id, 'broad');
  });

  it('breaks ties by directory order', () => {
    assert.equal(tenantForSource(tenants, '/beijing')?.id, 'broad');
  });

  it('matches only on path boundaries', () => {
    assert.equal(tenantForSource(tenants, '/beijingx/transport'), undefined);
    assert.equal(tenantForSource(tenants, '/beijing/transport/metro-30')?.id, 'broad');
    assert.equal(tenantForSource(tenants, '/shanghai/finance/bank-7')?.id, 'bank');
  });

  it('finds nobody for an unknown source', () => {
    assert.equal(tenantForSource(tenants, '/guangdong/telecom/op-1'), undefined);
    assert.equal(tenantForSource([], '/beijing'), undefined);
  });
});
