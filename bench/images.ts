/**
 * The image-GAN benchmark (issue #5): the DCGAN template (templates/image/model.ts)
 * trained by the trainer's own loop (GanTrainer) on MNIST, as the
 * non-saturating DCGAN and as WGAN-GP, and on Stacked MNIST without and with
 * PacGAN packing (m = 2, the PacDCGAN2 row).
 *
 * - MNIST runs: the Fréchet distance, KID, precision and recall in the project
 *   MNIST classifier's features (assets/mnist-classifier; NOT the Inception
 *   FID, so comparable only with numbers measured the same way) and the
 *   multi-scale SWD, at step 0 and every --every steps.
 * - Stacked MNIST runs: modes covered (of 1,000) and the KL of the mode
 *   histogram to uniform over --mode-samples generated images at the last
 *   step, beside the rows published in the VEEGAN and PacGAN papers.
 * - Every run: generator steps per second over training time only (the
 *   evaluations are not timed), and the time spent in TrainingData.sample (the
 *   batch preparation; it runs inside the step, so all of it is time the step
 *   waits for data) as a share of the step.
 *
 * Runs one after another in this process on one backend (a tfjs backend is
 * process-wide). Progress goes to stderr, the tables to stdout and --out.
 *
 *   npx tsx bench/images.ts [--steps 2000] [--stacked-steps N] [--wgan-steps N] [--every 250] [--seeds 1,2]
 *       [--hidden 64] [--latent 64] [--batch 64] [--runs dcgan,wgan-gp,stacked,stacked-pac2]
 *       [--mode-samples 26000] [--eval-samples 1024] [--backend wasm] [--out bench/results/images.md]
 */
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { BACKENDS, resolveConfig, type BackendChoice, type ResolvedConfig } from '../src/protocol/config';
import { pickBackend } from '../src/trainer/backend';
import { compileAndLoad, type ModelBuilders } from '../src/trainer/compile';
import { loadTrainingData, type TrainingData } from '../src/trainer/data/index';
import { DivergedError, GanTrainer } from '../src/trainer/loop';
import { ImageQuality, type ImageQualityRecord } from '../src/trainer/metrics/imageQuality';
import { mnistClassifierDir } from '../src/trainer/metrics/mnistClassifier';
import { positiveInt, UsageError } from './lib/args';

const TEMPLATE = 'templates/image/model.ts';

// ---------------------------------------------------------------- runs

interface RunSpec {
  id: string;
  title: string;
  variant: 'gan-ns' | 'wgan-gp';
  data: 'mnist' | 'stacked-mnist';
  packing: number;
  about: string;
}

const RUNS: readonly RunSpec[] = [
  {
    id: 'dcgan',
    title: 'DCGAN (gan-ns), MNIST',
    variant: 'gan-ns',
    data: 'mnist',
    packing: 1,
    about: 'non-saturating loss, batch norm in G and in D after its first convolution; the variant\'s defaults: Adam 2e-4, β = (0.5, 0.999), 1 D step per G step (Radford et al.)',
  },
  {
    id: 'wgan-gp',
    title: 'WGAN-GP, MNIST',
    variant: 'wgan-gp',
    data: 'mnist',
    packing: 1,
    about: 'the same template; its critic has no batch norm (the template\'s rule for critics); the variant\'s defaults: λ = 10, 5 critic steps per G step, Adam 1e-4, β = (0, 0.9) (Gulrajani et al.)',
  },
  {
    id: 'stacked',
    title: 'DCGAN (gan-ns), Stacked MNIST',
    variant: 'gan-ns',
    data: 'stacked-mnist',
    packing: 1,
    about: 'as the MNIST DCGAN, on three stacked digits (28×28×3)',
  },
  {
    id: 'stacked-pac2',
    title: 'PacDCGAN2 (gan-ns, packing 2), Stacked MNIST',
    variant: 'gan-ns',
    data: 'stacked-mnist',
    packing: 2,
    about: 'as the Stacked MNIST DCGAN with model.packing 2: D sees 2 images stacked along the channels (6 input channels), the batch as B/2 packs',
  },
];

