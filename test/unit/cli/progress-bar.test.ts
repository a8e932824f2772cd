import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newProgressBar, renderBar } from '../../../src/cli/progress-bar.js';

describe('progress bar', () => {
  it('renders the fraction, the counts and a note', () => {
    assert.equal(renderBar(0, 4, 8), '[--------]   0%  0/4');
    assert.equal(renderBar(1, 4, 8, 'failed 0'), '[##------]  25%  1/4  failed 0');
    assert.equal(renderBar(4, 4, 8), '[########] 100%  4/4');
    assert.equal(renderBar(0, 0, 4), '[####] 100%  0/0', 'nothing to do is done');
  });

  it('redraws in place, throttled, always drawing the last state and ending the line', () => {
    let clock = 0;
    const out: string[] = [];
    const bar = newProgressBar((t) => out.push(t), { minIntervalMs: 100, now: () => clock });
    bar.update(0, 3);
    clock = 10;
    bar.update(1, 3); // within the interval: held back
    clock = 20;
    bar.update(2, 3); // still held back, replaces the previous pending line
    bar.done();
    assert.deepEqual(out, [`\r${renderBar(0, 3)}`, `\r${renderBar(2, 3)}`, '\n']);
    out.length = 0;
    clock = 500;
    bar.update(3, 3);
    bar.done();
    assert.deepEqual(out, [`\r${renderBar(3, 3)}`, '\n'], 'the final state is drawn at once');
  });
});
