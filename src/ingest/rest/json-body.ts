/**
 * The only body parser: JSON under the three media types the API accepts. Everything else is 415
 * (Fastify answers unknown content types with FST_ERR_CTP_INVALID_MEDIA_TYPE), too-large bodies 413
 * (the instance's bodyLimit), and malformed JSON 400; the exception filter turns each into a problem.
 * The raw bytes are kept on the request so a rejected record is dead-lettered exactly as received.
 * Fastify's own JSON parser does the parsing, with `__proto__`/`constructor` poisoning rejected;
 * what I-JSON forbids (invalid UTF-8, duplicate member names, lone surrogates) is refused with
 * CG_NOT_I_JSON (src/core/i-json.ts), before and after the parse.
 *
 * Routes named in `rawRoutes` get their bytes unparsed (`request.rawBody`, body UNPARSED): their
 * handler has them parsed elsewhere (POST /v1/records/batch: in a prepare worker, with the same parser).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Rejection } from '../../core/errors.js';
import { iJsonViolation, utf8Violation } from '../../core/i-json.js';
import { ProblemException, problemOfRejection } from './problem.js';

export const JSON_MEDIA_TYPES = ['application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json'] as const;

/** The body of a request on a raw route: its bytes are in `request.rawBody`. */
export const UNPARSED = Object.freeze({ unparsed: true });

export function installJsonBodyParser(fastify: FastifyInstance, rawRoutes: readonly string[] = []): void {
  fastify.removeAllContentTypeParsers();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  const raw = new Set(rawRoutes);
  fastify.addContentTypeParser([...JSON_MEDIA_TYPES], { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    (request as { rawBody?: Buffer }).rawBody = bytes;
    if (raw.has(request.routeOptions.url ?? '')) return done(null, UNPARSED);
    const notUtf8 = utf8Violation(bytes);
    if (notUtf8 !== null) return done(notIJson(notUtf8));
    const text = bytes.toString('utf8');
    parseJson(request, text, (error, value) => {
      if (error !== null) return done(error);
      const violation = iJsonViolation(text, value);
      if (violation !== null) return done(notIJson(violation));
      done(null, value);
    });
  });
}

const notIJson = (violation: Rejection): ProblemException => new ProblemException(problemOfRejection(violation));

/** The bytes of a JSON request body as received, if the parser above saw one. */
export function receivedBody(request: FastifyRequest): Buffer | undefined {
  return (request as { rawBody?: Buffer }).rawBody;
}

/** The bytes of the request body as received (empty when there was none). */
export function rawBodyBytes(request: FastifyRequest): Buffer {
  return receivedBody(request) ?? Buffer.alloc(0);
}
