/**
 * EBGAN and BEGAN in the trainer, on the wasm backend with fixed seeds and
 * small budgets: BEGAN's k_t stays in [0, 1] while M_global falls, k_t goes
 * through checkpoints, an auto-encoder D is drawn and checked as one, and
 * both variants end measurably closer to 8 Gaussians than they start.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { resolveConfig } from '../../src/protocol/config';
import { pickBackend } from '../../src/trainer/backend';
import { captureState, restoreState } from '../../src/trainer/checkpoint';
import { compileAndLoad, type ModelBuilders } from '../../src/trainer/compile';
import { GanTrainer, type StepStats } from '../../src/trainer/loop';
import { experiment, readJsonl, trainCli } from './helpers';

let toy: ModelBuilders;
before(async () => {
  await pickBackend('wasm');
  toy = await compileAndLoad('templates/toy/model.ts');
});

const small = (variant: string, training: object = {}, options: object = {}) =>
  resolveConfig({
    name: 't',
    variant,
    data: { name: '8gaussians' },
    model: { hidden: 32, depth: 2 },
    training: { batchSize: 64, seed: 2, ...training },
    options,
    logging: { evalSamples: 256 },
  });

const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;

test('BEGAN on 8 Gaussians: k_t stays in [0, 1] at every step while it rises and falls back, and M_global falls (first 20 steps vs last 20)', async () => {
  // λ_k = 0.1 and γ = 1 (paper: 0.001 and 0.5) make k_t travel within 200 steps: measured, it rises to about 0.35 and
  // returns to 0, so both clips of the update are exercised by training, not only by the unit test's hand values.
  const t = new GanTrainer(small('began', { lrD: 2e-3, lrG: 2e-3 }, { beganLambdaK: 0.1, beganGamma: 1 }), toy);
  const stats: StepStats[] = [];
  for (let s = 0; s < 200; s++) stats.push(await t.step(s));
  t.dispose();
  const k = stats.map((st) => st.kT as number);
  const m = stats.map((st) => st.mGlobal as number);
  assert.ok(k.every((v) => typeof v === 'number' && v >= 0 && v <= 1), 'k_t left [0, 1]');
  const peak = k.indexOf(Math.max(...k));
  assert.ok(k[peak] > 0.05, `k_t only reached ${k[peak]}`);
  assert.ok(Math.min(...k.slice(peak)) < k[peak] / 2, 'k_t never came back down');
  const first = mean(m.slice(0, 20));
  const last = mean(m.slice(-20));
  process.stdout.write(`# BEGAN: max k_t ${Math.max(...k).toFixed(4)}, M_global ${first.toFixed(3)} → ${last.toFixed(3)}\n`);
  assert.ok(last < 0.5 * first, `M_global ${first} → ${last} did not halve`);
});

test('BEGAN resume: k_t is saved with the checkpoint, a restored trainer continues exactly, and without it the next step differs', async () => {
  // λ_k = 0.1 moves k_t off 0 within a few steps, so a lost k_t would show.
  const cfg = small('began', { lrD: 2e-3, lrG: 2e-3 }, { beganLambdaK: 0.1, beganGamma: 1 });
  const a = new GanTrainer(cfg, toy);
  let last: StepStats | undefined;
  for (let s = 0; s < 6; s++) last = await a.step(s);
  const saved = await captureState(a.checkpointParts());
  assert.ok(saved.variantState && saved.variantState.kT > 0, `k_t is ${saved.variantState?.kT} after 6 steps`);
  assert.equal(saved.variantState.kT, last!.kT);
  const b = new GanTrainer(cfg, toy);
  await restoreState(b.checkpointParts(), saved.arrays, saved.variantState);
  const c = new GanTrainer(cfg, toy);
  await restoreState(c.checkpointParts(), saved.arrays); // the weights without k_t
  for (let s = 6; s < 8; s++) {
    const sa = await a.step(s);
    assert.deepEqual(await b.step(s), sa, `step ${s} after restore differs`);
    if (s === 6) assert.notEqual((await c.step(s)).lossD, sa.lossD, 'k_t = 0 instead of the saved one should change the D loss');
  }
  [a, b, c].forEach((t) => t.dispose());
});

test('auto-encoder D: the heatmap is minus the energy, wEstimate is not reported, and a D of the wrong shape or without encode is refused by name', async () => {
  const t = new GanTrainer(small('ebgan'), toy);
  const st = await t.step(0);
  assert.equal(st.wEstimate, null);
  assert.ok(st.dReal > 0 && st.dFake > 0, 'energies are mean squared errors');
  const snap = await t.snapshot(1);
  assert.ok(snap.kind === 'toy2d');
  assert.ok(snap.heatmap.values.every((v) => v <= 0) && snap.heatmap.values.some((v) => v < 0), 'heatmap holds −energy');
  t.dispose();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-ae-'));
  const write = (name: string, d: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `import { mlp, relu, type ModelContext } from 'gan-workbench';
export const buildGenerator = (ctx: ModelContext) => mlp(ctx, ctx.latentDim, ctx.dataDim, 'G', relu);
export const buildDiscriminator = (ctx: ModelContext) => ${d};
`);
    return compileAndLoad(file);
  };
  const scoreD = await write('score.ts', "mlp(ctx, ctx.dataDim, 1, 'D', relu)");
  assert.throws(() => new GanTrainer(small('began'), scoreD), /buildDiscriminator must return a reconstruction of its input, shape \[n, 2\], for BEGAN.*returned shape \[2, 1\]/);
  const plainAe = await write('plain.ts', "mlp(ctx, ctx.dataDim, ctx.dataDim, 'D', relu)"); // an auto-encoder shape, no encode()
  assert.throws(() => new GanTrainer(small('ebgan', {}, { pullAwayWeight: 0.1 }), plainAe), /options\.pullAwayWeight is 0\.1 but buildDiscriminator returned no encode\(x\)/);
  new GanTrainer(small('ebgan'), plainAe).dispose(); // without the pull-away term it needs no encoder
});

test('EBGAN (with the pull-away term) halves the sliced Wasserstein distance on 8 Gaussians', async () => {
  // The protocol of variants-train.test.ts (CLI, wasm, seed 1, hidden 64, batch 128, first vs last record).
  // λ_PT = 0.1 is the paper's EBGAN-PT; lr 1e-3 suits the small 2-D problem (measured: 0.39 of the first
  // distance at 600 steps in process; plain EBGAN ended at 0.49–0.62, too close to the bar to test on).
  const exp = experiment({
    name: 'train-ebgan',
    variant: 'ebgan',
    data: { name: '8gaussians' },
    model: { hidden: 64 },
    training: { seed: 1, batchSize: 128, steps: 600, lrD: 1e-3, lrG: 1e-3 },
    options: { pullAwayWeight: 0.1 },
    logging: { metricsEvery: 50, samplesEvery: 1000, evalSamples: 1024 },
  });
  const runDir = path.join(exp.dir, 'run');
  const r = await trainCli(exp.config, runDir);
  assert.equal(r.code, 0, r.stderr);
  const metrics = readJsonl(path.join(runDir, 'metrics.jsonl'));
  const first = metrics[0];
  const last = metrics[metrics.length - 1];
  process.stdout.write(`# ebgan: swd ${first.swd.toFixed(3)} → ${last.swd.toFixed(3)}, ${last.modesCovered}/8 modes\n`);
  assert.equal(last.step, 600);
  assert.ok(last.swd <= first.swd / 2, `sliced Wasserstein ${first.swd} → ${last.swd} did not halve`);
  assert.ok(metrics.every((m) => m.wEstimate === null && m.dReal >= 0 && m.dFake >= 0), 'energies reported, no W estimate');
  fs.rmSync(exp.dir, { recursive: true, force: true });
});
