/** Prepared records cross from a worker as a flat array and come back as the records they were. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PreparedRecord } from '../../../../src/core/prepare.js';
import { fromWire, toWire } from '../../../../src/ingest/prepare/prepared-wire.js';

const accepted = (i: number): PreparedRecord => ({
  ok: true, recordId: { source: `/s/${i}`, id: `é-${i}` }, digestHex: i.toString(16).padStart(64, '0'), digestAlg: 'sm3',
  type: 'cn.gov.t', sector: 'transport', bytes: 100 + i,
});
const refused: PreparedRecord = { ok: false, recordId: null, type: null, sector: null, rejection: { code: 'CG_NOT_I_JSON', message: 'no' } };

describe('prepared records on the wire', () => {
  it('come back as they were, accepted and refused, in order, through a structured clone', () => {
    const result = { kind: 'prepared' as const, records: [accepted(0), refused, accepted(1)], payloads: [null, Buffer.from('x'), null] };
    const wire = structuredClone(toWire(result, 'sm3'));
    assert.equal(wire.records.length, 1 + 3 * 6, 'flat: the hash, then six slots per record');
    assert.deepEqual(fromWire<typeof result>(wire), { ...result, payloads: [null, new Uint8Array(Buffer.from('x')), null] });
  });

  it('leaves answers without records alone', () => {
    const malformed = { kind: 'malformed' as const, message: 'x' };
    assert.deepEqual(fromWire<typeof malformed>(toWire(malformed, 'sha256')), malformed);
  });
});
