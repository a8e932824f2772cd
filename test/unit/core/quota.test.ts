import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TenantQuotas } from '../../../src/core/quota.js';
import type { Tenant } from '../../../src/core/tenant.js';

const tenant = (id: string, quota?: Tenant['quota']): Tenant => ({
  id, role: 'producer', sourcePrefixes: ['/x'], allowedTypes: '*', requireProducerSignature: false, producerKeys: [], ...(quota ? { quota } : {}),
});

describe('tenant quotas (token bucket)', () => {
  const clock = { t: 1_000_000, now() { return this.t; } };

  it('gives a tenant without a quota no decision at all', () => {
    assert.equal(new TenantQuotas(clock).take(tenant('free'), 1_000_000), undefined);
    assert.equal(new TenantQuotas(clock).hasAny(tenant('free')), true);
  });

  it('lets the burst through at once, then refuses with the wait for the missing records, and refills at the rate', () => {
    const quotas = new TenantQuotas(clock);
    const a = tenant('a', { recordsPerSecond: 10, burst: 20 });
    const first = quotas.take(a, 20);
    assert.deepEqual(first && { ok: first.ok, remaining: first.remaining, resetSeconds: first.resetSeconds }, { ok: true, remaining: 0, resetSeconds: 2 });
    const refused = quotas.take(a, 5);
    assert.equal(refused?.ok, false);
    assert.equal(refused?.ok === false ? refused.retryAfterSeconds : undefined, 0.5, '5 records at 10/s');
    assert.equal(quotas.hasAny(a), false);
    clock.t += 500;
    assert.equal(quotas.take(a, 5)?.ok, true, 'refilled after the wait it announced');
    assert.equal(quotas.take(a, 1)?.ok, false, 'a refusal took nothing, and nothing is left');
    clock.t += 60_000;
    assert.equal(quotas.take(a, 20)?.remaining, 0, 'refills to the burst, no further');
    assert.equal(quotas.take(a, 1)?.ok, false);
  });

  it('refuses a request larger than the burst with no retry time: it can never pass', () => {
    const quotas = new TenantQuotas(clock);
    const decision = quotas.take(tenant('b', { recordsPerSecond: 100, burst: 10 }), 11);
    assert.equal(decision?.ok, false);
    assert.equal(decision?.ok === false ? decision.retryAfterSeconds : undefined, null);
  });

  it('keeps one bucket per tenant: a flooding tenant does not take from another', () => {
    const quotas = new TenantQuotas(clock);
    const noisy = tenant('noisy', { recordsPerSecond: 1, burst: 1 });
    const quiet = tenant('quiet', { recordsPerSecond: 1, burst: 1 });
    assert.equal(quotas.take(noisy, 1)?.ok, true);
    for (let i = 0; i < 100; i++) assert.equal(quotas.take(noisy, 1)?.ok, false);
    assert.equal(quotas.take(quiet, 1)?.ok, true);
  });

  it('reserve (the Kafka door) never refuses: it takes on debt and says how long to hold the records; REST sees the same bucket', () => {
    const quotas = new TenantQuotas(clock);
    const start = clock.t;
    const a = tenant('reserving', { recordsPerSecond: 100, burst: 50 });
    assert.equal(quotas.reserve(tenant('free'), 1_000_000), 0);
    assert.equal(quotas.reserve(a, 50), 0, 'within the burst');
    assert.equal(quotas.reserve(a, 200), 2_000, '200 beyond the bucket at 100/s');
    const refused = quotas.take(a, 1);
    assert.equal(refused?.ok, false, 'a REST request of the same tenant pays the debt first');
    assert.equal(refused?.remaining, 0, 'RateLimit remaining never goes below zero');
    assert.equal(refused?.ok === false ? refused.retryAfterSeconds : undefined, 2.01);
    clock.t += 2_000;
    assert.equal(quotas.reserve(a, 100), 1_000, 'the debt is paid at the rate; the next 100 wait one more second');
    clock.t = start;
  });
});

