/**
 * Builds the NestJS application on Fastify from opened dependencies, without listening: tests and
 * other entry points (ops, Kafka) use this, `startGateway` adds the real adapters and `listen`.
 */
import 'reflect-metadata';
import type { RequestListener } from 'node:http';
import type { DynamicModule, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { defaultRestTimeouts, type RestTimeouts } from './config/env.js';
import type { RestTlsConfig } from './config/rest-tls.js';
import { createRestServer } from './ingest/rest/https-server.js';
import { installJsonBodyParser } from './ingest/rest/json-body.js';
import { ProblemFilter } from './ingest/rest/problem.filter.js';
import { BATCH_ROUTE } from './ingest/rest/record-paths.js';
import type { RestDeps } from './ingest/rest/rest.module.js';

export interface GatewayAppOptions {
  readonly logger: Logger;
  /** Largest request body, bytes (413 above). */
  readonly bodyLimitBytes: number;
  /** Log one line per request (method, route, status, time; never headers or bodies). */
  readonly logRequests?: boolean;
  /** More modules to mount (ops, Kafka, gRPC). */
  readonly modules?: readonly DynamicModule[];
  readonly timeouts?: RestTimeouts;
  /** HTTPS instead of HTTP. */
  readonly tls?: RestTlsConfig;
}

/** NestJS's own logs (route mapping, lifecycle) go to pino at debug level, errors at error. */
function nestLogger(log: Logger): LoggerService {
  const child = log.child({ component: 'nest' });
  return {
    log: (message: unknown) => child.debug(String(message)),
    error: (message: unknown, ...rest: unknown[]) => child.error({ detail: rest.map(String) }, String(message)),
    warn: (message: unknown) => child.warn(String(message)),
    debug: (message: unknown) => child.debug(String(message)),
    verbose: (message: unknown) => child.trace(String(message)),
  };
}

/** Creates and initializes the application (routes registered, not listening). */
export async function createGatewayApp(deps: RestDeps, options: GatewayAppOptions): Promise<NestFastifyApplication> {
  const timeouts = options.timeouts ?? defaultRestTimeouts;
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimitBytes,
    serverFactory: (handler: RequestListener) => createRestServer(handler, timeouts, options.tls),
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    // Sources are long paths sent URL-encoded in one segment; find-my-way's default cap is 100.
    routerOptions: { maxParamLength: 4096 },
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(deps, options.modules ?? []), adapter, {
    bodyParser: false,
    logger: nestLogger(options.logger),
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  installJsonBodyParser(fastify, [BATCH_ROUTE]);
  if (options.logRequests) {
    const log = options.logger.child({ component: 'http' });
    fastify.addHook('onResponse', (request, reply, done) => {
      log.info({ method: request.method, route: request.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
      done();
    });
  }
  app.useGlobalFilters(new ProblemFilter(options.logger.child({ component: 'http' })));
  await app.init();
  return app;
}
