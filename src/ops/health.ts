/**
 * Liveness and readiness. Live: the process answers (an orchestrator restarts it otherwise). Ready: every
 * dependency the gateway needs to take records is reachable: the store, the chain and, when Kafka
 * ingestion is configured, the broker. Each check has its own deadline so one hung dependency cannot
 * hang the probe, and the answer names each dependency with its detail and how long it took.
 */
import type { HealthStatus } from '../core/ports.js';

/** Something that can say whether it is reachable. */
export interface HealthCheck {
  health(): Promise<HealthStatus>;
}

export interface DependencyHealth {
  readonly ok: boolean;
  readonly detail: string;
  readonly latencyMs: number;
}

export interface Readiness {
  readonly status: 'ready' | 'not-ready';
  readonly checks: Readonly<Record<string, DependencyHealth>>;
}

/** Runs one check with a deadline; a throw or a timeout is an unhealthy answer, never an exception. */
export async function runCheck(check: HealthCheck, timeoutMs: number, now: () => number = () => performance.now()): Promise<DependencyHealth> {
  const started = now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<HealthStatus>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    const status = await Promise.race([
      check.health().catch((error: unknown): HealthStatus => ({ ok: false, detail: error instanceof Error ? error.message : String(error) })),
      timeout,
    ]);
    return { ok: status.ok, detail: status.detail, latencyMs: Math.round(now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

/** Checks every dependency in parallel; ready only when all are ok. */
export async function readiness(checks: Readonly<Record<string, HealthCheck>>, timeoutMs: number): Promise<Readiness> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => runCheck(checks[name] as HealthCheck, timeoutMs)));
  const out: Record<string, DependencyHealth> = {};
  names.forEach((name, i) => {
    out[name] = results[i] as DependencyHealth;
  });
  return { status: results.every((r) => r.ok) ? 'ready' : 'not-ready', checks: out };
}
