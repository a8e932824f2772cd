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
