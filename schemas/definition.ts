/**
 * What a record schema file exports. One file per (type, version): `schemas/<sector>/<type>.v<N>.ts`.
 * A released version is never edited (see registry.ts).
 */
import type { z } from 'zod';

/** The sectors Crossgate routes records for (Kafka topics `<sector>.*`). */
export type Sector = 'transport' | 'finance' | 'telecom';

/**
 * A hand-written check that runs before zod (`schemas/<sector>/<type>.v<N>.fast.ts`): `accepts(data)`
 * is true only when `dataSchema.safeParse(data)` would succeed; false means "not sure", and zod
 * decides and explains. It is bound to the zod schema it was written for: validation uses it only
 * while the definition's `dataSchema` is that same object, so a copy with another schema
 * (`{ ...v1, version: 2, dataSchema }`) never inherits it.
 */
export interface FastAccept {
  readonly dataSchema: z.ZodType;
  readonly accepts: (data: unknown) => boolean;
}

/** A record type at one version: the CloudEvents `type`, its sector, and the zod schema of `data`. */
export interface RecordSchemaDefinition {
  /** CloudEvents `type`, reverse-DNS, e.g. `cn.gov.transport.trip`. */
  readonly type: string;
  /** Positive integer; records name it in `dataschema` (`urn:crossgate:schema:<type>:v<N>`). */
  readonly version: number;
  readonly sector: Sector;
  readonly title: string;
  readonly description: string;
  /** Schema of the envelope's `data`. Strict objects: unknown fields are errors, not silently kept. */
  readonly dataSchema: z.ZodType;
  /** Optional fast path in front of `dataSchema` (see FastAccept). Never changes a decision. */
  readonly fastAccept?: FastAccept;
}

/** Freezes a definition so a registered schema cannot be changed at run time. */
export function defineRecordSchema<const D extends RecordSchemaDefinition>(definition: D): Readonly<D> {
  return Object.freeze(definition);
}

/** `definition` with its fast accept check attached (a new frozen object; the released one is untouched). */
export function withFastAccept(definition: RecordSchemaDefinition, accepts: (data: unknown) => boolean): RecordSchemaDefinition {
  return Object.freeze({ ...definition, fastAccept: Object.freeze({ dataSchema: definition.dataSchema, accepts }) });
}
