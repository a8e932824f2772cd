/**
 * The gateway starts the same way everywhere: the Dockerfile's CMD runs node with `npm start`'s options,
 * and tests and benches (test/support/gateway.ts) take them from package.json.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, START_NODE_ARGS } from '../../support/gateway.js';

describe('the start command', () => {
  it('fixes the young generation (docs/reliability.md, "What the soak found")', () => {
    assert.deepEqual(START_NODE_ARGS, ['--min-semi-space-size=16', '--max-semi-space-size=16']);
  });

  it('is the same in the Dockerfile as in npm start', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'))?.[1];
    assert.ok(cmd !== undefined, 'the Dockerfile has an exec-form CMD');
    assert.deepEqual(JSON.parse(cmd), ['node', ...START_NODE_ARGS, 'dist/src/main.js']);
  });
});
