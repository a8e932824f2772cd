/**
 * Reads the transactions out of a serialized Fabric `common.Block` (what qscc's GetBlockByNumber
 * returns), so tests can check on the ledger itself, independently of the adapter, that a receipt's
 * transaction is in the block it names and was committed as valid. Only the few fields needed:
 *
 *   Block         { BlockHeader header = 1; BlockData data = 2; BlockMetadata metadata = 3; }
 *   BlockHeader   { uint64 number = 1; ... }
 *   BlockData     { repeated bytes data = 1; }            // each an Envelope
 *   BlockMetadata { repeated bytes metadata = 1; }        // index 2: TRANSACTIONS_FILTER, one code per tx
 *   Envelope      { bytes payload = 1; bytes signature = 2; }
 *   Payload       { Header header = 1; bytes data = 2; }
 *   Header        { bytes channel_header = 1; bytes signature_header = 2; }
 *   ChannelHeader { int32 type = 1; int32 version = 2; Timestamp timestamp = 3; string channel_id = 4; string tx_id = 5; ... }
 */

interface Field {
  readonly field: number;
  readonly value: bigint | Uint8Array;
}

function fields(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = bytes[pos++];
      if (b === undefined) throw new Error('truncated varint');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new Error('varint too long');
  };
  while (pos < bytes.length) {
    const tag = varint();
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (wireType === 0) out.push({ field, value: varint() });
    else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else if (wireType === 2) {
      const len = Number(varint());
      if (pos + len > bytes.length) throw new Error('truncated length-delimited field');
      out.push({ field, value: bytes.subarray(pos, pos + len) });
      pos += len;
    } else throw new Error(`unsupported protobuf wire type ${wireType}`);
  }
  return out;
}

function messages(bytes: Uint8Array, field: number): Uint8Array[] {
  return fields(bytes).filter((f) => f.field === field && f.value instanceof Uint8Array).map((f) => f.value as Uint8Array);
}

function first(bytes: Uint8Array, field: number, what: string): Uint8Array {
  const found = messages(bytes, field)[0];
  if (found === undefined) throw new Error(`block has no ${what}`);
  return found;
}

export interface BlockTransaction {
  readonly txId: string;
  /** Fabric TxValidationCode; 0 = VALID. */
  readonly validationCode: number;
}

export interface DecodedBlock {
  readonly number: bigint;
  readonly transactions: readonly BlockTransaction[];
}

/** Block number and every transaction id with its validation code, in block order. */
export function decodeBlock(block: Uint8Array): DecodedBlock {
  const header = first(block, 1, 'header');
  const numberField = fields(header).find((f) => f.field === 1 && typeof f.value === 'bigint');
  const envelopes = messages(first(block, 2, 'data'), 1);
  const metadata = messages(first(block, 3, 'metadata'), 1);
  const flags = metadata[2] ?? new Uint8Array();
  const decoder = new TextDecoder();
  const transactions = envelopes.map((envelope, i) => {
    const payload = first(envelope, 1, 'envelope payload');
    const channelHeader = first(first(payload, 1, 'payload header'), 1, 'channel header');
    const txId = decoder.decode(first(channelHeader, 5, 'tx id'));
    return { txId, validationCode: flags[i] ?? -1 };
  });
  return { number: (numberField?.value as bigint | undefined) ?? 0n, transactions };
}
