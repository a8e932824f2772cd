/**
 * The REST API's request and response shapes, as zod schemas: the OpenAPI document (/openapi.json) is
 * generated from these, and the handlers build their responses with the inferred types, so the
 * document and the code cannot drift apart.
 */
import { z } from 'zod';
import { SIGNATURE_ALGS } from '../../core/signature-algs.js';
import type { SignatureAlg } from '../../core/types.js';

export const apiRegistry = z.registry<{ id: string; description?: string }>();

const hex = z.string().regex(/^[0-9a-f]*$/);
const base64url = z.string().regex(/^[A-Za-z0-9_-]*$/);

export const RecordIdSchema = z.object({
  source: z.string().describe('CloudEvents `source` of the record (tenant/org path, contains slashes).'),
  id: z.string().describe('CloudEvents `id`, unique within its source.'),
});
apiRegistry.add(RecordIdSchema, { id: 'RecordId' });

export const IssueSchema = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  code: z.string(),
  message: z.string(),
});
apiRegistry.add(IssueSchema, { id: 'Issue' });

export const ProblemSchema = z.object({
  type: z.string().describe('urn:crossgate:problem:<code>'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string().describe('Stable error code, e.g. CG_SCHEMA_INVALID (docs/service.md lists them all).'),
  instance: z.string().optional(),
  issues: z.array(IssueSchema).optional().describe('Why the record was not accepted, one entry per problem (zod issues).'),
  retryAfterSeconds: z.number().int().optional(),
});
apiRegistry.add(ProblemSchema, { id: 'Problem', description: 'RFC 9457 problem details (application/problem+json).' });

/** A CloudEvents 1.0 structured-mode record; the per-type `data` schemas are served at /v1/schemas. */
export const RecordEnvelopeSchema = z.looseObject({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1).describe('Record type, e.g. cn.gov.transport.trip; see GET /v1/schemas.'),
  dataschema: z.string().optional().describe('Schema version URI; the latest version when absent.'),
  time: z.string().optional(),
  datacontenttype: z.string().optional(),
  subject: z.string().optional(),
  data: z.unknown(),
  producersig: z.string().optional().describe('Detached producer signature over the RFC 8785 form of the envelope without producersig (base64url).'),
  producerkid: z.string().optional().describe('Key id of the producer key that made producersig.'),
});
apiRegistry.add(RecordEnvelopeSchema, { id: 'RecordEnvelope' });

export const RecordBatchSchema = z.array(RecordEnvelopeSchema).min(1);
apiRegistry.add(RecordBatchSchema, { id: 'RecordBatch', description: 'A JSON array of records (CloudEvents batch format), at most CROSSGATE_REST_BATCH_LIMIT long.' });

export const LinksSchema = z.object({
  status: z.string(),
  receipt: z.string(),
  batch: z.string(),
});

export const SubmitResultSchema = z.object({
  status: z.enum(['accepted', 'duplicate']).describe('`duplicate`: the same record was accepted before; this is its original result.'),
  recordId: RecordIdSchema,
  digest: hex.describe('SHA-256 of the RFC 8785 form of the record, lowercase hex.'),
  batchId: z.string(),
  leafIndex: z.number().int(),
  links: LinksSchema,
});
apiRegistry.add(SubmitResultSchema, { id: 'SubmitResult' });

export const BatchItemResultSchema = z.discriminatedUnion('status', [
  SubmitResultSchema.extend({ index: z.number().int() }),
  z.object({ index: z.number().int(), status: z.literal('rejected'), recordId: RecordIdSchema.nullable(), problem: ProblemSchema }),
  z.object({ index: z.number().int(), status: z.literal('overloaded'), retryAfterSeconds: z.number().int() }),
]);
apiRegistry.add(BatchItemResultSchema, { id: 'BatchItemResult' });

export const BatchSubmitResultSchema = z.object({
  counts: z.object({ accepted: z.number().int(), duplicate: z.number().int(), rejected: z.number().int(), overloaded: z.number().int() }),
  results: z.array(BatchItemResultSchema).describe('One result per submitted record, in request order.'),
});
apiRegistry.add(BatchSubmitResultSchema, { id: 'BatchSubmitResult' });

