/**
 * Gateway settings, read from the environment once at start-up and validated with zod.
 * A bad value stops the process with a message naming the setting (see {@link ConfigError});
 * nothing else in the gateway reads process.env. docs/service.md lists every setting.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { SIGNATURE_ALGS } from '../core/signature-algs.js';
import type { SignatureAlg } from '../core/types.js';
import { parseKafkaSecurity, type KafkaSecurity } from './kafka-security.js';
import { parseRestTls, type RestTlsConfig } from './rest-tls.js';
import { parseSignerSettings, type SignerSettings } from './signer-settings.js';
import type { SettingProblem } from './settings.js';

/** How long a slow client may take over a REST request (CROSSGATE_REST_*_TIMEOUT_MS). */
export interface RestTimeouts {
  readonly headersMs: number;
  readonly requestMs: number;
  readonly keepAliveMs: number;
}

/** Node's header timeout made shorter, a request timeout (Fastify turns Node's off), Fastify's keep-alive. */
export const defaultRestTimeouts: RestTimeouts = { headersMs: 10_000, requestMs: 60_000, keepAliveMs: 72_000 };

const intSetting = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * One prepare worker per core but the request thread's own, at least one, at most four. On two cores
 * one worker beat two (25.4k vs 23.8k records/s through the batch endpoint, same run): the request
 * thread is the busiest and needs a core of its own.
 */
function defaultPrepareWorkers(): number {
  return Math.min(4, Math.max(1, availableParallelism() - 1));
}
const boolSetting = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const emptyAsUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
// Kafka's topic name rule, with room left for the `.dlq` suffix of the dead-letter topic.
const KAFKA_TOPIC = /^[a-zA-Z0-9._-]{1,245}$/;
const KAFKA_TOPIC_RULE = '1-245 characters of a-z A-Z 0-9 . _ - (room for the .dlq suffix)';

