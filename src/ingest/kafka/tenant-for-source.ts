/**
 * Kafka records carry no API key: the topic is shared, so the tenant is found from the record's own
 * CloudEvents `source`. The tenant whose source prefix matches is the one the record is submitted as,
 * and the pipeline then applies that tenant's type ACL and producer-signature rule exactly as for REST.
 * Topic ACLs on the broker decide who may write to a topic at all; producer signatures (tenants with
 * requireProducerSignature) are what binds a record to its producer end to end.
 */
import { sourceMatchesPrefix } from '../../core/authorize.js';
import type { Tenant } from '../../core/tenant.js';

/**
 * The tenant owning `source`: the one with the longest matching source prefix, so a more specific
 * grant (`/beijing/transport/metro-3`) wins over a broad one (`/beijing`). Between equally long
 * prefixes the first tenant in the directory's order wins, so the choice never depends on timing.
 */
export function tenantForSource(tenants: readonly Tenant[], source: string): Tenant | undefined {
  return tenants[tenantIndexForSource(tenants, source)];
}

/** The same choice as its index in `tenants` (−1: none). */
export function tenantIndexForSource(tenants: readonly Tenant[], source: string): number {
  let best = -1;
  let bestLength = -1;
  for (let i = 0; i < tenants.length; i++) {
    for (const prefix of (tenants[i] as Tenant).sourcePrefixes) {
      if (prefix.length > bestLength && sourceMatchesPrefix(source, prefix)) {
        best = i;
        bestLength = prefix.length;
      }
    }
  }
  return best;
}
