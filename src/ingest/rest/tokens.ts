/**
 * Injection tokens for the interfaces the REST layer depends on (interfaces have no runtime class
 * for NestJS to resolve, so they are injected by token).
 */
export const PIPELINE = Symbol('crossgate.Pipeline');
export const STORE = Symbol('crossgate.Store');
export const CHAIN = Symbol('crossgate.ChainClient');
export const TENANTS = Symbol('crossgate.TenantDirectory');
export const SCHEMA_CATALOG = Symbol('crossgate.SchemaCatalog');
export const LOGGER = Symbol('crossgate.Logger');
export const CLOCK = Symbol('crossgate.Clock');
/** `(type) => sector | undefined`, from the schema registry. */
export const SECTOR_OF = Symbol('crossgate.SectorOf');
export const REST_OPTIONS = Symbol('crossgate.RestOptions');
/** Where batch bodies are parsed and prepared (src/ingest/prepare/preparer.ts). */
export const PREPARER = Symbol('crossgate.RecordPreparer');

/** REST-layer settings taken from the gateway config. */
export interface RestOptions {
  /** Most records in one POST /v1/records/batch. */
  readonly batchLimit: number;
}
export const QUOTAS = Symbol('crossgate.TenantQuotas');
