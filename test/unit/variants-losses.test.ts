/**
 * The losses and penalties of LSGAN, WGAN (clipping), hinge, DRAGAN, R1/R2 and
 * f-GAN against hand-computed values on fixed outputs, and each penalty's
 * gradient w.r.t. the critic weights against finite differences.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { resolveConfig } from '../../src/protocol/config';
import { F_DIVERGENCES, type FDivergence } from '../../src/protocol/variants';
import { F_DIVERGENCE_IMPLS, fDivergenceEstimate, fganDiscriminatorLoss, fganGeneratorLoss, lambertWExp } from '../../src/trainer/fdivergence';
import * as L from '../../src/trainer/losses';
import { VARIANT_IMPLS } from '../../src/trainer/variants';
import { mlp, type Module } from '../../src/trainer/userApi';
import { checkPenaltyGradient, criticContext as ctx } from './penalty-gradient';

const close = (a: number, b: number, tol = 1e-5, what = '') => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what ? `${what}: ` : ''}${a} ≉ ${b}`);
const val = (t: tf.Tensor) => t.dataSync()[0];
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const col = (xs: number[]) => tf.tensor2d(xs, [xs.length, 1]);

const dR = [2, -1, 0.5];
const dF = [-3, 0, 1];

before(async () => {
  await tf.setBackend('cpu');
});

test('LSGAN: ½E[(D(x) − b)²] + ½E[(D(G(z)) − a)²] and ½E[(D(G(z)) − c)²], for 0/1/1 and −1/1/0', () => {
  for (const [a, b, c] of [
    [0, 1, 1],
    [-1, 1, 0],
  ]) {
    const d = 0.5 * mean(dR.map((x) => (x - b) ** 2)) + 0.5 * mean(dF.map((x) => (x - a) ** 2));
    close(val(L.lsganDiscriminatorLoss(col(dR), col(dF), a, b)), d);
    close(val(L.lsganGeneratorLoss(col(dF), c)), 0.5 * mean(dF.map((x) => (x - c) ** 2)));
  }
  // By hand for 0/1/1: real (1 + 4 + 0.25)/3 = 1.75, fake (9 + 0 + 1)/3 = 10/3 → ½(1.75 + 3.333…) = 2.541666…
  close(val(L.lsganDiscriminatorLoss(col(dR), col(dF), 0, 1)), 0.5 * (1.75 + 10 / 3));
});

test('hinge: E[relu(1 − D(x))] + E[relu(1 + D(G(z)))] and −E[D(G(z))]', () => {
  // real: relu(1 − (2, −1, 0.5)) = (0, 2, 0.5) → 2.5/3; fake: relu(1 + (−3, 0, 1)) = (0, 1, 2) → 1
  close(val(L.hingeDiscriminatorLoss(col(dR), col(dF))), 2.5 / 3 + 1);
  close(val(L.hingeGeneratorLoss(col(dF))), 2 / 3);
});

test('weight clipping clamps every weight to [−c, c] and reports the share at the bound', () => {
  const a = tf.variable(tf.tensor1d([0.5, -0.5, 0.005, 0]));
  const b = tf.variable(tf.tensor2d([[-3, 0.001, 0.01, 0.002]]));
  const before = tf.memory().numTensors;
  const share = L.clipWeights([a, b], 0.01);
  assert.equal(tf.memory().numTensors, before + 1); // only the returned share
  assert.deepEqual(Array.from(a.dataSync(), (x) => +x.toFixed(6)), [0.01, -0.01, 0.005, 0]);
  assert.deepEqual(Array.from(b.dataSync(), (x) => +x.toFixed(6)), [-0.01, 0.001, 0.01, 0.002]);
  close(val(share), 4 / 8);
});

test('wgan-clip: the hook clips D after its update and reports clipShare', () => {
  const D = mlp(ctx(), 2, 1, 'Dclip');
  const cfg = resolveConfig({ name: 't', variant: 'wgan-clip', data: { name: '8gaussians' } });
  const m = tf.tidy(() => VARIANT_IMPLS['wgan-clip'].afterDiscriminatorUpdate!(D, cfg.options).clipShare.clone());
  for (const v of D.variables) assert.ok(Array.from(v.dataSync()).every((x) => Math.abs(x) <= 0.01 + 1e-7), v.name);
  // He-initialised weights are far above 0.01: nearly all sit at the bound (biases start at 0).
  const share = val(m);
  const weights = D.variables.filter((v) => v.rank === 2).reduce((s, v) => s + v.size, 0);
  const all = D.variables.reduce((s, v) => s + v.size, 0);
  assert.ok(share > 0.8 * (weights / all) && share <= weights / all + 1e-6, `clipShare ${share}`);
});

/** D(x) = x·w (linear): ∇ₓD = w everywhere. */
function linearCritic(w: number[]): Module {
  const v = tf.variable(tf.tensor2d(w, [w.length, 1]));
  return { variables: [v], apply: (x) => tf.matMul(x, v) };
}

