/** The hand-written SubmitStreamResponse encoder gives exactly the bytes proto-loader's serializer gives. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadSync } from '@grpc/proto-loader';
import type { SubmitOutcome } from '../../../../src/core/pipeline.js';
import type { ErrorCode } from '../../../../src/core/errors.js';
import { submitResponse } from '../../../../src/ingest/grpc/grpc-records.js';
import { GATEWAY_PROTO, protoLoaderOptions } from '../../../../src/ingest/grpc/grpc.module.js';
import { encodeStreamAnswer } from '../../../../src/ingest/grpc/stream-answer.js';

const method = (loadSync(GATEWAY_PROTO, protoLoaderOptions)['crossgate.v1.Gateway'] as unknown as Record<string, { responseSerialize(v: unknown): Buffer }>)['SubmitStream']!;

const text = fc.string({ unit: 'binary', maxLength: 40 });
const recordId = fc.record({ source: text, id: text });
const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
const outcome: fc.Arbitrary<SubmitOutcome> = fc.oneof(
  fc.record({ status: fc.constantFrom('accepted' as const, 'duplicate' as const), recordId, digest: hex, batchId: hex, leafIndex: fc.nat({ max: 2 ** 32 - 1 }) }),
  fc.record({
    status: fc.constant('rejected' as const), recordId: fc.option(recordId, { nil: null }), type: fc.option(text, { nil: null }),
    rejection: fc.record({
      code: fc.constantFrom('CG_SCHEMA_INVALID', 'CG_NOT_I_JSON', 'CG_DECODE_FAILED') as fc.Arbitrary<ErrorCode>,
      message: text,
      issues: fc.array(fc.record({ path: fc.array(fc.oneof(text, fc.nat()), { maxLength: 4 }), code: text, message: text }), { maxLength: 3 }),
    }),
  }),
  fc.record({ status: fc.constant('overloaded' as const), retryAfterSeconds: fc.double({ min: 0, max: 1e6, noNaN: true }) }),
);

describe('SubmitStreamResponse encoding', () => {
  it('is byte for byte what proto-loader serializes, for any outcomes and sequence', () => {
    fc.assert(fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.array(outcome, { maxLength: 20 }), (sequence, outcomes) => {
      const expected = method.responseSerialize({ sequence: String(sequence), results: outcomes.map(submitResponse) });
      assert.deepEqual(encodeStreamAnswer(sequence, outcomes), expected);
    }), { numRuns: 500 });
  });
});
