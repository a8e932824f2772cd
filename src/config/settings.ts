/** Helpers for settings read outside the zod schema of env.ts (groups whose rules span several variables). */

/** A setting that is wrong, by name, with a message that never contains a secret. */
export interface SettingProblem {
  readonly setting: string;
  readonly message: string;
}

/** `env[name]` trimmed; undefined when unset or blank. */
export function settingValue(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}
