/**
 * Problems specific to the ops API, in the REST layer's RFC 9457 shape (served by the same filter).
 */
import type { Issue } from '../core/errors.js';
import { HttpErrorCodes, type Problem, type ProblemCode, ProblemException, problem } from '../ingest/rest/problem.js';

/** Codes only the ops API returns. */
export const OpsErrorCodes = {
  /** Authenticated, but the tenant is not an admin. */
  Forbidden: 'CG_FORBIDDEN',
} as const;

/** 403 for a producer tenant calling an admin-only endpoint. */
export function forbidden(detail: string): ProblemException {
  const p: Problem = {
    type: `urn:crossgate:problem:${OpsErrorCodes.Forbidden}`,
    title: 'Admin role required',
    status: 403,
    detail,
    // The REST layer's code union does not list ops codes; the wire format is the same string field.
    code: OpsErrorCodes.Forbidden as unknown as ProblemCode,
  };
  return new ProblemException(p);
}

export function notFound(detail: string): ProblemException {
  return new ProblemException(problem(HttpErrorCodes.NotFound, detail));
}

export function invalidRequest(detail: string, issues?: readonly Issue[]): ProblemException {
  return new ProblemException(problem(HttpErrorCodes.RequestInvalid, detail, { issues }));
}
