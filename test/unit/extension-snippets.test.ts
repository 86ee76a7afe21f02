/**
 * The TypeScript snippets are real code: each body (tab stops replaced by
 * their defaults) compiles and computes hand-checked values with tfjs.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { REPO, tmpDir } from './extension-helpers';

interface Snippet {
  prefix: string | string[];
  description: string;
  body: string[];
}

const file = path.join(REPO, 'snippets', 'typescript.json');
const snippets = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Snippet>;

/** Snippet syntax → plain code: ${1:default} → default, $1 / $0 → nothing. */
function expand(body: string[]): string {
  return body
    .join('\n')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\d+/g, '');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...args: any[]) => any;
let tf: typeof TF;
let fns: Record<string, Fn>;

before(async () => {
  const dir = tmpDir('ganwb-snippets-');
  const tfjs = require.resolve('@tensorflow/tfjs', { paths: [REPO] });
  const src =
    `import * as tf from ${JSON.stringify(tfjs)};\nexport { tf };\n` +
    Object.values(snippets)
      .map((s) => expand(s.body).replace(/^function /gm, 'export function '))
      .join('\n');
  fs.writeFileSync(path.join(dir, 'snippets.ts'), src);
  const mod = (await import(path.join(dir, 'snippets.ts'))) as Record<string, Fn> & { tf: typeof TF };
  tf = mod.tf;
  fns = mod;
  await tf.setBackend('cpu');
});

