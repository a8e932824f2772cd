/**
 * Random mutations of JSON records for soundness property tests of the fast accept checks: start from
 * a valid record, change it a little (a value anywhere, a deleted or added key, one character of a
 * string, a value copied from elsewhere), and the checks must never accept what zod rejects.
 * Mutations are near misses on purpose: most random JSON is rejected by everything at the first
 * field, which would test nothing.
 */
import fc from 'fast-check';

type Path = readonly (string | number)[];

/** Every path to a value inside `root` (objects and arrays, depth first), the root itself included. */
export function pathsOf(root: unknown): Path[] {
  const out: Path[] = [[]];
  const walk = (v: unknown, path: Path): void => {
    if (typeof v !== 'object' || v === null) return;
    const entries: [string | number, unknown][] = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : Object.entries(v as Record<string, unknown>);
    for (const [k, x] of entries) {
      const p = [...path, k];
      out.push(p);
      walk(x, p);
    }
  };
  walk(root, []);
  return out;
}

function get(root: unknown, path: Path): unknown {
  let v = root;
  for (const k of path) v = (v as Record<string | number, unknown>)[k];
  return v;
}

/** A deep copy of JSON data (structuredClone keeps -0 and non-JSON numbers a test may have put in). */
export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Sets `root[path] = value` (path non-empty); returns `value` itself for the root path. */
function set(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = get(root, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1] as string | number] = value;
  return root;
}

const CHAR_POOL = [
  '0', '1', '2', '5', '9', 'A', 'Z', 'a', 'z', 'I', 'O', 'S', 'X', ' ', '\t', '\n', '\u0000', '\u007f', '\u0085',
  '.', '-', '+', ':', '/', '_', 'T', 't', 'Z', 'é', '京', '挂', '\u{1F600}', '\u00a0', '\u200b', "'", '%', '#',
];

const NUMBER_POOL = [
  0, -0, 1, -1, 2, 4, 5, 6, 7, 0.5, 1.5, -1.5, 1e21, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1,
  2 ** 53 - 1, 2 ** 53, Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY,
];

const STRING_POOL = [
  '', ' ', '0', '00', '0.0', '-0', '-0.00', '1.', '.5', '01', '1e3', '+1', '12.345', '12.3456', '0.001', '999999999999999999',
  '9999999999999999999', '1.00', '0.00', '-1.00', 'CNY', 'cny', 'JPY', 'BHD', 'CLF', 'XAU', 'HRK', 'EUR',
  '2024-02-29T00:00:00Z', '2023-02-29T00:00:00Z', '2100-02-29T00:00:00Z', '2000-02-29T00:00:00Z',
  '2024-05-01T08:30:00+14:00', '2024-05-01T08:30:00+24:00', '2024-05-01T08:30:00-23:59', '2024-05-01T24:00:00Z',
  '2024-05-01T08:30:60Z', '2024-05-01T08:30:00.Z', '2024-05-01T08:30:00.123456789+08:00', '2024-05-01t08:30:00z',
  '2024-05-01', '2024-02-30', '2024-04-31', '0000-02-29', '9999-12-31', 'de89370400440532013000', 'DE89370400440532013000',
  'DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432', '+8613800138000', '+0861380013800', '8613800138000',
  '91350100M000100Y43', '91350100M000100Y44', '京A12345', '沪AD12345', '京AI2345', 'passenger', 'freight', 'sms',
  'voice', 'originating', 'resident-id', 'china-mobile', 'urn:crossgate:schema:cn.gov.transport.trip:v1',
  'x'.repeat(33), 'x'.repeat(65), 'y'.repeat(141), 'y'.repeat(201), 'z'.repeat(257), 'w'.repeat(513), 'v'.repeat(1025),
];

const KEY_POOL = [
  'extra', 'x', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'amount', 'currency', 'name', 'iban', 'lines',
  'time', 'data', 'data_base64', 'dataschema', 'Type', 'traceparent', 'a'.repeat(20), 'a'.repeat(21), 'ext-1', 'ext1', '',
];

/** One mutation, as data: fast-check shrinks and prints it. */
export type Mutation =
  | { readonly kind: 'replace'; readonly at: number; readonly value: unknown }
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'add'; readonly at: number; readonly key: string; readonly value: unknown }
  | { readonly kind: 'char'; readonly at: number; readonly pos: number; readonly op: 'set' | 'insert' | 'delete'; readonly char: string }
  | { readonly kind: 'retype'; readonly at: number }
  | { readonly kind: 'bump'; readonly at: number; readonly delta: number }
  | { readonly kind: 'copy'; readonly at: number; readonly from: number }
  | { readonly kind: 'repeat'; readonly at: number; readonly times: number };

