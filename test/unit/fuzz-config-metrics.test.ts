/**
 * Property-based fuzzing of the config loader (parseConfigText /
 * resolveConfig) and the metrics-line reader (parseMetricsText): random JSON,
 * random text, and mutations of valid configs and records. The config loader
 * throws nothing but ConfigError, and each problem names a field of the
 * input or of the schema ('(root)' / '(file)' for the whole); an accepted
 * config has every default filled in and resolves to itself again. The
 * metrics reader never throws, keeps exactly the valid complete lines in
 * file order, and warns once, by line number, for every other line.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { z } from 'zod';
import { BACKENDS, ConfigError, ConfigSchema, parseConfigText, resolveConfig, TOY_DATASETS, type ResolvedConfig } from '../../src/protocol/config';
import { MetricRecordSchema } from '../../src/protocol/metrics';
import { VARIANT_IDS, variantInfo } from '../../src/protocol/variants';
import { parseMetricsText } from '../../src/runfolder/metricsLog';
import { hostileValue, jsonRoundTrip, mutated, prototypeClean, tried } from './fuzz-helpers';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
after(() => console.log(`fuzz-config-metrics: ${tried.count} inputs tried`));

// ---- config ---------------------------------------------------------------
/** The schema's object nodes, unwrapped from optional/default/prefault. */
function unwrap(t: z.ZodType): z.ZodType {
  let cur = t;
  while (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional || cur instanceof z.ZodPrefault) cur = cur.def.innerType as z.ZodType;
  return cur;
}

function schemaHasPath(path: string[]): boolean {
  let node: z.ZodType = ConfigSchema;
  for (const key of path) {
    node = unwrap(node);
    // A union (the data sources): the field of whichever option has it.
    if (node instanceof z.ZodDiscriminatedUnion) {
      node = (node.options as z.ZodType[]).map(unwrap).find((o) => o instanceof z.ZodObject && Object.prototype.hasOwnProperty.call(o.shape, key)) ?? node;
    }
    if (!(node instanceof z.ZodObject)) return false;
    const next = (node.shape as Record<string, z.ZodType>)[key];
    if (!next || !Object.prototype.hasOwnProperty.call(node.shape, key)) return false;
    node = next;
  }
  return true;
}

function inputHasPath(input: unknown, path: string[]): boolean {
  let cur = input;
  for (const key of path) {
    if (!cur || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, key)) return false;
    cur = (cur as Record<string, unknown>)[key];
  }
  return true;
}

const optionKeys = new Set(Object.keys((unwrap(ConfigSchema.shape.options) as z.ZodObject).shape));
const validConfig = fc.constantFrom(...VARIANT_IDS).chain((variant) => {
  const info = variantInfo(variant);
  const opts = Object.entries(info.options).filter(([k]) => optionKeys.has(k));
  return fc.record(
    {
      $schema: fc.constant('./node_modules/gan-workbench/schemas/gan.config.schema.json'),
      name: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
      variant: fc.constant(variant),
      model: fc.record({ file: fc.constant('model.ts'), latentDim: fc.integer({ min: 1, max: 1024 }), hidden: fc.integer({ min: 1, max: 4096 }), depth: fc.integer({ min: 1, max: 16 }) }, { requiredKeys: [] }),
      data: fc.oneof(
        fc.record({ kind: fc.constant('toy'), name: fc.constantFrom(...TOY_DATASETS) }, { requiredKeys: ['name'] }),
        fc.record({ kind: fc.constant('mnist'), digits: fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 10 }) }, { requiredKeys: ['kind'] }),
        fc.record(
          { kind: fc.constant('folder'), path: fc.string({ minLength: 1, maxLength: 20 }), size: fc.integer({ min: 8, max: 128 }), channels: fc.constantFrom(1, 3) },
          { requiredKeys: ['kind', 'path'] },
        ),
      ),
      training: fc.record(
        {
          steps: fc.integer({ min: 1, max: 10_000_000 }),
          batchSize: fc.integer({ min: 1, max: 8192 }),
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          nCritic: fc.integer({ min: 1, max: 100 }),
          optimizer: fc.constantFrom('adam', 'rmsprop'),
          lrD: fc.double({ min: 1e-9, max: 1e6, noNaN: true }),
          lrG: fc.double({ min: 1e-9, max: 1e6, noNaN: true }),
          beta1: fc.double({ min: 0, max: 0.999, noNaN: true }),
          beta2: fc.double({ min: 0, max: 0.999, noNaN: true }),
        },
        { requiredKeys: [] },
      ),
      options: fc.subarray(opts).map((o) => Object.fromEntries(o)),
      logging: fc.record({ metricsEvery: fc.integer({ min: 1, max: 10_000_000 }), samplesEvery: fc.integer({ min: 1, max: 1_000_000 }), evalSamples: fc.integer({ min: 64, max: 20_000 }) }, { requiredKeys: [] }),
      backend: fc.constantFrom(...BACKENDS),
    },
    { requiredKeys: ['name', 'variant', 'data'] },
  );
});

