import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdmissionGate } from '../../../../src/ingest/kafka/admission-gate.js';

function control(running = () => true) {
  let beats = 0;
  return { isRunning: running, isStale: () => false, heartbeat: async () => { beats += 1; }, get beats() { return beats; } };
}

describe('AdmissionGate', () => {
  it('does not pause while the pipeline admits records', async () => {
    const calls: string[] = [];
    const gate = new AdmissionGate({ admission: () => 'open', pause: () => calls.push('pause'), resume: () => calls.push('resume') });
    assert.equal(await gate.waitForRoom(control()), true);
    assert.deepEqual(calls, []);
  });

  it('pauses once for all waiting partitions and resumes once when there is room', async () => {
    let admission: 'open' | 'full' = 'full';
    const calls: string[] = [];
    let sleeps = 0;
    const gate = new AdmissionGate({
      admission: () => admission,
      pause: () => calls.push('pause'),
      resume: () => calls.push('resume'),
      sleep: async () => {
        sleeps += 1;
        if (sleeps === 6) admission = 'open';
        await Promise.resolve();
      },
    });
    const a = control();
    const b = control();
    const both = Promise.all([gate.waitForRoom(a), gate.waitForRoom(b)]);
    assert.equal(gate.paused, true);
    assert.deepEqual(await both, [true, true]);
    assert.deepEqual(calls, ['pause', 'resume']);
    assert.equal(gate.paused, false);
    assert.equal(gate.pauses, 1);
    assert.ok(a.beats > 0 && b.beats > 0, 'waiting partitions keep heartbeating');
  });

  it('gives up (false) when the consumer stops while waiting, and still resumes', async () => {
    let running = true;
    const calls: string[] = [];
    const gate = new AdmissionGate({
      admission: () => 'full',
      pause: () => calls.push('pause'),
      resume: () => calls.push('resume'),
      sleep: async () => { running = false; },
    });
    assert.equal(await gate.waitForRoom(control(() => running)), false);
    assert.deepEqual(calls, ['pause', 'resume']);
  });
});