/** D(x) = ‖x‖²: ∇ₓD = 2x. */
const quadraticCritic: Module = { variables: [], apply: (x) => tf.sum(tf.square(x), 1, true) as tf.Tensor2D };

test('DRAGAN: perturbation within [0, 0.5·std(x)] per element; penalty (‖w‖ − 1)² for a linear critic', () => {
  const real = tf.randomNormal([64, 2], 3, 2, 'float32', 1) as tf.Tensor2D;
  const std = Math.sqrt(val(tf.moments(real).variance));
  const d = tf.sub(L.draganPerturb(real, 5), real).dataSync();
  assert.ok(Array.from(d).every((x) => x >= 0 && x <= 0.5 * std + 1e-5));
  close(mean(Array.from(d)), 0.25 * std, 0.15); // U[0, 1] has mean ½
  close(val(L.draganPenalty(linearCritic([3, 4]), real, 5)), 16);
  close(val(L.draganPenalty(linearCritic([0.3, 0.4]), real, 5)), 0.25);
  // Quadratic critic: ‖∇D(x + δ)‖ = 2‖x + δ‖, by hand from the same perturbation.
  const xp = L.draganPerturb(real, 5).arraySync();
  const expected = mean(xp.map(([a, b]) => (2 * Math.hypot(a, b) - 1) ** 2));
  close(val(L.draganPenalty(quadraticCritic, real, 5)), expected, 1e-4);
});

test('R1/R2: ½E‖∇D(x)‖², zero for a flat critic', () => {
  const x = tf.tensor2d([
    [1, 0],
    [0, 2],
  ]);
  close(val(L.zeroCentredPenalty(quadraticCritic, x)), 0.5 * mean([4, 16])); // ‖2x‖² = 4, 16
  close(val(L.zeroCentredPenalty(linearCritic([1, 2]), x)), 2.5);
  close(val(L.zeroCentredPenalty(linearCritic([0, 0]), x)), 0);
});

test('r1 variant: γ·penalty on real, fake or both, on the GAN loss', () => {
  const D = linearCritic([1, 2]); // ½‖w‖² = 2.5 wherever it is evaluated
  const real = tf.tensor2d([[1, 0]]);
  const fake = tf.tensor2d([[0, 1]]);
  const dReal = D.apply(real);
  const dFake = D.apply(fake);
  const gan = val(L.ganDiscriminatorLoss(dReal, dFake));
  for (const [penaltyOn, n] of [
    ['real', 1],
    ['fake', 1],
    ['both', 2],
  ] as const) {
    const { options } = resolveConfig({ name: 't', variant: 'r1', data: { name: '8gaussians' }, options: { penaltyOn, r1Gamma: 4 } });
    const { loss, terms } = VARIANT_IMPLS.r1.dLoss({ D, real, fake, dReal, dFake, options, seed: 1 });
    close(val(terms.gp), 2.5 * n);
    close(val(loss), gan + 4 * 2.5 * n);
  }
});