const configInput = fc.oneof(
  { weight: 1, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.anything({ withNullPrototype: true }) },
  { weight: 1, arbitrary: hostileValue },
  { weight: 2, arbitrary: validConfig },
  { weight: 6, arbitrary: mutated(validConfig) },
);

/** Calls `load`; returns the config, or the ConfigError after checking it names fields. */
function checkLoad(input: unknown, load: () => ResolvedConfig): ResolvedConfig | undefined {
  tried.count++;
  try {
    return load();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `only ConfigError is thrown, got ${String((e as Error)?.stack ?? e).slice(0, 300)}`);
    assert.ok(e.problems.length > 0);
    assert.match(e.message, /^src\.json: invalid config\n/);
    for (const p of e.problems) {
      assert.ok(p.message.length > 0);
      if (p.path === '(root)' || p.path === '(file)') continue;
      const parts = p.path.split('.');
      assert.ok(schemaHasPath(parts) || inputHasPath(input, parts), `problem path ${p.path.slice(0, 100)} names a field of the input or the schema`);
      assert.ok(e.message.includes(`  - ${p.path}: `), 'the message lists each path');
    }
    return undefined;
  } finally {
    assert.ok(prototypeClean(), 'Object.prototype untouched');
  }
}

function checkResolved(cfg: ResolvedConfig): void {
  const t = cfg.training;
  for (const k of ['nCritic', 'lrD', 'lrG', 'beta1', 'beta2', 'steps', 'batchSize', 'seed'] as const) assert.equal(typeof t[k], 'number', `training.${k} filled in`);
  assert.ok(t.optimizer === 'adam' || t.optimizer === 'rmsprop');
  assert.equal(typeof cfg.model.latentDim, 'number');
  assert.equal(typeof cfg.logging.metricsEvery, 'number');
  assert.ok(VARIANT_IDS.includes(cfg.variant));
  for (const k of Object.keys(cfg.options)) assert.ok(k in variantInfo(cfg.variant).options, `option ${k} belongs to ${cfg.variant}`);
  // What a run folder stores (config.json) loads again, unchanged.
  assert.deepEqual(jsonRoundTrip(resolveConfig(jsonRoundTrip(cfg), 'src.json')), jsonRoundTrip(cfg));
}

test('fuzz resolveConfig: accepted ⇒ complete and stable; rejected ⇒ ConfigError naming each field', () => {
  let accepted = 0;
  fc.assert(
    fc.property(configInput, (input) => {
      const cfg = checkLoad(input, () => resolveConfig(input, 'src.json'));
      if (cfg) {
        accepted++;
        checkResolved(cfg);
      }
    }),
    { numRuns: RUNS * 2, seed: Number(process.env.FUZZ_SEED ?? 11) },
  );
  assert.ok(accepted > RUNS / 20, `some configs were valid (${accepted})`);
});