/** Every setting, by its environment variable name. */
export const envSchema = z.object({
  PORT: intSetting(0, 65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  CROSSGATE_DATA_DIR: z.string().min(1).default('./.crossgate'),
  CROSSGATE_DEV_API_KEY: z.preprocess(emptyAsUndefined, z.string().min(16, 'must be at least 16 characters').regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').optional()),
  CROSSGATE_TENANTS_FILE: z.preprocess(emptyAsUndefined, z.string().optional()),
  CROSSGATE_STORE: z.enum(['embedded', 'postgres']).default('embedded'),
  CROSSGATE_PG_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  CROSSGATE_PG_POOL_SIZE: intSetting(1, 200).default(10),
  CROSSGATE_PG_QUERY_TIMEOUT_MS: intSetting(100, 3_600_000).default(30_000),
  CROSSGATE_CHAIN: z.enum(['embedded', 'fabric', 'cometbft']).default('embedded'),
  /** network.json of a CometBFT network: chain id and validator RPC addresses (docs/cometbft.md). */
  CROSSGATE_COMETBFT_NETWORK: z.preprocess(emptyAsUndefined, z.string().optional()),
  /** An admin key file of that chain: the gateway registers its signing keys with it at start. */
  CROSSGATE_COMETBFT_ADMIN_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  /** How long one anchoring waits for its block before it counts as a (retried) CG_CHAIN_TIMEOUT. */
  CROSSGATE_COMETBFT_COMMIT_TIMEOUT_MS: intSetting(1_000, 600_000).default(30_000),
  CROSSGATE_FABRIC_PROFILE: z.preprocess(emptyAsUndefined, z.string().optional()),
  /** Register the gateway's signing key on the anchor chaincode at start, as the profile's admin identity (docs/fabric.md). */
  CROSSGATE_FABRIC_REGISTER_KEY: boolSetting.default(false),
  /** The profile identity that registers the key when CROSSGATE_FABRIC_REGISTER_KEY=true. */
  CROSSGATE_FABRIC_ADMIN_IDENTITY: z.string().min(1).default('admin'),
  CROSSGATE_SIGNING_KEY_FILE: z.preprocess(emptyAsUndefined, z.string().optional()),
  /** SM2 selects the SM suite: SM2 signatures, SM3 digests, Merkle trees, batch and key ids. */
  CROSSGATE_SIGNING_ALG: z.enum(SIGNATURE_ALGS as [SignatureAlg, ...SignatureAlg[]]).default('Ed25519'),
  CROSSGATE_BATCH_MAX_RECORDS: intSetting(1, 1_000_000).default(10_000),
  /** A batch with this many records is sealed without waiting out the linger (capped at CROSSGATE_BATCH_MAX_RECORDS). */
  CROSSGATE_BATCH_READY_RECORDS: intSetting(1, 1_000_000).default(1_000),
  CROSSGATE_BATCH_MAX_BYTES: intSetting(1024, 1 << 30).default(16 * 1024 * 1024),
  CROSSGATE_BATCH_LINGER_MS: intSetting(0, 60_000).default(200),
  CROSSGATE_QUEUE_MAX_RECORDS: intSetting(1, 10_000_000).default(100_000),
  CROSSGATE_OUTBOX_MAX_BATCHES: intSetting(1, 1_000_000).default(1_000),
  CROSSGATE_RETRY_INITIAL_MS: intSetting(1, 3_600_000).default(500),
  CROSSGATE_RETRY_MAX_MS: intSetting(1, 3_600_000).default(30_000),
  CROSSGATE_REST_BATCH_LIMIT: intSetting(1, 100_000).default(1_000),
  /** The gRPC door's port on HOST (docs/grpc.md); unset: no gRPC door. */
  CROSSGATE_GRPC_PORT: z.preprocess(emptyAsUndefined, intSetting(0, 65535).optional()),
  /** gRPC keepalive (docs/grpc.md): the server pings a connection idle this long, and drops it if no answer comes within the timeout. */
  CROSSGATE_GRPC_KEEPALIVE_MS: intSetting(1_000, 86_400_000).default(60_000),
  CROSSGATE_GRPC_KEEPALIVE_TIMEOUT_MS: intSetting(100, 600_000).default(20_000),
  /** A connection with no call for this long is closed (GOAWAY); the client reconnects when it needs to. */
  CROSSGATE_GRPC_IDLE_TIMEOUT_MS: intSetting(100, 86_400_000).default(300_000),
  /** Concurrent calls (HTTP/2 streams) per connection. */
  CROSSGATE_GRPC_MAX_STREAMS: intSetting(1, 10_000).default(100),
  CROSSGATE_REST_BODY_LIMIT_BYTES: intSetting(1024, 1 << 30).default(16 * 1024 * 1024),
  /** Slow clients (docs/service.md "Timeouts"): all of a request's headers within this. */
  CROSSGATE_REST_HEADERS_TIMEOUT_MS: intSetting(100, 600_000).default(defaultRestTimeouts.headersMs),
  /** The whole request, headers and body, within this. */
  CROSSGATE_REST_REQUEST_TIMEOUT_MS: intSetting(100, 3_600_000).default(defaultRestTimeouts.requestMs),
  /** An idle keep-alive connection is closed after this. */
  CROSSGATE_REST_KEEPALIVE_TIMEOUT_MS: intSetting(100, 600_000).default(defaultRestTimeouts.keepAliveMs),
  /** Worker threads that parse and prepare REST batch bodies; 0 prepares them on the request thread. */
  CROSSGATE_PREPARE_WORKERS: intSetting(0, 64).default(defaultPrepareWorkers()),
  /** Bytes of batch bodies waiting for or in a prepare worker; past it the batch endpoint answers 503. */
  CROSSGATE_PREPARE_MAX_PENDING_BYTES: intSetting(1024, 1 << 30).default(32 * 1024 * 1024),
  CROSSGATE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CROSSGATE_LOG_REQUESTS: boolSetting.default(false),
  /** Comma-separated module paths adding schema versions at start-up (docs/operating.md). */
  CROSSGATE_EXTRA_SCHEMAS: z.preprocess(emptyAsUndefined, z.string().optional()),
  /** Comma-separated host:port bootstrap brokers; when set, the gateway consumes the sector topics (docs/kafka.md). */
  CROSSGATE_KAFKA_BROKERS: z.preprocess(emptyAsUndefined, z.string()
    .transform((v) => v.split(',').map((b) => b.trim()).filter((b) => b !== ''))
    .pipe(z.array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'each broker is host:port')).min(1, 'lists at least one broker'))
    .optional()),
  CROSSGATE_KAFKA_CLIENT_ID: z.string().min(1).default('crossgate'),
  CROSSGATE_KAFKA_GROUP_ID: z.string().min(1).default('crossgate'),
  CROSSGATE_KAFKA_TOPIC_TRANSPORT: z.string().regex(KAFKA_TOPIC, KAFKA_TOPIC_RULE).default('transport.events'),
  CROSSGATE_KAFKA_TOPIC_FINANCE: z.string().regex(KAFKA_TOPIC, KAFKA_TOPIC_RULE).default('finance.events'),
  CROSSGATE_KAFKA_TOPIC_TELECOM: z.string().regex(KAFKA_TOPIC, KAFKA_TOPIC_RULE).default('telecom.events'),
  /** Create missing sector and .dlq topics at start (development); production topics are made by ops. */
  CROSSGATE_KAFKA_CREATE_TOPICS: boolSetting.default(false),
  CROSSGATE_KAFKA_TOPIC_PARTITIONS: intSetting(1, 10_000).default(3),
  CROSSGATE_KAFKA_REPLICATION_FACTOR: intSetting(1, 100).default(1),
  /** Decode and prepare consumed records on the prepare workers (false: on the consumer's thread). */
  CROSSGATE_KAFKA_PREPARE_ON_WORKERS: boolSetting.default(true),
  /** Partitions this instance processes at once. */
  CROSSGATE_KAFKA_CONCURRENCY: intSetting(1, 1_000).default(3),
  /** How long the group waits for a silent member before giving its partitions to the others (a crashed instance). */
  CROSSGATE_KAFKA_SESSION_TIMEOUT_MS: intSetting(6_000, 1_800_000).default(30_000),
}).superRefine((env, ctx) => {
  if (env.CROSSGATE_STORE === 'postgres' && env.CROSSGATE_PG_URL === undefined) {
    ctx.addIssue({ code: 'custom', path: ['CROSSGATE_PG_URL'], message: 'is required when CROSSGATE_STORE=postgres' });
  }
  if (env.CROSSGATE_CHAIN === 'fabric' && env.CROSSGATE_FABRIC_PROFILE === undefined) {
    ctx.addIssue({ code: 'custom', path: ['CROSSGATE_FABRIC_PROFILE'], message: 'is required when CROSSGATE_CHAIN=fabric' });
  }
  if (env.CROSSGATE_CHAIN === 'cometbft' && env.CROSSGATE_COMETBFT_NETWORK === undefined) {
    ctx.addIssue({ code: 'custom', path: ['CROSSGATE_COMETBFT_NETWORK'], message: 'is required when CROSSGATE_CHAIN=cometbft' });
  }
  if (env.CROSSGATE_COMETBFT_ADMIN_KEY !== undefined && env.CROSSGATE_CHAIN !== 'cometbft') {
    ctx.addIssue({ code: 'custom', path: ['CROSSGATE_COMETBFT_ADMIN_KEY'], message: 'applies only with CROSSGATE_CHAIN=cometbft' });
  }
  if (env.CROSSGATE_FABRIC_REGISTER_KEY && env.CROSSGATE_CHAIN !== 'fabric') {
    ctx.addIssue({ code: 'custom', path: ['CROSSGATE_FABRIC_REGISTER_KEY'], message: 'applies only with CROSSGATE_CHAIN=fabric' });
  }
  const topics = [env.CROSSGATE_KAFKA_TOPIC_TRANSPORT, env.CROSSGATE_KAFKA_TOPIC_FINANCE, env.CROSSGATE_KAFKA_TOPIC_TELECOM];
  if (new Set(topics).size !== topics.length) {
    ctx.addIssue({ code: 'custom', path: ['CROSSGATE_KAFKA_TOPIC_TRANSPORT'], message: 'the three sector topics must differ (the topic picks the decoder)' });
  }
  if (env.CROSSGATE_RETRY_MAX_MS < env.CROSSGATE_RETRY_INITIAL_MS) {
    ctx.addIssue({ code: 'custom', path: ['CROSSGATE_RETRY_MAX_MS'], message: 'must be >= CROSSGATE_RETRY_INITIAL_MS' });
  }
});

