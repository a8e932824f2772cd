/**
 * Shape checks for the hand-written accept checks (`*.fast.ts`) that run in front of zod. They are
 * deliberately at least as strict as zod's `z.object(...).strict()`: a JSON object (prototype
 * Object.prototype or null, as JSON.parse makes them) whose every enumerable key, own or inherited,
 * is one the schema names. Anything else answers "not sure" and zod decides.
 */

/** True when `v` is a non-array object with the prototype of a JSON.parse result. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** True when every enumerable key of `o` (for...in: own and inherited) is in `allowed`. */
export function hasOnlyKeys(o: object, allowed: ReadonlySet<string>): boolean {
  for (const key in o) if (!allowed.has(key)) return false;
  return true;
}

/** `isPlainObject(v)` and `hasOnlyKeys(v, allowed)`. */
export function isStrictObject(v: unknown, allowed: ReadonlySet<string>): v is Record<string, unknown> {
  return isPlainObject(v) && hasOnlyKeys(v, allowed);
}
