/**
 * Mode coverage of every variant on 8 and 25 Gaussians, beside the numbers
 * published in the VEEGAN and PacGAN papers. Each run is what a user gets:
 * the experiment GAN: New Experiment scaffolds (its model.ts), with the toy
 * hyper-parameters below, trained by the trainer CLI for a fixed number of
 * generator steps; the trainer itself scores 2,500 generated samples at the
 * last step (modeCoverage in src/trainer/data/toy.ts: a sample is high
 * quality within 3σ of its nearest centre; a mode is covered when it is the
 * nearest centre of at least one high-quality sample). Several seeds, mean ± sd.
 * Writes bench/results/variants.md (and the README's table) and prints it.
 *
 *   npm run build && npx tsx bench/variants.ts [--steps 2000] [--seeds 3] [--jobs N]
 *       [--variants gan-ns,wgan-gp,f-gan:kl,gan-ns+pack2,gan-ns+pack2+ema,gan-ns+pack2+ema+decay] [--datasets 8gaussians,25gaussians]
 *       [--backend auto|wasm|…] [--out bench/results/variants.md] [--readme | --no-readme] [--quick]
 *
 * --quick: 150 steps, one seed: checks that the script and every variant run;
 * its numbers say nothing about the variants and its output is labelled so.
 * Variants come from the catalogue (VARIANTS): one without toy settings below
 * runs with its catalogue defaults, and the table says so. A row ending in
 * +ema samples from the moving average of G's weights (training.emaG =
 * AVERAGE_DECAY); G trains exactly as in the row without it. A row ending
 * in +decay lowers both learning rates linearly to zero over the second half
 * of the steps (training.lrDecayStart = steps / 2).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeExperiment } from '../src/extension/scaffold/scaffold';
import { BACKENDS, type ToyDataset } from '../src/protocol/config';
import { count } from '../src/protocol/numbers';
import { TOY_SETTINGS, type ToySettings } from '../src/protocol/toySettings';
import { F_DIVERGENCES, VARIANTS, VARIANT_IDS, type FDivergence, type VariantId } from '../src/protocol/variants';
import { modeCoverage, toyDataset } from '../src/trainer/data/toy';
import { positiveInt, UsageError } from './lib/args';

const BENCH_DATASETS = ['8gaussians', '25gaussians'] as const satisfies readonly ToyDataset[];
type BenchDataset = (typeof BENCH_DATASETS)[number];
const MODES: Record<BenchDataset, number> = { '8gaussians': 8, '25gaussians': 25 };
const DATASET_TITLES: Record<BenchDataset, string> = { '8gaussians': '8 Gaussians (ring)', '25gaussians': '25 Gaussians (grid)' };

/** Generated samples scored per run, as in the VEEGAN evaluation. */
const EVAL_SAMPLES = 2500;
const BATCH_SIZE = 256;
/** training.emaG of the +ema rows: the usual β (ProGAN, StyleGAN). */
const AVERAGE_DECAY = 0.999;

// ---------------------------------------------------------------- settings

/**
 * Rows with PacGAN packing (`<variant>+pack<m>`, m = 2–8): the variant with
 * model.packing = m, D judging m samples at once (Lin et al. 2018), so that
 * the PacGAN paper's own rows have a like-for-like row of ours. The settings
 * replace the variant's toy settings.
 */
const PACKED_SETTINGS: Partial<Record<VariantId, Omit<ToySettings, 'why'> & { why: (m: number) => string }>> = {
  'gan-ns': {
    model: { hidden: 256 },
    training: { lrD: 1e-4, lrG: 1e-4, beta1: 0.5, beta2: 0.999 },
    why: (m) =>
      `PacGAN${m}: the non-saturating GAN with packing m = ${m}, 3 × 256 units, Adam 1e-4, β = (0.5, 0.999) (PacGAN: 4 × 400 and 1e-4). ` +
      'Tried on 25 Gaussians, seed 1: at 12,000 steps and 2e-4, 3 × 128 units 20 modes / 8 % high quality, 3 × 256 units 23 / 31 %, ' +
      'packing 4 11 / 2 %; 3 × 256 at 1e-4 for 20,000 steps 25 / 71 % (docs/measured.md)',
  },
};

