/**
 * CPU time of processes on this machine, from /proc (Linux only): what a bench divides by the records
 * it moved to get CPU per record for the gateway, the broker and PostgreSQL separately.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** utime + stime of one process (all its threads), in ms; 0 once it has exited. */
export function processCpuMs(pid: number): number {
  try {
    // Fields after "(comm) ": state is [0], utime [11], stime [12], in clock ticks (100 Hz on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Pids of the processes whose command line contains every one of `parts` (NUL bytes read as spaces). */
export function pidsMatching(...parts: readonly string[]): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    if (parts.every((part) => cmdline.includes(part))) pids.push(Number(name));
  }
  return pids;
}

/** Pids whose executable name (`/proc/<pid>/comm`) is `comm`, e.g. every PostgreSQL server process. */
export function pidsNamed(comm: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() === comm) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/**
 * CPU used by a changing set of processes between `start()` and `stop()`: the set is read again at the
 * end, so a PostgreSQL backend that started meanwhile counts from zero (backends live per connection).
 */
export class CpuMeter {
  readonly #pids: () => readonly number[];
  #before = new Map<number, number>();

  constructor(pids: () => readonly number[]) {
    this.#pids = pids;
  }

  start(): void {
    this.#before = new Map(this.#pids().map((pid) => [pid, processCpuMs(pid)]));
  }

  /** CPU ms since `start()` of the processes alive now (processes gone meanwhile are not counted). */
  elapsedMs(): number {
    let total = 0;
    for (const pid of this.#pids()) total += processCpuMs(pid) - (this.#before.get(pid) ?? 0);
    return total;
  }
}
