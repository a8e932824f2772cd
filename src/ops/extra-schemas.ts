/**
 * Schema versions loaded at start-up from modules named in CROSSGATE_EXTRA_SCHEMAS, next to the released
 * registry. The usual way to ship a new version is a new file in schemas/ and a new gateway release; this
 * is the operator's way to add one without rebuilding (for example to accept records stuck in the DLQ
 * with CG_SCHEMA_UNKNOWN, then replay them). A module exports `schemas: RecordSchemaDefinition[]`.
 * The registry's own rules still hold: versions 1..N without gaps, one sector per type.
 * The modules run with the gateway's privileges: configure only files you would deploy as code.
 */
import { pathToFileURL } from 'node:url';
import { newSchemaRegistry, type RecordSchemaDefinition, type SchemaRegistry } from '../../schemas/registry.js';

function isDefinition(value: unknown): value is RecordSchemaDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Record<string, unknown>;
  return typeof d.type === 'string' && typeof d.version === 'number' && typeof d.sector === 'string'
    && typeof d.title === 'string' && typeof (d.dataSchema as { safeParse?: unknown } | undefined)?.safeParse === 'function';
}

/** Imports each module and returns its schema definitions. Throws naming the module that is wrong. */
export async function loadExtraSchemas(paths: readonly string[]): Promise<RecordSchemaDefinition[]> {
  const all: RecordSchemaDefinition[] = [];
  for (const path of paths) {
    const mod = (await import(pathToFileURL(path).href)) as { schemas?: unknown };
    if (!Array.isArray(mod.schemas) || !mod.schemas.every(isDefinition)) {
      throw new Error(`CROSSGATE_EXTRA_SCHEMAS: ${path} must export \`schemas\`, an array of record schema definitions`);
    }
    all.push(...mod.schemas);
  }
  return all;
}

/** The released registry plus the extra definitions (the same registry when there are none). */
export async function registryWithExtras(base: SchemaRegistry, paths: readonly string[]): Promise<SchemaRegistry> {
  if (paths.length === 0) return base;
  return newSchemaRegistry([...base.list(), ...(await loadExtraSchemas(paths))]);
}