/** f-GAN rows run by default besides Jensen-Shannon: the mode-covering KL and the mode-seeking reverse KL. */
const DEFAULT_EXTRA_DIVERGENCES: readonly FDivergence[] = ['kl', 'rkl'];

// ---------------------------------------------------------------- published rows

interface Published {
  method: string;
  source: 'VEEGAN' | 'PacGAN';
  /** modes, high-quality %, and their standard errors where published. */
  rows: Record<BenchDataset, { modes: number; hq: number; modesSe?: number; hqSe?: number }>;
}

/**
 * VEEGAN (Srivastava et al., NeurIPS 2017) Table 1: mean of 5 runs, 2,500
 * samples; its Unrolled GAN row (5 unrolling steps) is the Unrolled GAN
 * number (Metz et al. publish no 2-D mode table). PacGAN (Lin et al.,
 * NeurIPS 2018) Table 1: 10 trials, ± standard error.
 */
const PUBLISHED: readonly Published[] = [
  { method: 'GAN', source: 'VEEGAN', rows: { '8gaussians': { modes: 1, hq: 99.3 }, '25gaussians': { modes: 3.3, hq: 0.5 } } },
  { method: 'ALI', source: 'VEEGAN', rows: { '8gaussians': { modes: 2.8, hq: 0.13 }, '25gaussians': { modes: 15.8, hq: 1.6 } } },
  { method: 'Unrolled GAN', source: 'VEEGAN', rows: { '8gaussians': { modes: 7.6, hq: 35.6 }, '25gaussians': { modes: 23.6, hq: 16 } } },
  { method: 'VEEGAN', source: 'VEEGAN', rows: { '8gaussians': { modes: 8, hq: 52.9 }, '25gaussians': { modes: 24.6, hq: 40 } } },
  { method: 'GAN', source: 'PacGAN', rows: { '8gaussians': { modes: 6.3, modesSe: 0.5, hq: 98.2, hqSe: 0.2 }, '25gaussians': { modes: 17.3, modesSe: 0.8, hq: 94.8, hqSe: 0.7 } } },
  { method: 'ALI', source: 'PacGAN', rows: { '8gaussians': { modes: 6.6, modesSe: 0.3, hq: 97.6, hqSe: 0.4 }, '25gaussians': { modes: 24.1, modesSe: 0.4, hq: 95.7, hqSe: 0.6 } } },
  { method: 'PacGAN2', source: 'PacGAN', rows: { '8gaussians': { modes: 7.9, modesSe: 0.1, hq: 95.6, hqSe: 2.0 }, '25gaussians': { modes: 23.8, modesSe: 0.7, hq: 91.3, hqSe: 0.8 } } },
  { method: 'PacGAN3', source: 'PacGAN', rows: { '8gaussians': { modes: 7.8, modesSe: 0.1, hq: 97.7, hqSe: 0.3 }, '25gaussians': { modes: 24.6, modesSe: 0.4, hq: 94.2, hqSe: 0.4 } } },
  { method: 'PacGAN4', source: 'PacGAN', rows: { '8gaussians': { modes: 7.8, modesSe: 0.1, hq: 95.9, hqSe: 1.4 }, '25gaussians': { modes: 24.8, modesSe: 0.2, hq: 93.6, hqSe: 0.6 } } },
];

// ---------------------------------------------------------------- arguments


interface Entry {
  /** Row key: a variant id, or f-gan:<divergence>. */
  key: string;
  variant: VariantId;
  settings?: ToySettings;
  extraOptions: Record<string, string>;
  /** The share of the steps after which the learning rates decay (training.lrDecayStart); absent: constant. */
  decayFrom?: number;
}

