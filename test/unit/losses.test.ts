import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as L from '../../src/trainer/losses';
import { dense, type ModelContext, type Module } from '../../src/trainer/userApi';
import { checkPenaltyGradient } from './penalty-gradient';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≉ ${b}`);
const val = (t: tf.Tensor) => t.dataSync()[0];

const dR = [2, -1, 0.5];
const dF = [-3, 0, 1];
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

test('GAN discriminator loss = −E log σ(D(x)) − E log(1 − σ(D(G(z))))', async () => {
  await tf.setBackend('cpu');
  const expected = -mean(dR.map((d) => Math.log(sigmoid(d)))) - mean(dF.map((d) => Math.log(1 - sigmoid(d))));
  close(val(L.ganDiscriminatorLoss(tf.tensor2d(dR, [3, 1]), tf.tensor2d(dF, [3, 1]))), expected);
});

test('non-saturating generator loss = −E log σ(D(G(z)))', () => {
  close(val(L.nonSaturatingGeneratorLoss(tf.tensor2d(dF, [3, 1]))), -mean(dF.map((d) => Math.log(sigmoid(d)))));
});

test('minimax generator loss = E log(1 − σ(D(G(z))))', () => {
  close(val(L.minimaxGeneratorLoss(tf.tensor2d(dF, [3, 1]))), mean(dF.map((d) => Math.log(1 - sigmoid(d)))));
});

test('logit losses stay finite where σ saturates', () => {
  const big = tf.tensor2d([80, -80], [2, 1]);
  for (const v of [val(L.ganDiscriminatorLoss(big, big)), val(L.nonSaturatingGeneratorLoss(big)), val(L.minimaxGeneratorLoss(big))]) {
    assert.ok(Number.isFinite(v), `not finite: ${v}`);
  }
});

test('Wasserstein critic and generator losses', () => {
  close(val(L.wassersteinCriticLoss(tf.tensor2d(dR, [3, 1]), tf.tensor2d(dF, [3, 1]))), mean(dF) - mean(dR));
  close(val(L.wassersteinGeneratorLoss(tf.tensor2d(dF, [3, 1]))), -mean(dF));
});

/** D(x) = x·w (linear): ∇ₓD = w for every x, so the penalty is (‖w‖ − 1)². */
function linearCritic(w: number[]): Module {
  const v = tf.variable(tf.tensor2d(w, [w.length, 1]));
  return { variables: [v], apply: (x) => tf.matMul(x, v) };
}

test('gradient penalty of a linear critic is (‖w‖ − 1)², one-sided only above 1', () => {
  const real = tf.randomNormal([8, 2], 0, 1, 'float32', 1) as tf.Tensor2D;
  const fake = tf.randomNormal([8, 2], 0, 1, 'float32', 2) as tf.Tensor2D;
  close(val(L.gradientPenalty(linearCritic([3, 4]), real, fake, 3)), 16); // ‖w‖ = 5
  close(val(L.gradientPenalty(linearCritic([0.3, 0.4]), real, fake, 3)), 0.25); // ‖w‖ = 0.5
  close(val(L.gradientPenalty(linearCritic([0.3, 0.4]), real, fake, 3, true)), 0); // one-sided: below 1 is free
  close(val(L.gradientPenalty(linearCritic([3, 4]), real, fake, 3, true)), 16);
});

function ctx(seed0 = 10): ModelContext {
  let s = seed0;
  return { latentDim: 2, dataDim: 2, hidden: 8, depth: 2, spectralNorm: false, minibatchStd: false, packing: 1, classes: 0, conditional: 'none', output: 'critic', nextSeed: () => s++ };
}

test('gradient penalty: its gradient w.r.t. the critic weights matches finite differences (relu and leaky relu)', () => {
  const real = tf.randomNormal([16, 2], 0, 1, 'float32', 5) as tf.Tensor2D;
  const fake = tf.randomNormal([16, 2], 0, 1, 'float32', 6) as tf.Tensor2D;
  checkPenaltyGradient('wgan-gp', (D) => L.gradientPenalty(D, real, fake, 7));
});

test('dense layer initialisation is seeded', () => {
  const a = dense(ctx(3), 4, 5, 'a').w.dataSync();
  const b = dense(ctx(3), 4, 5, 'b').w.dataSync();
  const c = dense(ctx(4), 4, 5, 'c').w.dataSync();
  assert.deepEqual(Array.from(a), Array.from(b));
  assert.notDeepEqual(Array.from(a), Array.from(c));
});