const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>(...NUMBER_POOL, ...STRING_POOL, null, true, false, [], {}) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
);

/** Arbitrary mutations; `at`/`from` index the current paths modulo their number. */
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: anyValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...KEY_POOL), fc.string({ maxLength: 22 })), value: anyValue }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('char' as const), at: fc.nat(), pos: fc.nat(),
      op: fc.constantFrom('set' as const, 'insert' as const, 'delete' as const),
      char: fc.oneof(fc.constantFrom(...CHAR_POOL), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retype' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('bump' as const), at: fc.nat(), delta: fc.constantFrom(-1, 1, -9, 9, 10, -10) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('copy' as const), at: fc.nat(), from: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), times: fc.constantFrom(2, 3, 40, 300) }) },
);

/** Adds `delta` to the last digit run of `s` digit-wise (2024-02-28 → 2024-02-29 → 2024-02-30...). */
function bumpString(s: string, pos: number, delta: number): string {
  const digits = [...s.matchAll(/\d/g)];
  if (digits.length === 0) return s;
  const m = digits[pos % digits.length];
  if (m === undefined || m.index === undefined) return s;
  const d = (Number(m[0]) + delta + 100) % 10;
  return s.slice(0, m.index) + String(d) + s.slice(m.index + 1);
}

/** Applies `m` to a deep copy of `root` and returns the result (maybe a new root). */
export function applyMutation(root: unknown, m: Mutation): unknown {
  const copy = clone(root);
  const paths = pathsOf(copy);
  const path = paths[m.at % paths.length] ?? [];
  const current = get(copy, path);
  switch (m.kind) {
    case 'replace':
      return set(copy, path, m.value);
    case 'delete': {
      if (path.length === 0) return undefined;
      const parent = get(copy, path.slice(0, -1));
      const key = path[path.length - 1] as string | number;
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Record<string, unknown>)[key];
      return copy;
    }
    case 'add': {
      // Adds to the nearest object at or above the path.
      for (let n = path.length; n >= 0; n--) {
        const target = get(copy, path.slice(0, n));
        if (typeof target === 'object' && target !== null && !Array.isArray(target)) {
          // defineProperty: `__proto__` becomes an own key, as JSON.parse makes it.
          Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
          return copy;
        }
        if (Array.isArray(target)) {
          target.push(m.value);
          return copy;
        }
      }
      return copy;
    }
    case 'char': {
      if (typeof current !== 'string') return set(copy, path, m.char);
      const i = current.length === 0 ? 0 : m.pos % (current.length + (m.op === 'insert' ? 1 : 0));
      const next = m.op === 'set'
        ? current.slice(0, i) + m.char + current.slice(i + 1)
        : m.op === 'insert' ? current.slice(0, i) + m.char + current.slice(i) : current.slice(0, i) + current.slice(i + 1);
      return set(copy, path, next);
    }
    case 'retype':
      if (typeof current === 'number') return set(copy, path, String(current));
      if (typeof current === 'string') return set(copy, path, current.trim() === '' ? 0 : Number(current));
      if (Array.isArray(current)) return set(copy, path, current[0]);
      if (typeof current === 'object' && current !== null) return set(copy, path, [current]);
      return set(copy, path, String(current));
    case 'bump':
      if (typeof current === 'number') return set(copy, path, current + m.delta);
      if (typeof current === 'string') return set(copy, path, bumpString(current, m.at + m.delta, m.delta));
      return copy;
    case 'copy': {
      const from = paths[m.from % paths.length] ?? [];
      return set(copy, path, clone(get(copy, from)));
    }
    case 'repeat':
      if (typeof current === 'string') return set(copy, path, current.repeat(m.times));
      if (Array.isArray(current)) return set(copy, path, Array.from({ length: m.times }, (_, k) => clone(current[k % Math.max(1, current.length)])));
      return copy;
  }
}

/** Applies every mutation in order. */
export function applyMutations(root: unknown, ms: readonly Mutation[]): unknown {
  return ms.reduce<unknown>((v, m) => applyMutation(v, m), root);
}