function parseEntry(spec: string): Entry {
  if (spec.endsWith('+decay')) {
    const e = parseEntry(spec.slice(0, -'+decay'.length));
    const base = e.settings ?? { why: 'catalogue defaults' };
    return { ...e, key: spec, decayFrom: 0.5, settings: { ...base, why: `${base.why}; both learning rates falling linearly to zero over the second half of the steps (training.lrDecayStart)` } };
  }
  if (spec.endsWith('+ema')) {
    const e = parseEntry(spec.slice(0, -'+ema'.length));
    const base = e.settings ?? { why: 'catalogue defaults' };
    const settings: ToySettings = {
      ...base,
      training: { ...base.training, emaG: AVERAGE_DECAY },
      why: `${base.why}; samples from the moving average of G's weights, β = ${AVERAGE_DECAY} (training.emaG)`,
    };
    return { ...e, key: spec, settings };
  }
  const packed = /^(.+)\+pack(\d+)$/.exec(spec);
  if (packed) {
    const [, id, mText] = packed;
    const m = Number(mText);
    const base = PACKED_SETTINGS[id as VariantId];
    if (!base) throw new UsageError(`--variants: '${spec}': packed rows exist for ${Object.keys(PACKED_SETTINGS).join(', ')}`);
    if (m < 2 || m > 8 || BATCH_SIZE % m !== 0) throw new UsageError(`--variants: '${spec}': packing must be 2, 4 or 8 (a divisor of the batch, ${BATCH_SIZE})`);
    const settings: ToySettings = { ...base, model: { ...base.model, packing: m }, why: base.why(m) };
    return { key: spec, variant: id as VariantId, settings, extraOptions: {} };
  }
  const [id, divergence] = spec.split(':');
  if (!(VARIANT_IDS as readonly string[]).includes(id)) throw new UsageError(`--variants: unknown variant '${id}' (known: ${VARIANT_IDS.join(', ')}; f-GAN rows as f-gan:<divergence>)`);
  const variant = id as VariantId;
  if (divergence !== undefined) {
    if (variant !== 'f-gan') throw new UsageError(`--variants: '${spec}': only f-gan takes a :<divergence>`);
    if (!(F_DIVERGENCES as readonly string[]).includes(divergence)) throw new UsageError(`--variants: unknown f-GAN divergence '${divergence}' (known: ${F_DIVERGENCES.join(', ')})`);
  }
  return { key: spec, variant, settings: TOY_SETTINGS[variant], extraOptions: divergence ? { divergence } : {} };
}


