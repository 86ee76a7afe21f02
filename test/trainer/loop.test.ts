/**
 * The training loop on the wasm backend: no tensor leaks, determinism, and
 * divergence handling. Small models, few steps.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { resolveConfig } from '../../src/protocol/config';
import { VARIANT_IDS, variantInfo } from '../../src/protocol/variants';
import { pickBackend } from '../../src/trainer/backend';
import { compileAndLoad, type ModelBuilders } from '../../src/trainer/compile';
import { DivergedError, GanTrainer } from '../../src/trainer/loop';

let builders: ModelBuilders;
before(async () => {
  await pickBackend('wasm');
  builders = await compileAndLoad('templates/toy/model.ts');
});

const small = (variant: string, extra: object = {}) =>
  resolveConfig({ name: 't', variant, data: { name: '8gaussians' }, model: { hidden: 16, depth: 2 }, training: { batchSize: 32, steps: 5 }, logging: { evalSamples: 64 }, ...extra });

test('every variant: the number of live tensors is the same after every step, and dispose() frees all the trainer made', async () => {
  for (const variant of VARIANT_IDS) {
    const atStart = tf.memory().numTensors;
    // Spectral norm's vectors on one variant, the moving average of G (training.emaG) on another.
    const extra = variant === 'gan-ns' ? { model: { hidden: 16, depth: 2, spectralNorm: true } } : variant === 'wgan-gp' ? { training: { batchSize: 32, steps: 5, emaG: 0.99 } } : {};
    const t = new GanTrainer(small(variant, extra), builders);
    await t.step(0); // optimizers create their slot variables on the first update
    await t.snapshot(1);
    const after1 = tf.memory().numTensors;
    for (let s = 1; s < 4; s++) {
      await t.step(s);
      t.quality(await t.generateEval());
      await t.snapshot(s + 1);
      assert.equal(tf.memory().numTensors, after1, `${variant}: live tensors changed at step ${s}`);
    }
    t.dispose();
    // Weights, spectral norm's vectors, G's average, optimizer slots, the evaluation noise: nothing outlives the trainer.
    assert.equal(tf.memory().numTensors, atStart, `${variant}: tensors left after dispose()`);
  }
});

test('same seed, same backend: identical step statistics; another seed differs', async () => {
  const run = async (seed: number) => {
    const t = new GanTrainer(small('wgan-gp', { training: { batchSize: 32, seed } }), builders);
    const out = [];
    for (let s = 0; s < 3; s++) out.push(await t.step(s));
    out.push(t.quality(await t.generateEval()));
    t.dispose();
    return out;
  };
  assert.deepEqual(await run(3), await run(3));
  assert.notDeepEqual(await run(3), await run(4));
});

test('an absurd learning rate diverges with the first non-finite quantity named, and no update applied', async () => {
  const t = new GanTrainer(small('gan-ns', { training: { batchSize: 32, lrD: 1e5, lrG: 1e5, optimizer: 'rmsprop' } }), builders);
  let err: unknown;
  const weightsBefore: number[][] = [];
  try {
    for (let s = 0; s < 200; s++) {
      weightsBefore.length = 0;
      for (const v of [...t.D.variables, ...t.G.variables]) weightsBefore.push(Array.from(v.dataSync()));
      await t.step(s);
    }
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof DivergedError, `expected divergence, got ${err}`);
  assert.match(err.message, /diverged at step \d+: the (discriminator|generator) (loss|gradient)/);
  // The update that produced the non-finite value was not applied: every weight is still finite.
  for (const v of [...t.D.variables, ...t.G.variables]) assert.ok(Array.from(v.dataSync()).every(Number.isFinite), `${v.name} holds a non-finite weight`);
  t.dispose();
});

/** A user model whose D is a plain mlp: it ignores the config's model switches. */
async function plainMlpModel(): Promise<ModelBuilders> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-plain-')), 'model.ts');
  fs.writeFileSync(
    file,
    "import { mlp, relu, type ModelContext } from 'gan-workbench';\n" +
      "export const buildGenerator = (c: ModelContext) => mlp(c, c.latentDim, c.dataDim, 'G', relu);\n" +
      "export const buildDiscriminator = (c: ModelContext) => mlp(c, c.dataDim, 1, 'D', relu);\n",
  );
  return compileAndLoad(file);
}

