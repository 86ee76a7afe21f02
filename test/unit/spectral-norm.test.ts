/**
 * Spectral normalization ('gan-workbench' spectralNorm): after its power
 * iterations, the largest singular value of each wrapped weight, divided by
 * the layer's σ estimate, is within 5% of 1, checked against an SVD-free
 * reference (power iteration on wᵀw to convergence, in float64).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { resolveConfig } from '../../src/protocol/config';
import { pickBackend } from '../../src/trainer/backend';
import type { ModelBuilders } from '../../src/trainer/compile';
import { GanTrainer } from '../../src/trainer/loop';
import { dense, minibatchStd, mlp, relu, spectralNorm, uniqueName, type ModelContext, type Module } from '../../src/trainer/userApi';

before(async () => {
  await pickBackend('wasm');
});

function ctx(seed0 = 10, hidden = 16): ModelContext {
  let s = seed0;
  return { latentDim: 2, dataDim: 2, hidden, depth: 2, spectralNorm: false, minibatchStd: false, packing: 1, classes: 0, conditional: 'none', output: 'critic', nextSeed: () => s++ };
}

/** Largest singular value of a row-major rows×cols matrix: power iteration on AᵀA to convergence. */
function topSingularValue(a: ArrayLike<number>, rows: number, cols: number): number {
  let x = Array.from({ length: cols }, (_, i) => 1 + 0.1 * Math.sin(i + 1));
  let sigma = 0;
  for (let it = 0; it < 5000; it++) {
    const ax = Array.from({ length: rows }, (_, r) => x.reduce((s, xc, c) => s + a[r * cols + c] * xc, 0));
    const atax = Array.from({ length: cols }, (_, c) => ax.reduce((s, v, r) => s + a[r * cols + c] * v, 0));
    const n = Math.hypot(...atax);
    const next = Math.sqrt(n / Math.hypot(...x));
    x = atax.map((v) => v / n);
    if (Math.abs(next - sigma) < 1e-12 * next) return next;
    sigma = next;
  }
  return sigma;
}

test('reference: the power iteration finds the top singular value of a known matrix', () => {
  // diag(3, 2) rotated: singular values 3 and 2.
  const c = Math.cos(0.3);
  const s = Math.sin(0.3);
  const m = [3 * c, -2 * s, 3 * s, 2 * c];
  assert.ok(Math.abs(topSingularValue(m, 2, 2) - 3) < 1e-9);
});

test('σ estimate converges under power iterations: w/σ has largest singular value within 5% of 1', () => {
  const layer = spectralNorm(ctx(), dense(ctx(3), 12, 7, 'sn-a'));
  layer.w.assign(tf.mul(layer.w, 3)); // σ(w) far from 1
  for (let i = 0; i < 20; i++) tf.tidy(() => layer.afterUpdate!());
  const w = layer.w.dataSync();
  const exact = topSingularValue(w, 12, 7);
  const est = layer.sigma().dataSync()[0];
  assert.ok(Math.abs(exact / est - 1) < 0.05, `σ(w) ${exact} vs estimate ${est}`);
  // The layer's forward pass uses w/σ: its matrix, recovered from the identity input, has σ ≈ 1.
  const eff = tf.sub(layer.apply(tf.eye(12) as tf.Tensor2D), layer.b).dataSync();
  const top = topSingularValue(eff, 12, 7);
  assert.ok(Math.abs(top - 1) < 0.05, `largest singular value of w/σ: ${top}`);
});

