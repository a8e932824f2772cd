/**
 * The shape every `crossgate` subcommand implements. To add one: write `commands/<name>.ts` exporting
 * a {@link Command}, and list it in `commands/index.ts`.
 */

/** Process exit codes, shared by all commands. */
export const ExitCode = {
  Ok: 0,
  /** The command ran and its answer is "no" (e.g. a receipt did not verify). */
  Failed: 1,
  /** Bad arguments, unreadable files, unreachable services: the command could not give an answer. */
  Usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Where a command writes; injected so commands are testable in-process too. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface Command {
  readonly name: string;
  /** One line for `crossgate help`. */
  readonly summary: string;
  /** Full usage text for `crossgate <name> --help`. */
  readonly usage: string;
  run(args: readonly string[], io: CliIo): Promise<ExitCode>;
}

/** Thrown for bad arguments or unreadable inputs; the dispatcher prints it with the usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The subcommand in `args[0]`, one of `names`, and the arguments after it; a UsageError otherwise. */
export function subcommandOf<Name extends string>(args: readonly string[], names: readonly Name[]): { sub: Name; rest: string[] } {
  const [sub, ...rest] = args;
  if (sub !== undefined && (names as readonly string[]).includes(sub)) return { sub: sub as Name, rest };
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  throw new UsageError(sub === undefined ? `expected a subcommand: ${list}` : `unknown subcommand "${sub}"`);
}

/**
 * `args` with `--<name> -value` written as `--<name>=-value` for the options named. Key ids are
 * RFC 7638 thumbprints in base64url, and one in 64 starts with '-', which node's parseArgs refuses as
 * an ambiguous argument; a following argument that starts with a single '-' and is longer than a short
 * option can only be such a value.
 */
export function withDashValues(args: readonly string[], optionsTakingValues: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (optionsTakingValues.some((name) => arg === `--${name}`) && next !== undefined && /^-[^-]./.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}
