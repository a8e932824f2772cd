/**
 * Reads the block number out of a serialized `common.Block` (what qscc's GetBlockByTxID returns),
 * without pulling a protobuf runtime in for two fields:
 *
 *   message Block       { BlockHeader header = 1; BlockData data = 2; BlockMetadata metadata = 3; }
 *   message BlockHeader { uint64 number = 1; bytes previous_hash = 2; bytes data_hash = 3; }
 *
 * proto3 omits a zero `number`, so a header without field 1 is block 0.
 */

interface Cursor {
  readonly bytes: Uint8Array;
  pos: number;
}

function varint(c: Cursor): bigint {
  let result = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    const b = c.bytes[c.pos++];
    if (b === undefined) throw new Error('truncated varint');
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
  }
  throw new Error('varint too long');
}

/** Iterates (field number, wire type, payload) over a message's top-level fields. */
function* fields(bytes: Uint8Array): Generator<{ field: number; wireType: number; value: bigint | Uint8Array }> {
  const c: Cursor = { bytes, pos: 0 };
  while (c.pos < bytes.length) {
    const tag = varint(c);
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    switch (wireType) {
      case 0:
        yield { field, wireType, value: varint(c) };
        break;
      case 1:
        c.pos += 8;
        break;
      case 2: {
        const len = Number(varint(c));
        if (c.pos + len > bytes.length) throw new Error('truncated length-delimited field');
        yield { field, wireType, value: bytes.subarray(c.pos, c.pos + len) };
        c.pos += len;
        break;
      }
      case 5:
        c.pos += 4;
        break;
      default:
        throw new Error(`unsupported protobuf wire type ${wireType}`);
    }
  }
}

/** The `header.number` of a serialized Fabric block. */
export function blockNumberOf(block: Uint8Array): bigint {
  for (const f of fields(block)) {
    if (f.field === 1 && f.wireType === 2 && f.value instanceof Uint8Array) {
      for (const h of fields(f.value)) {
        if (h.field === 1 && h.wireType === 0 && typeof h.value === 'bigint') return h.value;
      }
      return 0n;
    }
  }
  throw new Error('serialized block has no header');
}
