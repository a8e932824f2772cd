/**
 * Composition root: opens the store, the chain and the signing key the configuration names, builds
 * the pipeline, mounts the NestJS application and listens. `startGateway` is what `npm start` runs;
 * tests, the Kafka and ops wiring, and benchmarks use it (or `createGatewayApp`) too.
 */
import type { Server as HttpsServer } from 'node:https';
import { join } from 'node:path';
import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { openEmbeddedLedger } from '../adapters/chains/embedded/embedded-ledger.js';
import { openEmbeddedStore } from '../adapters/store/embedded-store.js';
import { openPostgresStore } from '../adapters/store/postgres-store.js';
import { schemaRegistry } from '../schemas/registry.js';
import type { GatewayConfig } from './config/env.js';
import { loadDevTenant } from './config/dev-tenant.js';
import { loadTenantsFile, newTenantDirectory, TenantsFileError, type TenantDirectory } from './config/tenants.js';
import { newPipeline, type KeyRotation, type Pipeline, type PipelineObserver } from './core/pipeline.js';
import type { ChainClient, DeadLetter, Signer, Store } from './core/ports.js';
import { TenantQuotas } from './core/quota.js';
import { digestAlgOf } from './core/signature-algs.js';
import type { Clock } from './core/types.js';
import { toBase64Url } from './core/encoding.js';
import { createGatewayApp } from './http-app.js';
import { reloadRestTls } from './ingest/rest/https-server.js';
import { startPreparePool } from './ingest/prepare/preparer.js';
import { createLogger, type Logger } from './logging.js';
import type { RestDeps } from './ingest/rest/rest.module.js';
import { registrySchemaCatalog } from './schema-catalog.js';
import { loadSigningKey } from '../adapters/signers/file-signing-key.js';
import { registryWithExtras } from './ops/extra-schemas.js';
import { loggingObserver } from './ops/log-observer.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { OpsModule } from './ops/ops.module.js';
import { defaultKafkaIngestOptions, KafkaIngest } from './ingest/kafka/kafka-ingest.js';
import { KafkaIngestModule } from './ingest/kafka/kafka-ingest.module.js';
import { GrpcModule, grpcServerOptions } from './ingest/grpc/grpc.module.js';
import { AnchorSignal } from './ingest/grpc/anchor-signal.js';
import { createGrpcMetrics } from './ingest/grpc/grpc-metrics.js';
import { gatewayVersion } from './ingest/kafka/gateway-version.js';

/** Everything a running gateway is made of, for modules mounted next to the REST API. */
export interface GatewayContext extends RestDeps {
  readonly config: GatewayConfig;
  readonly signer: Signer;
  readonly logger: Logger;
  /** Prometheus metrics; their observer is the pipeline's. Served by the ops module at /metrics. */
  readonly metrics: Metrics;
  /** The Kafka consumer, when CROSSGATE_KAFKA_BROKERS is set (started and stopped with the app). */
  readonly kafka?: KafkaIngest;
}

export interface StartOptions {
  /** Defaults to a pino logger on stdout at config.logLevel. */
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly observer?: PipelineObserver;
  /** Extra NestJS modules (ops, Kafka, gRPC), built from the opened dependencies. */
  readonly modules?: (context: GatewayContext) => readonly DynamicModule[];
}

export interface RunningGateway {
  readonly url: string;
  readonly app: NestFastifyApplication;
  readonly context: GatewayContext;
  /** The dev tenant's API key, when no tenants file is configured (to print; never log it). */
  readonly devApiKey: string | undefined;
  /** Stops accepting requests, flushes the pipeline, closes chain and store. Idempotent. */
  close(): Promise<void>;
  /**
   * HTTPS only: reads the certificate, key and client CA files again and uses them for new
   * connections (SIGHUP). A file that is wrong is logged and the current certificate kept.
   */
  reloadTls(): void;
}

/** Secret values the log scrubber blanks wherever they appear: the dev key, the database and Kafka passwords. */
function knownSecrets(config: GatewayConfig, devApiKey: string | undefined): string[] {
  const secrets: string[] = [];
  if (devApiKey !== undefined) secrets.push(devApiKey);
  if (config.store.kind === 'postgres') {
    const password = URL.parse(config.store.connectionString)?.password;
    if (password) secrets.push(password, decodeURIComponent(password));
  }
  const kafkaPassword = config.kafka?.security.sasl?.password;
  if (kafkaPassword !== undefined) secrets.push(kafkaPassword);
  if (config.signer.kind === 'pkcs11') secrets.push(config.signer.pin);
  return secrets;
}