function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      steps: { type: 'string' },
      seeds: { type: 'string' },
      jobs: { type: 'string', default: String(os.availableParallelism()) },
      variants: { type: 'string' },
      datasets: { type: 'string', default: BENCH_DATASETS.join(',') },
      backend: { type: 'string', default: 'auto' },
      out: { type: 'string', default: 'bench/results/variants.md' },
      readme: { type: 'boolean' },
      'no-readme': { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
    },
  });
  const quick = values.quick;
  const steps = positiveInt('steps', values.steps ?? (quick ? '150' : '2000'));
  const seeds = positiveInt('seeds', values.seeds ?? (quick ? '1' : '3'));
  const jobs = positiveInt('jobs', values.jobs);
  const datasets = values.datasets.split(',').map((d) => {
    if (!(BENCH_DATASETS as readonly string[]).includes(d)) throw new UsageError(`--datasets: '${d}' has no mode table (use ${BENCH_DATASETS.join(', ')})`);
    return d as BenchDataset;
  });
  if (!(BACKENDS as readonly string[]).includes(values.backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}`);
  const specs = values.variants ? values.variants.split(',') : [...VARIANTS.map((v) => v.id as string), ...DEFAULT_EXTRA_DIVERGENCES.map((d) => `f-gan:${d}`)];
  const entries = specs.map(parseEntry);
  // The README shows the full table; a quick run only writes its file unless asked.
  const readme = values['no-readme'] ? false : (values.readme ?? !quick);
  return { quick, steps, seeds, jobs, datasets, entries, backend: values.backend, out: values.out, readme };
}

// ---------------------------------------------------------------- one run

interface RunResult {
  entry: Entry;
  dataset: BenchDataset;
  seed: number;
  state: 'completed' | 'diverged' | 'failed';
  modes?: number;
  hq?: number;
  seconds: number;
  backend?: string;
  error?: string;
}

const TRAINER = path.resolve('dist/trainer.js');
const REPO = path.resolve('.');

/**
 * The scaffolded experiment (New Experiment already writes the toy settings)
 * with the row's own settings over it (packing, G's average, a divergence),
 * the seed, budget and batch; returns its config path.
 */
function experiment(root: string, e: Entry, dataset: BenchDataset, seed: number, steps: number): string {
  const name = `${e.key.replace(/[^A-Za-z0-9-]/g, '-')}-${dataset}-s${seed}`;
  const w = writeExperiment(root, { variant: e.variant, dataset, name, steps }, { templatesRoot: path.join(REPO, 'templates'), extensionPath: REPO });
  const cfg = JSON.parse(fs.readFileSync(w.config, 'utf8'));
  const s = e.settings;
  cfg.model = { ...cfg.model, ...s?.model };
  cfg.training = { ...cfg.training, ...s?.training, seed, steps, batchSize: BATCH_SIZE, ...(e.decayFrom !== undefined ? { lrDecayStart: Math.floor(steps * e.decayFrom) } : {}) };
  if (cfg.training.optimizer === 'rmsprop') {
    delete cfg.training.beta1;
    delete cfg.training.beta2;
  }
  cfg.options = { ...cfg.options, ...s?.options, ...e.extraOptions };
  // Only the end counts: a record at step 1 and at the last step, one checkpoint, one snapshot.
  cfg.logging = { metricsEvery: steps, samplesEvery: steps, evalSamples: EVAL_SAMPLES, checkpointEvery: steps, keepCheckpoints: 1, bestMetric: 'none' };
  fs.writeFileSync(w.config, JSON.stringify(cfg, null, 2));
  return w.config;
}

function trainOnce(root: string, e: Entry, dataset: BenchDataset, seed: number, steps: number, backend: string): Promise<RunResult> {
  const config = experiment(root, e, dataset, seed, steps);
  const runDir = path.join(path.dirname(config), 'run');
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TRAINER, 'train', '--config', config, '--run-dir', runDir, '--backend', backend, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      const backendUsed = /^backend: (\S+)/m.exec(out)?.[1];
      const base = { entry: e, dataset, seed, seconds, backend: backendUsed };
      let last: Record<string, number | null> | undefined;
      try {
        const lines = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
        last = JSON.parse(lines[lines.length - 1]);
      } catch {
        last = undefined;
      }
      // Exit 4: the trainer refused a non-finite update and stopped; its last record is what the generator reached.
      const state = code === 0 ? 'completed' : code === 4 ? 'diverged' : 'failed';
      if (state === 'failed' || !last || typeof last.modesCovered !== 'number' || typeof last.hqPercent !== 'number') {
        resolve({ ...base, state: 'failed', error: `exit ${code}: ${err.trim().split('\n').slice(-3).join(' ') || 'no metrics'}` });
        return;
      }
      resolve({ ...base, state, modes: last.modesCovered, hq: last.hqPercent });
    });
  });
}

async function pool<T, R>(items: readonly T[], width: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

// ---------------------------------------------------------------- table

interface Cell {
  n: number;
  modes: number;
  modesSd: number;
  hq: number;
  hqSd: number;
  diverged: number;
  failed: number;
  seconds: number;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
function sd(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

function cell(rs: RunResult[]): Cell | undefined {
  const ok = rs.filter((r) => r.state !== 'failed');
  if (!ok.length) return undefined;
  const modes = ok.map((r) => r.modes!);
  const hq = ok.map((r) => r.hq!);
  return {
    n: ok.length,
    modes: mean(modes),
    modesSd: sd(modes),
    hq: mean(hq),
    hqSd: sd(hq),
    diverged: rs.filter((r) => r.state === 'diverged').length,
    failed: rs.length - ok.length,
    seconds: mean(rs.map((r) => r.seconds)),
  };
}

const pm = (m: number, s: number | undefined, digits: number, n: number) => (n > 1 && s !== undefined ? `${m.toFixed(digits)} ± ${s.toFixed(digits)}` : m.toFixed(digits));

function variantTitle(id: VariantId): string {
  return VARIANTS.find((x) => x.id === id)!.title;
}

/** The variant's title; f-GAN rows name their divergence. */
function rowTitle(e: Entry): string {
  const info = VARIANTS.find((x) => x.id === e.variant)!;
  const divergence = e.extraOptions.divergence ?? e.settings?.options?.divergence ?? (info.options as Record<string, unknown>).divergence;
  const packing = e.settings?.model?.packing;
  const extras = (e.settings?.training?.emaG ? `, G's moving average` : '') + (e.decayFrom !== undefined ? ', learning rates decayed' : '');
  if (packing) return `${info.title}, packing m = ${packing}${extras}`;
  return (divergence ? `${info.title} (${String(divergence)})` : info.title) + extras;
}

