/**
 * May this tenant submit this record? Three checks, in order, each with its own code:
 *  1. source: equals one of the tenant's `sourcePrefixes` or continues one after `/` (tenant.ts);
 *  2. type: listed in `allowedTypes` (or `'*'`);
 *  3. producer signature, when the tenant requires one: `producersig` must verify under the key named
 *     by `producerkid` (or, without `producerkid`, under any of the tenant's keys).
 *
 * What the producer signs: the UTF-8 bytes of the RFC 8785 canonical JSON of the whole envelope
 * (data included) WITHOUT the `producersig` attribute; `producerkid`, if sent, stays in and is thus
 * signed too (nobody can re-label a signature with another key id). `producerSigningBytes` builds
 * exactly these bytes for clients and tests.
 *
 * Never throws: a malformed key or signature is CG_PRODUCER_SIGNATURE_INVALID.
 */
import { canonicalJson } from './canonical-json.js';
import { fromBase64Url, utf8 } from './encoding.js';
import { ErrorCodes, rejection, type Rejection } from './errors.js';
import { verifySignature } from './signer.js';
import type { ProducerKey, Tenant } from './tenant.js';
import type { RecordEnvelope } from './types.js';

/** True when `source` equals `prefix` or continues it after a `/` (see Tenant.sourcePrefixes). */
export function sourceMatchesPrefix(source: string, prefix: string): boolean {
  if (prefix === '') return false;
  if (!source.startsWith(prefix)) return false;
  return source.length === prefix.length || prefix.endsWith('/') || source.charCodeAt(prefix.length) === 47;
}

/** The bytes a producer signs: UTF-8 of RFC 8785(envelope without `producersig`). Throws if not JSON-representable. */
export function producerSigningBytes(envelope: Readonly<Record<string, unknown>>): Uint8Array {
  const unsigned: Record<string, unknown> = {};
  for (const key of Object.keys(envelope)) {
    if (key !== 'producersig') unsigned[key] = envelope[key];
  }
  return utf8(canonicalJson(unsigned));
}

function verifiesWith(key: ProducerKey, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const options = key.distinguishingId === undefined ? undefined : { distinguishingId: key.distinguishingId };
    return verifySignature(key.alg, fromBase64Url(key.publicKey), message, signature, options);
  } catch {
    // A malformed registered key fails this key only; other keys may still verify.
    return false;
  }
}

function checkSignature(envelope: RecordEnvelope, tenant: Tenant): Rejection | null {
  const sig = envelope['producersig'];
  if (sig === undefined) {
    return rejection(ErrorCodes.ProducerSignatureMissing, `tenant ${tenant.id} requires a producer signature (producersig)`);
  }
  if (typeof sig !== 'string') return rejection(ErrorCodes.ProducerSignatureInvalid, 'producersig must be a base64url string');
  const kid = envelope['producerkid'];
  if (kid !== undefined && typeof kid !== 'string') return rejection(ErrorCodes.ProducerSignatureInvalid, 'producerkid must be a string');
  const candidates = kid === undefined ? tenant.producerKeys : tenant.producerKeys.filter((k) => k.keyId === kid);
  if (candidates.length === 0) {
    return rejection(ErrorCodes.ProducerSignatureInvalid, kid === undefined
      ? `tenant ${tenant.id} has no producer keys`
      : `producerkid "${kid}" is not a key of tenant ${tenant.id}`);
  }
  let signature: Uint8Array;
  let message: Uint8Array;
  try {
    signature = fromBase64Url(sig);
    message = producerSigningBytes(envelope);
  } catch (error) {
    return rejection(ErrorCodes.ProducerSignatureInvalid, `producer signature cannot be checked: ${error instanceof Error ? error.message : String(error)}`);
  }
  for (const key of candidates) {
    if (verifiesWith(key, message, signature)) return null;
  }
  return rejection(ErrorCodes.ProducerSignatureInvalid, kid === undefined
    ? 'producersig does not verify under any of the tenant\'s producer keys'
    : `producersig does not verify under key "${kid}"`);
}

/** Why `tenant` may not submit `envelope`, or null when it may. */
export function authorize(envelope: RecordEnvelope, tenant: Tenant): Rejection | null {
  try {
    if (!tenant.sourcePrefixes.some((p) => sourceMatchesPrefix(envelope.source, p))) {
      return rejection(ErrorCodes.SourceForbidden, `tenant ${tenant.id} may not submit records for source "${envelope.source}"`);
    }
    if (tenant.allowedTypes !== '*' && !tenant.allowedTypes.includes(envelope.type)) {
      return rejection(ErrorCodes.TypeForbidden, `tenant ${tenant.id} may not submit records of type "${envelope.type}"`);
    }
    return tenant.requireProducerSignature ? checkSignature(envelope, tenant) : null;
  } catch (error) {
    // Unreachable with a parsed envelope and a loaded tenant; fail closed rather than crash.
    return rejection(ErrorCodes.ProducerSignatureInvalid, `authorization failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
