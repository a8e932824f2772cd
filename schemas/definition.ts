/**
 * What a record schema file exports. One file per (type, version): `schemas/<sector>/<type>.v<N>.ts`.
 * A released version is never edited (see registry.ts).
 */
import type { z } from 'zod';

/** The sectors Crossgate routes records for (Kafka topics `<sector>.*`). */
export type Sector = 'transport' | 'finance' | 'telecom';

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
}

/** Freezes a definition so a registered schema cannot be changed at run time. */
export function defineRecordSchema<const D extends RecordSchemaDefinition>(definition: D): Readonly<D> {
  return Object.freeze(definition);
}
