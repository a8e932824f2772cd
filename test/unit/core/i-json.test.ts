// I-JSON (RFC 7493) checks (src/core/i-json.ts): invalid UTF-8 against Markus Kuhn's published stress
// cases, duplicate member names in every spelling JSON allows, lone surrogates; and a property test
// that the fast census agrees with the precise scanner on random JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { memberNameBound, findDuplicateMembers, iJsonViolation, iJsonViolationsPerElement, utf8Violation } from '../../../src/core/i-json.js';

interface Utf8Case { readonly section: string; readonly hex: string; readonly what: string }
const stress = JSON.parse(readFileSync(new URL('../../../../test/fixtures/vectors/utf8-stress.json', import.meta.url), 'utf8')) as { wellFormed: Utf8Case[]; illFormed: Utf8Case[] };

/** A JSON document whose one string holds the case's bytes. */
const documentWith = (hex: string): Buffer => Buffer.concat([Buffer.from('{"id":"'), Buffer.from(hex, 'hex'), Buffer.from('"}')]);

test('UTF-8: Kuhn\'s well-formed sequences pass, every ill-formed one (overlong, surrogate, truncated) is refused', () => {
  for (const c of stress.wellFormed) assert.equal(utf8Violation(documentWith(c.hex)), null, `${c.section} ${c.what}`);
  assert.ok(stress.illFormed.length >= 15);
  for (const c of stress.illFormed) {
    const v = utf8Violation(documentWith(c.hex));
    assert.ok(v !== null, `${c.section} ${c.what}`);
    assert.equal(v.code, 'CG_NOT_I_JSON');
    assert.deepEqual(v.issues?.map((i) => i.code), ['invalid_utf8']);
  }
});

const parsedViolation = (text: string) => iJsonViolation(text, JSON.parse(text));

test('duplicate member names are refused in every spelling, with the member and its path', () => {
  const cases: [string, string, (string | number)[]][] = [
    ['{"id":"a","source":"/s","id":"b"}', 'id', []],
    ['{"id":"a","\\u0069d":"b"}', 'id', []],
    ['{"id" : "a" , "id"\n:\t"b"}', 'id', []],
    ['{"data":{"x":1,"y":{"z":[{"k":1,"k":2}]}}}', 'k', ['data', 'y', 'z', 0]],
    ['{"data":[1,{"a":1},{"b":1,"b":2}]}', 'b', ['data', 2]],
    ['{"a\\"b":1,"a\\"b":2}', 'a"b', []],
    ['{"":1,"":2}', '', []],
    ['{"__proto__":1,"__proto__":2}', '__proto__', []],
  ];
  for (const [text, name, path] of cases) {
    const v = parsedViolation(text);
    assert.ok(v !== null, text);
    assert.equal(v.code, 'CG_NOT_I_JSON');
    assert.deepEqual(v.issues, [{ path, code: 'duplicate_member', message: `member name ${JSON.stringify(name)} occurs more than once` }], text);
    assert.match(v.message, /^not I-JSON \(RFC 7493\): member name/);
  }
});

test('texts that only look like duplicates are accepted', () => {
  for (const text of [
    '{"a":1,"b":{"a":1}}', '{"a":"\\"a\\":1","b":"a:"}', '["a","a"]', '{"a":["a:","a"]}', '{"x":"\\\\","y":"\\\\\\""}',
    '{"A":1,"a":2}', '{"é":1,"e\\u0301":2}', '{"k":"a\\"b\\":\\"c"}',
  ]) assert.equal(parsedViolation(text), null, text);
});

test('lone surrogates are refused, paired ones accepted', () => {
  for (const text of ['{"id":"\\ud800"}', '{"id":"\\udc00x"}', '{"\\ud83d":1}', '{"a":["ok","\\udfff"]}', '"\\ud800"']) {
    const v = parsedViolation(text);
    assert.ok(v !== null, text);
    assert.deepEqual(v.issues?.map((i) => i.code), ['lone_surrogate']);
  }
  for (const text of ['{"id":"\\ud83d\\ude00"}', '{"id":"😀"}', '{"id":"\\u00e9"}']) assert.equal(parsedViolation(text), null, text);
});

test('a batch refuses only the items that are not I-JSON', () => {
  const text = '[{"id":"1"},{"id":"2","id":"3"},{"id":"\\ud800"},{"d":{"k":1,"k":1}},{"id":"5"}]';
  const verdicts = iJsonViolationsPerElement(text, JSON.parse(text) as unknown[]);
  assert.deepEqual(verdicts.map((v) => v?.issues?.map((i) => [i.code, i.path])), [
    undefined, [['duplicate_member', []]], [['lone_surrogate', []]], [['duplicate_member', ['d']]], undefined,
  ]);
});

test('deep nesting beyond the canonicalizer\'s limit does not overflow the census', () => {
  const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
  assert.equal(parsedViolation(deep), null);
  const deepDuplicate = `${'{"a":'.repeat(3000)}{"b":1,"b":2}${'}'.repeat(3000)}`;
  assert.deepEqual(parsedViolation(deepDuplicate)?.issues?.map((i) => i.path.length), [3000]);
});

test('property: the census (member counts) and the precise scanner agree on random JSON', () => {
  // JSON texts with duplicates spliced in: an object's text gets one of its own members repeated.
  const withDuplicate = fc.tuple(fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 4 }), fc.boolean())
    .map(([object, repeat]) => {
      const text = JSON.stringify(object);
      if (!repeat) return text;
      const [key, value] = Object.entries(object)[0] as [string, unknown];
      return `${text.slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}}`;
    });
  fc.assert(fc.property(fc.oneof(fc.json({ maxDepth: 4 }), withDuplicate), (text) => {
    const value = JSON.parse(text) as unknown;
    const duplicates = findDuplicateMembers(text);
    const v = iJsonViolation(text, value);
    const loneSurrogate = v?.issues?.[0]?.code === 'lone_surrogate';
    if (!loneSurrogate) assert.equal(v !== null, duplicates.length > 0, text);
    assert.ok(memberNameBound(text) >= 0);
  }), { seed: 15, numRuns: 3000 });
});
