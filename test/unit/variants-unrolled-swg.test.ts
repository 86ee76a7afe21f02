/**
 * Unrolled GAN and the sliced Wasserstein generator, piece by piece:
 *   - the functional optimizer steps equal the real optimizer's update;
 *   - the unrolled generator gradient matches central differences (K = 1, 2)
 *     and differs from both the K = 0 gradient and the gradient that treats
 *     θ_D^K as constants (so the second-order terms are there);
 *   - the sliced Wasserstein loss equals a brute-force optimal matching;
 *   - the Module additions (applyWith, features) and the error a D without
 *     them gets.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { resolveConfig } from '../../src/protocol/config';
import * as L from '../../src/trainer/losses';
import { GanTrainer } from '../../src/trainer/loop';
import { randomUnitColumns, slicedWassersteinLoss } from '../../src/trainer/swLoss';
import { functionalCopy, unrollParameters } from '../../src/trainer/unroll';
import { dense, mlp, spectralNorm, tanh, type Module, type ModelContext } from '../../src/trainer/userApi';
import { VARIANT_IMPLS } from '../../src/trainer/variants';

before(async () => {
  await tf.setBackend('cpu');
});

function ctx(seed0: number, hidden = 6, depth = 1): ModelContext {
  let s = seed0;
  return { latentDim: 2, dataDim: 2, hidden, depth, spectralNorm: false, minibatchStd: false, packing: 1, classes: 0, conditional: 'none', output: 'logit', nextSeed: () => s++ };
}

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

/** One real update of `opt` on D's GAN loss, so its moments are not zero. */
function warmUp(D: Module, opt: tf.Optimizer, real: tf.Tensor2D, fake: tf.Tensor2D): void {
  opt.minimize(() => L.ganDiscriminatorLoss(D.apply(real), D.apply(fake)), false, D.variables);
}

for (const kind of ['adam', 'rmsprop'] as const) {
  test(`functional ${kind} step equals the optimizer's own update, from its current moments`, () => {
    const D = mlp(ctx(3), 2, 1, `Dfun-${kind}`, tanh);
    const opt = kind === 'adam' ? tf.train.adam(0.05, 0.5, 0.9) : tf.train.rmsprop(0.05);
    const real = tf.randomNormal([8, 2], 0, 1, 'float32', 1) as tf.Tensor2D;
    const fake = tf.randomNormal([8, 2], 0, 1, 'float32', 2) as tf.Tensor2D;
    for (let i = 0; i < 3; i++) warmUp(D, opt, real, fake);
    const loss = () => L.ganDiscriminatorLoss(D.apply(real), D.apply(fake));
    const { grads } = tf.variableGrads(loss, D.variables);
    const g = D.variables.map((v) => grads[v.name]);
    const predicted = functionalCopy(opt, D.variables).step([...D.variables], g).map((t) => t.clone());
    opt.applyGradients(D.variables.map((v) => ({ name: v.name, tensor: grads[v.name] })));
    D.variables.forEach((v, i) => assert.ok(maxAbsDiff(v, predicted[i]) < 1e-6, `${kind}: ${v.name} differs by ${maxAbsDiff(v, predicted[i])}`));
    // The moments matter: a fresh optimizer (zero moments) would predict another step.
    const fresh = kind === 'adam' ? tf.train.adam(0.05, 0.5, 0.9) : tf.train.rmsprop(0.05);
    const { grads: g2 } = tf.variableGrads(loss, D.variables);
    const fromZero = functionalCopy(fresh, D.variables).step([...D.variables], D.variables.map((v) => g2[v.name]));
    const fromLive = functionalCopy(opt, D.variables).step([...D.variables], D.variables.map((v) => g2[v.name]));
    assert.ok(Math.max(...fromZero.map((t, i) => maxAbsDiff(t, fromLive[i]))) > 1e-4, `${kind}: the live moments were not used`);
  });
}

test('a functional copy of an optimizer it cannot unroll names it', () => {
  const D = mlp(ctx(3), 2, 1, 'Dsgd');
  assert.throws(() => functionalCopy(tf.train.sgd(0.1), D.variables), /cannot unroll a SGD optimizer; use training.optimizer 'adam' or 'rmsprop'/);
  assert.throws(() => functionalCopy(tf.train.rmsprop(0.1, 0.9, 0.5), D.variables), /without momentum/);
});