interface OpenedSigner {
  readonly signer: Signer;
  readonly close: () => Promise<void>;
  readonly logFields: Record<string, unknown>;
}

/** One gateway key, from a key file (or the dev key) or a PKCS#11 token, with what the start-up log line says about it. */
async function openOneSigner(config: GatewayConfig, which: { file: string | undefined } | { keyLabel: string }): Promise<OpenedSigner> {
  const settings = config.signer;
  if (settings.kind === 'pkcs11') {
    const keyLabel = 'keyLabel' in which ? which.keyLabel : settings.keyLabel;
    const { openPkcs11Signer } = await import('../adapters/signers/pkcs11/pkcs11-signer.js');
    const signer = await openPkcs11Signer({ ...settings, keyLabel, alg: config.signingAlg });
    return { signer, close: () => signer.close(), logFields: { signer: 'pkcs11', token: settings.tokenLabel, keyLabel, generatedOnToken: signer.generatedOnToken } };
  }
  const file = 'file' in which ? which.file : config.signingKeyFile;
  const key = await loadSigningKey({ file, dataDir: config.dataDir, alg: config.signingAlg });
  return { signer: key.signer, close: () => Promise.resolve(), logFields: { signer: 'file', generated: key.generated } };
}

/** The current key, and the next one with its moment when a rotation is configured. */
async function openSigners(config: GatewayConfig, logger: Logger, cleanups: (() => Promise<void>)[]): Promise<{ signer: Signer; rotation: KeyRotation | undefined }> {
  const current = await openOneSigner(config, { file: config.signingKeyFile });
  cleanups.push(current.close);
  logger.info({ keyId: current.signer.keyId, alg: current.signer.alg, ...current.logFields }, 'signing key loaded');
  const planned = config.signer.rotation;
  if (planned === undefined) return { signer: current.signer, rotation: undefined };
  const next = await openOneSigner(config, 'file' in planned.next ? { file: planned.next.file } : planned.next);
  cleanups.push(next.close);
  const at = new Date(planned.atMillis).toISOString();
  if (next.signer.keyId === current.signer.keyId) throw new Error(`CROSSGATE_SIGNING_ROTATE_AT: the next key is the current key (${current.signer.keyId})`);
  logger.info({ keyId: next.signer.keyId, alg: next.signer.alg, previousKeyId: current.signer.keyId, rotateAt: at, ...next.logFields }, 'next signing key loaded: it signs the batches sealed from rotateAt on');
  return { signer: current.signer, rotation: { next: next.signer, atMillis: planned.atMillis } };
}

async function openStore(config: GatewayConfig): Promise<Store> {
  return config.store.kind === 'postgres'
    ? openPostgresStore({ connectionString: config.store.connectionString, poolSize: config.store.poolSize, queryTimeoutMs: config.store.queryTimeoutMs })
    : openEmbeddedStore({ dataDir: join(config.dataDir, 'store') });
}

async function openChain(config: GatewayConfig, keys: { signer: Signer; rotation: KeyRotation | undefined }, clock: Clock, logger: Logger): Promise<ChainClient> {
  if (config.chain.kind === 'fabric') {
    // Anchors a batch only once the chaincode knows the key that signed it (registering the configured ones when told to).
    const { openGatedFabricChain } = await import('../adapters/chains/fabric/fabric-key-gate.js');
    const signers = keys.rotation === undefined ? [keys.signer] : [keys.signer, keys.rotation.next];
    const infos = signers.map((s) => ({ keyId: s.keyId, alg: s.alg, publicKey: toBase64Url(s.publicKey) }));
    return openGatedFabricChain({ profile: config.chain.profile, keys: infos, registerAs: config.chain.registerKeyAs, logger: logger.child({ component: 'fabric' }) });
  }
  if (config.chain.kind === 'cometbft') {
    const { openCometbftChain } = await import('../adapters/chains/cometbft/open-cometbft-chain.js');
    return openCometbftChain({ network: config.chain.network, adminKeyFile: config.chain.adminKeyFile, commitTimeoutMs: config.chain.commitTimeoutMs, logger: logger.child({ component: 'cometbft' }) });
  }
  // The ledger signs its blocks with the key it opened with (each block names its key).
  return openEmbeddedLedger({ dir: join(config.dataDir, 'ledger'), signer: keys.signer, clock });
}

