/**
 * Benchmark results: every scenario reports its figures beside a baseline measured in the same run,
 * and writes bench/results/<scenario>.json in one shape, quoted by the README's table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Figure {
  readonly value: number;
  readonly unit: string;
}

export interface BenchResult {
  readonly scenario: string;
  readonly date: string;
  readonly metrics: Record<string, Figure>;
  readonly baseline: Record<string, Figure>;
  /** Headline metric over its baseline (e.g. pipeline records/s ÷ floor records/s). */
  readonly ratio: number;
  /** What was measured and on what machine, for the reader of the JSON file. */
  readonly notes?: readonly string[];
  /** The raw series behind the figures, where a scenario has one (soak samples, chaos fault log). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** The repository's bench/results folder (this file compiles to dist/bench/). */
export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results');

export function writeResult(result: BenchResult): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${result.scenario}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

export function printResult(result: BenchResult): void {
  const rows = [
    ...Object.entries(result.metrics).map(([name, f]) => ['metric', name, f.value, f.unit]),
    ...Object.entries(result.baseline).map(([name, f]) => ['baseline', name, f.value, f.unit]),
  ];
  console.log(`\n${result.scenario} (${result.date})`);
  for (const [kind, name, value, unit] of rows) {
    console.log(`  ${String(kind).padEnd(9)} ${String(name).padEnd(40)} ${Number(value).toLocaleString('en-US', { maximumFractionDigits: 2 }).padStart(16)} ${unit}`);
  }
  console.log(`  ratio     ${result.ratio.toFixed(3)}`);
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