/** A tiny unrolled setting: G linear-ish (one tanh layer), D one tanh layer, Adam with warm moments. */
function tinySetting(name: string) {
  const G = mlp(ctx(20, 4), 2, 2, `G-${name}`, tanh);
  const D = mlp(ctx(40, 5), 2, 1, `D-${name}`, tanh);
  const optD = tf.train.adam(0.1, 0.5, 0.999);
  const real = tf.randomNormal([12, 2], 0, 1, 'float32', 7) as tf.Tensor2D;
  const z = tf.randomNormal([12, 2], 0, 1, 'float32', 8) as tf.Tensor2D;
  warmUp(D, optD, real, G.apply(z));
  warmUp(D, optD, real, G.apply(z));
  const { options } = resolveConfig({ name: 't', variant: 'unrolled', data: { name: '8gaussians' } });
  /** The unrolled generator loss for K steps, and its gradient w.r.t. G's variables. */
  const lossK = (K: number) => {
    const impl = VARIANT_IMPLS.unrolled;
    return impl.generatorLoss({ D, optD, real, fake: G.apply(z), options: { ...options, unrollSteps: K }, seed: 0 }).loss;
  };
  const gradK = (K: number) => {
    const { grads } = tf.variableGrads(() => lossK(K), G.variables);
    return G.variables.map((v) => grads[v.name]);
  };
  return { G, D, optD, real, z, lossK, gradK };
}

for (const K of [1, 2]) {
  test(`unrolled GAN, K = ${K}: the generator gradient through the unrolled Adam steps matches central differences`, () => {
    const s = tinySetting(`fd${K}`);
    const g = s.gradK(K);
    const h = 2e-3;
    let checked = 0;
    for (const [vi, v] of s.G.variables.entries()) {
      const w = v.dataSync().slice();
      const ga = g[vi].dataSync();
      for (const idx of [0, 1, Math.min(5, w.length - 1)]) {
        const at = (delta: number) => {
          const wp = w.slice();
          wp[idx] += delta;
          v.assign(tf.tensor(wp, v.shape));
          return tf.tidy(() => s.lossK(K).dataSync()[0]);
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        v.assign(tf.tensor(w, v.shape));
        assert.ok(Math.abs(ga[idx] - fd) <= 1e-3 + 0.02 * Math.abs(fd), `K=${K} ${v.name}[${idx}]: autodiff ${ga[idx]} vs finite difference ${fd}`);
        checked++;
      }
    }
    assert.ok(checked >= 6);
  });
}

test('unrolled GAN: the K = 2 gradient differs from the K = 0 one and from treating θ_D^K as constants (second-order terms)', () => {
  const s = tinySetting('second');
  const flat = (ts: tf.Tensor[]) => tf.concat(ts.map((t) => t.reshape([-1])));
  const full = flat(s.gradK(2));
  const k0 = flat(s.gradK(0));
  // θ_D^2 computed as above, then frozen: the generator sees a better D but no gradient through its training.
  const frozen = tf.tidy(() =>
    unrollParameters(s.D.variables, s.optD, 2, (p) => L.ganDiscriminatorLoss(s.D.applyWith!(s.real, p), s.D.applyWith!(s.G.apply(s.z), p))).map((t) => t.clone()),
  );
  const { grads } = tf.variableGrads(() => tf.neg(L.ganDiscriminatorLoss(s.D.applyWith!(s.real, frozen), s.D.applyWith!(s.G.apply(s.z), frozen))) as tf.Scalar, s.G.variables);
  const firstOrder = flat(s.G.variables.map((v) => grads[v.name]));
  const rel = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.norm(tf.sub(a, b)).dataSync()[0] / tf.norm(b).dataSync()[0]);
  assert.ok(rel(full, k0) > 0.05, `K=2 vs K=0: relative difference ${rel(full, k0)}`);
  assert.ok(rel(full, firstOrder) > 0.05, `K=2 vs frozen θ_D^2: relative difference ${rel(full, firstOrder)}`);
});

test('unrolled GAN, K = 0: the minimax generator loss E[log(1 − D(G(z)))] plus the constant E[log D(x)]', () => {
  const s = tinySetting('k0');
  const dR = s.D.apply(s.real);
  const dF = s.D.apply(s.G.apply(s.z));
  const expected = tf.add(tf.neg(tf.mean(tf.softplus(tf.neg(dR)))), L.minimaxGeneratorLoss(dF)).dataSync()[0];
  assert.ok(Math.abs(s.lossK(0).dataSync()[0] - expected) < 1e-5);
});

