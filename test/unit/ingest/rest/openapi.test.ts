import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes } from '../../../../src/core/errors.js';
import { docsPage } from '../../../../src/ingest/rest/docs.controller.js';
import { openApiDocument } from '../../../../src/ingest/rest/openapi.js';
import { HttpErrorCodes, problem, statusOfCode } from '../../../../src/ingest/rest/problem.js';

describe('OpenAPI document', () => {
  const doc = openApiDocument('http://127.0.0.1:8080') as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>>; components: { schemas: Record<string, Record<string, unknown>> } };

  it('is OpenAPI 3.1 with every $ref resolving to a component generated from zod', () => {
    assert.equal(doc.openapi, '3.1.0');
    const text = JSON.stringify(doc);
    const refs = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] as string);
    assert.ok(refs.length > 10);
    for (const ref of refs) assert.ok(ref in doc.components.schemas, `dangling $ref ${ref}`);
    for (const schema of Object.values(doc.components.schemas)) {
      assert.equal('$schema' in schema, false);
      assert.equal('$id' in schema, false);
    }
    const receipt = doc.components.schemas['Receipt'] as { required: string[] };
    assert.deepEqual([...receipt.required].sort(), ['batch', 'chain', 'digest', 'leafIndex', 'proof', 'recordId', 'signature']);
  });

  it('documents each error status of the submit operation with its codes', () => {
    const responses = doc.paths['/v1/records']?.['post']?.responses ?? {};
    for (const status of ['202', '200', '400', '401', '403', '409', '413', '415', '422', '503']) assert.ok(status in responses, status);
    assert.match(JSON.stringify(responses['403']), /CG_PRODUCER_SIGNATURE_INVALID/);
  });

  it('renders a self-contained docs page', () => {
    const html = docsPage(doc);
    assert.match(html, /<h3><span class="m">POST<\/span> <code>\/v1\/records\/batch<\/code><\/h3>/);
    assert.doesNotMatch(html, /<script|<link/);
  });
});

describe('problem details', () => {
  it('gives every code a 4xx/5xx status and a stable type URI', () => {
    for (const code of [...Object.values(ErrorCodes), ...Object.values(HttpErrorCodes)]) {
      const status = statusOfCode[code];
      assert.ok(status >= 400 && status < 600, code);
      const p = problem(code, 'detail');
      assert.equal(p.type, `urn:crossgate:problem:${code}`);
      assert.equal(p.status, status);
      assert.equal('issues' in p, false, 'no empty issues member');
    }
    assert.equal(statusOfCode[ErrorCodes.DuplicateConflict], 409);
    assert.equal(statusOfCode[ErrorCodes.Overloaded], 503);
  });
});
