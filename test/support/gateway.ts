/**
 * Runs the real gateway as a child process (`node dist/src/main.js`, with `npm start`'s node options) for end-to-end tests and benches:
 * a temp data directory, PORT=0 (the OS picks a free port; the URL is read from the "gateway
 * listening" log line), readiness with a bounded deadline, SIGKILL/SIGTERM and restart on the same
 * data directory. Also a tiny HTTP client and a fresh-PostgreSQL-database helper.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
/** The repository root (examples/, migrations are found from here). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** node's own options in `npm start` (package.json), so tests and benches run the gateway as users start it. */
export const START_NODE_ARGS: readonly string[] = startNodeArgs();

function startNodeArgs(): string[] {
  const start = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const words = start.trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/src/main.js') throw new Error(`npm start is not "node [options] dist/src/main.js": ${start}`);
  return words.slice(1, -1);
}

export interface GatewayProcessOptions {
  /** Extra environment (CROSSGATE_*); PORT, HOST and CROSSGATE_DATA_DIR are set by the helper unless given. */
  readonly env?: Readonly<Record<string, string>>;
  /** Reuse a data directory (default: a new temp directory, removed by `cleanup`). */
  readonly dataDir?: string;
  /** How long to wait for the start-up banner (default 60 s). */
  readonly readyTimeoutMs?: number;
  /** Options for node itself, before main.js (default: those of `npm start`, START_NODE_ARGS). */
  readonly nodeArgs?: readonly string[];
}

export interface GatewayProcess {
  /** Base URL of the current process, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly dataDir: string;
  readonly pid: number;
  /** Every stdout/stderr line so far, for assertions about logs. */
  readonly output: readonly string[];
  /** SIGKILL, no clean shutdown; resolves when the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (clean shutdown); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Starts a new process on the same data directory and env (the old one must be stopped). */
  restart(extraEnv?: Readonly<Record<string, string>>): Promise<void>;
  /** Stops the process if running and removes the temp data directory it created. */
  cleanup(): Promise<void>;
}

/** The last line of the start-up banner (src/main.ts). */
const BANNER_END = 'Other examples, one per record type';

interface Running {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

function launch(env: Record<string, string>, output: string[], readyTimeoutMs: number, nodeArgs: readonly string[]): Promise<Running> {
  const child = spawn(process.execPath, [...nodeArgs, MAIN], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise<Running>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`gateway did not become ready within ${readyTimeoutMs} ms; output:\n${output.slice(-40).join('\n')}`)), readyTimeoutMs);
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    let url: string | undefined;
    const onLine = (line: string) => {
      output.push(line);
      if (settled) return;
      // Ready once main.js printed its whole banner (URL, dev key, curl lines), whatever the log level.
      url ??= /^Crossgate gateway listening on (https?:\/\/\S+)$/.exec(line)?.[1];
      if (url === undefined || !line.startsWith(BANNER_END)) return;
      settled = true;
      clearTimeout(timer);
      resolve({ child, url, exited });
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          onLine(buffered.slice(0, nl));
          buffered = buffered.slice(nl + 1);
        }
      });
    }
    void exited.then((code) => fail(new Error(`gateway exited with code ${code} before it was ready; output:\n${output.slice(-40).join('\n')}`)));
  });
}

/** Starts a gateway process and waits until it listens. */
export async function startGatewayProcess(options: GatewayProcessOptions = {}): Promise<GatewayProcess> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'crossgate-e2e-'));
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const baseEnv: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? tmpdir(),
    PORT: '0',
    HOST: '127.0.0.1',
    CROSSGATE_DATA_DIR: dataDir,
    CROSSGATE_LOG_LEVEL: 'info',
    ...options.env,
  };
  const output: string[] = [];
  let current: Running | undefined = await launch(baseEnv, output, readyTimeoutMs, options.nodeArgs ?? START_NODE_ARGS);
  const handle: GatewayProcess = {
    get url() {
      if (current === undefined) throw new Error('gateway is not running');
      return current.url;
    },
    get pid() {
      return current?.child.pid ?? -1;
    },
    dataDir,
    output,
    async kill9() {
      const running = current;
      current = undefined;
      if (running === undefined) return;
      running.child.kill('SIGKILL');
      await running.exited;
    },
    async stop() {
      const running = current;
      current = undefined;
      if (running === undefined) return null;
      running.child.kill('SIGTERM');
      return running.exited;
    },
    async restart(extraEnv = {}) {
      if (current !== undefined) throw new Error('stop the gateway before restarting it');
      current = await launch({ ...baseEnv, ...extraEnv }, output, readyTimeoutMs, options.nodeArgs ?? START_NODE_ARGS);
    },
    async cleanup() {
      await handle.kill9();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body, or undefined when it is not JSON. */
  readonly body: unknown;
}

/** One HTTP request. `body` is JSON-encoded unless it is already a string or bytes (sent as they are). */
export async function http(baseUrl: string, method: string, path: string, options: { apiKey?: string; body?: unknown; contentType?: string; headers?: Record<string, string> } = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.apiKey !== undefined) headers['authorization'] = `Bearer ${options.apiKey}`;
  let body: string | Uint8Array | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' || options.body instanceof Uint8Array ? options.body : JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * A fresh PostgreSQL database on the test server (CROSSGATE_TEST_PG_URL, an admin URL set by the test
 * setup). Throws when the variable is missing: PostgreSQL tests never skip.
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env['CROSSGATE_TEST_PG_URL'];
  if (adminUrl === undefined || adminUrl === '') {
    throw new Error('CROSSGATE_TEST_PG_URL is not set: the test setup must start PostgreSQL (bash scripts/postgres.sh start; export CROSSGATE_TEST_PG_URL=$(bash scripts/postgres.sh url))');
  }
  const name = `cg_e2e_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