/**
 * What a perfect generator would score: 2,500 samples of the data itself, one
 * draw per seed, scored as the runs are. In two dimensions a Gaussian puts
 * 1 − e^(−9/2) ≈ 98.9 % of its mass within 3σ of its centre, so that is the
 * high-quality share a generator matching the data expects (± about 0.2 points
 * at 2,500 samples); a share above it means samples narrower than the data.
 */
const DATA_SEED_OFFSET = 1_000_000;
function dataCell(d: BenchDataset, seeds: number): Cell {
  const spec = toyDataset(d);
  const scores = Array.from({ length: seeds }, (_, i) => modeCoverage(spec, spec.sample(EVAL_SAMPLES, DATA_SEED_OFFSET + i + 1)));
  const modes = scores.map((s) => s.covered);
  const hq = scores.map((s) => 100 * s.highQuality);
  return { n: seeds, modes: mean(modes), modesSd: sd(modes), hq: mean(hq), hqSd: sd(hq), diverged: 0, failed: 0, seconds: 0 };
}

/** Beats a published row on one dataset: at least as many modes and at least as many high-quality samples. */
function beats(c: Cell | undefined, p: Published, d: BenchDataset): boolean {
  return !!c && c.modes >= p.rows[d].modes && c.hq >= p.rows[d].hq;
}