test('DRAGAN penalty: gradient w.r.t. the critic weights matches finite differences (relu and leaky relu)', () => {
  const real = tf.randomNormal([16, 2], 0, 1, 'float32', 5) as tf.Tensor2D;
  checkPenaltyGradient('dragan', (D) => L.draganPenalty(D, real, 7));
});

test('R1 penalty: gradient w.r.t. the critic weights matches finite differences (relu and leaky relu)', () => {
  const real = tf.randomNormal([16, 2], 0, 1, 'float32', 5) as tf.Tensor2D;
  checkPenaltyGradient('r1', (D) => L.zeroCentredPenalty(D, real));
});

/** The textbook generator f of each divergence (Nowozin et al. 2016, Table 1, as implemented). */
const F: Record<FDivergence, (u: number) => number> = {
  tv: (u) => 0.5 * Math.abs(u - 1),
  kl: (u) => u * Math.log(u),
  rkl: (u) => -Math.log(u),
  pearson: (u) => (u - 1) ** 2,
  neyman: (u) => (1 - u) ** 2 / u,
  hellinger: (u) => (Math.sqrt(u) - 1) ** 2,
  jeffrey: (u) => (u - 1) * Math.log(u),
  js: (u) => u * Math.log(u) - (u + 1) * Math.log((u + 1) / 2),
  gan: (u) => u * Math.log(u) - (u + 1) * Math.log(u + 1),
};

/** f*(t) = sup_u u·t − f(u), by a log-spaced grid search refined by golden section. */
function numericConjugate(f: (u: number) => number, t: number): number {
  const obj = (lu: number) => Math.exp(lu) * t - f(Math.exp(lu));
  let best = -30;
  for (let lu = -30; lu <= 12; lu += 0.01) if (obj(lu) > obj(best)) best = lu;
  let a = best - 0.01;
  let b = best + 0.01;
  for (let i = 0; i < 60; i++) {
    const m1 = a + (b - a) * 0.382;
    const m2 = a + (b - a) * 0.618;
    if (obj(m1) < obj(m2)) a = m1;
    else b = m2;
  }
  return obj((a + b) / 2);
}

test('f-GAN table: f*(g_f(v)) is the Fenchel conjugate of f at g_f(v), and the stable form equals the textbook one', () => {
  const vs = [-1.5, -0.5, 0, 0.4, 1.2];
  for (const div of F_DIVERGENCES) {
    const impl = F_DIVERGENCE_IMPLS[div];
    const v = tf.tensor1d(vs);
    const t = impl.activation(v).dataSync();
    const textbook = impl.conjugate(impl.activation(v)).dataSync();
    const stable = impl.conjugateOfActivation(v).dataSync();
    vs.forEach((vi, i) => {
      close(stable[i], textbook[i], 1e-4);
      // tv's f* = t holds on |t| ≤ ½ only, which g_f = ½ tanh guarantees.
      close(stable[i], numericConjugate(F[div], t[i]), 2e-3);
    }, div);
  }
});

test('Lambert W: w·e^w = e^a over a wide range', () => {
  const as = [-20, -3, 0, 1, 2.5, 10, 60];
  const w = lambertWExp(tf.tensor1d(as)).dataSync();
  as.forEach((a, i) => close(Math.log(w[i]) + w[i], a, 1e-5));
});