// ---------------------------------------------------------------- published rows

interface Published {
  method: string;
  modes: number;
  kl: number;
  /** Standard errors, where published. */
  modesSe?: number;
  klSe?: number;
  source: string;
}

const PACGAN_T2 = 'PacGAN (Lin et al., NeurIPS 2018) Table 2';
/**
 * Stacked MNIST, 1,000 modes. Read from the table image in the PacGAN
 * authors' repository (github.com/fjxmlzn/PacGAN,
 * stacked_MNIST_experiments/results/Table2.png); its first four rows are
 * quoted from VEEGAN (Srivastava et al., NeurIPS 2017) Table 2 and cite it.
 * PacGAN's own rows: mean of 10 trials ± standard error.
 */
const PUBLISHED: readonly Published[] = [
  { method: 'DCGAN', modes: 99, kl: 3.4, source: `VEEGAN Table 2, as quoted in ${PACGAN_T2}` },
  { method: 'ALI', modes: 16, kl: 5.4, source: `VEEGAN Table 2, as quoted in ${PACGAN_T2}` },
  { method: 'Unrolled GAN', modes: 48.7, kl: 4.32, source: `VEEGAN Table 2, as quoted in ${PACGAN_T2}` },
  { method: 'VEEGAN', modes: 150, kl: 2.95, source: `VEEGAN Table 2, as quoted in ${PACGAN_T2}` },
  { method: 'DCGAN (PacGAN\'s implementation)', modes: 78.9, modesSe: 6.46, kl: 4.5, klSe: 0.127, source: PACGAN_T2 },
  { method: 'PacDCGAN2', modes: 1000, modesSe: 0, kl: 0.06, klSe: 0.003, source: PACGAN_T2 },
  { method: 'PacDCGAN3', modes: 1000, modesSe: 0, kl: 0.06, klSe: 0.003, source: PACGAN_T2 },
  { method: 'PacDCGAN4', modes: 1000, modesSe: 0, kl: 0.07, klSe: 0.005, source: PACGAN_T2 },
];
/** The rows our runs are set against: the published DCGAN and, for packing 2, PacDCGAN2. */
const DCGAN_ROW = PUBLISHED[0];
const PAC2_ROW = PUBLISHED[5];

// ---------------------------------------------------------------- arguments



