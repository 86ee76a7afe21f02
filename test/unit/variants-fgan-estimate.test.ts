/**
 * f-GAN's variational estimate with the generator frozen: P = N(0, 1) (data)
 * and Q = N(1, 1) (generator) are known, so training the variational function
 * alone must drive E_P[T] − E_Q[f*(T)] to the closed-form D_f(P‖Q) = ∫ q f(p/q).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { FDivergence } from '../../src/protocol/variants';
import { pickBackend } from '../../src/trainer/backend';
import { fDivergenceEstimate } from '../../src/trainer/fdivergence';
import { mlp, type ModelContext } from '../../src/trainer/userApi';

const MU_Q = 1;
const normal = (x: number, mu: number) => Math.exp(-0.5 * (x - mu) ** 2) / Math.sqrt(2 * Math.PI);

/** ∫ q f(p/q) dx by the midpoint rule on [−12, 13]. */
function quadrature(f: (u: number) => number): number {
  const a = -12;
  const b = 13;
  const n = 50_000;
  const h = (b - a) / n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const x = a + (i + 0.5) * h;
    const q = normal(x, MU_Q);
    s += q * f(normal(x, 0) / q) * h;
  }
  return s;
}

/** Closed forms for N(0, 1) ‖ N(1, 1); JS and Hellinger by quadrature of their f. */
const TRUTH: Partial<Record<FDivergence, () => number>> = {
  kl: () => MU_Q ** 2 / 2,
  rkl: () => MU_Q ** 2 / 2,
  pearson: () => Math.exp(MU_Q ** 2) - 1,
  hellinger: () => quadrature((u) => (Math.sqrt(u) - 1) ** 2),
  js: () => quadrature((u) => u * Math.log(u) - (u + 1) * Math.log((u + 1) / 2)),
};

before(async () => {
  await pickBackend('wasm');
});

function ctx(seed0: number): ModelContext {
  let s = seed0;
  return { latentDim: 1, dataDim: 1, hidden: 16, depth: 2, spectralNorm: false, minibatchStd: false, packing: 1, classes: 0, conditional: 'none', output: 'critic', nextSeed: () => s++ };
}

async function trainEstimate(div: FDivergence): Promise<number> {
  const V = mlp(ctx(11), 1, 1, `V-${div}`);
  const opt = tf.train.adam(1e-2, 0.5, 0.999);
  const batch = 256;
  for (let i = 0; i < 300; i++) {
    tf.tidy(() => {
      const p = tf.randomNormal([batch, 1], 0, 1, 'float32', 1000 + 2 * i) as tf.Tensor2D;
      const q = tf.randomNormal([batch, 1], MU_Q, 1, 'float32', 1001 + 2 * i) as tf.Tensor2D;
      opt.minimize(() => tf.neg(fDivergenceEstimate(div, V.apply(p), V.apply(q))), false, V.variables);
    });
  }
  const est = tf.tidy(() => {
    const n = 20_000;
    const p = tf.randomNormal([n, 1], 0, 1, 'float32', 7) as tf.Tensor2D;
    const q = tf.randomNormal([n, 1], MU_Q, 1, 'float32', 8) as tf.Tensor2D;
    return fDivergenceEstimate(div, V.apply(p), V.apply(q));
  });
  const v = (await est.data())[0];
  tf.dispose([est, ...V.variables]);
  opt.dispose();
  return v;
}

for (const [div, truth] of Object.entries(TRUTH) as [FDivergence, () => number][]) {
  test(`f-GAN ${div}: trained variational estimate within 10% of the closed form for N(0,1) ‖ N(1,1)`, async () => {
    const t0 = performance.now();
    const exact = truth();
    const est = await trainEstimate(div);
    process.stdout.write(`# ${div}: estimate ${est.toFixed(4)} vs exact ${exact.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
    assert.ok(Math.abs(est - exact) <= 0.1 * exact, `${div}: estimate ${est} vs closed form ${exact}`);
  });
}
