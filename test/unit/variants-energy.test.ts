/**
 * EBGAN and BEGAN: the energy, the losses, the pull-away term, BEGAN's k_t
 * update and M_global against hand-computed values on fixed outputs; the
 * variant implementations' hooks (k_t state, its checkpoint round trip,
 * one independent k_t per trainer); the config defaults and errors.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, resolveConfig } from '../../src/protocol/config';
import * as E from '../../src/trainer/energy';
import { VARIANT_IMPLS, variantImplFor } from '../../src/trainer/variants';
import type { Module } from '../../src/trainer/userApi';
import { chartOf, labelOf } from '../../webview-ui/src/catalog';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≉ ${b}`);
const val = (t: tf.Tensor) => t.dataSync()[0];
const col = (xs: number[]) => tf.tensor2d(xs, [xs.length, 1]);

before(async () => {
  await tf.setBackend('cpu');
});

const x = tf.tensor2d([
  [1, 0],
  [0, 0],
  [2, 2],
]);
const r = tf.tensor2d([
  [0, 1],
  [0, -2],
  [2, 2],
]);

test('reconstruction energy: per-sample mean |x − r|^η over the data dimensions, shape [n, 1]', () => {
  // x − r = (1, −1), (0, 2), (0, 0)
  const l2 = E.reconstructionEnergy(x, r, 2);
  assert.deepEqual(l2.shape, [3, 1]);
  assert.deepEqual(Array.from(l2.dataSync()), [1, 2, 0]); // (1 + 1)/2, (0 + 4)/2, 0
  assert.deepEqual(Array.from(E.reconstructionEnergy(x, r, 1).dataSync()), [1, 1, 0]); // (1 + 1)/2, (0 + 2)/2, 0
});

test('EBGAN: E[D(x)] + E[max(0, m − D(G(z)))] and E[D(G(z))]', () => {
  const eR = col([0.2, 0.4]);
  const eF = col([0.5, 3, 1]);
  // m = 1: relu(0.5, −2, 0) = (0.5, 0, 0) → 0.5/3; real mean 0.3
  close(val(E.ebganDiscriminatorLoss(eR, eF, 1)), 0.3 + 0.5 / 3);
  // m = 4: relu(3.5, 1, 3) → 7.5/3 = 2.5
  close(val(E.ebganDiscriminatorLoss(eR, eF, 4)), 0.3 + 2.5);
  close(val(E.energyGeneratorLoss(eF)), 1.5);
});

test('pull-away term: mean squared cosine similarity over distinct pairs', () => {
  // Codes (1, 0), (0, 2), (1, 1): cos² = 0, ½, ½ for the pairs → Σ_(i≠j) = 2 → 2/(3·2) = ⅓.
  close(val(E.pullAwayTerm(tf.tensor2d([[1, 0], [0, 2], [1, 1]]))), 1 / 3);
  // Parallel codes (one direction, any lengths, either sign): every pair has cos² = 1.
  close(val(E.pullAwayTerm(tf.tensor2d([[1, 2], [-2, -4], [0.5, 1]]))), 1);
  // Orthogonal codes: 0. A single sample has no pair: 0.
  close(val(E.pullAwayTerm(tf.eye(4) as tf.Tensor2D)), 0);
  close(val(E.pullAwayTerm(tf.tensor2d([[3, 4]]))), 0);
  // An all-zero code has a finite gradient (the generator's update stays finite).
  const g = tf.grad((c: tf.Tensor) => E.pullAwayTerm(c as tf.Tensor2D))(tf.tensor2d([[0, 0], [1, 0], [1, 1]]));
  assert.ok(Array.from(g.dataSync()).every(Number.isFinite));
});

test('BEGAN: L(x) − k·L(G(z)), k_(t+1) = clip(k + λ(γL(x) − L(G(z))), 0, 1), M_global = L(x) + |γL(x) − L(G(z))|', () => {
  // L(x) = mean(0.6, 1.0) = 0.8, L(G(z)) = mean(0.2, 0.4) = 0.3
  close(val(E.beganDiscriminatorLoss(col([0.6, 1.0]), col([0.2, 0.4]), 0)), 0.8);
  close(val(E.beganDiscriminatorLoss(col([0.6, 1.0]), col([0.2, 0.4]), 0.5)), 0.8 - 0.15);
  // 0.2 + 0.001·(0.5·0.8 − 0.3) = 0.2001
  close(E.beganNextK(0.2, 0.001, 0.5, 0.8, 0.3), 0.2001, 1e-12);
  // γ = 0.7: 0.2 + 0.01·(0.56 − 0.9) = 0.1966
  close(E.beganNextK(0.2, 0.01, 0.7, 0.8, 0.9), 0.1966, 1e-12);
  assert.equal(E.beganNextK(0.0005, 0.001, 0.5, 0.1, 0.9), 0); // 0.0005 − 0.00085 < 0: clipped
  assert.equal(E.beganNextK(0.9995, 0.01, 0.5, 1, 0), 1); // 0.9995 + 0.005 > 1: clipped
  close(E.beganConvergence(0.5, 0.8, 0.3), 0.8 + 0.1, 1e-12);
  close(E.beganConvergence(0.5, 0.8, 0.6), 0.8 + 0.2, 1e-12);
});

const beganOptions = resolveConfig({ name: 't', variant: 'began', data: { name: '8gaussians' }, options: { beganLambdaK: 0.1 } }).options;

test('BEGAN implementation: k_t starts at 0, enters the D loss, follows each D step, survives state()/restore()', () => {
  const impl = variantImplFor('began');
  assert.deepEqual(impl.state!(), { kT: 0 });
  const D: Module = { variables: [], apply: (v) => v };
  const dl = (k: number) => val(impl.dLoss({ D, real: x, fake: x, dReal: col([0.6, 1.0]), dFake: col([0.2, 0.4]), options: beganOptions, seed: 0 }).loss) - (0.8 - k * 0.3);
  close(dl(0), 0);
  // λ_k = 0.1, γ = 0.5: k = 0 + 0.1·(0.4 − 0.3) = 0.01; M = 0.8 + 0.1
  const m = impl.afterDiscriminatorStep!({ dReal: 0.8, dFake: 0.3 }, beganOptions);
  close(m.kT, 0.01, 1e-12);
  close(m.mGlobal, 0.9, 1e-12);
  close(dl(0.01), 0);
  // L(G(z)) far above γL(x): k would go negative and stays at 0.
  assert.equal(impl.afterDiscriminatorStep!({ dReal: 0.8, dFake: 5 }, beganOptions).kT, 0);
  for (let i = 0; i < 30; i++) impl.afterDiscriminatorStep!({ dReal: 1, dFake: 0 }, beganOptions); // +0.05 a step
  assert.equal(impl.state!().kT, 1, 'k_t is clipped at 1');
  const other = variantImplFor('began');
  assert.deepEqual(other.state!(), { kT: 0 }, 'each trainer has its own k_t');
  other.restore!({ kT: 0.25 });
  assert.deepEqual(other.state!(), { kT: 0.25 });
  assert.deepEqual(impl.state!(), { kT: 1 });
  assert.throws(() => other.restore!({}), /BEGAN's kT must be a number in \[0, 1\]/);
  assert.throws(() => other.restore!({ kT: 1.5 }), /kT/);
  assert.notEqual(variantImplFor('began'), VARIANT_IMPLS.began);
  assert.equal(variantImplFor('ebgan'), VARIANT_IMPLS.ebgan, 'stateless variants share one implementation');
});

test('EBGAN implementation: margin loss on energies; λ_PT·pull-away on D.encode(G(z)); a D without encode is refused by name', () => {
  const cfg = (options: object) => resolveConfig({ name: 't', variant: 'ebgan', data: { name: '8gaussians' }, options }).options;
  const impl = VARIANT_IMPLS.ebgan;
  const eF = col([0.5, 3, 1]);
  const D: Module = { variables: [], apply: (v) => v, encode: (v) => v };
  close(val(impl.dLoss({ D, real: x, fake: x, dReal: col([0.2, 0.4]), dFake: eF, options: cfg({ ebganMargin: 4 }), seed: 0 }).loss), 2.8);
  const fake = tf.tensor2d([[1, 0], [0, 2], [1, 1]]); // pull-away ⅓ (above)
  close(val(impl.gLoss(eF, cfg({}), { D, fake })), 1.5); // λ_PT = 0 by default: plain E[D(G(z))]
  close(val(impl.gLoss(eF, cfg({ pullAwayWeight: 0.3 }), { D, fake })), 1.5 + 0.3 / 3);
  const noEncode: Module = { variables: [], apply: (v) => v };
  assert.doesNotThrow(() => impl.checkDiscriminator!(noEncode, cfg({})));
  assert.throws(() => impl.checkDiscriminator!(noEncode, cfg({ pullAwayWeight: 0.1 })), /options\.pullAwayWeight is 0\.1 but buildDiscriminator returned no encode\(x\)/);
});

test('config: the energy variants get their paper defaults; bad or foreign options are errors naming the field', () => {
  const base = { name: 't', data: { name: '8gaussians' } };
  const eb = resolveConfig({ ...base, variant: 'ebgan' });
  assert.deepEqual(eb.options, { ebganMargin: 1, pullAwayWeight: 0 });
  const be = resolveConfig({ ...base, variant: 'began' });
  assert.deepEqual(be.options, { beganGamma: 0.5, beganLambdaK: 0.001, beganEta: 1 });
  assert.equal(be.training.lrD, 1e-4);
  const problems = (raw: object): string[] => {
    try {
      resolveConfig({ ...base, ...raw });
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.problems.map((p) => `${p.path}: ${p.message}`);
    }
    assert.fail(`accepted ${JSON.stringify(raw)}`);
  };
  const cases: [object, RegExp][] = [
    [{ variant: 'ebgan', options: { ebganMargin: 0 } }, /^options\.ebganMargin: .*EBGAN margin m/],
    [{ variant: 'ebgan', options: { pullAwayWeight: -0.1 } }, /^options\.pullAwayWeight: .*pull-away term weight/],
    [{ variant: 'began', options: { beganGamma: 1.5 } }, /^options\.beganGamma: .*diversity ratio/],
    [{ variant: 'began', options: { beganLambdaK: 0 } }, /^options\.beganLambdaK: .*proportional gain/],
    [{ variant: 'began', options: { beganEta: 3 } }, /^options\.beganEta: .*exponent η/],
    [{ variant: 'began', options: { beganEta: 1.5 } }, /^options\.beganEta: /],
    [{ variant: 'began', options: { ebganMargin: 2 } }, /^options\.ebganMargin: not used by variant 'began'; remove it \(this variant accepts: beganGamma, beganLambdaK, beganEta\)/],
    [{ variant: 'wgan-gp', options: { beganGamma: 0.5 } }, /^options\.beganGamma: not used by variant 'wgan-gp'/],
  ];
  for (const [raw, re] of cases) {
    const ps = problems(raw);
    assert.ok(ps.some((p) => re.test(p)), `${JSON.stringify(raw)}: ${ps.join(' | ')}`);
  }
});

test('the dashboard draws BEGAN\'s k_t with D\'s outputs and M_global with the distances (catalogue metrics, not losses-chart extras)', () => {
  assert.equal(chartOf('kT'), 'outputs');
  assert.equal(chartOf('mGlobal'), 'distance');
  assert.equal(labelOf('kT'), 'BEGAN k_t');
  assert.equal(labelOf('mGlobal'), 'BEGAN M_global');
});