async function loadTenants(config: GatewayConfig): Promise<{ directory: TenantDirectory; devApiKey: string | undefined }> {
  if (config.tenantsFile !== undefined) {
    const entries = await loadTenantsFile(config.tenantsFile);
    // A rule that can never match is a mistake in the configuration, not a tenant locked out quietly.
    const byCertificate = entries.flatMap((e, i) => (e.clientCertificates === undefined ? [] : [`tenants.${i}.clientCertificates`]));
    if (byCertificate.length > 0 && config.rest.tls?.clientCaFile === undefined) {
      throw new TenantsFileError(config.tenantsFile, byCertificate.map((path) => `${path}: client certificates need HTTPS with CROSSGATE_REST_TLS_CLIENT_CA_FILE`));
    }
    return { directory: newTenantDirectory(entries), devApiKey: undefined };
  }
  const dev = await loadDevTenant(config.dataDir, config.devApiKey);
  return { directory: newTenantDirectory([dev.entry]), devApiKey: dev.apiKey };
}

/** All the observers, each call guarded: an observer must never break the pipeline. */
function combineObservers(...given: (PipelineObserver | undefined)[]): PipelineObserver {
  const observers = given.filter((o): o is PipelineObserver => o !== undefined);
  const both = {} as Record<keyof PipelineObserver, (...args: never[]) => void>;
  for (const name of new Set(observers.flatMap((o) => Object.keys(o))) as Set<keyof PipelineObserver>) {
    both[name] = (...args: never[]) => {
      for (const o of observers) {
        try {
          (o[name] as ((...a: never[]) => void) | undefined)?.(...args);
        } catch {
          // an observer's bug is not the pipeline's failure
        }
      }
    };
  }
  return both as PipelineObserver;
}

