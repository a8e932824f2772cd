/** Settings of the ops module. */
export interface OpsOptions {
  /** Deadline of each readiness check. */
  readonly healthTimeoutMs: number;
  /** How many recent batches the dashboard shows. */
  readonly recentBatches: number;
}

export const defaultOpsOptions: OpsOptions = { healthTimeoutMs: 2000, recentBatches: 15 };
