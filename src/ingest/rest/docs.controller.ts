/**
 * GET /openapi.json (the generated OpenAPI 3.1 document) and GET /docs (a self-contained HTML page
 * listing the operations and schemas: the machine may be offline, so no CDN-hosted viewer).
 */
import { Controller, Get, Header } from '@nestjs/common';
import { openApiDocument } from './openapi.js';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Renders the document as one HTML page. Exported for tests. */
export function docsPage(doc: Record<string, unknown>): string {
  const info = doc.info as { title: string; description: string; version: string };
  const paths = doc.paths as Record<string, Record<string, { summary?: string; description?: string; responses: Record<string, { description: string }> }>>;
  const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
  const ops: string[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const responses = Object.entries(op.responses).map(([s, r]) => `<li><code>${s}</code> ${escapeHtml(r.description)}</li>`).join('');
      ops.push(`<section><h3><span class="m">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>`
        + `<p>${escapeHtml(op.summary ?? '')}</p>${op.description ? `<p>${escapeHtml(op.description)}</p>` : ''}<ul>${responses}</ul></section>`);
    }
  }
  const schemaBlocks = Object.entries(schemas).map(([id, s]) => `<details id="${escapeHtml(id)}"><summary>${escapeHtml(id)}</summary><pre>${escapeHtml(JSON.stringify(s, null, 2))}</pre></details>`).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(info.title)} API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}code,pre{font:13px ui-monospace,monospace}pre{background:#f4f4f4;padding:.5rem;overflow:auto}.m{background:#234;color:#fff;padding:0 .4rem;border-radius:3px}section{border-top:1px solid #ddd}</style></head>
<body><h1>${escapeHtml(info.title)} API <small>${escapeHtml(info.version)}</small></h1><p>${escapeHtml(info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Authenticate with <code>Authorization: Bearer &lt;api key&gt;</code>.</p>
<h2>Operations</h2>${ops.join('\n')}<h2>Schemas</h2>${schemaBlocks}</body></html>`;
}

@Controller()
export class DocsController {
  private readonly doc = openApiDocument();
  private readonly json = JSON.stringify(this.doc);
  private readonly html = docsPage(this.doc);

  @Get('openapi.json')
  @Header('content-type', 'application/json; charset=utf-8')
  openapi(): string {
    return this.json;
  }

  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  docs(): string {
    return this.html;
  }
}
