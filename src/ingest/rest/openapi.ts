/**
 * The OpenAPI 3.1 document of the REST API, generated from the zod schemas in api-schemas.ts with
 * zod's own JSON Schema export (OpenAPI 3.1 schemas are JSON Schema 2020-12), so it cannot drift from
 * the shapes the handlers return.
 */
import { z } from 'zod';
import { apiRegistry } from './api-schemas.js';
import { statusOfCode, type ProblemCode } from './problem.js';

type Json = Record<string, unknown>;

const ref = (id: string): Json => ({ $ref: `#/components/schemas/${id}` });
const json = (schema: Json, types: readonly string[] = ['application/json']): Json =>
  Object.fromEntries(types.map((t) => [t, { schema }]));
const problemResponse = (description: string): Json => ({ description, content: json(ref('Problem'), ['application/problem+json']) });

/** Error responses, described by the codes that produce each status. */
function errorResponses(codes: readonly ProblemCode[]): Json {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of codes) {
    const status = statusOfCode[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries([...byStatus].sort(([a], [b]) => a - b).map(([status, cs]) => [String(status), problemResponse(cs.join(', '))]));
}

const recordParams: Json[] = [
  { name: 'source', in: 'path', required: true, description: 'The record source, URL-encoded as one segment (`/a/b` → `%2Fa%2Fb`).', schema: { type: 'string' } },
  { name: 'id', in: 'path', required: true, description: 'The record id, URL-encoded.', schema: { type: 'string' } },
];

const recordTypes = ['application/json', 'application/cloudevents+json'];
const batchTypes = ['application/json', 'application/cloudevents-batch+json'];
const retryAfter = { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } };

const rateLimit = {
  'RateLimit-Policy': { description: 'The tenant\'s quota (draft-ietf-httpapi-ratelimit-headers): `"tenant";q=<burst>;w=<seconds to refill it>`.', schema: { type: 'string' } },
  RateLimit: { description: 'What is left of it: `"tenant";r=<records>;t=<seconds until full>`.', schema: { type: 'string' } },
};

const bodyErrors: ProblemCode[] = ['CG_MALFORMED_JSON', 'CG_NOT_I_JSON', 'CG_UNAUTHENTICATED', 'CG_PAYLOAD_TOO_LARGE', 'CG_UNSUPPORTED_MEDIA_TYPE'];

/** Builds the document. `serverUrl` is where this gateway listens. */
export function openApiDocument(serverUrl?: string): Json {
  const generated = z.toJSONSchema(apiRegistry, { target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' }) as { schemas: Record<string, Json> };
  const schemas: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(generated.schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema;
    schemas[id] = rest;
  }
  const submitErrors = errorResponses([...bodyErrors, 'CG_ENVELOPE_INVALID', 'CG_SCHEMA_UNKNOWN', 'CG_SCHEMA_INVALID', 'CG_SOURCE_FORBIDDEN', 'CG_TYPE_FORBIDDEN', 'CG_PRODUCER_SIGNATURE_MISSING', 'CG_PRODUCER_SIGNATURE_INVALID', 'CG_DUPLICATE_CONFLICT', 'CG_OVERLOADED', 'CG_QUOTA_EXCEEDED']);
  (submitErrors['503'] as Json).headers = retryAfter;
  (submitErrors['429'] as Json).headers = { ...retryAfter, ...rateLimit };
  const batchErrors = errorResponses([...bodyErrors, 'CG_REQUEST_INVALID', 'CG_BATCH_TOO_LARGE', 'CG_OVERLOADED', 'CG_QUOTA_EXCEEDED']);
  (batchErrors['503'] as Json).headers = retryAfter;
  (batchErrors['429'] as Json).headers = { ...retryAfter, ...rateLimit };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Crossgate gateway',
      version: '1.0.0',
      description: 'Submit transaction records (CloudEvents 1.0), follow them through sealing and anchoring, and fetch verifiable receipts. Errors are RFC 9457 problem details with a stable `code`.',
    },
    ...(serverUrl === undefined ? {} : { servers: [{ url: serverUrl }] }),
    security: [{ apiKey: [] }],
    paths: {
      '/v1/records': {
        post: {
          operationId: 'submitRecord',
          summary: 'Submit one record',
          description: 'Answers once the record is durable in a sealed batch (202). The same (source, id) with the same content answers 200 with the original result; with different content, 409.',
          requestBody: { required: true, content: json(ref('RecordEnvelope'), recordTypes) },
          responses: {
            '202': { description: 'Accepted: sealed into a batch, anchoring follows.', headers: { Location: { schema: { type: 'string' } } }, content: json(ref('SubmitResult')) },
            '200': { description: 'Duplicate: the original result.', content: json(ref('SubmitResult')) },
            ...submitErrors,
          },
        },
      },
      '/v1/records/batch': {
        post: {
          operationId: 'submitRecordBatch',
          summary: 'Submit up to CROSSGATE_REST_BATCH_LIMIT records',
          description: 'Each record is answered on its own, in request order: accepted, duplicate, rejected (with a problem), or overloaded.',
          requestBody: { required: true, content: json(ref('RecordBatch'), batchTypes) },
          responses: {
            '200': { description: 'One result per record.', content: json(ref('BatchSubmitResult')) },
            ...batchErrors,
          },
        },
      },
      '/v1/records/{source}/{id}': {
        get: {
          operationId: 'getRecordStatus',
          summary: 'Where a record is: sealed, anchored, or rejected',
          parameters: recordParams,
          responses: { '200': { description: 'Status.', content: json(ref('RecordStatus')) }, ...errorResponses(['CG_UNAUTHENTICATED', 'CG_NOT_FOUND']) },
        },
      },
      '/v1/records/{source}/{id}/receipt': {
        get: {
          operationId: 'getReceipt',
          summary: 'The receipt of an anchored record',
          parameters: [
            ...recordParams,
            {
              name: 'anchorProof', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] },
              description: 'With `true`, the receipt carries `anchorProof` for `crossgate verify --validators` (CometBFT only; `CG_RECEIPT_PENDING` until the block after the anchor\'s exists).',
            },
          ],
          responses: {
            '200': { description: 'The receipt; verify it with `crossgate verify`.', content: json(ref('Receipt')) },
            ...errorResponses(['CG_UNAUTHENTICATED', 'CG_NOT_FOUND', 'CG_RECEIPT_PENDING', 'CG_REQUEST_INVALID', 'CG_CHAIN_UNAVAILABLE']),
          },
        },
      },
      '/v1/batches/{batchId}': {
        get: {
          operationId: 'getBatch',
          summary: 'A batch: header, gateway signature and anchoring state',
          parameters: [{ name: 'batchId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The batch.', content: json(ref('BatchStatus')) }, ...errorResponses(['CG_UNAUTHENTICATED', 'CG_NOT_FOUND']) },
        },
      },
      '/v1/schemas': {
        get: {
          operationId: 'listSchemas',
          summary: 'Registered record types and versions',
          security: [],
          responses: { '200': { description: 'The schema list.', content: json(ref('SchemaList')) } },
        },
      },
      '/v1/schemas/{type}/{version}': {
        get: {
          operationId: 'getSchema',
          summary: 'JSON Schema (2020-12) of one record type version, for validating before sending',
          security: [],
          parameters: [
            { name: 'type', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'version', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
          ],
          responses: {
            '200': { description: 'The JSON Schema of the whole record (envelope and data).', content: json({ type: 'object' }, ['application/schema+json']) },
            ...errorResponses(['CG_NOT_FOUND']),
          },
        },
      },
    },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <api key> (one per tenant, see the tenants file).' } },
      schemas,
    },
  };
}
