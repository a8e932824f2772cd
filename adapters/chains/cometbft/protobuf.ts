/**
 * The few protobuf encodings CometBFT's hashes and sign-bytes need, written as gogoproto does:
 * proto3 scalars and bytes are left out when zero or empty; embedded messages (non-nullable in
 * CometBFT's .proto files) are always written.
 */
export class Proto {
  readonly #out: number[] = [];

  /** A varint field (wire type 0); left out when zero. */
  varint(field: number, value: number): this {
    if (value === 0) return this;
    this.#key(field, 0);
    this.#varint(value);
    return this;
  }

  /** An sfixed64 field (wire type 1), little-endian; left out when zero. */
  sfixed64(field: number, value: number): this {
    if (value === 0) return this;
    this.#key(field, 1);
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64LE(BigInt(value));
    this.#out.push(...bytes);
    return this;
  }

  /** A bytes or string field (wire type 2); left out when empty. */
  field(field: number, value: Uint8Array): this {
    return value.length === 0 ? this : this.message(field, value);
  }

  /** An embedded message (wire type 2), written even when empty. */
  message(field: number, value: Uint8Array): this {
    this.#key(field, 2);
    return this.delimited(value);
  }

  /** The bytes with a varint length before them (also protoio.MarshalDelimited's framing). */
  delimited(value: Uint8Array): this {
    this.#varint(value.length);
    this.#out.push(...value);
    return this;
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.#out);
  }

  #key(field: number, wireType: number): void {
    this.#varint(field * 8 + wireType);
  }

  #varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`protobuf varint out of range: ${value}`);
    let rest = BigInt(value);
    while (rest >= 0x80n) {
      this.#out.push(Number((rest & 0x7fn) | 0x80n));
      rest >>= 7n;
    }
    this.#out.push(Number(rest));
  }
}
