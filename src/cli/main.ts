#!/usr/bin/env node
/** `crossgate` entry point: `crossgate <command> [options]` (see commands/index.ts). */
import { commands } from './commands/index.js';
import { dispatch } from './dispatch.js';

process.exitCode = await dispatch(process.argv.slice(2), commands, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
