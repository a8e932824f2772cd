/**
 * A one-line text progress bar for long CLI operations, redrawn in place with `\r` on stderr, so stdout
 * keeps only the result (pipeable). Redraws are throttled; `done` ends the line.
 */
export interface ProgressBar {
  update(done: number, total: number, note?: string): void;
  done(): void;
}

/** Renders `[########------------]  40%  400/1000  note`. Exported for tests. */
export function renderBar(done: number, total: number, width = 30, note = ''): string {
  const fraction = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.round(fraction * width);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent}  ${done}/${total}${note ? `  ${note}` : ''}`;
}

export function newProgressBar(write: (text: string) => void, options: { minIntervalMs?: number; now?: () => number } = {}): ProgressBar {
  const now = options.now ?? (() => performance.now());
  const interval = options.minIntervalMs ?? 100;
  let last = -Infinity;
  let drawn = false;
  let pending: string | undefined;
  return {
    update(done, total, note) {
      const line = renderBar(done, total, 30, note);
      if (done < total && now() - last < interval) {
        pending = line;
        return;
      }
      last = now();
      pending = undefined;
      drawn = true;
      write(`\r${line}`);
    },
    done() {
      if (pending !== undefined) write(`\r${pending}`);
      if (drawn || pending !== undefined) write('\n');
      drawn = false;
      pending = undefined;
    },
  };
}