test('model.spectralNorm: the template wraps every D layer, auto-encoders included (u, v saved as state); a D that ignores it is refused by name', async () => {
  const t = new GanTrainer(small('wgan-clip', { model: { hidden: 16, depth: 2, spectralNorm: true } }), builders);
  assert.equal(t.D.stateVariables?.length, 2 * 3, 'u and v for each of the 3 layers');
  await t.step(0);
  t.dispose();
  // The auto-encoder D of EBGAN and BEGAN too: encoder and decoder, 3 layers each.
  for (const variant of ['ebgan', 'began']) {
    const ae = new GanTrainer(small(variant, { model: { hidden: 16, depth: 2, spectralNorm: true } }), builders);
    assert.equal(ae.D.stateVariables?.length, 2 * 6, `${variant}: u and v for each of the 6 layers`);
    await ae.step(0);
    ae.dispose();
  }
  const ignoring = await plainMlpModel();
  assert.throws(() => new GanTrainer(small('wgan-clip', { model: { hidden: 16, depth: 2, spectralNorm: true } }), ignoring), /model\.spectralNorm is true but buildDiscriminator applied no spectral normalization/);
});

test('model.minibatchStd: the template D sees its batch (a sample\'s score depends on the others); a D that ignores it is refused by name', async () => {
  const t = new GanTrainer(small('gan-ns', { model: { hidden: 16, depth: 2, minibatchStd: true } }), builders);
  const x = tf.tensor2d([[0.1, 0.2], [0.3, -0.1]]);
  const a = t.D.apply(x).dataSync()[0];
  const b = t.D.apply(tf.concat([x, tf.tensor2d([[2, 2]])]) as tf.Tensor2D).dataSync()[0];
  assert.notEqual(a, b);
  await t.step(0);
  t.dispose();
  const ignoring = await plainMlpModel();
  assert.throws(() => new GanTrainer(small('gan-ns', { model: { hidden: 16, depth: 2, minibatchStd: true } }), ignoring), /model\.minibatchStd is true but buildDiscriminator scores each sample on its own/);
});

test('model.packing (PacGAN): D takes packs of m samples, every variant that scores samples trains on them without leaking tensors; a D built for single samples is refused by name', async () => {
  // Every variant whose D scores samples (an auto-encoder D reconstructs one at a time: config refuses packing there).
  for (const variant of VARIANT_IDS.filter((v) => variantInfo(v).output !== 'autoencoder')) {
    const t = new GanTrainer(small(variant, { model: { hidden: 16, depth: 2, packing: 4 } }), builders);
    assert.equal(t.D.variables[0].shape[0], 2 * 4, `${variant}: D's first layer takes 4 packed points`);
    await t.step(0);
    const snap = await t.snapshot(1);
    const live = tf.memory().numTensors;
    for (let s = 1; s < 3; s++) {
      const st = await t.step(s);
      assert.ok(Number.isFinite(st.lossD) && Number.isFinite(st.lossG), `${variant}: finite losses at step ${s}`);
      await t.lipschitz(await t.generateEval());
      await t.snapshot(s + 1);
      assert.equal(tf.memory().numTensors, live, `${variant}: live tensors changed at step ${s}`);
    }
    // The heatmap scores each cell as a pack of copies of its point: one value per cell.
    assert.ok(snap.kind === 'toy2d');
    assert.equal(snap.heatmap.values.length, snap.heatmap.size ** 2);
    t.dispose();
  }
  const ignoring = await plainMlpModel();
  assert.throws(
    () => new GanTrainer(small('gan-ns', { model: { hidden: 16, depth: 2, packing: 2 } }), ignoring),
    /model\.packing is 2 but buildDiscriminator does not take packs of 2 samples \(4 inputs: ctx\.dataDim \* ctx\.packing\)/,
  );
});

test('model.packing: a pack is its samples side by side, and D\'s score of a pack is D on that row', async () => {
  const { pack, repeatRows } = await import('../../src/trainer/packing');
  const x = tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]);
  assert.deepEqual(pack(x, 2).arraySync(), [[1, 2, 3, 4], [5, 6, 7, 8]]);
  assert.deepEqual(pack(x, 4).arraySync(), [[1, 2, 3, 4, 5, 6, 7, 8]]);
  assert.equal(pack(x, 1), x);
  assert.throws(() => pack(x, 3), /4 samples do not split into packs of 3/);
  assert.deepEqual(pack(repeatRows(tf.tensor2d([[1, 2], [3, 4]]), 3), 3).arraySync(), [[1, 2, 1, 2, 1, 2], [3, 4, 3, 4, 3, 4]]);
  tf.dispose(x);
});