test('one power step per update while training: every wrapped weight stays within 5% of σ = 1', () => {
  const D = mlp(ctx(20), 2, 1, 'sn-D', undefined, { spectralNorm: true });
  const opt = tf.train.adam(1e-2);
  const x = tf.randomNormal([64, 2], 0, 1, 'float32', 1) as tf.Tensor2D;
  for (let i = 0; i < 60; i++) {
    tf.tidy(() => {
      opt.minimize(() => tf.neg(tf.mean(tf.square(D.apply(x)))) as tf.Scalar, false, D.variables);
    });
    tf.tidy(() => D.afterUpdate!());
  }
  const ws = D.variables.filter((v) => v.rank === 2);
  assert.equal(ws.length, 3);
  for (const w of ws) {
    const [rows, cols] = w.shape;
    const exact = topSingularValue(w.dataSync(), rows, cols);
    const u = tf.engine().registeredVariables[`${w.name}/sn_u`];
    const v = tf.engine().registeredVariables[`${w.name}/sn_v`];
    const est = tf.tidy(() => tf.sum(tf.mul(v, tf.matMul(w, u)))).dataSync()[0];
    assert.ok(Math.abs(exact / est - 1) < 0.05, `${w.name}: σ(w) ${exact}, estimate ${est}`);
  }
  opt.dispose();
});

test('gradient flows through σ(w): autodiff matches finite differences with u, v fixed', () => {
  const layer = spectralNorm(ctx(), dense(ctx(5), 3, 4, 'sn-g'));
  const x = tf.randomNormal([5, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
  const f = () => tf.sum(tf.square(layer.apply(x))) as tf.Scalar;
  const g = tf.variableGrads(f, [layer.w]).grads[layer.w.name].dataSync();
  const w0 = layer.w.dataSync().slice();
  const h = 1e-2;
  for (const idx of [0, 5, 11]) {
    const at = (d: number) => {
      const wp = w0.slice();
      wp[idx] += d;
      layer.w.assign(tf.tensor(wp, layer.w.shape));
      return f().dataSync()[0];
    };
    const fd = (at(h) - at(-h)) / (2 * h);
    layer.w.assign(tf.tensor(w0, layer.w.shape));
    assert.ok(Math.abs(g[idx] - fd) <= 1e-3 + 0.02 * Math.abs(fd), `∂/∂w[${idx}]: ${g[idx]} vs ${fd}`);
  }
});

test('the trainer runs the power step after each update of a spectrally normalized discriminator', async () => {
  let Dmod: Module | undefined;
  const builders: ModelBuilders = {
    buildGenerator: (c: ModelContext) => mlp(c, c.latentDim, c.dataDim, 'snG'),
    buildDiscriminator: (c: ModelContext) => (Dmod = mlp(c, c.dataDim, 1, 'snD', undefined, { spectralNorm: true })),
  };
  const cfg = resolveConfig({ name: 't', variant: 'hinge', data: { name: '8gaussians' }, model: { hidden: 16, depth: 2 }, training: { batchSize: 32 }, logging: { evalSamples: 64 } });
  const t = new GanTrainer(cfg, builders);
  const u = tf.engine().registeredVariables[`${Dmod!.variables[0].name}/sn_u`];
  const u0 = Array.from(u.dataSync());
  await t.step(0);
  const n = tf.memory().numTensors;
  for (let s = 1; s < 4; s++) await t.step(s);
  assert.equal(tf.memory().numTensors, n, 'live tensors changed');
  assert.notDeepEqual(Array.from(u.dataSync()), u0, 'u did not move');
  t.dispose();
});

test('minibatch standard deviation: mean over features of the batch std, appended to every sample; mlp passes it through applyWith', () => {
  // Features (0, 2) and (0, 4): variances 1 and 4 → stds 1 and 2 → 1.5 appended.
  const y = minibatchStd(tf.tensor2d([[0, 0], [2, 4]]));
  assert.deepEqual(Array.from(y.dataSync()).map((v) => Math.round(v * 1e4) / 1e4), [0, 0, 1.5, 2, 4, 1.5]);
  const net = mlp(ctx(8), 2, 1, uniqueName('mbstd'), relu, { minibatchStd: true });
  const x = tf.tensor2d([[0.1, 0.2], [0.3, -0.4], [1, 1]]);
  const out = net.apply(x).dataSync();
  assert.deepEqual(Array.from(net.applyWith!(x, net.variables).dataSync()), Array.from(out));
  // Each score depends on the rest of the batch.
  assert.notEqual(net.apply(tf.slice(x, [0, 0], [2, 2]) as tf.Tensor2D).dataSync()[0], out[0]);
});
