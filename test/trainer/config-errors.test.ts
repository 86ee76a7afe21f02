/**
 * Every field of the config schema, given a wrong type and an out-of-range
 * value, gets an error naming the field's dotted path from the CLI
 * (`gan-trainer check`), and the editor's JSON schema, generated from the same
 * zod schema, describes every field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { z } from 'zod';
import { ConfigSchema } from '../../src/protocol/config';
import { VARIANTS } from '../../src/protocol/variants';
import { experiment, runCli } from './helpers';

function unwrap(t: z.ZodType): z.ZodType {
  let cur = t;
  while (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional || cur instanceof z.ZodPrefault) cur = cur.def.innerType as z.ZodType;
  return cur;
}

interface Leaf {
  path: string[];
  schema: z.ZodType;
  /** For a field of one option of a union (the data sources): a valid object of that option, to put at the union's path. */
  base?: { path: string[]; value: Record<string, unknown> };
}

/** A valid object of each data source, the base its fields are tested on. */
const DATA_BASES: Record<string, Record<string, unknown>> = {
  toy: { kind: 'toy', name: '8gaussians' },
  mnist: { kind: 'mnist' },
  'stacked-mnist': { kind: 'stacked-mnist' },
  'coupled-mnist': { kind: 'coupled-mnist' },
  folder: { kind: 'folder', path: 'images' },
};

/** Every leaf field of the config schema, by walking the zod shape (each option of a union on its own). */
function leaves(node: z.ZodType = ConfigSchema, path: string[] = []): Leaf[] {
  const t = unwrap(node);
  if (t instanceof z.ZodObject) return Object.entries(t.shape as Record<string, z.ZodType>).flatMap(([k, v]) => leaves(v, [...path, k]));
  if (t instanceof z.ZodDiscriminatedUnion) {
    return (t.options as z.ZodObject[]).flatMap((o) => {
      const kind = String((unwrap(o.shape.kind as z.ZodType) as z.ZodLiteral).value);
      const value = DATA_BASES[kind];
      assert.ok(value, `a base object for data kind '${kind}'`);
      return leaves(o, path).map((l) => ({ ...l, base: { path, value } }));
    });
  }
  return [{ path, schema: t }];
}

/** A value of the wrong JSON type for this leaf. */
function wrongType(s: z.ZodType): unknown {
  if (s instanceof z.ZodNumber) return 'twelve';
  if (s instanceof z.ZodBoolean) return 'yes';
  if (s instanceof z.ZodString || s instanceof z.ZodEnum || s instanceof z.ZodLiteral) return 12;
  if (s instanceof z.ZodArray) return 'twelve';
  return [[]];
}

/** A value of the right type that the field rejects (out of range, not in the set, bad format), if there is one. */
function outOfRange(s: z.ZodType): unknown {
  const candidates: unknown[] =
    s instanceof z.ZodNumber
      ? [-1, 0, 1e12, 0.5, 1.5, -1e12]
      : s instanceof z.ZodString || s instanceof z.ZodEnum || s instanceof z.ZodLiteral
        ? ['', 'no such value!', '-x']
        : [];
  return candidates.find((v) => !s.safeParse(v).success);
}

/** A config that is valid but for `value` at `path` (an option goes with a variant that reads it; a data field with its data source). */
function configWith(path: string[], value: unknown, base?: Leaf['base']): object {
  const variant = path[0] === 'options' ? (VARIANTS.find((v) => path[1] in v.options)?.id ?? 'wgan-gp') : 'wgan-gp';
  const cfg: Record<string, unknown> = { name: 'cfg-errors', variant, data: { name: '8gaussians' }, training: { steps: 10 } };
  if (base) cfg[base.path[0]] = { ...base.value };
  let cur = cfg;
  for (const k of path.slice(0, -1)) cur = (cur[k] ??= {}) as Record<string, unknown>;
  cur[path[path.length - 1]] = value;
  return cfg;
}

const ALL = leaves();

test('the walk finds every config field', () => {
  const names = ALL.map((l) => l.path.join('.'));
  for (const f of ['name', 'variant', 'model.latentDim', 'data.name', 'data.kind', 'data.digits', 'data.path', 'data.size', 'data.channels', 'training.steps', 'training.lrD', 'options.gpWeight', 'logging.metricsEvery', 'backend']) {
    assert.ok(names.includes(f), f);
  }
});

test('gan-trainer check: a wrong type and an out-of-range value of every field each get an error naming its dotted path', async () => {
  const cases: { field: string; kind: string; value: unknown; base?: Leaf['base'] }[] = [];
  for (const l of ALL) {
    const field = l.path.join('.');
    if (field === '$schema') continue; // any string: only its type can be wrong
    cases.push({ field, kind: 'wrong type', value: wrongType(l.schema), base: l.base });
    const bad = outOfRange(l.schema);
    if (bad !== undefined) cases.push({ field, kind: 'out of range', value: bad, base: l.base });
  }
  cases.push({ field: '$schema', kind: 'wrong type', value: 3 });
  assert.ok(cases.length >= 2 * ALL.length - 8, `${cases.length} cases for ${ALL.length} fields`);
  const failures: string[] = [];
  const queue = [...cases];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const exp = experiment(configWith(c.field.split('.'), c.value, c.base));
      try {
        const r = await runCli(['check', '--config', exp.config], 60_000);
        const last = r.stdout.trim().split('\n').pop();
        if (!last) {
          failures.push(`${c.field} (${c.kind}: ${JSON.stringify(c.value)}): exit ${r.code} ${r.signal ?? ''}, no output; stderr: ${r.stderr.slice(0, 500)}`);
          continue;
        }
        const out = JSON.parse(last) as { ok: boolean; errors?: { message: string }[] };
        const named = out.errors?.some((e) => e.message.startsWith(`${c.field}: `));
        if (r.code === 0 || out.ok || !named) failures.push(`${c.field} (${c.kind}: ${JSON.stringify(c.value)}): exit ${r.code}, ${r.stdout.trim().slice(0, 300)}`);
      } finally {
        fs.rmSync(exp.dir, { recursive: true, force: true });
      }
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  assert.deepEqual(failures, []);
});

test('the editor schema (schemas/gan.config.schema.json) describes every field', () => {
  const schema = JSON.parse(fs.readFileSync('schemas/gan.config.schema.json', 'utf8')) as JsonSchema;
  interface JsonSchema {
    properties?: Record<string, JsonSchema>;
    oneOf?: JsonSchema[];
    description?: string;
  }
  const missing: string[] = [];
  const seen: string[] = [];
  const walk = (s: JsonSchema, path: string[]) => {
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      const p = [...path, k];
      if (v.properties) walk(v, p);
      else if (v.oneOf) v.oneOf.forEach((o) => walk(o, p));
      else {
        seen.push(p.join('.'));
        if (!v.description?.trim()) missing.push(p.join('.'));
      }
    }
  };
  walk(schema, []);
  assert.deepEqual(missing, [], 'leaf properties without a description');
  const unique = (xs: string[]) => [...new Set(xs)].sort();
  assert.deepEqual(unique(seen), unique(ALL.map((l) => l.path.join('.'))), 'the editor schema has exactly the zod fields');
});
