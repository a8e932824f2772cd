/**
 * The JSON connection profile that scripts/fabric/network.sh writes (and that an operator can write
 * by hand for another network): peer endpoints, TLS CA paths, MSP ids, identities, channel and
 * chaincode names. Parsed once with zod; paths are used as given (absolute in generated profiles).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const identitySchema = z.object({
  mspId: z.string().min(1),
  certPath: z.string().min(1),
  keyPath: z.string().min(1),
});

const peerSchema = z.object({
  name: z.string().min(1),
  mspId: z.string().min(1),
  endpoint: z.string().min(1),
  /** TLS server name to expect (the certificate's host name) when it differs from the endpoint host. */
  hostAlias: z.string().min(1).optional(),
  tlsCaPath: z.string().min(1),
});

export const fabricProfileSchema = z.object({
  kind: z.literal('fabric'),
  channel: z.string().min(1),
  chaincode: z.string().min(1),
  peers: z.array(peerSchema).min(1),
  identities: z.record(z.string(), identitySchema),
});

export type FabricProfile = z.infer<typeof fabricProfileSchema>;
export type FabricProfileIdentity = z.infer<typeof identitySchema>;
export type FabricProfilePeer = z.infer<typeof peerSchema>;

/** Thrown when a profile file is missing, not JSON, or not a Fabric profile. */
export class FabricProfileError extends Error {
  override readonly name = 'FabricProfileError';
}

export async function loadFabricProfile(path: string): Promise<FabricProfile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new FabricProfileError(`cannot read Fabric profile ${path}`, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new FabricProfileError(`Fabric profile ${path} is not JSON`, { cause });
  }
  const parsed = fabricProfileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new FabricProfileError(`Fabric profile ${path} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
