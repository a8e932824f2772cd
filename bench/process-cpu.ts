/**
 * CPU time of processes on this machine, from /proc (Linux only): what a bench divides by the records
 * it moved to get CPU per record for the gateway, the broker and PostgreSQL separately.
 */
import { readdirSync, readFileSync } from 'node:fs';

function statCpuMs(path: string): number {
  try {
    // Fields after "(comm) ": state is [0], utime [11], stime [12], in clock ticks (100 Hz on Linux).
    const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** utime + stime of one process (all its threads), in ms; 0 once it has exited. */
export function processCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** utime + stime of a process's main thread alone (for Node: the event loop's thread), in ms. */
export function mainThreadCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/task/${pid}/stat`);
}

/** Pids of the processes whose `/proc/<pid>/<file>` passes `test` (processes that exit meanwhile are left out). */
function pidsWhose(file: 'cmdline' | 'comm', test: (text: string) => boolean): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (test(readFileSync(`/proc/${name}/${file}`, 'utf8'))) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Pids of the processes whose command line contains `part`. */
export function pidsMatching(part: string): number[] {
  return pidsWhose('cmdline', (cmdline) => cmdline.replaceAll('\0', ' ').includes(part));
}

/** Pids whose executable name (`/proc/<pid>/comm`) is `comm`, e.g. every PostgreSQL server process. */
export function pidsNamed(comm: string): number[] {
  return pidsWhose('comm', (name) => name.trim() === comm);
}

/**
 * CPU used by a changing set of processes since `start()`: the set is read again by `elapsedMs()`, so a PostgreSQL backend that started meanwhile counts from zero (backends live per connection).
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