export const RecordStatusSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.enum(['accepted', 'sealed', 'anchored']),
    recordId: RecordIdSchema,
    type: z.string(),
    digest: hex,
    batchId: z.string(),
    leafIndex: z.number().int(),
    acceptedAt: z.string().describe('RFC 3339'),
    links: LinksSchema,
  }),
  z.object({
    status: z.literal('rejected'),
    recordId: RecordIdSchema,
    type: z.string().nullable(),
    rejectedAt: z.string().describe('RFC 3339'),
    problem: ProblemSchema,
  }),
]);
apiRegistry.add(RecordStatusSchema, { id: 'RecordStatus' });

export const SignerInfoSchema = z.object({ keyId: z.string(), alg: z.enum(SIGNATURE_ALGS as [SignatureAlg, ...SignatureAlg[]]), publicKey: base64url });
apiRegistry.add(SignerInfoSchema, { id: 'SignerInfo' });

export const BatchHeaderSchema = z.object({
  id: z.string(),
  root: hex,
  size: z.number().int(),
  sealedAt: z.string(),
  prev: z.string().nullable(),
  signer: SignerInfoSchema,
});
apiRegistry.add(BatchHeaderSchema, { id: 'BatchHeader' });

export const ChainAnchorSchema = z.object({ kind: z.string(), network: z.string(), txId: z.string(), blockNumber: z.number().int() });
apiRegistry.add(ChainAnchorSchema, { id: 'ChainAnchor' });

export const ReceiptSchema = z.object({
  recordId: RecordIdSchema,
  digest: hex,
  leafIndex: z.number().int(),
  proof: z.array(hex).describe('RFC 6962 audit path, bottom-up.'),
  batch: BatchHeaderSchema,
  signature: base64url.describe('Gateway signature over RFC 8785(batch).'),
  chain: ChainAnchorSchema,
  anchorProof: z.looseObject({ kind: z.string() }).optional().describe('Only with `?anchorProof=true`: chain-specific evidence for an offline anchor check (docs/receipt-format.md).'),
});
apiRegistry.add(ReceiptSchema, { id: 'Receipt', description: 'Verifiable offline with `crossgate verify` (docs/receipt-format.md).' });

export const BatchStatusSchema = z.object({
  header: BatchHeaderSchema,
  signature: base64url,
  state: z.enum(['sealed', 'anchored', 'failed']),
  attempts: z.number().int(),
  anchor: ChainAnchorSchema.nullable(),
  anchoredAt: z.string().nullable(),
  lastError: z.string().nullable().optional().describe('Shown to admin tenants only.'),
});
apiRegistry.add(BatchStatusSchema, { id: 'BatchStatus' });

export const SchemaListSchema = z.object({
  schemas: z.array(z.object({
    type: z.string(),
    version: z.number().int(),
    sector: z.string(),
    latest: z.boolean(),
    href: z.string().describe('Where the JSON Schema of this version is served.'),
  })),
});
apiRegistry.add(SchemaListSchema, { id: 'SchemaList' });

/** Response bodies are built, never mutated: readonly lets the core's readonly values flow in. */
type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

export type SubmitResult = DeepReadonly<z.infer<typeof SubmitResultSchema>>;
export type BatchItemResult = DeepReadonly<z.infer<typeof BatchItemResultSchema>>;
export type BatchSubmitResult = DeepReadonly<z.infer<typeof BatchSubmitResultSchema>>;
export type RecordStatusBody = DeepReadonly<z.infer<typeof RecordStatusSchema>>;
/** lastError is set after construction (admin only), so this one stays mutable at the top. */
export type BatchStatusBody = { -readonly [K in keyof DeepReadonly<z.infer<typeof BatchStatusSchema>>]: DeepReadonly<z.infer<typeof BatchStatusSchema>>[K] };
export type SchemaList = DeepReadonly<z.infer<typeof SchemaListSchema>>;
