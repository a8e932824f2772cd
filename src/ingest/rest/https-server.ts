/**
 * The REST door's server: HTTP, or HTTPS (TLS 1.2 and up) with the certificate of
 * CROSSGATE_REST_TLS_*, asking for client certificates when a client CA is set. `reload` reads the
 * files again and swaps the server's TLS context: handshakes from then on use the new certificate,
 * connections already open keep theirs (SIGHUP, docs/operating.md "Security").
 */
import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { RestTimeouts } from '../../config/env.js';
import { readRestTls, type RestTlsConfig, type RestTlsMaterial } from '../../config/rest-tls.js';

export function createRestServer(handler: RequestListener, timeouts: RestTimeouts, tls: RestTlsConfig | undefined): HttpServer | HttpsServer {
  // Slow clients (slowloris) lose their connection once a timeout passes; Node checks every second
  // rather than its default 30 s, so a trickling client holds a socket for about the timeout, no more.
  const http = {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionsCheckingInterval: 1000,
  };
  if (tls === undefined) return createHttpServer(http, handler);
  const material = readRestTls(tls);
  return createHttpsServer({
    ...http,
    ...secureContextOf(material),
    minVersion: 'TLSv1.2',
    requestCert: material.ca !== undefined,
    // `optional`: a certificate that does not verify leaves the socket unauthorized and the request
    // to the API key; the guard never maps an unauthorized certificate to a tenant.
    rejectUnauthorized: tls.clientAuth === 'required',
  }, handler);
}

function secureContextOf(material: RestTlsMaterial): { cert: string; key: string; ca?: string } {
  return { cert: material.cert, key: material.key, ...(material.ca === undefined ? {} : { ca: material.ca }) };
}

/**
 * Reads the TLS files again and makes them the server's from the next handshake on.
 * @throws Error naming the setting whose file is wrong; the server keeps its current context.
 */
export function reloadRestTls(server: HttpsServer, tls: RestTlsConfig): RestTlsMaterial {
  const material = readRestTls(tls);
  server.setSecureContext(secureContextOf(material));
  return material;
}
