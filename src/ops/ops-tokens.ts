/**
 * Injection tokens of the ops module (the interfaces it depends on have no runtime class). The shared
 * dependencies (store, pipeline, tenants, clock) use the REST layer's tokens in src/ingest/rest/tokens.ts.
 */
export const METRICS = Symbol('crossgate.ops.Metrics');
export const DLQ_SERVICE = Symbol('crossgate.ops.DlqService');
/** Optional: the Kafka consumer's {@link KafkaStatus}, when Kafka ingestion is configured. */
export const KAFKA_STATUS = Symbol('crossgate.ops.KafkaStatus');
/** Optional: the gateway's signer, checked by /health/ready when it has a health check (an HSM). */
export const SIGNER = Symbol('crossgate.ops.Signer');
export const OPS_OPTIONS = Symbol('crossgate.ops.Options');
export const OPS_LOGGER = Symbol('crossgate.ops.Logger');
