import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockNumberOf } from '../../../../../adapters/chains/fabric/block-number.js';

function varint(n: bigint): number[] {
  const out: number[] = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) b |= 0x80;
    out.push(b);
  } while (n > 0n);
  return out;
}

function lengthDelimited(field: number, body: number[]): number[] {
  return [(field << 3) | 2, ...varint(BigInt(body.length)), ...body];
}

/** common.Block { header { number, previous_hash, data_hash }, data { ... } } */
function block(number: bigint | null, dataFirst = false): Uint8Array {
  const header = [...(number === null ? [] : [0x08, ...varint(number)]), ...lengthDelimited(2, [1, 2, 3]), ...lengthDelimited(3, [4, 5])];
  const data = lengthDelimited(2, lengthDelimited(1, [9, 9, 9]));
  const head = lengthDelimited(1, header);
  return Uint8Array.from(dataFirst ? [...data, ...head] : [...head, ...data]);
}

describe('blockNumberOf', () => {
  it('reads header.number, including multi-byte varints and fields in any order', () => {
    assert.equal(blockNumberOf(block(7n)), 7n);
    assert.equal(blockNumberOf(block(300n)), 300n);
    assert.equal(blockNumberOf(block(2n ** 40n + 5n, true)), 2n ** 40n + 5n);
  });

  it('treats an omitted number as block 0 (proto3 default)', () => {
    assert.equal(blockNumberOf(block(null)), 0n);
  });

  it('fails on bytes that are not a block', () => {
    assert.throws(() => blockNumberOf(Uint8Array.from([0x12, 0x00])), /no header/);
    assert.throws(() => blockNumberOf(Uint8Array.from([0x0a, 0x05, 0x08])), /truncated/);
  });
});
