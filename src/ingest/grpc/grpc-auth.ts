/**
 * Who is calling: `authorization: Bearer <api key>` metadata, or, on TLS with client certificates
 * required (CROSSGATE_REST_TLS_CLIENT_AUTH=required), the verified certificate, mapped to a tenant by
 * the same rules as REST.
 */
import { X509Certificate } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import type { TenantDirectory } from '../../config/tenants.js';
import type { Tenant } from '../../core/tenant.js';
import { peerCertificateOf } from '../rest/auth.guard.js';

const BEARER = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

/** The part of a grpc-js server call that says how it was authenticated. */
export interface CallIdentity {
  getAuthContext?(): { readonly sslPeerCertificate?: { readonly raw?: Buffer } } | null;
}

export type CallAuthentication = { readonly ok: true; readonly tenant: Tenant } | { readonly ok: false; readonly message: string };

export function authenticateCall(tenants: TenantDirectory, metadata: Metadata, call: CallIdentity): CallAuthentication {
  const header = metadata.get('authorization')[0];
  if (header !== undefined) {
    const key = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    const tenant = key === undefined ? undefined : tenants.authenticate(key);
    return tenant === undefined ? { ok: false, message: 'the API key is not valid' } : { ok: true, tenant };
  }
  const raw = call.getAuthContext?.()?.sslPeerCertificate?.raw;
  if (raw === undefined) return { ok: false, message: 'send authorization: Bearer <api key> metadata' };
  const peer = peerCertificateOf(new X509Certificate(raw));
  const tenant = tenants.authenticateCertificate(peer);
  return tenant === undefined
    ? { ok: false, message: `the client certificate (${peer.subject}) is not mapped to one tenant; send authorization: Bearer <api key> metadata` }
    : { ok: true, tenant };
}
