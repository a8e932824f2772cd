import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { intArrayLiteral, textArrayLiteral } from '../../../../adapters/store/array-literal.js';

describe('textArrayLiteral', () => {
  it('quotes every element and leaves plain text as it is', () => {
    assert.equal(textArrayLiteral([]), '{}');
    assert.equal(textArrayLiteral(['a', '', 'NULL', 'x,y', '{z}', '北京']), '{"a","","NULL","x,y","{z}","北京"}');
  });

  it('escapes double quotes and backslashes, and only those', () => {
    assert.equal(textArrayLiteral(['a"b', 'c\\d', 'e']), '{"a\\"b","c\\\\d","e"}');
  });
});

describe('intArrayLiteral', () => {
  it('joins integers and refuses anything else', () => {
    assert.equal(intArrayLiteral([]), '{}');
    assert.equal(intArrayLiteral([0, -1, 4096]), '{0,-1,4096}');
    assert.throws(() => intArrayLiteral([1.5]), TypeError);
    assert.throws(() => intArrayLiteral([Number.NaN]), TypeError);
  });
});
