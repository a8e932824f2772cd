/**
 * Adapts the schema registry to what GET /v1/schemas serves.
 */
import { z } from 'zod';
import type { SchemaRegistry } from '../schemas/registry.js';
import type { SchemaCatalog } from './ingest/rest/schemas.controller.js';

export function registrySchemaCatalog(registry: SchemaRegistry): SchemaCatalog {
  return {
    list: () => registry.list().map((d) => ({ type: d.type, version: d.version, sector: d.sector, latest: registry.latest(d.type)?.version === d.version })),
    jsonSchema: (type, version) => {
      const d = registry.get(type, version);
      return d === undefined ? undefined : z.toJSONSchema(d.dataSchema, { target: 'draft-2020-12', unrepresentable: 'any' });
    },
  };
}
