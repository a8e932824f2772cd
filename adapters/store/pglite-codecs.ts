/**
 * PGlite with the store's bytea codecs. Used wherever the PGlite instance lives: the worker thread
 * (pglite-worker.ts) by default, the calling thread for in-thread stores and the store bench baseline.
 */
import { PGlite } from '@electric-sql/pglite';

/** PostgreSQL's type OID for bytea. */
export const byteaOid = 17;

/**
 * PGlite's own bytea serializer and parser work byte by byte in JavaScript, which made a 5,000-record
 * batch's proofs (about 2 MB) take seconds to send; Node's native hex codec does it in milliseconds.
 */
const fastParsers = {
  [byteaOid]: (text: string): Uint8Array => {
    const buffer = Buffer.from(text.slice(2), 'hex');
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  },
};

const fastSerializers = {
  [byteaOid]: (value: unknown): string => {
    if (!(value instanceof Uint8Array)) throw new TypeError('bytea parameter must be a Uint8Array');
    return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  },
};

/** A PGlite instance with the store's codecs; in memory when `dataDir` is omitted. */
export function createPGlite(dataDir?: string): PGlite {
  return new PGlite({ ...(dataDir === undefined ? {} : { dataDir }), parsers: fastParsers, serializers: fastSerializers });
}
