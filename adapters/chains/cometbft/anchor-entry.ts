/**
 * The anchor app's answer for a batch (query `/batch`) and the app hash its proof leads to
 * (anchor-app/app.go). Shared by the chain adapter and the offline proof check.
 */
import { z } from 'zod';
import { sha256 } from '../../../src/core/digest.js';
import { utf8 } from '../../../src/core/encoding.js';
import { inclusionRoot } from '../../../src/core/merkle-tree.js';

/** What the app answers for a batch: the signed header bytes, the signature, where it was accepted, and its app-hash proof. */
export const anchoredEntrySchema = z.object({
  header: z.string(),
  signature: z.string(),
  height: z.number().int().positive(),
  txHash: z.string().regex(/^[0-9a-f]{64}$/),
  proof: z.object({
    prevAppHash: z.string().regex(/^[0-9a-f]{64}$/),
    index: z.number().int().nonnegative(),
    total: z.number().int().positive(),
    aunts: z.array(z.string().regex(/^[0-9a-f]{64}$/)).nullable().transform((a) => a ?? []),
  }),
});
export type AnchoredEntry = z.infer<typeof anchoredEntrySchema>;

/**
 * The app hash an entry's proof leads to: SHA-256(0x02 ‖ previous app hash ‖ the block's RFC 6962
 * root), the leaf being "anchor\n" + the signed header bytes. Undefined when the proof is malformed.
 * It must equal the app_hash of the header at entry.height + 1.
 */
export function appHashOfEntry(entry: AnchoredEntry): Uint8Array | undefined {
  const root = inclusionRoot({
    leafData: utf8(`anchor\n${entry.header}`),
    index: entry.proof.index,
    size: entry.proof.total,
    proof: entry.proof.aunts.map((a) => Buffer.from(a, 'hex')),
  });
  if (root === undefined) return undefined;
  return sha256(Buffer.concat([Uint8Array.of(0x02), Buffer.from(entry.proof.prevAppHash, 'hex'), root]));
}