const configText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  configInput.map((v) => JSON.stringify(v) ?? 'undefined'),
  // Truncated and spliced JSON: what an editor holds mid-typing.
  fc.tuple(validConfig.map((v) => JSON.stringify(v, null, 2)), fc.nat(), fc.string({ maxLength: 3 })).map(([t, cut, junk]) => t.slice(0, cut % (t.length + 1)) + junk),
);

test('fuzz parseConfigText: any text ⇒ a config or a ConfigError ((file) for bad JSON)', () => {
  fc.assert(
    fc.property(configText, (text) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const cfg = checkLoad(parsed, () => parseConfigText(text, 'src.json'));
      if (cfg) checkResolved(cfg);
    }),
    { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 12) },
  );
  assert.throws(() => parseConfigText('{"name": ', 'src.json'), (e: unknown) => e instanceof ConfigError && e.problems[0].path === '(file)');
});

// ---- metrics.jsonl ---------------------------------------------------------
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 });
const validRecord = fc.record(
  { step: fc.nat(), time: fc.double({ min: 0, max: 1e6, noNaN: true }), lossD: finite, lossG: fc.option(finite), swd: finite, modesCovered: fc.nat(25) },
  { requiredKeys: ['step', 'time'] },
);
const line = fc.oneof(
  { weight: 4, arbitrary: validRecord.map((r) => JSON.stringify(r)) },
  { weight: 4, arbitrary: mutated(validRecord).map((r) => JSON.stringify(r) ?? 'undefined') },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string().map((s) => s.replace(/\n/g, ' ')) },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', '\r', '{"step":1,"time":1', 'NaN', '{"step":1,"time":1,"lossD":NaN}', '{"__proto__":{"step":1},"time":1}', '\uFEFF{}') },
);
const metricsText = fc.tuple(fc.array(line, { maxLength: 30 }), fc.boolean(), fc.string({ maxLength: 20 })).map(([lines, endsWithNewline, torn]) =>
  lines.join('\n') + (lines.length && endsWithNewline ? '\n' : '') + (endsWithNewline ? torn.replace(/\n/g, '') : ''),
);

test('fuzz parseMetricsText: never throws; valid complete lines kept in order, every other line warned about by number', () => {
  fc.assert(
    fc.property(metricsText, fc.nat(1e9), (text, start) => {
      tried.count++;
      const r = parseMetricsText(text, start, 'run/metrics.jsonl');
      const end = text.lastIndexOf('\n') + 1;
      const complete = text.slice(0, end).split('\n');
      const expected: unknown[] = [];
      let bad = 0;
      complete.forEach((l) => {
        if (l.trim() === '') return;
        let v: unknown;
        try {
          v = JSON.parse(l);
        } catch {
          bad++;
          return;
        }
        const p = MetricRecordSchema.safeParse(v);
        if (p.success) expected.push(p.data);
        else bad++;
      });
      assert.deepEqual(r.records, expected);
      for (const rec of r.records) {
        assert.ok(MetricRecordSchema.safeParse(rec).success);
        assert.ok(Object.values(rec).every((v) => v === null || Number.isFinite(v)), 'no non-finite value reaches a chart');
      }
      const lineWarnings = r.warnings.filter((w) => /^run\/metrics\.jsonl: line \d+ /.test(w));
      assert.equal(lineWarnings.length, bad);
      const tornWarned = r.warnings.some((w) => /last line is incomplete/.test(w));
      assert.equal(tornWarned, text.slice(end).trim() !== '');
      assert.equal(r.warnings.length, bad + (tornWarned ? 1 : 0));
      assert.equal(r.offset, start + Buffer.byteLength(text.slice(0, end)));
      assert.ok(prototypeClean());
    }),
    { numRuns: RUNS * 2, seed: Number(process.env.FUZZ_SEED ?? 13) },
  );
});
