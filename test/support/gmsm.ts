/**
 * Runs the independent SM2/SM3 implementation (Go, github.com/emmansun/gmsm; test/interop/gmsm) that
 * the SM-suite tests cross-check against. Built on first use by scripts/gmsm-interop.sh; a build or
 * run failure throws with the tool's stderr (tests fail, never skip).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let binary: Promise<string> | undefined;

async function binaryPath(): Promise<string> {
  binary ??= run('bash', ['scripts/gmsm-interop.sh', 'path'], { cwd: REPO_ROOT, timeout: 600_000 })
    .then(({ stdout }) => stdout.trim().split('\n').pop() ?? '')
    .catch((error: { stderr?: string; message: string }) => {
      throw new Error(`could not build the gmsm interop tool: ${error.stderr ?? error.message}`);
    });
  return binary;
}

/** Runs `gmsm-interop <command>` with `input` as JSON on stdin; its JSON answer. */
export async function gmsm<T>(command: string, input: object): Promise<T> {
  const path = await binaryPath();
  return new Promise<T>((resolve, reject) => {
    const child = execFile(path, [command], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`gmsm-interop ${command} failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as T);
    });
    child.stdin?.end(JSON.stringify(input));
  });
}