test('unrolled GAN: K steps keep no tensors beyond the loss when run inside tidy', () => {
  const s = tinySetting('leak');
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => s.lossK(3), s.G.variables);
    tf.dispose(Object.values(grads));
    return value;
  });
  assert.equal(tf.memory().numTensors, before + 1);
  out.dispose();
});

/** Exact W2² between two equal-size 1-D samples: the cheapest of all n! matchings. */
function bruteForceW2sq(a: number[], b: number[]): number {
  let best = Infinity;
  const perm = (rest: number[], chosen: number[]) => {
    if (!rest.length) {
      best = Math.min(best, chosen.reduce((s, j, i) => s + (a[i] - b[j]) ** 2, 0) / a.length);
      return;
    }
    rest.forEach((j, k) => perm([...rest.slice(0, k), ...rest.slice(k + 1)], [...chosen, j]));
  };
  perm(b.map((_, j) => j), []);
  return best;
}

test('sliced Wasserstein loss: 1-D equals the best of all matchings; 2-D averages the 1-D value along each direction', () => {
  const a = [0.3, -1.2, 2.5, 0.9, -0.4];
  const b = [1.1, 0.0, -2.0, 0.5, 3.3];
  const one = tf.tensor2d([[1]]);
  const got = slicedWassersteinLoss(tf.tensor2d(a, [5, 1]), tf.tensor2d(b, [5, 1]), one).dataSync()[0];
  assert.ok(Math.abs(got - bruteForceW2sq(a, b)) < 1e-5, `${got} vs ${bruteForceW2sq(a, b)}`);
  // By hand: sorted a = (−1.2, −0.4, 0.3, 0.9, 2.5), sorted b = (−2, 0, 0.5, 1.1, 3.3):
  // differences 0.8, −0.4, −0.2, −0.2, −0.8 → (0.64 + 0.16 + 0.04 + 0.04 + 0.64)/5 = 0.304.
  assert.ok(Math.abs(got - 0.304) < 1e-5);
  const A = [[0, 1], [2, -1], [1, 1], [-1, 0.5]];
  const B = [[1, 0], [0, 0], [-2, 1], [0.5, 3]];
  const dirs = randomUnitColumns(2, 3, 11);
  const d = dirs.arraySync();
  const expected = [0, 1, 2]
    .map((j) => bruteForceW2sq(A.map(([x, y]) => x * d[0][j] + y * d[1][j]), B.map(([x, y]) => x * d[0][j] + y * d[1][j])))
    .reduce((s, v) => s + v, 0) / 3;
  const got2 = slicedWassersteinLoss(tf.tensor2d(A), tf.tensor2d(B), dirs).dataSync()[0];
  assert.ok(Math.abs(got2 - expected) < 1e-5, `${got2} vs ${expected}`);
  // Directions are unit columns.
  const norms = tf.norm(randomUnitColumns(5, 7, 3), 'euclidean', 0).dataSync();
  assert.ok(Array.from(norms).every((n) => Math.abs(n - 1) < 1e-5));
});

test('sliced Wasserstein loss: its gradient w.r.t. the generated batch matches finite differences', () => {
  const a = tf.randomNormal([6, 2], 0, 1, 'float32', 1) as tf.Tensor2D;
  const b0 = Array.from(tf.randomNormal([6, 2], 0, 1, 'float32', 2).dataSync());
  const dirs = randomUnitColumns(2, 4, 5);
  const f = (bv: number[]) => slicedWassersteinLoss(a, tf.tensor2d(bv, [6, 2]), dirs);
  const g = tf.grad((b: tf.Tensor) => slicedWassersteinLoss(a, b as tf.Tensor2D, dirs))(tf.tensor2d(b0, [6, 2])).dataSync();
  const h = 1e-3;
  for (let i = 0; i < b0.length; i++) {
    const up = b0.slice();
    const down = b0.slice();
    up[i] += h;
    down[i] -= h;
    const fd = (f(up).dataSync()[0] - f(down).dataSync()[0]) / (2 * h);
    assert.ok(Math.abs(g[i] - fd) < 2e-3 + 0.02 * Math.abs(fd), `∂/∂b[${i}]: ${g[i]} vs ${fd}`);
  }
});

