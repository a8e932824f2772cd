/**
 * Admin-only endpoints: the request must carry a valid API key (ApiKeyGuard runs first and attaches the
 * tenant) of a tenant with role `admin`. Producers get 403: they may know the ops API exists.
 */
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { AuthenticatedRequest } from '../ingest/rest/auth.guard.js';
import { forbidden } from './ops-problem.js';

@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (request.tenant?.role !== 'admin') throw forbidden('This endpoint is for admin tenants (role: admin in the tenants file).');
    return true;
  }
}
