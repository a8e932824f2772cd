/**
 * The gateway's logger: structured JSON lines (pino) on stdout, one object per event, carrying record and
 * batch ids as fields (`recordId`, `batchId`) so a log search finds everything about one record.
 *
 * Secrets never reach the output (ARCHITECTURE.md invariant 6). Two layers, because one is not enough:
 * 1. pino `redact` removes fields by name wherever a caller logs an object holding them
 *    (`authorization` headers, `apiKey`, `privateKey`, `token`, `password`, connection strings);
 * 2. every serialized line passes a scrubber before it is written: it blanks the literal values of the
 *    secrets the process knows (the dev API key, the database password, ...), bearer tokens and PEM
 *    private-key blocks, wherever they appear, even inside an error message or a stack trace.
 * test/e2e/logs-no-secrets.test.ts greps a full run's logs for the secrets it used.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export const REDACTED = '[REDACTED]';

/** Field paths pino removes from logged objects (pino's fast-redact syntax; `*` is one level). */
export const redactPaths: readonly string[] = [
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization', 'request.headers.authorization',
  'headers["x-api-key"]', 'req.headers["x-api-key"]', 'req.headers.cookie',
  'apiKey', '*.apiKey', 'api_key', '*.api_key', 'devApiKey', '*.devApiKey',
  'privateKey', '*.privateKey', 'secretKey', '*.secretKey', 'seed', '*.seed',
  'token', '*.token', 'accessToken', '*.accessToken', 'password', '*.password',
  'connectionString', '*.connectionString',
];

/** Secrets of at least this length are scrubbed by value; shorter strings would blank ordinary words. */
const MIN_SECRET_LENGTH = 6;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A JSON-string-safe form of a secret: how it appears inside a serialized log line. */
function jsonForms(secret: string): string[] {
  const quoted = JSON.stringify(secret).slice(1, -1);
  return quoted === secret ? [secret] : [secret, quoted];
}

/**
 * Builds the line scrubber. Exported for tests. Patterns: `Bearer <token>`, PEM private keys, URL
 * userinfo passwords (`postgres://user:pw@host`), and each known secret value.
 */
export function secretScrubber(secrets: readonly string[]): (line: string) => string {
  const values = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap(jsonForms))]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp);
  const known = values.length > 0 ? new RegExp(values.join('|'), 'g') : null;
  const bearer = /(Bearer[ \t]+)[\x21-\x7e]+/gi;
  const pem = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g;
  const pemEscaped = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:\\n|[^"])*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g;
  const userinfo = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s"]+:)[^@/\s"]+@/gi;
  return (line) => {
    let out = line.replace(bearer, `$1${REDACTED}`).replace(pemEscaped, REDACTED).replace(pem, REDACTED).replace(userinfo, `$1${REDACTED}@`);
    if (known !== null) out = out.replace(known, REDACTED);
    return out;
  };
}

export interface LoggerSettings {
  readonly level?: LoggerOptions['level'];
  /** Values that must never be written (API keys, passwords); scrubbed from every line. */
  readonly secrets?: readonly string[];
  /** Where lines go; stdout by default. */
  readonly destination?: DestinationStream;
  /** Base fields on every line (e.g. `{ service: 'crossgate' }`). */
  readonly base?: Record<string, unknown>;
}

/** Creates the process logger. Child loggers (`logger.child({ batchId })`) inherit the redaction. */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const scrub = secretScrubber(settings.secrets ?? []);
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: 'crossgate', ...(settings.base ?? {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...redactPaths], censor: REDACTED },
    hooks: { streamWrite: scrub },
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination === undefined ? pino(options) : pino(options, settings.destination);
}