function render(o: ReturnType<typeof parse>, results: RunResult[], wallSeconds: number, command: string): string {
  const backends = [...new Set(results.map((r) => r.backend).filter(Boolean))].join(', ') || 'unknown';
  const cells = new Map<string, Cell | undefined>();
  for (const e of o.entries) for (const d of o.datasets) cells.set(`${e.key}|${d}`, cell(results.filter((r) => r.entry.key === e.key && r.dataset === d)));
  const lines: string[] = [];
  lines.push('# Variants on 8 and 25 Gaussians (bench/variants.ts)', '');
  if (o.quick) {
    lines.push(
      `> **QUICK RUN (--quick): ${o.steps} generator steps, ${o.seeds} seed${o.seeds > 1 ? 's' : ''}.** It only checks that the benchmark and every variant run;`,
      '> the numbers below say nothing about the variants. Run the full benchmark (command in the README) for the table.',
      '',
    );
  }
  lines.push(
    `Command: \`${command}\`, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, node ${process.version}, backend ${backends}; ${(wallSeconds / 60).toFixed(1)} min in all.`,
    '',
    `Each row: the scaffolded experiment (GAN: New Experiment's model.ts and config) with the toy settings listed below, ${o.steps} generator steps,`,
    `batch ${BATCH_SIZE}, latent size 2, ${o.seeds > 1 ? `seeds 1–${o.seeds}` : 'seed 1'}; scored by the trainer on ${EVAL_SAMPLES} generated samples at the last step.`,
    `Ours: mean ± sd over seeds. High quality: within 3σ of the nearest centre; modes: centres nearest to at least one high-quality sample.`,
    '',
  );
  const head = ['variant', ...o.datasets.flatMap((d) => [`${DATASET_TITLES[d]}: modes (of ${MODES[d]})`, 'high quality %']), 's / run (slowest set)'];
  lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
  for (const e of o.entries) {
    const cols: string[] = [rowTitle(e)];
    let secs = 0;
    for (const d of o.datasets) {
      const c = cells.get(`${e.key}|${d}`);
      if (!c) {
        cols.push('failed', '–');
        continue;
      }
      const flags = [c.diverged ? `${c.diverged} diverged` : '', c.failed ? `${c.failed} failed` : ''].filter(Boolean).join(', ');
      cols.push(`${pm(c.modes, c.modesSd, 1, c.n)}${flags ? ` (${flags})` : ''}`, pm(c.hq, c.hqSd, 1, c.n));
      secs = Math.max(secs, c.seconds);
    }
    cols.push(secs.toFixed(0));
    lines.push(`| ${cols.join(' | ')} |`);
  }
  {
    const cols = [`*the data itself (${count(EVAL_SAMPLES)} samples${o.seeds > 1 ? `, ${o.seeds} draws` : ''})*`];
    for (const d of o.datasets) {
      const c = dataCell(d, o.seeds);
      cols.push(pm(c.modes, c.modesSd, 1, c.n), pm(c.hq, c.hqSd, 1, c.n));
    }
    cols.push('');
    lines.push(`| ${cols.join(' | ')} |`);
  }
  for (const p of PUBLISHED) {
    const cols = [`*${p.method} (${p.source} paper)*`];
    for (const d of o.datasets) {
      const r = p.rows[d];
      const se = (x: number, e?: number) => (e !== undefined ? `${x} ± ${e.toFixed(1)}` : String(x));
      cols.push(se(r.modes, r.modesSe), se(r.hq, r.hqSe));
    }
    cols.push('');
    lines.push(`| ${cols.join(' | ')} |`);
  }
  lines.push('');

  // Which published rows each of ours beats (≥ modes and ≥ high-quality share on every dataset run).
  lines.push(`**Published rows beaten** (at least as many modes and as high a high-quality share, on ${o.datasets.map((d) => DATASET_TITLES[d]).join(' and ')}):`, '');
  for (const p of PUBLISHED) {
    const winners = o.entries.filter((e) => o.datasets.every((d) => beats(cells.get(`${e.key}|${d}`), p, d))).map(rowTitle);
    lines.push(`- ${p.method} (${p.source}): ${winners.length ? winners.join(', ') : 'none'}`);
  }
  lines.push('');

  lines.push('**Settings** (everything else is the catalogue default, src/protocol/variants.ts):', '');
  const described = new Set<string>();
  for (const e of o.entries) {
    const packing = e.settings?.model?.packing;
    const title = packing ? rowTitle(e) : variantTitle(e.variant);
    if (described.has(title)) continue;
    described.add(title);
    lines.push(`- ${title}: ${e.settings ? e.settings.why : 'catalogue defaults (no toy settings chosen yet)'}`);
  }
  lines.push('');

  const failures = results.filter((r) => r.state === 'failed');
  if (failures.length) {
    lines.push('**Failed runs:**', '');
    for (const f of failures) lines.push(`- ${f.entry.key} on ${f.dataset}, seed ${f.seed}: ${f.error}`);
    lines.push('');
  }

  lines.push(
    SETUP_NOTES,
    '',
    '- Data geometry: the same as ours after scaling. Ours is the WGAN-GP toy script\'s (ring radius 2, σ 0.02; grid spacing 2, σ 0.05, both divided by',
    '  1.414 and 2.828), so σ is 1 % of the ring radius and 2.5 % of the grid spacing; PacGAN\'s code uses ring radius 1, σ 0.01 and grid spacing 2,',
    '  σ 0.05 (the same ratios); VEEGAN\'s public ring sampler uses radius 1, σ 0.01.',
    '- Budget and data: PacGAN trains 400 epochs over a fixed set of 100,000 samples with batch 100 (about 400,000 generator steps); ours draws',
    `  fresh samples every step and stops after ${o.steps} generator steps. VEEGAN does not state its budget in the table.`,
    '- Networks: PacGAN\'s generator has 4 × 400 ReLU layers with batch normalization and its discriminator 3 maxout layers (200 units, 5 pieces),',
    '  Adam 1e-4, β1 0.8; ours are the scaffold\'s plain ReLU MLPs (settings above).',
    '- Statistics: VEEGAN reports means of 5 runs without a spread; PacGAN means of 10 trials ± standard error; ours means ± standard',
    '  deviation over the seeds (divide by √seeds for a standard error).',
    '- The Unrolled GAN row is VEEGAN\'s run of it (5 unrolling steps): the Unrolled GAN paper shows the ring only as figures. Minibatch',
    '  discrimination appears only in PacGAN\'s stacked-MNIST table, not in a 2-D one, so it has no row here.',
    '- Metrics: the same definitions (3σ high quality, nearest-centre modes, 2,500 samples). The data itself scores about 98.9 % high quality',
    '  (1 − e^(−9/2), the mass of a 2-D Gaussian within 3σ; its row above): a generator that matches the data expects that share, and a share',
    '  above it (VEEGAN\'s GAN on the ring, 99.3 % on one mode) comes from samples narrower than the data.',
  );
  return lines.join('\n') + '\n';
}

