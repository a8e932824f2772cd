/**
 * GET /v1/schemas and GET /v1/schemas/{type}/{version}: the record schemas as JSON Schema, public so
 * producers in any language can validate before they send.
 */
import { Controller, Get, Header, Inject, Param } from '@nestjs/common';
import type { SchemaList } from './api-schemas.js';
import { HttpErrorCodes, ProblemException, problem } from './problem.js';
import { SCHEMA_CATALOG } from './tokens.js';

/** What the REST layer needs from the schema registry (adapted from schemas/registry.ts at wiring). */
export interface SchemaCatalog {
  list(): readonly { readonly type: string; readonly version: number; readonly sector: string; readonly latest: boolean }[];
  /** The JSON Schema of the record (envelope with typed data), or undefined when unknown. */
  jsonSchema(type: string, version: number): object | undefined;
}

@Controller('v1/schemas')
export class SchemasController {
  private readonly cache = new Map<string, string>();

  constructor(@Inject(SCHEMA_CATALOG) private readonly catalog: SchemaCatalog) {}

  @Get()
  list(): SchemaList {
    return {
      schemas: this.catalog.list().map((s) => ({ ...s, href: `/v1/schemas/${encodeURIComponent(s.type)}/${s.version}` })),
    };
  }

  @Get(':type/:version')
  @Header('content-type', 'application/schema+json')
  get(@Param('type') type: string, @Param('version') versionText: string): string {
    const key = `${type}\u0000${versionText}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const version = /^[1-9][0-9]{0,5}$/.test(versionText) ? Number(versionText) : undefined;
    const schema = version === undefined ? undefined : this.catalog.jsonSchema(type, version);
    if (schema === undefined) throw new ProblemException(problem(HttpErrorCodes.NotFound, `No schema for type ${type} version ${versionText}.`));
    const text = JSON.stringify(schema);
    this.cache.set(key, text);
    return text;
  }
}