function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      steps: { type: 'string', default: '2000' },
      'stacked-steps': { type: 'string' },
      'wgan-steps': { type: 'string' },
      every: { type: 'string', default: '250' },
      seeds: { type: 'string', default: '1' },
      hidden: { type: 'string', default: '64' },
      latent: { type: 'string', default: '64' },
      batch: { type: 'string', default: '64' },
      runs: { type: 'string', default: RUNS.map((r) => r.id).join(',') },
      'mode-samples': { type: 'string', default: '26000' },
      'eval-samples': { type: 'string', default: '1024' },
      backend: { type: 'string', default: 'wasm' },
      out: { type: 'string', default: 'bench/results/images.md' },
    },
  });
  const steps = positiveInt('steps', values.steps);
  const runs = values.runs.split(',').map((id) => {
    const r = RUNS.find((x) => x.id === id);
    if (!r) throw new UsageError(`--runs: unknown run '${id}' (known: ${RUNS.map((x) => x.id).join(', ')})`);
    return r;
  });
  if (!(BACKENDS as readonly string[]).includes(values.backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}`);
  const seeds = values.seeds.split(',').map((s) => {
    if (!/^\d+$/.test(s)) throw new UsageError(`--seeds takes a comma-separated list of seeds (e.g. 1,2), got '${values.seeds}'`);
    return Number(s);
  });
  const modeSamples = positiveInt('mode-samples', values['mode-samples']);
  if (modeSamples < 1000) throw new UsageError('--mode-samples must be at least 1000 (logging.modeSamples\' minimum)');
  return {
    steps,
    stackedSteps: positiveInt('stacked-steps', values['stacked-steps'] ?? values.steps),
    wganSteps: positiveInt('wgan-steps', values['wgan-steps'] ?? values.steps),
    every: positiveInt('every', values.every),
    seeds,
    hidden: positiveInt('hidden', values.hidden),
    latent: positiveInt('latent', values.latent),
    batch: positiveInt('batch', values.batch),
    runs,
    modeSamples,
    evalSamples: positiveInt('eval-samples', values['eval-samples']),
    backend: values.backend as BackendChoice,
    out: values.out,
  };
}

type Args = ReturnType<typeof parse>;

/** Generator steps of a run: --stacked-steps on Stacked MNIST, --wgan-steps for WGAN-GP (5 critic steps each), else --steps. */
const stepsOf = (spec: RunSpec, a: Args) => (spec.data === 'stacked-mnist' ? a.stackedSteps : spec.variant === 'wgan-gp' ? a.wganSteps : a.steps);

// ---------------------------------------------------------------- one run

interface Evaluation extends ImageQualityRecord {
  step: number;
  /** Training seconds so far (evaluations excluded). */
  time: number;
}

interface RunResult {
  spec: RunSpec;
  seed: number;
  steps: number;
  /** Generator steps actually trained (fewer when the run diverged). */
  trained: number;
  evals: Evaluation[];
  /** Seconds inside trainer.step, summed (evaluation excluded). */
  trainSeconds: number;
  /** Seconds inside TrainingData.sample during those steps. */
  dataSeconds: number;
  /** Batches drawn during training (nCritic per generator step, plus any the variant's G loss draws). */
  batches: number;
  /** Seconds of the final mode count (Stacked MNIST). */
  modeSeconds?: number;
  wallSeconds: number;
  diverged?: string;
  /** The classifier the run's metrics used (its files' hash when the run set up). */
  classifier: string;
  /** D's mean output on real and generated batches over the last --every steps (probabilities for logit variants, critic scores otherwise). */
  dReal?: number;
  dFake?: number;
}

/** Short sha256 of the classifier's files: FD, KID, precision/recall and the mode count all depend on them. */
function classifierId(): string {
  const dir = mnistClassifierDir();
  const h = createHash('sha256');
  for (const f of fs.readdirSync(dir).filter((x) => !x.endsWith('.md')).sort()) h.update(f).update(fs.readFileSync(path.join(dir, f)));
  return h.digest('hex').slice(0, 12);
}

function git(args: string): string {
  try {
    return execSync(`git ${args}`, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function configFor(spec: RunSpec, a: Args, seed: number, steps: number): ResolvedConfig {
  return resolveConfig({
    name: `bench-${spec.id}`,
    variant: spec.variant,
    data: { kind: spec.data },
    model: { latentDim: a.latent, hidden: a.hidden, depth: 2, packing: spec.packing },
    training: { steps, batchSize: a.batch, seed },
    logging: { evalSamples: a.evalSamples, modeSamples: a.modeSamples, imageMetricsEvery: a.every },
    backend: a.backend,
  });
}

/** The run's data with a stopwatch on sample(): batch preparation is part of every step. */
function timedData(base: TrainingData): { data: TrainingData; timer: { seconds: number; calls: number } } {
  const timer = { seconds: 0, calls: 0 };
  const data: TrainingData = {
    ...base,
    sample(n, seed) {
      const t0 = performance.now();
      const rows = base.sample(n, seed);
      timer.seconds += (performance.now() - t0) / 1000;
      timer.calls++;
      return rows;
    },
  };
  return { data, timer };
}

const log = (s: string) => process.stderr.write(`${s}\n`);
const fmtEval = (e: ImageQualityRecord) =>
  Object.entries(e)
    .filter(([k]) => k !== 'step' && k !== 'time')
    .map(([k, v]) => `${k} ${typeof v === 'number' ? (Math.abs(v) < 1 ? v.toFixed(4) : v.toFixed(1)) : v}`)
    .join(', ');

async function runOne(spec: RunSpec, seed: number, a: Args, builders: ModelBuilders, loaded: Map<string, TrainingData>): Promise<RunResult> {
  const wall0 = performance.now();
  const steps = stepsOf(spec, a);
  const cfg = configFor(spec, a, seed, steps);
  if (!loaded.has(spec.data)) loaded.set(spec.data, loadTrainingData(cfg.data));
  const { data, timer } = timedData(loaded.get(spec.data)!);
  const trainer = new GanTrainer(cfg, builders, { data });
  const image = trainer.data.image!;
  const classifier = classifierId();
  const quality = await ImageQuality.create(cfg.data, image, trainer.evalRealSamples, cfg.logging.evalSamples, seed, cfg.logging.modeSamples);
  const result: RunResult = { spec, seed, steps, trained: 0, evals: [], trainSeconds: 0, dataSeconds: 0, batches: 0, wallSeconds: 0, classifier };
  const stacked = spec.data === 'stacked-mnist';
  const evaluate = async (step: number, last: boolean) => {
    const fake = await trainer.generateEval();
    const t0 = performance.now();
    // The mode count (modeSamples images) only at the end: its number is what the papers report.
    const m = await quality.measure(fake, cfg.logging.evalSamples, stacked && last ? (n, i) => trainer.generate(n, i) : undefined);
    if (stacked && last) result.modeSeconds = (performance.now() - t0) / 1000;
    result.evals.push({ step, time: result.trainSeconds, ...m });
    log(`  ${spec.id} seed ${seed} step ${step}: ${fmtEval(m)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  };
  try {
    await evaluate(0, false);
    // Batches drawn while setting up (the evaluation set) are not training.
    timer.seconds = 0;
    timer.calls = 0;
    let window = { dReal: 0, dFake: 0, n: 0 };
    try {
      for (let s = 0; s < steps; s++) {
        const t0 = performance.now();
        const st = await trainer.step(s);
        result.trainSeconds += (performance.now() - t0) / 1000;
        result.trained = s + 1;
        window = { dReal: window.dReal + st.dReal, dFake: window.dFake + st.dFake, n: window.n + 1 };
        const done = s + 1;
        if (done % a.every === 0 || done === steps) {
          [result.dReal, result.dFake] = [window.dReal / window.n, window.dFake / window.n];
          window = { dReal: 0, dFake: 0, n: 0 };
          result.dataSeconds = timer.seconds;
          result.batches = timer.calls;
          log(`  ${spec.id} seed ${seed}: ${done}/${steps} steps, ${(done / result.trainSeconds).toFixed(2)} steps/s, data ${((100 * timer.seconds) / result.trainSeconds).toFixed(2)} % of step time`);
          await evaluate(done, done === steps);
        }
      }
    } catch (e) {
      if (!(e instanceof DivergedError)) throw e;
      result.diverged = e.message;
      log(`  ${spec.id} seed ${seed}: ${e.message}`);
    }
    result.dataSeconds = timer.seconds;
    result.batches = timer.calls;
  } finally {
    trainer.dispose();
    quality.dispose();
  }
  result.wallSeconds = (performance.now() - wall0) / 1000;
  return result;
}

