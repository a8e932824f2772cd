/**
 * The schema registry: every record type Crossgate accepts, keyed by (type, version).
 *
 * RULE: a released version is never edited. Records already anchored on chain were validated against
 * it, and producers in other languages use its exported JSON Schema. A change — even a relaxed
 * pattern — is a new file `schemas/<sector>/<type>.v<N+1>.ts` plus an entry in `ALL` below. Old
 * versions stay registered so producers can move when they are ready.
 *
 * Version selection: a record names its version in the CloudEvents `dataschema` attribute as
 * `urn:crossgate:schema:<type>:v<N>` (schema-urn.ts); without `dataschema` the latest version of the
 * type applies.
 */
import { withFastAccept, type RecordSchemaDefinition, type Sector } from './definition.js';
import { acceptsInvoiceV1 } from './finance/cn.gov.finance.invoice.v1.fast.js';
import { invoiceV1 } from './finance/cn.gov.finance.invoice.v1.js';
import { acceptsPaymentV1 } from './finance/cn.gov.finance.payment.v1.fast.js';
import { paymentV1 } from './finance/cn.gov.finance.payment.v1.js';
import { acceptsCdrV1 } from './telecom/cn.gov.telecom.cdr.v1.fast.js';
import { cdrV1 } from './telecom/cn.gov.telecom.cdr.v1.js';
import { acceptsSimRegistrationV1 } from './telecom/cn.gov.telecom.sim-registration.v1.fast.js';
import { simRegistrationV1 } from './telecom/cn.gov.telecom.sim-registration.v1.js';
import { acceptsTollPassageV1 } from './transport/cn.gov.transport.toll-passage.v1.fast.js';
import { tollPassageV1 } from './transport/cn.gov.transport.toll-passage.v1.js';
import { acceptsTripV1 } from './transport/cn.gov.transport.trip.v1.fast.js';
import { tripV1 } from './transport/cn.gov.transport.trip.v1.js';

export type { FastAccept, RecordSchemaDefinition, Sector } from './definition.js';
export { parseSchemaUrn, schemaUrn } from './schema-urn.js';

/** Lookup of registered record schemas. */
export interface SchemaRegistry {
  /** The definition of exactly (type, version), or undefined. */
  get(type: string, version: number): RecordSchemaDefinition | undefined;
  /** The highest registered version of `type`, or undefined for an unknown type. */
  latest(type: string): RecordSchemaDefinition | undefined;
  /** Every registered (type, version), sorted by type then version. */
  list(): readonly RecordSchemaDefinition[];
  /** The sector of `type`, or undefined for an unknown type. */
  sectorOf(type: string): Sector | undefined;
}

const TYPE = /^[a-z0-9][a-z0-9.-]{0,200}$/;

/**
 * Builds a registry. Throws (a bug, not an input error) on a malformed type, a duplicate
 * (type, version), a gap in a type's versions, or one type registered under two sectors.
 */
export function newSchemaRegistry(definitions: readonly RecordSchemaDefinition[]): SchemaRegistry {
  const byType = new Map<string, RecordSchemaDefinition[]>();
  for (const d of definitions) {
    if (!TYPE.test(d.type)) throw new Error(`schema registry: bad type name "${d.type}"`);
    if (!Number.isSafeInteger(d.version) || d.version < 1) throw new Error(`schema registry: bad version ${d.version} of ${d.type}`);
    const versions = byType.get(d.type) ?? [];
    if (versions.some((v) => v.version === d.version)) throw new Error(`schema registry: ${d.type} v${d.version} registered twice`);
    if (versions.some((v) => v.sector !== d.sector)) throw new Error(`schema registry: ${d.type} registered under two sectors`);
    versions.push(d);
    byType.set(d.type, versions);
  }
  const latestByType = new Map<string, RecordSchemaDefinition>();
  const sorted: RecordSchemaDefinition[] = [];
  for (const [type, versions] of [...byType].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    versions.sort((a, b) => a.version - b.version);
    versions.forEach((v, i) => {
      if (v.version !== i + 1) throw new Error(`schema registry: ${type} versions must be 1..N without gaps`);
    });
    latestByType.set(type, versions[versions.length - 1] as RecordSchemaDefinition);
    sorted.push(...versions);
  }
  const frozen = Object.freeze(sorted);
  return Object.freeze({
    get: (type: string, version: number) => byType.get(type)?.find((d) => d.version === version),
    latest: (type: string) => latestByType.get(type),
    list: () => frozen,
    sectorOf: (type: string) => latestByType.get(type)?.sector,
  });
}

/**
 * Every released schema. Add new versions here; never remove or edit one. A fast accept check
 * (`<type>.v<N>.fast.ts`) is optional: without one, zod alone validates the version.
 */
const ALL: readonly RecordSchemaDefinition[] = [
  withFastAccept(tripV1, acceptsTripV1),
  withFastAccept(tollPassageV1, acceptsTollPassageV1),
  withFastAccept(paymentV1, acceptsPaymentV1),
  withFastAccept(invoiceV1, acceptsInvoiceV1),
  withFastAccept(cdrV1, acceptsCdrV1),
  withFastAccept(simRegistrationV1, acceptsSimRegistrationV1),
];

/** The registry of Crossgate's record types. */
export const schemaRegistry: SchemaRegistry = newSchemaRegistry(ALL);
