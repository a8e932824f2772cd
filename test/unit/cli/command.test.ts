import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subcommandOf, UsageError, withDashValues } from '../../../src/cli/command.js';

describe('withDashValues', () => {
  it('joins a named option with a following value that starts with a single dash', () => {
    assert.deepEqual(withDashValues(['r.json', '--key-id', '-PrK_qmx', '--json'], ['key-id']), ['r.json', '--key-id=-PrK_qmx', '--json']);
  });

  it('leaves alone other options, long options, short options and a missing value', () => {
    for (const args of [['--key', '-abc'], ['--key-id', '--profile', 'p'], ['--key-id', '-h'], ['--key-id'], ['--key-id=-abc']]) {
      assert.deepEqual(withDashValues(args, ['key-id']), args, args.join(' '));
    }
  });
});

describe('subcommandOf', () => {
  it('returns the subcommand and the arguments after it', () => {
    assert.deepEqual(subcommandOf(['show-key', '--profile', 'p'], ['register-key', 'show-key']), { sub: 'show-key', rest: ['--profile', 'p'] });
  });

  it('names the subcommands when none is given, and refuses one it does not know', () => {
    const refused = (args: string[], names: string[], message: string) =>
      assert.throws(() => subcommandOf(args, names), (e: unknown) => e instanceof UsageError && e.message === message);
    refused([], ['proof'], 'expected a subcommand: proof');
    refused([], ['generate', 'show'], 'expected a subcommand: generate or show');
    refused([], ['register-key', 'revoke-key', 'show-key'], 'expected a subcommand: register-key, revoke-key or show-key');
    refused(['rotate-key'], ['register-key', 'show-key'], 'unknown subcommand "rotate-key"');
  });
});