test('f-GAN, every divergence: the gradients of the D and G losses w.r.t. the raw outputs exist and match central differences', () => {
  // Training differentiates both losses through g_f and f*∘g_f; a divergence whose conjugate uses an op
  // without a gradient in tfjs (Jeffrey's Lambert W started from tf.where(tf.less(...))) fails here, not mid-run.
  const vr = [-1.2, -0.3, 0.2, 0.9];
  const vf = [-0.8, 0.1, 0.6, 1.4];
  const h = 1e-2;
  for (const div of F_DIVERGENCES) {
    const lossD = (r: number[], f: number[]) => tf.tidy(() => fganDiscriminatorLoss(div, col(r), col(f)));
    const lossG = (f: number[]) => tf.tidy(() => fganGeneratorLoss(div, col(f)));
    const [gr, gf] = tf.grads((r: tf.Tensor, f: tf.Tensor) => fganDiscriminatorLoss(div, r, f))([col(vr), col(vf)]).map((g) => Array.from(g.dataSync()));
    const gG = Array.from(tf.grad((f: tf.Tensor) => fganGeneratorLoss(div, f))(col(vf)).dataSync());
    const bump = (xs: number[], i: number, d: number) => xs.map((x, j) => (j === i ? x + d : x));
    vr.forEach((_, i) => close(gr[i], (val(lossD(bump(vr, i, h), vf)) - val(lossD(bump(vr, i, -h), vf))) / (2 * h), 2e-3, `${div} D loss, real ${i}`));
    vf.forEach((_, i) => close(gf[i], (val(lossD(vr, bump(vf, i, h))) - val(lossD(vr, bump(vf, i, -h)))) / (2 * h), 2e-3, `${div} D loss, fake ${i}`));
    vf.forEach((_, i) => close(gG[i], (val(lossG(bump(vf, i, h))) - val(lossG(bump(vf, i, -h)))) / (2 * h), 2e-3, `${div} G loss, fake ${i}`));
  }
});

test('f-GAN estimate, D and G losses on fixed outputs (KL and GAN by hand)', () => {
  // KL: T = v, f*(T) = e^{v−1}: mean(dR) − mean(e^{dF − 1}).
  close(val(fDivergenceEstimate('kl', col(dR), col(dF))), mean(dR) - mean(dF.map((x) => Math.exp(x - 1))));
  // GAN: T = −softplus(−v) = log σ(v), f*(T) = softplus(v) = −log(1 − σ(v)): the GAN value function.
  const sp = (x: number) => Math.log1p(Math.exp(x));
  close(val(fDivergenceEstimate('gan', col(dR), col(dF))), mean(dR.map((x) => -sp(-x))) - mean(dF.map(sp)));
  close(val(fganGeneratorLoss('gan', col(dF))), mean(dF.map((x) => sp(-x))));
  const { options } = resolveConfig({ name: 't', variant: 'f-gan', data: { name: '8gaussians' }, options: { divergence: 'kl' } });
  const D = linearCritic([1, 0]);
  const { loss, terms } = VARIANT_IMPLS['f-gan'].dLoss({ D, real: col(dR) as tf.Tensor2D, fake: col(dF) as tf.Tensor2D, dReal: col(dR), dFake: col(dF), options, seed: 0 });
  close(val(terms.fDivergence), mean(dR) - mean(dF.map((x) => Math.exp(x - 1))));
  close(val(loss), -val(terms.fDivergence));
  close(val(VARIANT_IMPLS['f-gan'].gLoss(col(dF), options)), -mean(dF));
});

test('config: each new variant gets its paper defaults and rejects options of others', () => {
  const base = { name: 't', data: { name: '8gaussians' } };
  assert.deepEqual(resolveConfig({ ...base, variant: 'lsgan' }).options, { lsganA: 0, lsganB: 1, lsganC: 1 });
  const w = resolveConfig({ ...base, variant: 'wgan-clip' });
  assert.deepEqual([w.options, w.training.optimizer, w.training.lrD, w.training.nCritic], [{ clipValue: 0.01 }, 'rmsprop', 5e-5, 5]);
  assert.deepEqual(resolveConfig({ ...base, variant: 'dragan' }).options, { gpWeight: 10 });
  assert.deepEqual(resolveConfig({ ...base, variant: 'r1' }).options, { r1Gamma: 10, penaltyOn: 'real' });
  assert.deepEqual(resolveConfig({ ...base, variant: 'f-gan', options: { divergence: 'jeffrey' } }).options, { divergence: 'jeffrey' });
  assert.throws(() => resolveConfig({ ...base, variant: 'hinge', options: { clipValue: 0.1 } }), /options\.clipValue: not used by variant 'hinge'/);
  assert.throws(() => resolveConfig({ ...base, variant: 'f-gan', options: { divergence: 'wasserstein' } }), /options\.divergence/);
});