const value = (t: TF.Tensor) => t.dataSync()[0];
const close = (a: number, b: number, tol = 1e-4) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≈ ${b}`);

test('every snippet is well-formed: unique prefixes, a description, tab stops only', () => {
  const names = Object.keys(snippets);
  assert.deepEqual(
    names.sort(),
    [
      'Hinge loss pair',
      'LSGAN loss pair',
      'Non-saturating GAN loss pair',
      'R1 gradient penalty',
      'Sliced Wasserstein loss',
      'Spectral normalization',
      'Unrolled GAN generator loss',
      'EBGAN margin loss and pull-away term',
      'BEGAN k_t update',
      'WGAN loss pair',
      'WGAN weight clipping',
      'WGAN-GP gradient penalty',
      'f-GAN activation and conjugate pairs',
      'Generator moving average',
    ].sort(),
  );
  const prefixes = Object.values(snippets).flatMap((s) => (Array.isArray(s.prefix) ? s.prefix : [s.prefix]));
  assert.equal(new Set(prefixes).size, prefixes.length);
  for (const [name, s] of Object.entries(snippets)) {
    assert.ok(s.description.length > 20, name);
    assert.doesNotMatch(expand(s.body), /\$/, `${name}: no stray $ after expansion`);
    assert.match(s.body.join('\n'), /\$0/, `${name}: ends at $0`);
  }
});

test('package.json contributes the snippets for TypeScript', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  assert.deepEqual(pkg.contributes.snippets, [{ language: 'typescript', path: './snippets/typescript.json' }]);
});

test('gradient penalty: linear critic has ‖∇D‖ = ‖w‖ everywhere; its gradient reaches the critic weights', () => {
  const w = tf.variable(tf.tensor2d([[3], [4]]));
  const critic = (x: TF.Tensor2D) => tf.matMul(x, w) as TF.Tensor2D;
  const real = tf.randomNormal([16, 2], 0, 1, 'float32', 1) as TF.Tensor2D;
  const fake = tf.randomNormal([16, 2], 0, 1, 'float32', 2) as TF.Tensor2D;
  close(value(fns.gradientPenalty(critic, real, fake, 10, 7)), 10 * (5 - 1) ** 2); // 160
  // d/dw λ(‖w‖ − 1)² = 2λ(‖w‖ − 1)·w/‖w‖ = 80·(0.6, 0.8)
  const { grads } = tf.variableGrads(() => fns.gradientPenalty(critic, real, fake, 10, 7) as TF.Scalar, [w]);
  const g = Object.values(grads)[0].dataSync();
  close(g[0], 48);
  close(g[1], 64);
  // Non-linear critic: D(x) = ‖x‖², ∇ = 2x; real = fake = (0.5, 0) gives ‖∇‖ = 1 → no penalty.
  const p = tf.tensor2d([[0.5, 0]]);
  close(value(fns.gradientPenalty((x: TF.Tensor2D) => tf.sum(tf.square(x), 1, true) as TF.Tensor2D, p, p, 10)), 0, 1e-6);
});

test('non-saturating losses: log 2 at logit 0, stable at huge logits', () => {
  const zero = tf.tensor1d([0, 0]);
  close(value(fns.nsDiscriminatorLoss(zero, zero)), 2 * Math.log(2));
  close(value(fns.nsGeneratorLoss(zero)), Math.log(2));
  // D sure and right: real logit +100, fake −100 → loss ≈ 0; G fooled not at all → loss ≈ 100.
  close(value(fns.nsDiscriminatorLoss(tf.tensor1d([100]), tf.tensor1d([-100]))), 0, 1e-6);
  close(value(fns.nsGeneratorLoss(tf.tensor1d([-100]))), 100);
  // Against the textbook form at a moderate logit.
  const s = 1 / (1 + Math.exp(-1.5));
  close(value(fns.nsDiscriminatorLoss(tf.tensor1d([1.5]), tf.tensor1d([1.5]))), -Math.log(s) - Math.log(1 - s));
});

test('WGAN losses: E[D(G(z))] − E[D(x)] and −E[D(G(z))]', () => {
  close(value(fns.wganCriticLoss(tf.tensor1d([1, 3]), tf.tensor1d([1, 2]))), 1.5 - 2);
  close(value(fns.wganGeneratorLoss(tf.tensor1d([1, 2]))), -1.5);
});

test('hinge losses: E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))] and −E[D(G(z))]', () => {
  // real (2, 0.5) → (0, 0.5) mean 0.25; fake (−2, 0.5) → (0, 1.5) mean 0.75
  close(value(fns.hingeDiscriminatorLoss(tf.tensor1d([2, 0.5]), tf.tensor1d([-2, 0.5]))), 1.0);
  close(value(fns.hingeGeneratorLoss(tf.tensor1d([-2, 0.5]))), 0.75);
});

test('R1 penalty: (γ/2)·E‖∇D(x)‖² on real data', () => {
  const D = (x: TF.Tensor2D) => tf.sum(tf.square(x), 1, true) as TF.Tensor2D; // ∇ = 2x
  const real = tf.tensor2d([
    [1, 0],
    [0, 2],
  ]); // ‖2x‖² = 4, 16 → mean 10
  close(value(fns.r1Penalty(D, real, 10)), 50);
  const w = tf.variable(tf.tensor2d([[1], [2]]));
  const lin = (x: TF.Tensor2D) => tf.matMul(x, w) as TF.Tensor2D; // ‖∇‖² = ‖w‖² = 5
  close(value(fns.r1Penalty(lin, real, 2)), 5);
  const { grads } = tf.variableGrads(() => fns.r1Penalty(lin, real, 2) as TF.Scalar, [w]); // d/dw ‖w‖² = 2w
  assert.deepEqual(Array.from(Object.values(grads)[0].dataSync()), [2, 4]);
});

test('weight clipping clamps every variable to [−c, c] without leaking tensors', () => {
  const a = tf.variable(tf.tensor1d([0.5, -0.5, 0.005]));
  const b = tf.variable(tf.tensor2d([[-3, 0.001]]));
  const before = tf.memory().numTensors;
  fns.clipWeights([a, b]);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(Array.from(a.dataSync()).map((x) => +x.toFixed(6)), [0.01, -0.01, 0.005]);
  assert.deepEqual(Array.from(b.dataSync()).map((x) => +x.toFixed(6)), [-0.01, 0.001]);
  fns.clipWeights([a], 0.002);
  assert.deepEqual(Array.from(a.dataSync()).map((x) => +x.toFixed(6)), [0.002, -0.002, 0.002]);
});

test('LSGAN losses: ½E[(D(x) − b)²] + ½E[(D(G(z)) − a)²] and ½E[(D(G(z)) − c)²]', () => {
  // real (2, 0) → (1, 1) mean 1; fake (−1, 1) → (1, 1) mean 1 → ½(1 + 1) = 1
  close(value(fns.lsganDiscriminatorLoss(tf.tensor1d([2, 0]), tf.tensor1d([-1, 1]))), 1);
  close(value(fns.lsganGeneratorLoss(tf.tensor1d([-1, 1]))), 0.5 * (4 + 0) / 2);
  // −1/1/0: fake (−1, 1) − (−1) → (0, 2) mean 2 → ½(1 + 2) = 1.5; G: ½·mean(1, 1) = 0.5
  close(value(fns.lsganDiscriminatorLoss(tf.tensor1d([2, 0]), tf.tensor1d([-1, 1]), -1, 1)), 1.5);
  close(value(fns.lsganGeneratorLoss(tf.tensor1d([-1, 1]), 0)), 0.5);
});

test('f-GAN pairs: fStar(v) is the Fenchel conjugate f*(g_f(v)) of each divergence; losses at v = 0', () => {
  // f*(t) in its textbook form at t = g_f(v), for each divergence.
  const textbook: Record<string, (t: number) => number> = {
    tv: (t) => t,
    kl: (t) => Math.exp(t - 1),
    rkl: (t) => -1 - Math.log(-t),
    pearson: (t) => t * t / 4 + t,
    neyman: (t) => 2 - 2 * Math.sqrt(1 - t),
    hellinger: (t) => t / (1 - t),
    js: (t) => -Math.log(2 - Math.exp(t)),
    gan: (t) => -Math.log(1 - Math.exp(t)),
  };
  const vs = [-1, 0, 0.7];
  for (const [div, fStar] of Object.entries(textbook)) {
    const pair = fns.fDivergencePair(div);
    const t = pair.activation(tf.tensor1d(vs)).dataSync();
    const got = pair.fStar(tf.tensor1d(vs)).dataSync();
    vs.forEach((_, i) => close(got[i], fStar(t[i])));
  }
  // Jeffrey: f(u) = (u − 1) log u has f'(1) = 0, so f*(0) = −f(1) = 0; and f*'(t) = u with f'(u) = t.
  const j = fns.fDivergencePair('jeffrey');
  close(value(j.fStar(tf.tensor1d([0]))), 0, 1e-5);
  const u = 2;
  const tAtU = Math.log(u) + 1 - 1 / u; // f'(2)
  close(value(j.fStar(tf.tensor1d([tAtU]))), u * tAtU - (u - 1) * Math.log(u));
  // GAN divergence at V = 0 on both sides: T = −log 2, f*(T) = log 2 → D loss 2 log 2, G loss log 2.
  const gan = fns.fDivergencePair('gan');
  close(value(fns.fganDiscriminatorLoss(gan, tf.tensor1d([0]), tf.tensor1d([0]))), 2 * Math.log(2));
  close(value(fns.fganGeneratorLoss(gan, tf.tensor1d([0]))), Math.log(2));
});

test('spectral normalization: power steps find σ(w); w/σ has largest singular value 1', () => {
  // w = rotation·diag(3, 2): singular values 3 and 2.
  const c = Math.cos(0.4);
  const s = Math.sin(0.4);
  const w = tf.tensor2d([
    [3 * c, -2 * s],
    [3 * s, 2 * c],
  ]);
  const u = tf.variable(tf.tensor2d([[0.6], [0.8]]));
  for (let i = 0; i < 30; i++) fns.spectralNormStep(w, u);
  const wn = fns.spectralNormWeight(w, u);
  // wnᵀwn has eigenvalues 1 and (2/3)²: its trace is 1 + 4/9.
  close(value(tf.sum(tf.square(wn))), 1 + 4 / 9);
  close(value(tf.norm(tf.matMul(wn, u))), 1);
});

test('sliced Wasserstein loss: in 1-D it is the best matching (sorted pairs) for any directions; its gradient reaches fake', () => {
  // 1-D: every unit direction is ±1 and W2² is the same either way. Sorted real (−1.2, −0.4, 0.3, 0.9, 2.5),
  // sorted fake (−2, 0, 0.5, 1.1, 3.3): squared gaps 0.64, 0.16, 0.04, 0.04, 0.64 → 0.304.
  const real = tf.tensor2d([0.3, -1.2, 2.5, 0.9, -0.4], [5, 1]);
  const fake = [1.1, 0.0, -2.0, 0.5, 3.3];
  close(value(fns.slicedWassersteinLoss(real, tf.tensor2d(fake, [5, 1]), 16, 3)), 0.304);
  // ∂/∂fᵢ = 2(fᵢ − real of the same rank)/n: f = 1.1 is 2nd largest ↔ 0.9; f = −2 is smallest ↔ −1.2.
  const g = tf.grad((f: TF.Tensor) => fns.slicedWassersteinLoss(real, f as TF.Tensor2D, 16, 3) as TF.Scalar)(tf.tensor2d(fake, [5, 1])).dataSync();
  close(g[0], (2 * (1.1 - 0.9)) / 5);
  close(g[2], (2 * (-2 + 1.2)) / 5);
  // Identical batches are at distance 0 in any dimension.
  const x = tf.randomNormal([8, 3], 0, 1, 'float32', 4) as TF.Tensor2D;
  close(value(fns.slicedWassersteinLoss(x, x, 32, 1)), 0, 1e-6);
});

test('unrolled generator loss: K = 0 is the minimax value; one SGD step by hand; the gradient reaches fake through the step', () => {
  // Linear critic D(x) = x·w, one real sample 1 and one fake f = −1, w = 0.5, lr 0.1.
  const critic = (x: TF.Tensor2D, p: TF.Tensor[]) => tf.matMul(x, p[0] as TF.Tensor2D) as TF.Tensor2D;
  const w = [tf.tensor2d([[0.5]])];
  const real = tf.tensor2d([[1]]);
  const sp = (v: number) => Math.log1p(Math.exp(v));
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const at = (f: number, wv: number) => -(sp(-wv) + sp(f * wv));
  close(value(fns.unrolledGeneratorLoss(critic, w, real, tf.tensor2d([[-1]]), 0, 0.1)), at(-1, 0.5));
  // ∂L_D/∂w = −σ(−w) + f·σ(f·w) = −2σ(−0.5) at f = −1 → w₁ = 0.5 + 0.2σ(−0.5).
  const w1 = 0.5 + 0.2 * sig(-0.5);
  close(value(fns.unrolledGeneratorLoss(critic, w, real, tf.tensor2d([[-1]]), 1, 0.1)), at(-1, w1));
  // d/df of the K = 1 loss by central differences of the closed form (w₁ depends on f).
  const closed = (f: number) => at(f, 0.5 - 0.1 * (-sig(-0.5) + f * sig(f * 0.5)));
  const fd = (closed(-1 + 1e-4) - closed(-1 - 1e-4)) / 2e-4;
  const g = tf.grad((f: TF.Tensor) => fns.unrolledGeneratorLoss(critic, w, real, f as TF.Tensor2D, 1, 0.1) as TF.Scalar)(tf.tensor2d([[-1]])).dataSync()[0];
  close(g, fd, 1e-3);
  const g0 = tf.grad((f: TF.Tensor) => fns.unrolledGeneratorLoss(critic, w, real, f as TF.Tensor2D, 0, 0.1) as TF.Scalar)(tf.tensor2d([[-1]])).dataSync()[0];
  assert.ok(Math.abs(g - g0) > 1e-3, `K = 1 gradient ${g} vs K = 0 ${g0}`);
});

test('EBGAN: MSE energy, margin loss, G loss and pull-away term by hand', () => {
  // x − r = (1, −1) and (0, 2): per-sample mean squares (1 + 1)/2 = 1 and (0 + 4)/2 = 2.
  const e = fns.reconstructionEnergy(tf.tensor2d([[1, 0], [0, 0]]), tf.tensor2d([[0, 1], [0, -2]]));
  assert.deepEqual(Array.from(e.dataSync()), [1, 2]);
  // real (1, 2) → mean 1.5; fake (0.5, 3) with m = 1 → relu(0.5, −2) = (0.5, 0), mean 0.25.
  close(value(fns.ebganDiscriminatorLoss(tf.tensor1d([1, 2]), tf.tensor1d([0.5, 3]))), 1.75);
  close(value(fns.ebganDiscriminatorLoss(tf.tensor1d([1, 2]), tf.tensor1d([0.5, 3]), 4)), 1.5 + (3.5 + 1) / 2);
  close(value(fns.ebganGeneratorLoss(tf.tensor1d([0.5, 3]))), 1.75);
  // Codes (1, 0), (0, 2), (1, 1): cos² of the pairs 0, 1/2, 1/2 → 2·(0 + ½ + ½)/(3·2) = 1/3.
  close(value(fns.pullAwayTerm(tf.tensor2d([[1, 0], [0, 2], [1, 1]]))), 1 / 3);
  // Identical directions: every pair has cos² = 1.
  close(value(fns.pullAwayTerm(tf.tensor2d([[1, 1], [2, 2], [3, 3]]))), 1);
});

test('BEGAN: D loss L(x) − k·L(G(z)), the k_t update clipped to [0, 1], and M_global', () => {
  close(value(fns.beganDiscriminatorLoss(tf.scalar(0.8), tf.scalar(0.3), 0.5)), 0.8 - 0.15);
  // k + λ(γL(x) − L(G(z))) = 0.2 + 0.001·(0.5·0.8 − 0.3) = 0.2001
  close(fns.beganUpdateK(0.2, 0.8, 0.3), 0.2001, 1e-9);
  assert.equal(fns.beganUpdateK(0, 0.1, 0.9), 0); // would go below 0
  assert.equal(fns.beganUpdateK(0.99, 1, 0, 0.5, 0.1), 1); // would go above 1
  // 0.8 + |0.4 − 0.3| = 0.9
  close(fns.beganConvergence(0.8, 0.3), 0.9, 1e-12);
});

test("generator moving average: β ramps from 0.1, the average follows the formula, withAverage swaps and restores without leaks", () => {
  const w = tf.variable(tf.tensor1d([1, 2]));
  const avg = fns.makeAverage([w]) as TF.Variable[];
  const before = tf.memory().numTensors;
  tf.tidy(() => w.assign(tf.tensor1d([11, 22])));
  fns.updateAverage(avg, [w], 0); // β = min(0.999, 1/10) = 0.1
  assert.deepEqual(Array.from(avg[0].dataSync()), [Math.fround(0.1 * 1 + 0.9 * 11), Math.fround(0.1 * 2 + 0.9 * 22)]);
  tf.tidy(() => w.assign(tf.tensor1d([0, 0])));
  fns.updateAverage(avg, [w], 1_000_000, 0.5); // β = the decay once the ramp passes it
  const a = Array.from(avg[0].dataSync());
  close(a[0], 0.5 * (0.1 + 9.9));
  close(a[1], 0.5 * (0.2 + 19.8));
  const seen = fns.withAverage([w], avg, () => Array.from(w.dataSync())) as number[];
  assert.deepEqual(seen, a, 'fn sees the average in G\'s variable');
  assert.deepEqual(Array.from(w.dataSync()), [0, 0], "G's own weights are back");
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  tf.dispose([w, ...avg]);
});