/** The gateway's configuration, in the shape the code uses. */
/** The gRPC door's connection settings (docs/grpc.md); TLS is the REST door's. */
export interface GrpcSettings {
  readonly port: number;
  readonly keepaliveMs: number;
  readonly keepaliveTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxConcurrentStreams: number;
}

export interface GatewayConfig {
  readonly port: number;
  readonly host: string;
  /** Absolute path of the directory holding local state (embedded store, ledger, dev key). */
  readonly dataDir: string;
  readonly devApiKey: string | undefined;
  readonly tenantsFile: string | undefined;
  readonly store: { readonly kind: 'embedded' } | { readonly kind: 'postgres'; readonly connectionString: string; readonly poolSize: number; readonly queryTimeoutMs: number };
  readonly chain: { readonly kind: 'embedded' } | FabricChainConfig | CometbftChainConfig;
  readonly signingKeyFile: string | undefined;
  readonly signingAlg: SignatureAlg;
  /** Where the signing key lives: a file (signingKeyFile or the dev key) or a PKCS#11 token. */
  readonly signer: SignerSettings;
  readonly limits: {
    readonly maxBatchRecords: number;
    readonly readyBatchRecords: number;
    readonly maxBatchBytes: number;
    readonly lingerMs: number;
    readonly maxQueuedRecords: number;
    readonly maxOutboxBatches: number;
  };
  readonly retry: { readonly initialBackoffMs: number; readonly maxBackoffMs: number };
  /** The gRPC door (CROSSGATE_GRPC_PORT), or undefined when it is off. */
  readonly grpc: GrpcSettings | undefined;
  readonly rest: {
    readonly batchLimit: number; readonly bodyLimitBytes: number; readonly prepareWorkers: number; readonly prepareMaxPendingBytes: number;
    readonly timeouts: RestTimeouts;
    /** HTTPS (and client certificates) when CROSSGATE_REST_TLS_CERT_FILE and _KEY_FILE are set. */
    readonly tls?: RestTlsConfig;
  };
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly logRequests: boolean;
  /** Absolute paths of modules exporting extra schema versions (CROSSGATE_EXTRA_SCHEMAS). */
  readonly extraSchemas: readonly string[];
  /** Kafka ingestion, when CROSSGATE_KAFKA_BROKERS is set. */
  readonly kafka?: KafkaConfig;
}

