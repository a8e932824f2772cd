/**
 * Turns every error into an RFC 9457 problem response. Fastify's own errors (body too large, unknown
 * content type, malformed JSON) arrive here wrapped in an HttpException whose `cause` is the
 * FastifyError; they map to 413/415/400, never 500. Anything unexpected is logged and answered with a
 * bare 500 problem that reveals nothing.
 */
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ErrorCodes } from '../../core/errors.js';
import { HttpErrorCodes, malformedJsonProblem, PROBLEM_CONTENT_TYPE, type Problem, ProblemException, problem } from './problem.js';

const fastifyCodes: Readonly<Record<string, () => Problem>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => problem(HttpErrorCodes.PayloadTooLarge, 'The request body is larger than the gateway accepts (CROSSGATE_REST_BODY_LIMIT_BYTES).'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => problem(HttpErrorCodes.UnsupportedMediaType, 'Send JSON: Content-Type application/json, application/cloudevents+json or application/cloudevents-batch+json.'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => problem(HttpErrorCodes.RequestInvalid, 'Content-Length does not match the body.'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => malformedJsonProblem(true),
  FST_ERR_CTP_INVALID_JSON_BODY: () => malformedJsonProblem(false),
};

/** Maps an error to the problem to send. Exported for unit tests. */
export function problemOf(exception: unknown): { problem: Problem; headers: Readonly<Record<string, string>>; unexpected: boolean } {
  if (exception instanceof ProblemException) return { problem: exception.problem, headers: exception.headers, unexpected: false };
  const cause = exception instanceof HttpException ? exception.cause : exception;
  const fastifyCode = typeof cause === 'object' && cause !== null && typeof (cause as { code?: unknown }).code === 'string' ? (cause as { code: string }).code : undefined;
  const known = fastifyCode === undefined ? undefined : fastifyCodes[fastifyCode];
  if (known) return { problem: known(), headers: {}, unexpected: false };
  // JSON.parse failures from the body parser are SyntaxErrors with statusCode 400.
  if (cause instanceof SyntaxError) {
    return { problem: malformedJsonProblem(false), headers: {}, unexpected: false };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) return { problem: problem(HttpErrorCodes.NotFound, 'No such resource.'), headers: {}, unexpected: false };
    if (status === 405) return { problem: problem(HttpErrorCodes.MethodNotAllowed, 'Method not allowed on this resource.'), headers: {}, unexpected: false };
    if (status === 413) return { problem: fastifyCodes.FST_ERR_CTP_BODY_TOO_LARGE!(), headers: {}, unexpected: false };
    if (status === 415) return { problem: fastifyCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE!(), headers: {}, unexpected: false };
    if (status >= 400 && status < 500) {
      return { problem: problem(HttpErrorCodes.RequestInvalid, safeMessage(exception), { status }), headers: {}, unexpected: false };
    }
  }
  if (typeof cause === 'object' && cause !== null && (cause as { code?: unknown }).code === ErrorCodes.StoreUnavailable) {
    return { problem: problem(ErrorCodes.StoreUnavailable, 'The store is unavailable; retry later.', { retryAfterSeconds: 5 }), headers: { 'retry-after': '5' }, unexpected: true };
  }
  return { problem: problem(HttpErrorCodes.Internal, 'An unexpected error occurred; it has been logged.'), headers: {}, unexpected: true };
}

function safeMessage(e: HttpException): string {
  const r = e.getResponse();
  if (typeof r === 'string') return r;
  const m = (r as { message?: unknown }).message;
  return typeof m === 'string' ? m : e.message;
}

/** Global filter: every error response of the API is `application/problem+json`. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const { problem: p, headers, unexpected } = problemOf(exception);
    if (unexpected) {
      this.log.error({ err: exception, method: request.method, url: request.url }, 'request failed');
    }
    const body: Problem = { ...p, instance: request.url };
    reply.status(p.status).headers({ ...headers, 'content-type': PROBLEM_CONTENT_TYPE }).send(JSON.stringify(body));
  }
}
