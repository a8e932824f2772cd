/**
 * Per-tenant quotas: a token bucket per tenant, `recordsPerSecond` refilled continuously up to
 * `burst`. Each tenant has a bucket of its own, so a tenant over its quota is refused (REST 429) or
 * slowed (Kafka) while the others go on at their own pace. One instance serves both doors: a tenant's
 * rate is its rate whichever door its records use. The clock is injected, so tests drive time.
 */
import type { Tenant, TenantQuota } from './tenant.js';

export type QuotaDecision =
  | { readonly ok: true; readonly quota: TenantQuota; readonly remaining: number; readonly resetSeconds: number }
  | {
    readonly ok: false;
    readonly quota: TenantQuota;
    readonly remaining: number;
    readonly resetSeconds: number;
    /** Seconds until the request's records are available; null when it asks for more than the burst. */
    readonly retryAfterSeconds: number | null;
  };

interface Bucket {
  tokens: number;
  at: number;
}

export class TenantQuotas {
  readonly #buckets = new Map<string, Bucket>();

  constructor(private readonly clock: { now(): number }) {}

  /** Takes `records` from the tenant's bucket, or refuses and takes nothing. Unlimited without a quota. */
  take(tenant: Tenant, records: number): QuotaDecision | undefined {
    const quota = tenant.quota;
    if (quota === undefined) return undefined;
    const bucket = this.#refilled(tenant.id, quota);
    if (records <= bucket.tokens) {
      bucket.tokens -= records;
      return { ok: true, quota, ...this.#state(bucket, quota) };
    }
    const retryAfterSeconds = records > quota.burst ? null : (records - bucket.tokens) / quota.recordsPerSecond;
    return { ok: false, quota, retryAfterSeconds, ...this.#state(bucket, quota) };
  }

  /**
   * Takes `records` whatever the bucket holds, going into debt, and answers how many milliseconds to
   * hold them so the tenant keeps to its rate (0 without a quota or within it): for a door that slows
   * a tenant instead of refusing it, where the records are already in hand (Kafka). A later take or
   * reserve of the tenant pays the debt first.
   */
  reserve(tenant: Tenant, records: number): number {
    const quota = tenant.quota;
    if (quota === undefined) return 0;
    const bucket = this.#refilled(tenant.id, quota);
    bucket.tokens -= records;
    return bucket.tokens >= 0 ? 0 : Math.ceil((-bucket.tokens / quota.recordsPerSecond) * 1000);
  }

  /** Whether at least one record could be taken now (a cheap check before parsing a body). */
  hasAny(tenant: Tenant): boolean {
    const quota = tenant.quota;
    return quota === undefined || this.#refilled(tenant.id, quota).tokens >= 1;
  }

  #refilled(id: string, quota: TenantQuota): Bucket {
    const now = this.clock.now();
    let bucket = this.#buckets.get(id);
    if (bucket === undefined) {
      bucket = { tokens: quota.burst, at: now };
      this.#buckets.set(id, bucket);
    }
    const elapsedSeconds = Math.max(0, now - bucket.at) / 1000;
    bucket.tokens = Math.min(quota.burst, bucket.tokens + elapsedSeconds * quota.recordsPerSecond);
    bucket.at = now;
    return bucket;
  }

  #state(bucket: Bucket, quota: TenantQuota): { remaining: number; resetSeconds: number } {
    return { remaining: Math.max(0, Math.floor(bucket.tokens)), resetSeconds: (quota.burst - bucket.tokens) / quota.recordsPerSecond };
  }
}
