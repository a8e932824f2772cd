/** Timers that fire only when a test says so: linger and backoff without sleeping. */
import type { Timers } from '../../src/core/batcher.js';

export class ManualTimers implements Timers {
  #now = 0;
  #next = 1;
  readonly #pending = new Map<number, { at: number; callback: () => void }>();

  get pendingCount(): number {
    return this.#pending.size;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.#next++;
    this.#pending.set(handle, { at: this.#now + ms, callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** Moves time forward and fires every timer that is due, in order. */
  advance(ms: number): void {
    this.#now += ms;
    const due = [...this.#pending.entries()].filter(([, t]) => t.at <= this.#now).sort((a, b) => a[1].at - b[1].at);
    for (const [handle, timer] of due) {
      this.#pending.delete(handle);
      timer.callback();
    }
  }
}

/** A clock the test moves by hand. */
export class ManualClock {
  constructor(public millis = Date.UTC(2026, 10, 25, 12, 0, 0)) {}
  now(): number {
    return this.millis;
  }
}
