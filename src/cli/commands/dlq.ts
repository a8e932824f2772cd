/**
 * `crossgate dlq list|show|replay|discard` against a running gateway's admin DLQ API (/v1/dlq).
 *
 * The gateway URL and the admin API key come from --url / CROSSGATE_URL and CROSSGATE_API_KEY (or
 * --api-key-file); there is deliberately no --api-key flag, so the key stays out of shell history and
 * process listings. A bulk replay streams the gateway's progress and draws a bar on stderr; the
 * summary goes to stdout. Exit 0: done and nothing failed; 1: some records failed again (or were not
 * found); 2: usage, authentication or connection error.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ExitCode, UsageError, type CliIo, type Command } from '../command.js';
import { newProgressBar } from '../progress-bar.js';

const usage = `usage: crossgate dlq <list|show|replay|discard> [options]

  list     [filters] [--limit N] [--cursor C] [--all-pages] [--json]
  show     <id> [--json]
  replay   <id>... | [filters] | --all          replays through the full pipeline, with a progress bar
  discard  <id>... | [filters] | --all --reason "<why>"   the reason is kept in the audit log

filters:
  --state open|replayed|discarded|all   (list only; replay/discard act on open entries)
  --sector <s>  --tenant <id>  --source <prefix>  --code <CG_...>  --origin rest|kafka|grpc
  --from <time> --to <time>      RFC 3339 or epoch milliseconds

connection:
  --url <url>              gateway base URL (default $CROSSGATE_URL, else http://127.0.0.1:8080)
  --api-key-file <file>    file holding an admin API key (default: $CROSSGATE_API_KEY)

exit status: 0 ok, 1 some entries failed again or were not found, 2 usage, auth or connection error
`;

const filterOptions = {
  state: { type: 'string' },
  sector: { type: 'string' },
  tenant: { type: 'string' },
  source: { type: 'string' },
  code: { type: 'string' },
  origin: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
} as const;

const options = {
  ...filterOptions,
  url: { type: 'string' },
  'api-key-file': { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  'all-pages': { type: 'boolean', default: false },
  all: { type: 'boolean', default: false },
  reason: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

interface Client {
  request(method: string, path: string, body?: unknown): Promise<Response>;
  json<T>(method: string, path: string, body?: unknown): Promise<T>;
}

/** A failed API call: the problem's detail, or the status. */
class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function connect(values: Values): Promise<Client> {
  const base = (values.url ?? process.env['CROSSGATE_URL'] ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base)) throw new UsageError(`--url must be an http(s) URL, got ${base}`);
  let key = process.env['CROSSGATE_API_KEY'];
  if (values['api-key-file'] !== undefined) {
    try {
      key = (await readFile(values['api-key-file'], 'utf8')).trim();
    } catch (error) {
      throw new UsageError(`cannot read --api-key-file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  if (key === undefined || key === '') throw new UsageError('no API key: set CROSSGATE_API_KEY or use --api-key-file');
  const request = async (method: string, path: string, body?: unknown): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ApiError(0, `cannot reach the gateway at ${base}: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}`);
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => undefined) as { detail?: string; code?: string; issues?: { path: unknown[]; message: string }[] } | undefined;
      const issues = problem?.issues?.map((i) => `\n  ${i.path.join('.')}: ${i.message}`).join('') ?? '';
      throw new ApiError(response.status, `${response.status} ${problem?.code ?? ''} ${problem?.detail ?? response.statusText}${issues}`.replace(/ +/g, ' '));
    }
    return response;
  };
  return { request, json: async <T>(method: string, path: string, body?: unknown) => (await (await request(method, path, body)).json()) as T };
}

function filterOf(values: Values): Record<string, string> {
  const filter: Record<string, string> = {};
  for (const name of Object.keys(filterOptions) as (keyof typeof filterOptions)[]) {
    const value = values[name];
    if (value !== undefined) filter[name] = value;
  }
  return filter;
}

/** ids, a filter, or --all: exactly one. */
function targetOf(values: Values, positionals: readonly string[], verb: string): { ids: string[] } | { filter: Record<string, string> } | { all: true } {
  const filter = filterOf(values);
  if (filter.state !== undefined) throw new UsageError(`--state does not apply to ${verb}: it acts on open entries`);
  const given = [positionals.length > 0, Object.keys(filter).length > 0, values.all].filter(Boolean).length;
  if (given !== 1) throw new UsageError(`${verb}: give dead-letter ids, filters, or --all (exactly one of them)`);
  if (positionals.length > 0) return { ids: [...positionals] };
  return values.all ? { all: true } : { filter };
}

interface Summary { id: string; state: string; origin: string; tenant: string | null; recordId: { source: string; id: string } | null; type: string | null; code: string; message: string; createdAt: string; kafka: { topic: string; partition: number; offset: string } | null }
interface ListPage { items: Summary[]; next: string | null; total: number }

async function list(client: Client, values: Values, io: CliIo): Promise<ExitCode> {
  const query = new URLSearchParams(filterOf(values));
  query.set('limit', values.limit ?? '50');
  if (values.cursor !== undefined) query.set('cursor', values.cursor);
  const items: Summary[] = [];
  let page: ListPage;
  for (;;) {
    page = await client.json<ListPage>('GET', `/v1/dlq?${query}`);
    items.push(...page.items);
    if (!values['all-pages'] || page.next === null) break;
    query.set('cursor', page.next);
  }
  if (values.json) {
    io.stdout(`${JSON.stringify({ items, next: values['all-pages'] ? null : page.next, total: page.total })}\n`);
    return ExitCode.Ok;
  }
  const rows = items.map((d) => [d.id, d.createdAt, d.state, d.code, d.origin + (d.kafka ? `:${d.kafka.topic}/${d.kafka.partition}@${d.kafka.offset}` : ''), d.tenant ?? '-', d.recordId ? `${d.recordId.source} ${d.recordId.id}` : '-', d.message]);
  const head = ['ID', 'REJECTED', 'STATE', 'CODE', 'ORIGIN', 'TENANT', 'RECORD', 'REASON'];
  const widths = head.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.slice(0, widths[i]).padEnd(widths[i] ?? 0))).join('  ');
  io.stdout(`${[line(head), ...rows.map(line)].join('\n')}\n`);
  io.stderr(`${items.length} shown of ${page.total} matching${!values['all-pages'] && page.next !== null ? ` (next page: --cursor ${page.next})` : ''}\n`);
  return ExitCode.Ok;
}

async function show(client: Client, values: Values, positionals: readonly string[], io: CliIo): Promise<ExitCode> {
  if (positionals.length !== 1) throw new UsageError('show takes exactly one dead-letter id');
  const d = await client.json<Summary & { issues: { path: unknown[]; message: string }[]; headers: Record<string, string>; payload: { encoding: string; text?: string; json?: unknown; base64?: string }; audit: { at: string; action: string; actor: string; reason: string }[]; record: { status: string; batchId: string; anchor: { txId: string } | null } | null }>('GET', `/v1/dlq/${encodeURIComponent(positionals[0] as string)}`);
  if (values.json) {
    io.stdout(`${JSON.stringify(d, null, 2)}\n`);
    return ExitCode.Ok;
  }
  const out = [
    `dead letter ${d.id} (${d.state})`,
    `  reason   ${d.code}: ${d.message}`,
    ...d.issues.map((i) => `           ${i.path.join('.')}: ${i.message}`),
    `  record   ${d.recordId ? `${d.recordId.source} ${d.recordId.id}` : '(not decodable)'}  type ${d.type ?? '-'}  tenant ${d.tenant ?? '-'}`,
    `  origin   ${d.origin}${d.kafka ? ` topic ${d.kafka.topic} partition ${d.kafka.partition} offset ${d.kafka.offset}` : ''}  rejected ${d.createdAt}`,
    `  now      ${d.record ? `${d.record.status} in batch ${d.record.batchId}${d.record.anchor ? ` (tx ${d.record.anchor.txId})` : ''}` : 'not in any batch'}`,
    '  headers',
    ...Object.entries(d.headers).map(([k, v]) => `    ${k}: ${v}`),
    '  payload',
    (d.payload.json !== undefined ? JSON.stringify(d.payload.json, null, 2) : d.payload.text ?? `(base64) ${d.payload.base64 ?? ''}`).replace(/^/gm, '    '),
    '  audit',
    ...(d.audit.length === 0 ? ['    (none)'] : d.audit.map((a) => `    ${a.at}  ${a.action}  by ${a.actor}: ${a.reason}`)),
  ];
  io.stdout(`${out.join('\n')}\n`);
  return ExitCode.Ok;
}

interface Progress { type: 'progress' | 'summary' | 'error'; total: number; done: number; replayed: number; duplicate: number; failed: number; overloaded: number; skipped: number; failedByCode: Record<string, number>; message?: string }

async function replay(client: Client, values: Values, positionals: readonly string[], io: CliIo): Promise<ExitCode> {
  const target = targetOf(values, positionals, 'replay');
  const response = await client.request('POST', '/v1/dlq/replay', target);
  const bar = newProgressBar(io.stderr);
  let summary: Progress | undefined;
  let failure: string | undefined;
  const handle = (line: string) => {
    if (line.trim() === '') return;
    const m = JSON.parse(line) as Progress;
    if (m.type === 'error') failure = m.message;
    else {
      bar.update(m.done, m.total, `replayed ${m.replayed + m.duplicate}  failed ${m.failed}`);
      if (m.type === 'summary') summary = m;
    }
  };
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body ?? []) {
    buffered += decoder.decode(chunk as Uint8Array, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      handle(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  }
  handle(buffered);
  bar.done();
  if (summary === undefined) {
    io.stderr(`replay did not finish: ${failure ?? 'the connection closed early'}\n`);
    return ExitCode.Usage;
  }
  if (values.json) io.stdout(`${JSON.stringify(summary)}\n`);
  else {
    const s = summary;
    const lines = [
      `replayed ${s.done} of ${s.total} dead letters:`,
      `  accepted           ${s.replayed}`,
      `  already accepted   ${s.duplicate}   (duplicates: no second receipt)`,
      `  failed again       ${s.failed}${s.failed > 0 ? `   (${Object.entries(s.failedByCode).map(([c, n]) => `${c} ×${n}`).join(', ')}; they stay open with the new reason)` : ''}`,
    ];
    if (s.overloaded > 0) lines.push(`  overloaded         ${s.overloaded}   (gateway busy: run again later)`);
    if (s.skipped > 0) lines.push(`  skipped            ${s.skipped}   (not found, not open, or their tenant is gone)`);
    io.stdout(`${lines.join('\n')}\n`);
  }
  return summary.failed + summary.overloaded + summary.skipped > 0 ? ExitCode.Failed : ExitCode.Ok;
}

async function discard(client: Client, values: Values, positionals: readonly string[], io: CliIo): Promise<ExitCode> {
  const target = targetOf(values, positionals, 'discard');
  const reason = values.reason?.trim();
  if (reason === undefined || reason.length < 3) throw new UsageError('discard needs --reason "<why>" (kept in the audit log)');
  const result = await client.json<{ discarded: number; skipped: number }>('POST', '/v1/dlq/discard', { ...target, reason });
  io.stdout(values.json ? `${JSON.stringify(result)}\n` : `discarded ${result.discarded}${result.skipped > 0 ? `, skipped ${result.skipped} (not found or not open)` : ''}\n`);
  return result.skipped > 0 ? ExitCode.Failed : ExitCode.Ok;
}

export const dlqCommand: Command = {
  name: 'dlq',
  summary: 'list, show, replay or discard dead letters on a running gateway',
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    if (sub === undefined || !['list', 'show', 'replay', 'discard'].includes(sub)) throw new UsageError(`unknown dlq subcommand ${sub ?? '(none)'}`);
    if ((sub === 'list') && positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const client = await connect(values);
    try {
      switch (sub) {
        case 'list': return await list(client, values, io);
        case 'show': return await show(client, values, positionals, io);
        case 'replay': return await replay(client, values, positionals, io);
        default: return await discard(client, values, positionals, io);
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      io.stderr(`crossgate dlq ${sub}: ${error.message}\n`);
      return error.status === 404 ? ExitCode.Failed : ExitCode.Usage;
    }
  },
};
