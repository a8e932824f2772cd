/** Picks the subcommand named by the first argument and runs it, mapping failures to exit codes. */
import { ExitCode, UsageError, type CliIo, type Command } from './command.js';

function help(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: crossgate <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "crossgate <command> --help" for a command\'s options.',
    '',
  ].join('\n');
}

export async function dispatch(argv: readonly string[], commands: readonly Command[], io: CliIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const target = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    (name === undefined ? io.stderr : io.stdout)(target ? target.usage : help(commands));
    return name === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr(`crossgate: unknown command "${name}"\n\n${help(commands)}`);
    return ExitCode.Usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage);
    return ExitCode.Ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      io.stderr(`crossgate ${command.name}: ${error.message}\n\n${command.usage}`);
      return ExitCode.Usage;
    }
    io.stderr(`crossgate ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.Usage;
  }
}