const SETUP_NOTES = '**How the published setups differ from ours:**';
const README_START = '<!-- bench/variants.ts: table start -->';
const README_END = '<!-- bench/variants.ts: table end -->';

/**
 * Put the results into README.md between its markers: all but the file's
 * title (the README section has its own heading) and the long notes on the
 * papers' setups, which the README links to instead.
 */
function updateReadme(markdown: string, out: string): boolean {
  const file = path.join(REPO, 'README.md');
  const text = fs.readFileSync(file, 'utf8');
  const a = text.indexOf(README_START);
  const b = text.indexOf(README_END);
  if (a < 0 || b < a) return false;
  const notes = markdown.indexOf(SETUP_NOTES);
  const body = markdown.slice(0, notes < 0 ? undefined : notes).replace(/^# .*\n\n/, '');
  const link = `How the papers' setups differ from ours (data, budget, networks, statistics): [${path.basename(out)}](${path.relative(REPO, path.resolve(out)).split(path.sep).join('/')}).\n`;
  fs.writeFileSync(file, `${text.slice(0, a + README_START.length)}\n${body}${link}${text.slice(b)}`);
  return true;
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  let o: ReturnType<typeof parse>;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
  if (!fs.existsSync(TRAINER)) {
    process.stderr.write(`${TRAINER} is missing: run npm run build first\n`);
    return 2;
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-bench-variants-'));
  const jobs: { e: Entry; d: BenchDataset; seed: number }[] = [];
  for (const e of o.entries) for (const d of o.datasets) for (let seed = 1; seed <= o.seeds; seed++) jobs.push({ e, d, seed });
  process.stderr.write(`${jobs.length} runs of ${o.steps} steps, ${o.jobs} at a time\n`);
  const t0 = performance.now();
  let done = 0;
  try {
    const results = await pool(jobs, o.jobs, async (j) => {
      const r = await trainOnce(root, j.e, j.d, j.seed, o.steps, o.backend);
      done++;
      const what = r.state === 'failed' ? `FAILED ${r.error}` : `${r.modes}/${MODES[j.d]} modes, ${r.hq!.toFixed(1)}% HQ${r.state === 'diverged' ? ' (diverged)' : ''}`;
      process.stderr.write(`[${done}/${jobs.length}] ${j.e.key} ${j.d} seed ${j.seed}: ${what}, ${r.seconds.toFixed(0)} s\n`);
      return r;
    });
    const command = `npx tsx bench/variants.ts ${process.argv.slice(2).join(' ')}`.trim();
    const md = render(o, results, (performance.now() - t0) / 1000, command);
    fs.mkdirSync(path.dirname(o.out), { recursive: true });
    fs.writeFileSync(o.out, md);
    process.stdout.write(md);
    if (o.readme) process.stderr.write(updateReadme(md, o.out) ? 'README.md table updated\n' : `README.md has no ${README_START} … ${README_END} block: not updated\n`);
    return results.some((r) => r.state === 'failed') ? 1 : 0;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
