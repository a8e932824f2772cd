/**
 * The only body parser: JSON under the three media types the API accepts. Everything else is 415
 * (Fastify answers unknown content types with FST_ERR_CTP_INVALID_MEDIA_TYPE), too-large bodies 413
 * (the instance's bodyLimit), and malformed JSON 400; the exception filter turns each into a problem.
 * The raw bytes are kept on the request so a rejected record is dead-lettered exactly as received.
 * Fastify's own JSON parser does the parsing, with `__proto__`/`constructor` poisoning rejected.
 */
import type { FastifyInstance } from 'fastify';

export const JSON_MEDIA_TYPES = ['application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json'] as const;

export function installJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser([...JSON_MEDIA_TYPES], { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    (request as { rawBody?: Buffer }).rawBody = bytes;
    parseJson(request, bytes.toString('utf8'), done);
  });
}