// ---------------------------------------------------------------- tables

const num = (xs: (number | undefined)[]) => xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
const mean = (xs: number[]) => (xs.length ? xs.reduce((p, q) => p + q, 0) / xs.length : NaN);

/** Mean over seeds, with the range when there is more than one. */
function stat(values: (number | undefined)[], digits: number): string {
  const xs = num(values);
  if (!xs.length) return '–';
  const f = (x: number) => x.toFixed(digits);
  const m = f(mean(xs));
  return xs.length > 1 ? `${m} (${f(Math.min(...xs))}–${f(Math.max(...xs))})` : m;
}

function tables(results: RunResult[], a: Args, meta: string[]): string {
  const specs = a.runs;
  const bySpec = (s: RunSpec) => results.filter((r) => r.spec === s);
  const out: string[] = ['# Image GANs: DCGAN and WGAN-GP on MNIST, DCGAN and PacDCGAN2 on Stacked MNIST', '', ...meta, ''];

  out.push(
    '## Runs',
    '',
    `All runs train ${TEMPLATE} (model.depth 2: 7 → 14 → 28, model.hidden ${a.hidden} channels at the image end, doubling towards the small end; z of ${a.latent}), batch ${a.batch}, with GanTrainer (src/trainer/loop.ts), the trainer's own loop.`,
    '',
    '| run | steps | what |',
    '|---|---|---|',
    ...specs.map((s) => `| ${s.title} | ${stepsOf(s, a)} | ${s.about} |`),
    '',
  );

  // Speed and data wait.
  out.push(
    '## Speed and time spent waiting for data',
    '',
    'steps/s: generator steps (each with its D or critic steps) per second of training, the evaluations excluded. ' +
      'Data wait: time inside TrainingData.sample (drawing and copying the real batch); the trainer draws it synchronously inside the step (src/trainer/loop.ts realBatch), ' +
      'with no prefetch, so all of it is time the step waits for data; shown per generator step and as a share of the step. The issue\'s bar is under 5 %.',
    '',
    '| run | steps/s | ms per step | batches per step | data ms per step | data wait % of step | under 5 % | wall time | classifier (sha256 of its files) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...specs.map((s) => {
      const rs = bySpec(s).filter((r) => r.trained > 0);
      const sps = rs.map((r) => r.trained / r.trainSeconds);
      const share = rs.map((r) => (100 * r.dataSeconds) / r.trainSeconds);
      return `| ${s.title} | ${stat(sps, 2)} | ${stat(rs.map((r) => (1000 * r.trainSeconds) / r.trained), 1)} | ${stat(rs.map((r) => r.batches / r.trained), 0)} | ${stat(rs.map((r) => (1000 * r.dataSeconds) / r.trained), 3)} | ${stat(share, 2)} | ${share.length ? (share.every((x) => x < 5) ? 'yes' : 'no') : '–'} | ${stat(bySpec(s).map((r) => r.wallSeconds / 60), 1)} min | ${[...new Set(bySpec(s).map((r) => r.classifier))].join(', ')} |`;
    }),
    '',
  );

  // MNIST: quality over time.
  const mnist = specs.filter((s) => s.data === 'mnist');
  if (mnist.length) {
    out.push(
      '## MNIST: image quality over training',
      '',
      `FD: Fréchet distance between ${a.evalSamples} generated images (fixed z) and ${a.evalSamples} MNIST test images in the 128-d features of the project's MNIST classifier (assets/mnist-classifier). ` +
        '**It is not the Inception FID**: its scale is its own, comparable only with numbers measured this way. KID (×1, unbiased MMD², 10 subsets of 500) and precision/recall (k = 3, Kynkäänniemi et al.) in the same features. ' +
        'MS-SWD: multi-scale sliced Wasserstein distance (ProGAN) on Laplacian-pyramid patches of 256 images per side, ×10³, no network. Lower is better but for precision and recall. ' +
        `Training time: time inside the training steps up to that step (evaluations excluded). Step 0 is the untrained generator. ${a.seeds.length > 1 ? `Mean over seeds ${a.seeds.join(', ')}, range in brackets.` : `Seed ${a.seeds[0]}.`}`,
      '',
      '| run | step | training time | FD (classifier) | KID | precision | recall | MS-SWD ×10³ |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const s of mnist) {
      const rs = bySpec(s);
      const stepsSeen = [...new Set(rs.flatMap((r) => r.evals.map((e) => e.step)))].sort((p, q) => p - q);
      for (const step of stepsSeen) {
        const es = rs.map((r) => r.evals.find((e) => e.step === step));
        out.push(`| ${s.title} | ${step} | ${stat(es.map((e) => (e ? e.time / 60 : undefined)), 1)} min | ${stat(es.map((e) => e?.fd), 1)} | ${stat(es.map((e) => e?.kid), 4)} | ${stat(es.map((e) => e?.precision), 3)} | ${stat(es.map((e) => e?.recall), 3)} | ${stat(es.map((e) => e?.msSwd), 1)} |`);
      }
    }
    out.push('');
  }

  // Stacked MNIST: modes and KL beside the published rows.
  const stackedSpecs = specs.filter((s) => s.data === 'stacked-mnist');
  if (stackedSpecs.length) {
    out.push(
      '## Stacked MNIST: modes covered and KL at the last step, beside the published rows',
      '',
      `Modes: digit triples (of 1,000) that the project classifier finds, each channel classified on its own, among ${a.modeSamples.toLocaleString('en')} generated images (src/trainer/metrics/imageQuality.ts); ` +
        'KL: KL(generated mode histogram ‖ uniform over 1,000), natural log. MS-SWD as above (×10³). ' +
        `D(real) / D(fake): D's mean probability on real and generated batches over the last ${a.every} steps (near 1 / 0: D wins; near 0.5: balanced). ` +
        'The papers train far longer on a GPU (and count with their own classifier); our rows are this trainer after the steps shown, on this machine.' +
        (a.modeSamples < 26_000
          ? ` The papers count 26,000 images: the ${a.modeSamples.toLocaleString('en')} counted here are the first ${a.modeSamples.toLocaleString('en')} that a 26,000-image count would draw (the same z, chunk by chunk), so 26,000 could only cover as many modes or more; the plug-in KL of a histogram of fewer samples is biased upwards.`
          : ''),
      '',
      '| method | steps | modes (of 1,000) | KL | MS-SWD ×10³ | D(real) / D(fake), last steps | beats DCGAN 99 / 3.40 (modes / KL) | source |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const s of stackedSpecs) {
      const rs = bySpec(s);
      const lasts = rs.map((r) => r.evals.find((e) => e.modesCovered !== undefined));
      const modes = num(lasts.map((e) => e?.modesCovered));
      const kls = num(lasts.map((e) => e?.modeKL));
      const verdict = (row: Published) =>
        modes.length ? `${mean(modes) > row.modes ? 'yes' : 'no'} / ${mean(kls) < row.kl ? 'yes' : 'no'}` : '–';
      const diverged = rs.filter((r) => r.diverged).length;
      const steps = [...new Set(rs.map((r) => r.trained))].join(', ');
      out.push(
        `| **${s.title} (this trainer)** | ${steps}${diverged ? ` (${diverged} diverged)` : ''} | ${stat(modes, 1)} | ${stat(kls, 2)} | ${stat(lasts.map((e) => e?.msSwd), 1)} | ${stat(rs.map((r) => r.dReal), 2)} / ${stat(rs.map((r) => r.dFake), 2)} | ${verdict(DCGAN_ROW)}${s.packing === 2 ? `; vs PacDCGAN2 1000 / 0.06: ${verdict(PAC2_ROW)}` : ''} | measured here |`,
      );
    }
    const se = (x: number | undefined, d: number) => (x === undefined ? '' : ` ± ${x.toFixed(d)}`);
    for (const p of PUBLISHED) out.push(`| ${p.method} | – | ${p.modes.toFixed(1)}${se(p.modesSe, 2)} | ${p.kl.toFixed(2)}${se(p.klSe, 3)} | – | – | – | ${p.source} |`);
    out.push(
      '',
      'Sources: PacGAN Table 2 as printed in the authors\' repository (github.com/fjxmlzn/PacGAN, stacked_MNIST_experiments/results/Table2.png), read for this file; ' +
        'its DCGAN, ALI, Unrolled GAN and VEEGAN rows cite VEEGAN (Srivastava et al., NeurIPS 2017) Table 2, which was not itself read here. ' +
        'PacGAN\'s rows are means of 10 trials ± standard error; the same table lists its own DCGAN at 78.9 modes. ' +
        'The 26,000-sample count is the papers\' protocol as the project\'s logging.modeSamples documents it.',
      '',
    );
    const mc = results.filter((r) => r.modeSeconds !== undefined);
    if (mc.length) out.push(`Counting ${a.modeSamples.toLocaleString('en')} images took ${stat(mc.map((r) => r.modeSeconds), 1)} s per run (generation and classification).`, '');
  }

  const diverged = results.filter((r) => r.diverged);
  if (diverged.length) out.push('## Diverged runs', '', ...diverged.map((r) => `- ${r.spec.title}, seed ${r.seed}: ${r.diverged}`), '');
  return out.join('\n');
}

