/**
 * Hashed personal identifiers. Records carry no IMSI or ID-document number in clear: the producer
 * sends a keyed SHA-256 (HMAC, key kept by the producer) as 64 lowercase hex digits, so the gateway and
 * the chain can match records of one subscriber without learning who it is.
 */
import { z } from 'zod';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** True when `s` is 64 lowercase hex digits. */
export function isSha256Hex(s: unknown): s is string {
  return typeof s === 'string' && SHA256_HEX.test(s);
}

/** A SHA-256/HMAC-SHA-256 value in lowercase hex. */
export const sha256Hex = z.string().regex(SHA256_HEX, { error: 'expected 64 lowercase hex digits (SHA-256)' });

/** Hashed IMSI (International Mobile Subscriber Identity). */
export const imsiHash = sha256Hex;

/** Hashed identity-document number of a subscriber. */
export const idDocumentHash = sha256Hex;
