/**
 * Authentication: a Bearer API key, or (HTTPS with a client CA) a verified client certificate that
 * the tenants file maps to a tenant. A request with an Authorization header is judged by its key
 * alone. The authenticated tenant is attached to the request for the handlers; the key itself is
 * never stored or logged.
 */
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Tenant } from '../../core/tenant.js';
import { rfc2253Subject } from '../../config/rest-tls.js';
import type { PeerCertificate, TenantDirectory } from '../../config/tenants.js';
import { HttpErrorCodes, ProblemException, problem } from './problem.js';
import { TENANTS } from './tokens.js';

/** A request that passed {@link ApiKeyGuard}. */
export type AuthenticatedRequest = FastifyRequest & { tenant: Tenant };

const BEARER = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(TENANTS) private readonly tenants: TenantDirectory) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { tenant?: Tenant }>();
    const header = request.headers.authorization;
    let tenant: Tenant | undefined;
    let detail: string;
    if (header !== undefined) {
      const match = typeof header === 'string' ? BEARER.exec(header) : null;
      tenant = match?.[1] === undefined ? undefined : this.tenants.authenticate(match[1]);
      detail = 'The API key is not valid.';
    } else {
      const peer = verifiedPeer(request);
      tenant = peer === undefined ? undefined : this.tenants.authenticateCertificate(peer);
      detail = peer === undefined
        ? 'Send Authorization: Bearer <api key>.'
        : `The client certificate (${peer.subject}) is not mapped to one tenant; send Authorization: Bearer <api key>.`;
    }
    if (tenant === undefined) {
      throw new ProblemException(problem(HttpErrorCodes.Unauthenticated, detail), { 'www-authenticate': 'Bearer realm="crossgate"' });
    }
    request.tenant = tenant;
    return true;
  }
}

/** The client certificate of the connection, when it verified against the client CA. */
function verifiedPeer(request: FastifyRequest): PeerCertificate | undefined {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (socket.authorized !== true || typeof socket.getPeerX509Certificate !== 'function') return undefined;
  const cert = socket.getPeerX509Certificate();
  return cert === undefined ? undefined : peerCertificateOf(cert);
}

/** What tenant rules match in a verified client certificate (REST and gRPC). */
export function peerCertificateOf(cert: X509Certificate): PeerCertificate {
  return { subject: rfc2253Subject(cert), uris: uriNames(cert.subjectAltName ?? '') };
}

/**
 * The URI entries of Node's subjectAltName text (`DNS:a, URI:spiffe://x`); a value with a comma or
 * quote in it is a JSON string there.
 */
export function uriNames(subjectAltName: string): string[] {
  const uris: string[] = [];
  for (const match of subjectAltName.matchAll(/(?:^|, )URI:("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const value = match[1] as string;
    try {
      uris.push(value.startsWith('"') ? JSON.parse(value) as string : value);
    } catch {
      // an entry Node did not quote as JSON: no tenant is mapped by it
    }
  }
  return uris;
}

/** True when `tenant` may read what `owner` (a tenant id) wrote. */
export function mayRead(tenant: Tenant, owner: string | null): boolean {
  return tenant.role === 'admin' || (owner !== null && owner === tenant.id);
}
