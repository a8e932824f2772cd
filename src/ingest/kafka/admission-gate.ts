/**
 * Back-pressure from the pipeline to Kafka (ARCHITECTURE.md invariant 3): while the pipeline's queue
 * or outbox is at its bound, the consumer stops fetching (kafkajs `consumer.pause`) instead of holding
 * more records in memory, and resumes once there is room. Several partitions may be waiting at once;
 * the consumer is paused by the first and resumed by the last.
 */

/** What a waiting partition must keep doing: heartbeating, and giving up on shutdown or rebalance. */
export interface WaitControl {
  isRunning(): boolean;
  isStale(): boolean;
  heartbeat(): Promise<void>;
}

export interface AdmissionGateDeps {
  readonly admission: () => 'open' | 'full';
  /** Stops fetching every consumed topic. */
  readonly pause: () => void;
  readonly resume: () => void;
  /** How often a waiting partition looks again (default 50 ms). */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told when fetching is paused or resumed (logs, metrics). */
  readonly onChange?: (state: 'paused' | 'resumed') => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class AdmissionGate {
  readonly #deps: AdmissionGateDeps;
  #waiters = 0;
  #pauses = 0;

  constructor(deps: AdmissionGateDeps) {
    this.#deps = deps;
  }

  /** True while at least one partition waits for room (fetching is paused). */
  get paused(): boolean {
    return this.#waiters > 0;
  }

  /** How many times fetching was paused since start (tests, metrics). */
  get pauses(): number {
    return this.#pauses;
  }

  /**
   * Resolves true once the pipeline admits records, false when the consumer stops or loses the
   * partition while waiting (the caller then commits nothing further).
   */
  async waitForRoom(control: WaitControl): Promise<boolean> {
    if (this.#deps.admission() === 'open') return true;
    const sleep = this.#deps.sleep ?? defaultSleep;
    if (this.#waiters++ === 0) {
      this.#pauses += 1;
      this.#deps.pause();
      this.#deps.onChange?.('paused');
    }
    try {
      while (this.#deps.admission() === 'full') {
        if (!control.isRunning() || control.isStale()) return false;
        await control.heartbeat();
        await sleep(this.#deps.pollMs ?? 50);
      }
      return true;
    } finally {
      if (--this.#waiters === 0) {
        this.#deps.resume();
        this.#deps.onChange?.('resumed');
      }
    }
  }
}
