/**
 * Tenants and what each may do. Loading tenants (file, hashed API keys) is the edge's job
 * (src/config); the rules that decide whether a record is allowed live here.
 */
import type { SignatureAlg } from './types.js';

/** A producer's public key, registered in the tenants file. */
export interface ProducerKey {
  readonly keyId: string;
  readonly alg: SignatureAlg;
  /** Raw public key, base64url without padding (same encoding as receipts). */
  readonly publicKey: string;
  /** SM2 only: the producer's distinguishing identifier ID_A (default "1234567812345678"). */
  readonly distinguishingId?: string;
}

/** Records a tenant may submit: `recordsPerSecond` on average, up to `burst` at once. */
export interface TenantQuota {
  readonly recordsPerSecond: number;
  readonly burst: number;
}

export interface Tenant {
  readonly id: string;
  /** `admin` may read every tenant's records, receipts and dead letters, and use the ops API. */
  readonly role: 'producer' | 'admin';
  /**
   * Sources this tenant may submit as. A source is allowed when it equals a prefix or continues it
   * after a `/` (prefix `/beijing/transport` allows `/beijing/transport/metro-3`, not `/beijing/transportx`).
   */
  readonly sourcePrefixes: readonly string[];
  /** CloudEvents `type`s this tenant may submit, or '*' for all registered types. */
  readonly allowedTypes: readonly string[] | '*';
  /** When true, every record must carry a producer signature by one of `producerKeys`. */
  readonly requireProducerSignature: boolean;
  readonly producerKeys: readonly ProducerKey[];
  /** Absent: no limit but the gateway's own bounds. */
  readonly quota?: TenantQuota;
}
