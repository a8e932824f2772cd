/** Assertions on the ChainErrors chain adapters throw, shared by the chain test files. */
import assert from 'node:assert/strict';
import { ChainError } from '../../src/core/errors.js';

/** Awaits `promise`, which must reject with a ChainError of `code` whose message or details match `pattern`. */
export async function rejectsWith(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<ChainError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ChainError, `expected a ChainError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message + '\n' + err.details.join('\n'), pattern);
    return err;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}
