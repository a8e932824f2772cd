import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decoders, sectors } from '../../../../adapters/kafka/topics.js';

// A poison record must become a DLQ entry, never an exception that stalls the partition (invariant 4).
const bytes = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));
const headerValue = fc.oneof(bytes, fc.string(), fc.constant(undefined), fc.array(fc.oneof(bytes, fc.string()), { maxLength: 3 }));
const headerName = fc.oneof(
  fc.constantFrom('content-type', 'ce_specversion', 'ce_id', 'ce_source', 'ce_type', 'ce_time', 'ce_data', 'ce_X', 'ce___proto__', '__proto__', 'ce_constructor'),
  fc.string({ maxLength: 12 }),
);
const message = fc.record({
  key: fc.option(bytes, { nil: null }),
  value: fc.option(fc.oneof(bytes, fc.string().map((s) => Buffer.from(s)), fc.json().map((s) => Buffer.from(s))), { nil: null }),
  headers: fc.dictionary(headerName, headerValue, { maxKeys: 8 }),
});

describe('sector decoders on arbitrary input', () => {
  for (const sector of sectors) {
    it(`${sector}: never throws, and every failure is CG_DECODE_FAILED or CG_NOT_I_JSON with a message`, () => {
      fc.assert(fc.property(message, (m) => {
        const result = decoders[sector](m);
        if (!result.ok) {
          assert.ok(result.rejection.code === 'CG_DECODE_FAILED' || result.rejection.code === 'CG_NOT_I_JSON', result.rejection.code);
          assert.ok(result.rejection.message.length > 0);
        }
      }), { numRuns: 2000, seed: 1400 + sectors.indexOf(sector) });
    });
  }
});
