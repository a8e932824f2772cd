/**
 * Bearer API-key authentication. The authenticated tenant is attached to the request for the
 * handlers; the key itself is never stored or logged.
 */
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Tenant } from '../../core/tenant.js';
import type { TenantDirectory } from '../../config/tenants.js';
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
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    const tenant = match?.[1] === undefined ? undefined : this.tenants.authenticate(match[1]);
    if (tenant === undefined) {
      throw new ProblemException(
        problem(HttpErrorCodes.Unauthenticated, header === undefined ? 'Send Authorization: Bearer <api key>.' : 'The API key is not valid.'),
        { 'www-authenticate': 'Bearer realm="crossgate"' },
      );
    }
    request.tenant = tenant;
    return true;
  }
}

/** True when `tenant` may read what `owner` (a tenant id) wrote. */
export function mayRead(tenant: Tenant, owner: string | null): boolean {
  return tenant.role === 'admin' || (owner !== null && owner === tenant.id);
}