// ---------------------------------------------------------------- main

function packageVersion(name: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join('node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  const info = await pickBackend(a.backend, { imageData: true });
  const builders = await compileAndLoad(TEMPLATE);
  const loaded = new Map<string, TrainingData>();
  const t0 = performance.now();
  const results: RunResult[] = [];
  for (const spec of a.runs) {
    for (const seed of a.seeds) {
      log(`${spec.id} seed ${seed}: training ${stepsOf(spec, a)} steps`);
      const r = await runOne(spec, seed, a, builders, loaded);
      results.push(r);
      log(`${spec.id} seed ${seed}: done in ${r.wallSeconds.toFixed(0)} s (${tf.memory().numTensors} tensors alive)`);
    }
  }
  const commit = git('rev-parse --short HEAD') || '?';
  // Other work may sit uncommitted in the tree this ran from: say so.
  const modified = git('status --porcelain --untracked-files=no').split('\n').filter(Boolean).map((l) => l.trim().replace(/^\S+\s+/, ''));
  const classifierDir = path.relative('.', mnistClassifierDir());
  const classifierTracked = git(`ls-files ${classifierDir}`) !== '';
  const classifiers = [...new Set(results.map((r) => r.classifier))];
  const cpu = os.cpus();
  const meta = [
    `${new Date().toISOString().slice(0, 10)} · ${cpu.length} cores (${cpu[0]?.model ?? '?'}), load average at the end ${os.loadavg()[0].toFixed(1)} · Node ${process.version} · @tensorflow/tfjs ${tf.version.tfjs}, tfjs-backend-wasm ${packageVersion('@tensorflow/tfjs-backend-wasm')} · backend ${info.name} (${info.reason}) · total ${((performance.now() - t0) / 60000).toFixed(1)} min`,
    '',
    `\`npx tsx bench/images.ts ${process.argv.slice(2).join(' ')}\``,
    '',
    `Source: commit ${commit}${modified.length ? ` with uncommitted changes in ${modified.join(', ')}` : ''}. ` +
      `Classifier (${classifierDir}${classifierTracked ? '' : ', not tracked by git at the time'}): sha256 ${classifiers.join(', ')} (of its weight files)` +
      (classifiers.length > 1 ? ' — **the weights changed between runs**, so the runs\' classifier numbers are not comparable with each other.' : ', the same for every run.'),
    '',
    'Every number below marked "this trainer" or in the MNIST and speed tables is measured by this script in this run; the published rows are quoted, with their source.',
  ];
  const text = tables(results, a, meta);
  process.stdout.write(`${text}\n`);
  if (a.out) {
    fs.mkdirSync(path.dirname(a.out), { recursive: true });
    fs.writeFileSync(a.out, `${text}\n`);
    log(`wrote ${a.out}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof UsageError ? `usage: ${e.message}` : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
});
