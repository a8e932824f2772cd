/**
 * The batch answer written as text parses to exactly the object the straightforward construction
 * gives (item objects, recordLinks, JSON.stringify), for any record ids a client can send.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ErrorCodes, rejection } from '../../../../src/core/errors.js';
import type { SubmitOutcome } from '../../../../src/core/pipeline.js';
import { batchAnswerJson, type BatchCounts } from '../../../../src/ingest/rest/batch-answer.js';
import { problemOfRejection } from '../../../../src/ingest/rest/problem.js';
import { recordLinks } from '../../../../src/ingest/rest/record-paths.js';

function reference(counts: BatchCounts, outcomes: readonly SubmitOutcome[]): unknown {
  return {
    counts,
    results: outcomes.map((o, index) => {
      switch (o.status) {
        case 'accepted':
        case 'duplicate':
          return { index, status: o.status, recordId: o.recordId, digest: o.digest, batchId: o.batchId, leafIndex: o.leafIndex, links: recordLinks(o.recordId, o.batchId) };
        case 'overloaded':
          return { index, status: 'overloaded', retryAfterSeconds: Math.max(1, Math.ceil(o.retryAfterSeconds)) };
        case 'rejected':
          return { index, status: 'rejected', recordId: o.recordId, problem: problemOfRejection(o.rejection) };
      }
    }),
  };
}

/** Any well-formed text, weighted towards what needs escaping in JSON or in a URL. */
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('"', '\\', '/', '%', '?', '#', ' ', '\u0000', '\n', '\u2028', 'é', '😀', 'a', '-'), maxLength: 20 }),
);
const plain = { noNullPrototype: true } as const;
const recordId = fc.record({ source: text, id: text }, plain);
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const outcome: fc.Arbitrary<SubmitOutcome> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ status: fc.constantFrom('accepted' as const, 'duplicate' as const), recordId, digest: hex64, batchId: fc.oneof(hex64, text), leafIndex: fc.nat() }, plain) },
  { weight: 1, arbitrary: fc.record({ status: fc.constant('overloaded' as const), retryAfterSeconds: fc.double({ min: 0, max: 100, noNaN: true }) }, plain) },
  { weight: 1, arbitrary: fc.record({
    status: fc.constant('rejected' as const),
    recordId: fc.option(recordId, { nil: null }),
    type: fc.option(text, { nil: null }),
    rejection: fc.tuple(text, fc.array(fc.record({ path: fc.array(fc.oneof(text, fc.nat())), message: text, code: text }, plain), { maxLength: 2 }))
      .map(([message, issues]) => rejection(ErrorCodes.SchemaInvalid, message, issues as never)),
  }, plain) },
);

describe('batchAnswerJson', () => {
  it('parses to the straightforward construction, for any ids, batches and outcomes', () => {
    fc.assert(fc.property(fc.array(outcome, { maxLength: 30 }), (outcomes) => {
      const counts: BatchCounts = { accepted: 0, duplicate: 0, rejected: 0, overloaded: 0 };
      for (const o of outcomes) counts[o.status] += 1;
      assert.deepEqual(JSON.parse(batchAnswerJson(counts, outcomes)), reference(counts, outcomes));
    }), { numRuns: 2000 });
  });

  it('keeps each item its own links when sources and batches repeat or alternate', () => {
    const ids = [{ source: '/a/b', id: '1' }, { source: '/a/c', id: '2' }, { source: '/a/b', id: '3' }];
    const outcomes: SubmitOutcome[] = ids.map((id, i) => ({ status: 'accepted', recordId: id, digest: 'ab'.repeat(32), batchId: i === 1 ? 'y' : 'x', leafIndex: i }));
    const answer = JSON.parse(batchAnswerJson({ accepted: 3, duplicate: 0, rejected: 0, overloaded: 0 }, outcomes)) as { results: { links: { status: string; batch: string } }[] };
    assert.deepEqual(answer.results.map((r) => r.links.status), ['/v1/records/%2Fa%2Fb/1', '/v1/records/%2Fa%2Fc/2', '/v1/records/%2Fa%2Fb/3']);
    assert.deepEqual(answer.results.map((r) => r.links.batch), ['/v1/batches/x', '/v1/batches/y', '/v1/batches/x']);
  });
});
