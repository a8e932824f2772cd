/**
 * REST answers to per-tenant quotas: 429 problems with Retry-After, and the RateLimit-Policy and
 * RateLimit fields of draft-ietf-httpapi-ratelimit-headers on every answer to a tenant with a quota
 * (policy "tenant": q = the burst, w = seconds to refill it; r = records left, t = seconds to full).
 */
import type { QuotaDecision } from '../../core/quota.js';
import { HttpErrorCodes, ProblemException, problem } from './problem.js';

export function rateLimitHeaders(decision: QuotaDecision): Record<string, string> {
  const { quota } = decision;
  return {
    'ratelimit-policy': `"tenant";q=${quota.burst};w=${Math.max(1, Math.ceil(quota.burst / quota.recordsPerSecond))}`,
    ratelimit: `"tenant";r=${decision.remaining};t=${Math.ceil(decision.resetSeconds)}`,
  };
}

export function quotaExceeded(decision: Extract<QuotaDecision, { ok: false }>, records: number): ProblemException {
  const { quota } = decision;
  if (decision.retryAfterSeconds === null) {
    return new ProblemException(
      problem(HttpErrorCodes.QuotaExceeded, `A request of ${records} records is more than this tenant's burst of ${quota.burst}; send smaller batches.`),
      rateLimitHeaders(decision),
    );
  }
  const seconds = Math.max(1, Math.ceil(decision.retryAfterSeconds));
  return new ProblemException(
    problem(HttpErrorCodes.QuotaExceeded, `This tenant may submit ${quota.recordsPerSecond} records/s, ${quota.burst} at once; retry after the delay in Retry-After.`, { retryAfterSeconds: seconds }),
    { ...rateLimitHeaders(decision), 'retry-after': String(seconds) },
  );
}