/** CROSSGATE_CHAIN=fabric and its CROSSGATE_FABRIC_* settings. */
export interface FabricChainConfig {
  readonly kind: 'fabric';
  /** Absolute path of the JSON connection profile. */
  readonly profile: string;
  /** The profile identity that registers the gateway key at start, or undefined to only check that it is registered. */
  readonly registerKeyAs: string | undefined;
}

/** CROSSGATE_CHAIN=cometbft and its CROSSGATE_COMETBFT_* settings. */
export interface CometbftChainConfig {
  readonly kind: 'cometbft';
  /** Absolute path of network.json. */
  readonly network: string;
  /** Absolute path of an admin key file to register the gateway keys with, or undefined. */
  readonly adminKeyFile: string | undefined;
  readonly commitTimeoutMs: number;
}

/** The Kafka consumer's settings (CROSSGATE_KAFKA_*). */
export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topics: { readonly transport: string; readonly finance: string; readonly telecom: string };
  /** Create missing topics with this layout, or false to require them. */
  readonly createTopics: { readonly partitions: number; readonly replicationFactor: number } | false;
  readonly concurrency: number;
  /** Consumed records are prepared on the prepare workers (CROSSGATE_PREPARE_WORKERS). */
  readonly prepareOnWorkers: boolean;
  /** Consumer session timeout; heartbeats go out at a third of it, at most every 3 s. */
  readonly sessionTimeoutMs: number;
  /** TLS and SASL of every Kafka client (CROSSGATE_KAFKA_SECURITY_PROTOCOL and the settings it takes). */
  readonly security: KafkaSecurity;
}

