import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCsvRecord } from '../../../../adapters/kafka/csv-record.js';

describe('parseCsvRecord (RFC 4180, one record)', () => {
  for (const [input, fields] of [
    ['a,b,c', ['a', 'b', 'c']],
    ['a,b,c\r\n', ['a', 'b', 'c']],
    ['a,b,c\n', ['a', 'b', 'c']],
    ['', ['']],
    [',,', ['', '', '']],
    ['"a,b",c', ['a,b', 'c']],
    ['"say ""hi""",x', ['say "hi"', 'x']],
    ['"line1\r\nline2",x', ['line1\r\nline2', 'x']],
    ['"",x', ['', 'x']],
    [' a , b ', [' a ', ' b ']],
    ['"a"', ['a']],
    ['x,"y"\r\n', ['x', 'y']],
  ] as const) {
    it(`splits ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseCsvRecord(input), { ok: true, fields });
    });
  }

  for (const [input, reason] of [
    ['a,b\nc,d', /more than one line/],
    ['a,b\r\n\r\n', /more than one line/],
    ['"abc', /never closed/],
    ['"ab"c,d', /after the closing quote/],
    ['ab"c,d', /inside unquoted field 1/],
  ] as const) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      const result = parseCsvRecord(input);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.reason, reason);
    });
  }
});
