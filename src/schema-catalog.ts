/**
 * Adapts the schema registry to what GET /v1/schemas serves: the JSON Schema of the whole record
 * (envelope and typed data), the same document schemas/json/ holds for producers.
 */
import { jsonSchemaFor } from '../schemas/export-json-schema.js';
import type { SchemaRegistry } from '../schemas/registry.js';
import type { SchemaCatalog } from './ingest/rest/schemas.controller.js';

export function registrySchemaCatalog(registry: SchemaRegistry): SchemaCatalog {
  return {
    list: () => registry.list().map((d) => ({ type: d.type, version: d.version, sector: d.sector, latest: registry.latest(d.type)?.version === d.version })),
    jsonSchema: (type, version) => jsonSchemaFor(type, version, registry),
  };
}