/** Opens everything, starts the pipeline and listens on config.host:config.port. */
export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<RunningGateway> {
  const { directory: tenants, devApiKey } = await loadTenants(config);
  const logger = options.logger ?? createLogger({ level: config.logLevel, secrets: knownSecrets(config, devApiKey) });
  const clock: Clock = options.clock ?? { now: () => Date.now() };
  const cleanups: (() => Promise<void>)[] = [];
  const unwind = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch((err: unknown) => logger.error({ err }, 'shutdown step failed'));
  };
  try {
    const key = await openSigners(config, logger, cleanups);

    const store = await openStore(config);
    cleanups.push(() => store.close());
    const chain = await openChain(config, key, clock, logger);
    cleanups.push(() => chain.close());
    logger.info({ store: config.store.kind, chain: chain.kind, network: chain.network }, 'store and chain open');

    const registry = await registryWithExtras(schemaRegistry, config.extraSchemas);
    if (config.extraSchemas.length > 0) logger.info({ modules: config.extraSchemas, schemas: registry.list().length }, 'extra schema versions loaded');
    const metrics = createMetrics(undefined, { sectorOf: (type) => registry.sectorOf(type) });
    const anchors = new AnchorSignal();
    const observer = combineObservers(metrics.observer, loggingObserver(logger), options.observer, { batchAnchored: () => anchors.notify() });
    const pipeline: Pipeline = await newPipeline({
      registry,
      signer: key.signer,
      ...(key.rotation === undefined ? {} : { rotation: key.rotation }),
      store,
      chain,
      clock,
      limits: config.limits,
      retry: config.retry,
      observer,
      onError: (err: unknown) => logger.warn({ err }, 'pipeline background failure'),
    });
    cleanups.push(() => pipeline.close());
    const preparer = await startPreparePool({
      size: config.rest.prepareWorkers,
      registry,
      extraSchemas: config.extraSchemas,
      digestAlg: digestAlgOf(key.signer.alg),
      maxPendingBytes: config.rest.prepareMaxPendingBytes,
      onWorkerExit: (err) => logger.error({ err }, 'prepare worker stopped; replacing it'),
    });
    cleanups.push(() => preparer.close());

    // One bucket per tenant for both doors: a tenant's quota is its rate whichever door it uses.
    const quotas = new TenantQuotas(clock);
    const kafka = config.kafka === undefined ? undefined : new KafkaIngest({
      ...defaultKafkaIngestOptions,
      brokers: config.kafka.brokers,
      clientId: config.kafka.clientId,
      groupId: config.kafka.groupId,
      topics: config.kafka.topics,
      createTopics: config.kafka.createTopics,
      partitionsConsumedConcurrently: config.kafka.concurrency,
      sessionTimeoutMs: config.kafka.sessionTimeoutMs,
      heartbeatIntervalMs: Math.min(defaultKafkaIngestOptions.heartbeatIntervalMs, Math.floor(config.kafka.sessionTimeoutMs / 3)),
      retry: { initialMs: config.retry.initialBackoffMs, maxMs: config.retry.maxBackoffMs },
      gatewayVersion: gatewayVersion(),
      security: config.kafka.security,
    }, {
      pipeline, store, tenants, clock, quotas,
      ...(config.kafka.prepareOnWorkers ? { preparer } : {}),
      logger: logger.child({ component: 'kafka' }),
      // Decode failures and unknown sources never reach the pipeline; count them with its rejections.
      onRejected: (code, sector) => observer.recordRejected?.(code, null, sector),
    });
    // Stopped by the app's shutdown hooks; this covers a start that fails before the app exists.
    if (kafka !== undefined) cleanups.push(() => kafka.stop());
    const context: GatewayContext = {
      config, signer: key.signer, logger, metrics, pipeline, store, chain, tenants, clock,
      schemas: registrySchemaCatalog(registry),
      sectorOf: (type) => registry.sectorOf(type),
      rest: { batchLimit: config.rest.batchLimit },
      preparer,
      quotas,
      ...(kafka === undefined ? {} : { kafka }),
    };
    const kafkaOps = kafka === undefined ? {} : {
      kafka,
      sectorTopics: kafka.options.topics,
      kafkaTenant: (entry: DeadLetter) => kafka.tenantForDeadLetter(entry),
    };
    const app = await createGatewayApp(context, {
      logger,
      bodyLimitBytes: config.rest.bodyLimitBytes,
      timeouts: config.rest.timeouts,
      ...(config.rest.tls === undefined ? {} : { tls: config.rest.tls }),
      logRequests: config.logRequests,
      modules: [
        OpsModule.forRoot({ ...context, ...kafkaOps, signers: key.rotation === undefined ? [key.signer] : [key.signer, key.rotation.next] }),
        ...(kafka === undefined ? [] : [KafkaIngestModule.forRoot(kafka)]),
        ...(config.grpc === undefined ? [] : [GrpcModule.forRoot({
          pipeline, preparer, store, chain, tenants, quotas, clock, sectorOf: context.sectorOf, batchLimit: config.rest.batchLimit,
          metrics: createGrpcMetrics(metrics.registry), anchors,
        })]),
        ...(options.modules?.(context) ?? []),
      ],
    });
    cleanups.push(() => app.close());
    // An IPv6 address in a URL or gRPC target is bracketed.
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    if (config.grpc !== undefined) {
      app.connectMicroservice(grpcServerOptions(`${host}:${config.grpc.port}`, config.grpc, { maxMessageBytes: config.rest.bodyLimitBytes }, config.rest.tls));
      await app.startAllMicroservices();
      logger.info({ url: `${host}:${config.grpc.port}` }, 'gRPC listening');
    }
    await app.listen(config.port, config.host);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const url = `${config.rest.tls === undefined ? 'http' : 'https'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    logger.info({ url }, 'gateway listening');

    let closing: Promise<void> | undefined;
    return {
      url, app, context, devApiKey,
      close: () => (closing ??= unwind().then(() => logger.info('gateway stopped'))),
      reloadTls: () => {
        const tls = config.rest.tls;
        if (tls === undefined) {
          logger.info('SIGHUP: no TLS to reload (the REST door is plain HTTP)');
          return;
        }
        try {
          const material = reloadRestTls(app.getHttpServer() as HttpsServer, tls);
          logger.info({ subject: material.subject, validTo: material.validTo }, 'TLS certificate reloaded: new connections use it');
        } catch (error) {
          logger.error({ setting: (error as { setting?: string }).setting, reason: (error as Error).message }, 'TLS reload failed: the current certificate stays');
        }
      },
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}
