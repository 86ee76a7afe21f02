/**
 * Shared arbitraries of the fuzz tests (not a test file itself): random JSON
 * values, and mutations of valid values — a dropped field, a changed type,
 * out-of-range and non-finite numbers, huge strings, prototype-pollution
 * keys, deep nesting, unknown `type`s.
 */
import fc from 'fast-check';

/** Inputs tried per fuzz test file, printed at the end. */
export const tried = { count: 0 };

type Json = unknown;

const HUGE = 'x'.repeat(120_000);

/** Values that break naive validators. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    undefined,
    true,
    0,
    -0,
    -1,
    0.5,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    NaN,
    Infinity,
    -Infinity,
    '',
    '__proto__',
    'constructor',
    HUGE,
    [],
    {},
    [[[[[[[[[[]]]]]]]]]],
    JSON.parse('{"__proto__":{"polluted":true}}'),
    { constructor: { prototype: { polluted: true } } },
  ),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
  fc.double(),
  fc.string(),
  fc.jsonValue({ maxDepth: 2 }),
);

/** An object nested `depth` levels deep under random keys. */
export function deep(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** Own-property paths of a JSON-like value (objects and arrays), the root excluded. */
export function pathsOf(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (v && typeof v === 'object' && prefix.length < 8 && out.length < 200) {
    for (const k of Object.keys(v)) {
      const key = Array.isArray(v) ? Number(k) : k;
      const p = [...prefix, key];
      out.push(p);
      pathsOf((v as Record<string, Json>)[k], p, out);
    }
  }
  return out;
}

/** A deep copy keeping NaN, undefined and own '__proto__' keys (hostile constants are shared: never mutate them). */
function clone<T>(v: T, depth = 0): T {
  if (!v || typeof v !== 'object' || depth > 2000) return v;
  const out: Record<string, unknown> = Array.isArray(v) ? ([] as unknown as Record<string, unknown>) : {};
  for (const k of Object.keys(v)) {
    Object.defineProperty(out, k, { value: clone((v as Record<string, unknown>)[k], depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out as T;
}

function parentOf(root: Json, p: (string | number)[]): Record<string | number, Json> {
  let cur = root as Record<string | number, Json>;
  for (const k of p.slice(0, -1)) cur = cur[k] as Record<string | number, Json>;
  return cur;
}

export type Mutation =
  | { kind: 'drop'; pick: number }
  | { kind: 'set'; pick: number; value: unknown }
  | { kind: 'addKey'; pick: number; key: string; value: unknown }
  | { kind: 'type'; value: string }
  | { kind: 'wrapDeep'; pick: number; depth: number };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), value: hostileValue }),
  fc.record({
    kind: fc.constant('addKey' as const),
    pick: fc.nat(),
    key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'type', 'step', ''), fc.string({ maxLength: 8 })),
    value: hostileValue,
  }),
  fc.record({ kind: fc.constant('type' as const), value: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'launch', HUGE)) }),
  fc.record({ kind: fc.constant('wrapDeep' as const), pick: fc.nat(), depth: fc.integer({ min: 1, max: 1000 }) }),
);

/**
 * Apply mutations to a copy of `valid`. Keys are set as own properties (so
 * '__proto__' is a key, as JSON.parse makes it), never through a prototype.
 */
export function mutate(valid: Json, muts: readonly Mutation[]): unknown {
  let root: Json = clone(valid);
  for (const m of muts) {
    const paths = pathsOf(root);
    if (m.kind === 'type') {
      if (root && typeof root === 'object' && !Array.isArray(root)) (root as Record<string, Json>).type = m.value;
      continue;
    }
    if (m.kind === 'addKey') {
      const objs = [[] as (string | number)[], ...paths].filter((p) => {
        const v = p.length ? parentOf(root, p)[p[p.length - 1]] : root;
        return v && typeof v === 'object' && !Array.isArray(v);
      });
      if (!objs.length) continue;
      const p = objs[m.pick % objs.length];
      const target = (p.length ? parentOf(root, p)[p[p.length - 1]] : root) as object;
      Object.defineProperty(target, m.key, { value: clone(m.value), enumerable: true, writable: true, configurable: true });
      continue;
    }
    if (!paths.length) {
      if (m.kind === 'set') root = clone(m.value);
      continue;
    }
    const p = paths[m.pick % paths.length];
    const parent = parentOf(root, p);
    const key = p[p.length - 1];
    if (m.kind === 'drop') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else if (m.kind === 'set') {
      parent[key] = clone(m.value);
    } else {
      parent[key] = deep(m.depth, parent[key]);
    }
  }
  return root;
}

/** A valid value put through 1–4 mutations. */
export function mutated(valid: fc.Arbitrary<Json>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.array(mutationArb, { minLength: 1, maxLength: 4 })).map(([v, ms]) => mutate(v, ms));
}

/** What is accepted must survive the trip through JSON (the wire) unchanged. */
export function jsonRoundTrip(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}

/** Nothing may have been added to Object.prototype. */
export function prototypeClean(): boolean {
  const o = {} as Record<string, unknown>;
  return o.polluted === undefined && Object.keys(Object.prototype).length === 0;
}
