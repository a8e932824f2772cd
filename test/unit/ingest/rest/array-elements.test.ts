import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { arrayElementRanges } from '../../../../src/ingest/rest/array-elements.js';

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const slices = (body: Buffer) => arrayElementRanges(body)?.map(([start, end]) => body.subarray(start, end).toString('utf8'));

describe('arrayElementRanges', () => {
  it('finds each element of any JSON array, however it is spaced, as bytes that parse to the element', () => {
    fc.assert(fc.property(
      fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 12 }),
      fc.constantFrom<string | number | undefined>(undefined, 0, 2, '\t', '\r\n '),
      (items, space) => {
        const body = utf8(JSON.stringify(items, null, space));
        const found = slices(body);
        assert.ok(found !== undefined);
        assert.equal(found.length, items.length);
        found.forEach((text, i) => {
          assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(items[i])));
          assert.equal(text, text.trim(), 'no surrounding whitespace');
        });
      },
    ), { numRuns: 500 });
  });

  it('is not fooled by brackets, commas, quotes and backslashes inside strings, or by multi-byte UTF-8', () => {
    const items = ['a,b]', '\\"]', { k: '}{[', '\\': '\\\\' }, '行程, 🚇 ]', [',', ['"']], -1.5e-7, null, true];
    const body = utf8(`[ ${items.map((item) => JSON.stringify(item)).join(' ,\n')} ]`);
    assert.deepEqual(slices(body), items.map((item) => JSON.stringify(item)));
  });

  it('keeps the exact bytes as sent (escapes and number spelling are not normalised)', () => {
    assert.deepEqual(slices(utf8('[{"a":"\\u0041","n":1.0E2} ,"x"]')), ['{"a":"\\u0041","n":1.0E2}', '"x"']);
  });

  it('takes nesting far deeper than a recursive serializer can', () => {
    const depth = 200_000;
    const deep = '['.repeat(depth) + ']'.repeat(depth);
    const found = slices(utf8(`[{"id":"a"},${deep},{"id":"b"}]`));
    assert.equal(found?.length, 3);
    assert.equal(found?.[1]?.length, 2 * depth);
    assert.equal(found?.[2], '{"id":"b"}');
  });

  it('skips a UTF-8 byte order mark, answers [] for an empty array and undefined for anything else', () => {
    assert.deepEqual(slices(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(' [1, 2]')])), ['1', '2']);
    assert.deepEqual(slices(utf8(' [ ] ')), []);
    for (const text of ['{"a":1}', '"[1]"', '1', '', '   ']) assert.equal(arrayElementRanges(utf8(text)), undefined, text);
  });
});
