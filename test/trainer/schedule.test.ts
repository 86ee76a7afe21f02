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