/** Invalid configuration. `settings` names every offending environment variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly settings: readonly string[], message: string) {
    super(message);
  }
}

/**
 * Parses the environment into a {@link GatewayConfig}. Throws {@link ConfigError} naming each bad setting.
 * Relative paths resolve against `cwd`.
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>, cwd: string = process.cwd()): GatewayConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines: string[] = [];
    const settings: string[] = [];
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? 'environment');
      if (!settings.includes(name)) settings.push(name);
      const value = env[name];
      // Never echo secrets back, not even when they are wrong.
      const shown = value === undefined || name === 'CROSSGATE_DEV_API_KEY' || name === 'CROSSGATE_PG_URL' ? '' : ` (got ${JSON.stringify(value)})`;
      lines.push(`  ${name}: ${issue.message}${shown}`);
    }
    return throwConfig(settings, `invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const abs = (p: string) => resolve(cwd, p);
  let kafkaSecurity: KafkaSecurity = { protocol: 'plaintext' };
  if (e.CROSSGATE_KAFKA_BROKERS !== undefined) {
    const security = parseKafkaSecurity(env, cwd);
    if (Array.isArray(security)) return throwProblems(security);
    kafkaSecurity = security;
  }
  const restTls = parseRestTls(env, cwd);
  if (Array.isArray(restTls)) return throwProblems(restTls);
  const signer = parseSignerSettings(env, cwd, e.CROSSGATE_SIGNING_ALG);
  if (Array.isArray(signer)) return throwProblems(signer);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: abs(e.CROSSGATE_DATA_DIR),
    devApiKey: e.CROSSGATE_DEV_API_KEY,
    tenantsFile: e.CROSSGATE_TENANTS_FILE === undefined ? undefined : abs(e.CROSSGATE_TENANTS_FILE),
    store: e.CROSSGATE_STORE === 'postgres'
      ? { kind: 'postgres', connectionString: e.CROSSGATE_PG_URL ?? '', poolSize: e.CROSSGATE_PG_POOL_SIZE, queryTimeoutMs: e.CROSSGATE_PG_QUERY_TIMEOUT_MS }
      : { kind: 'embedded' },
    chain: e.CROSSGATE_CHAIN === 'fabric'
      ? {
        kind: 'fabric',
        profile: abs(e.CROSSGATE_FABRIC_PROFILE ?? ''),
        registerKeyAs: e.CROSSGATE_FABRIC_REGISTER_KEY ? e.CROSSGATE_FABRIC_ADMIN_IDENTITY : undefined,
      }
      : e.CROSSGATE_CHAIN === 'cometbft'
        ? { kind: 'cometbft', network: abs(e.CROSSGATE_COMETBFT_NETWORK ?? ''), adminKeyFile: e.CROSSGATE_COMETBFT_ADMIN_KEY === undefined ? undefined : abs(e.CROSSGATE_COMETBFT_ADMIN_KEY), commitTimeoutMs: e.CROSSGATE_COMETBFT_COMMIT_TIMEOUT_MS }
        : { kind: 'embedded' },
    signingKeyFile: e.CROSSGATE_SIGNING_KEY_FILE === undefined ? undefined : abs(e.CROSSGATE_SIGNING_KEY_FILE),
    signingAlg: e.CROSSGATE_SIGNING_ALG,
    signer,
    limits: {
      maxBatchRecords: e.CROSSGATE_BATCH_MAX_RECORDS,
      readyBatchRecords: Math.min(e.CROSSGATE_BATCH_READY_RECORDS, e.CROSSGATE_BATCH_MAX_RECORDS),
      maxBatchBytes: e.CROSSGATE_BATCH_MAX_BYTES,
      lingerMs: e.CROSSGATE_BATCH_LINGER_MS,
      maxQueuedRecords: e.CROSSGATE_QUEUE_MAX_RECORDS,
      maxOutboxBatches: e.CROSSGATE_OUTBOX_MAX_BATCHES,
    },
    retry: { initialBackoffMs: e.CROSSGATE_RETRY_INITIAL_MS, maxBackoffMs: e.CROSSGATE_RETRY_MAX_MS },
    grpc: e.CROSSGATE_GRPC_PORT === undefined ? undefined : {
      port: e.CROSSGATE_GRPC_PORT,
      keepaliveMs: e.CROSSGATE_GRPC_KEEPALIVE_MS,
      keepaliveTimeoutMs: e.CROSSGATE_GRPC_KEEPALIVE_TIMEOUT_MS,
      idleTimeoutMs: e.CROSSGATE_GRPC_IDLE_TIMEOUT_MS,
      maxConcurrentStreams: e.CROSSGATE_GRPC_MAX_STREAMS,
    },
    rest: {
      batchLimit: e.CROSSGATE_REST_BATCH_LIMIT, bodyLimitBytes: e.CROSSGATE_REST_BODY_LIMIT_BYTES, prepareWorkers: e.CROSSGATE_PREPARE_WORKERS, prepareMaxPendingBytes: e.CROSSGATE_PREPARE_MAX_PENDING_BYTES,
      timeouts: {
        headersMs: e.CROSSGATE_REST_HEADERS_TIMEOUT_MS,
        requestMs: Math.max(e.CROSSGATE_REST_REQUEST_TIMEOUT_MS, e.CROSSGATE_REST_HEADERS_TIMEOUT_MS),
        keepAliveMs: e.CROSSGATE_REST_KEEPALIVE_TIMEOUT_MS,
      },
      ...(restTls === undefined ? {} : { tls: restTls }),
    },
    logLevel: e.CROSSGATE_LOG_LEVEL,
    logRequests: e.CROSSGATE_LOG_REQUESTS,
    extraSchemas: (e.CROSSGATE_EXTRA_SCHEMAS ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '').map(abs),
    ...(e.CROSSGATE_KAFKA_BROKERS === undefined ? {} : {
      kafka: {
        brokers: e.CROSSGATE_KAFKA_BROKERS,
        clientId: e.CROSSGATE_KAFKA_CLIENT_ID,
        groupId: e.CROSSGATE_KAFKA_GROUP_ID,
        topics: { transport: e.CROSSGATE_KAFKA_TOPIC_TRANSPORT, finance: e.CROSSGATE_KAFKA_TOPIC_FINANCE, telecom: e.CROSSGATE_KAFKA_TOPIC_TELECOM },
        createTopics: e.CROSSGATE_KAFKA_CREATE_TOPICS
          ? { partitions: e.CROSSGATE_KAFKA_TOPIC_PARTITIONS, replicationFactor: e.CROSSGATE_KAFKA_REPLICATION_FACTOR }
          : false,
        concurrency: e.CROSSGATE_KAFKA_CONCURRENCY,
        prepareOnWorkers: e.CROSSGATE_KAFKA_PREPARE_ON_WORKERS,
        sessionTimeoutMs: e.CROSSGATE_KAFKA_SESSION_TIMEOUT_MS,
        security: kafkaSecurity,
      },
    }),
  };
}

function throwConfig(settings: string[], message: string): never {
  throw new ConfigError(settings, message);
}

function throwProblems(problems: readonly SettingProblem[]): never {
  return throwConfig([...new Set(problems.map((p) => p.setting))], `invalid configuration:\n${problems.map((p) => `  ${p.setting}: ${p.message}`).join('\n')}`);
}
