import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withDashValues } from '../../../src/cli/command.js';

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