test('applyWith(x, variables) equals apply(x) for dense, mlp and spectral-norm layers; other parameters change the output', () => {
  const x = tf.randomNormal([5, 2], 0, 1, 'float32', 3) as tf.Tensor2D;
  const c = ctx(60, 7, 2);
  const nets: Module[] = [dense(c, 2, 3, 'Dw-dense'), mlp(c, 2, 1, 'Dw-mlp'), mlp(c, 2, 1, 'Dw-sn', undefined, { spectralNorm: true }), spectralNorm(c, dense(c, 2, 4, 'Dw-sn1'))];
  for (const n of nets) {
    assert.ok(maxAbsDiff(n.apply(x), n.applyWith!(x, n.variables)) < 1e-6);
    const shifted = n.variables.map((v) => tf.add(v, 0.1));
    assert.ok(maxAbsDiff(n.apply(x), n.applyWith!(x, shifted)) > 1e-3);
  }
  const m = mlp(c, 2, 1, 'Dw-feat');
  assert.deepEqual(m.features!(x).shape, [5, 7]);
  assert.throws(() => m.applyWith!(x, m.variables.slice(1)), /expected 6 parameter tensors/);
});

test('a D without applyWith (unrolled) or features (learned projections), or with an applyWith unlike apply, is refused naming buildDiscriminator', () => {
  const cfg = (variant: string, options = {}) => resolveConfig({ name: 't', variant, data: { name: '8gaussians' }, model: { hidden: 8, depth: 1 }, options });
  const builders = (wrap: (net: Module) => Module) => ({
    buildGenerator: (c: ModelContext) => mlp(c, c.latentDim, c.dataDim, 'Greq'),
    buildDiscriminator: (c: ModelContext) => wrap(mlp(c, c.dataDim, 1, 'Dreq')),
  });
  const bare = (net: Module): Module => ({ variables: net.variables, apply: (x) => net.apply(x) });
  assert.throws(() => new GanTrainer(cfg('unrolled'), builders(bare)), /buildDiscriminator must return applyWith\(x, params\).*for variant 'unrolled'.*templates\/toy\/model\.ts/s);
  assert.throws(() => new GanTrainer(cfg('swg', { swProjections: 'learned' }), builders(bare)), /buildDiscriminator must return features\(x\).*for variant 'swg'/s);
  // Random projections need nothing beyond apply.
  new GanTrainer(cfg('swg', { swProjections: 'random' }), builders(bare)).dispose();
  // A wrapper that scales its input in apply but not in applyWith computes another function.
  const scaled = (net: Module): Module => ({ variables: net.variables, apply: (x) => net.apply(tf.mul(x, 0.25) as tf.Tensor2D), applyWith: (x, p) => net.applyWith!(x, p) });
  assert.throws(() => new GanTrainer(cfg('unrolled'), builders(scaled)), /applyWith\(x, variables\) differs from apply\(x\)/);
  new GanTrainer(cfg('unrolled'), builders((n) => n)).dispose();
});

test('config: unrolled and swg get their defaults; bad or foreign options are named', () => {
  const base = { name: 't', data: { name: '8gaussians' } };
  const u = resolveConfig({ ...base, variant: 'unrolled' });
  assert.deepEqual([u.options, u.training.lrD, u.training.lrG, u.training.beta1, u.training.optimizer], [{ unrollSteps: 5 }, 1e-4, 1e-3, 0.5, 'adam']);
  assert.deepEqual(resolveConfig({ ...base, variant: 'swg' }).options, { swProjections: 'learned', swDirections: 1000 });
  assert.deepEqual(resolveConfig({ ...base, variant: 'unrolled', options: { unrollSteps: 0 } }).options, { unrollSteps: 0 });
  assert.throws(() => resolveConfig({ ...base, variant: 'unrolled', options: { unrollSteps: 51 } }), /options\.unrollSteps: .*Unrolled GAN/);
  assert.throws(() => resolveConfig({ ...base, variant: 'swg', options: { swProjections: 'max' } }), /options\.swProjections: .*'random'.*'learned'/);
  assert.throws(() => resolveConfig({ ...base, variant: 'swg', options: { unrollSteps: 3 } }), /options\.unrollSteps: not used by variant 'swg'.*swProjections, swDirections/);
});
