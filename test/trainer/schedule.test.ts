/**
 * The schedule options work for every variant: training.nCritic sets the
 * number of D updates per G update, and training.lrD / training.lrG (two
 * time-scale update rule) are the step sizes each player really takes.
 *
 * The step-size check uses Adam's first update, which moves every weight by
 * lr·g/(|g| + ε) — by lr itself for any weight whose gradient is not ~0 — so
 * the largest weight change of each network after one update is its
 * learning rate.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { resolveConfig } from '../../src/protocol/config';
import { VARIANT_IDS, VARIANTS } from '../../src/protocol/variants';
import { pickBackend } from '../../src/trainer/backend';
import { compileAndLoad, type ModelBuilders } from '../../src/trainer/compile';
import { learningRateScale } from '../../src/protocol/schedule';
import { GanTrainer } from '../../src/trainer/loop';

let builders: ModelBuilders;
before(async () => {
  await pickBackend('wasm');
  builders = await compileAndLoad('templates/toy/model.ts');
});

/** Options that keep a variant's own post-update changes out of the measurement (clipping a weight moves it too). */
function neutralOptions(variant: string): object {
  return variant === 'wgan-clip' ? { clipValue: 1000 } : {};
}

function config(variant: string, training: object) {
  return resolveConfig({
    name: 't',
    variant,
    data: { name: '8gaussians' },
    model: { hidden: 16, depth: 2 },
    training: { batchSize: 32, optimizer: 'adam', ...training },
    options: neutralOptions(variant),
    logging: { evalSamples: 64 },
  });
}

const snapshot = (vars: tf.Variable[]) => vars.map((v) => Float32Array.from(v.dataSync()));
const maxChange = (vars: tf.Variable[], before: Float32Array[]) =>
  Math.max(...vars.map((v, i) => Math.max(...Array.from(v.dataSync(), (x, j) => Math.abs(x - before[i][j])))));

test('every variant: nCritic discriminator updates per generator update', async () => {
  for (const variant of VARIANT_IDS) {
    const t = new GanTrainer(config(variant, { nCritic: 3 }), builders);
    const { optD, optG } = t.checkpointParts();
    await t.step(0);
    await t.step(1);
    assert.deepEqual([optD.iterations, optG.iterations], [6, 2], `${variant}: D and G updates after 2 steps`);
    t.dispose();
  }
});

test('every variant: lrD and lrG are the step sizes D and G take (and each variant has its own defaults)', async () => {
  const lrD = 1e-3;
  const lrG = 4e-3;
  for (const variant of VARIANT_IDS) {
    const t = new GanTrainer(config(variant, { nCritic: 1, lrD, lrG }), builders);
    const d0 = snapshot(t.D.variables);
    const g0 = snapshot(t.G.variables);
    await t.step(0);
    const dMove = maxChange(t.D.variables, d0);
    const gMove = maxChange(t.G.variables, g0);
    assert.ok(Math.abs(dMove - lrD) <= 0.02 * lrD, `${variant}: D's largest step ${dMove}, lrD ${lrD}`);
    assert.ok(Math.abs(gMove - lrG) <= 0.02 * lrG, `${variant}: G's largest step ${gMove}, lrG ${lrG}`);
    t.dispose();
  }
  // Without overrides, each variant's catalogue values apply.
  for (const v of VARIANTS) {
    const cfg = resolveConfig({ name: 't', variant: v.id, data: { name: '8gaussians' } });
    assert.deepEqual([cfg.training.lrD, cfg.training.lrG, cfg.training.nCritic], [v.optimizer.lrD, v.optimizer.lrG, v.nCritic], v.id);
  }
});

test('every variant: training.lrDecayStart scales both step sizes by (steps − step) / (steps − start) from that step on', async () => {
  const lrD = 1e-3;
  const lrG = 4e-3;
  for (const variant of VARIANT_IDS) {
    // Steps 8, decay from step 2: generator step 5 runs at (8 − 5) / (8 − 2) = 0.5 of each rate. Called
    // first, step 5 is Adam's first update, whose largest move is the rate itself.
    const t = new GanTrainer(config(variant, { nCritic: 1, lrD, lrG, steps: 8, lrDecayStart: 2 }), builders);
    const d0 = snapshot(t.D.variables);
    const g0 = snapshot(t.G.variables);
    await t.step(5);
    const dMove = maxChange(t.D.variables, d0);
    const gMove = maxChange(t.G.variables, g0);
    assert.ok(Math.abs(dMove - 0.5 * lrD) <= 0.01 * lrD, `${variant}: D's largest step ${dMove}, half of lrD ${lrD}`);
    assert.ok(Math.abs(gMove - 0.5 * lrG) <= 0.01 * lrG, `${variant}: G's largest step ${gMove}, half of lrG ${lrG}`);
    t.dispose();
  }
});

test('lrDecayStart: full rates before it, the schedule by step alone (RMSProp too), and a start at or past the last step named as an error', async () => {
  assert.deepEqual([0, 1, 2, 3, 5, 7].map((s) => learningRateScale(s, 8, 2)), [1, 1, 1, 5 / 6, 0.5, 1 / 6]);
  assert.equal(learningRateScale(7, 8, undefined), 1);
  // RMSProp's first update moves a weight by lr·g/√(0.1·g²) = lr·√10: the ratio of two runs' moves is the scale.
  const move = async (training: object, step: number) => {
    const t = new GanTrainer(config('wgan-clip', { nCritic: 1, optimizer: 'rmsprop', lrD: 1e-4, lrG: 1e-4, steps: 10, ...training }), builders);
    const g0 = snapshot(t.G.variables);
    await t.step(step);
    const m = maxChange(t.G.variables, g0);
    t.dispose();
    return m;
  };
  const constant = await move({}, 7);
  assert.ok(Math.abs((await move({ lrDecayStart: 4 }, 7)) / constant - 0.5) < 0.01, 'step 7 of 10 decaying from 4: half the rate');
  assert.ok(Math.abs((await move({ lrDecayStart: 8 }, 7)) / constant - 1) < 1e-6, 'before the decay: the full rate');
  assert.throws(() => config('gan-ns', { steps: 100, lrDecayStart: 100 }), /training\.lrDecayStart: 100 is not below training\.steps \(100\).*use a smaller step \(50/s);
});
