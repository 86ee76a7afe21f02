import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { allowSimdPasses } from '../../src/trainer/kernels/simd/heapPasses';
import { installWasmActivations, LEAKY_RELU } from '../../src/trainer/kernels/wasmActivations';
import { leakyRelu, relu } from '../../src/trainer/userApi';
import { Rng } from '../../src/trainer/rng';

/** Values with exact zeros among them, so both sides of the kink are hit. */
function input(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 0 : 3 * rng.normal()));
}

/** The activation's output and its gradient under a random upstream gradient, and the kernels that ran. */
async function outputAndGrad(act: (x: tf.Tensor2D) => tf.Tensor2D, xs: Float32Array, cols: number, seed: number) {
  const x = tf.tensor2d(xs, [xs.length / cols, cols]);
  const up = tf.tensor2d(input(xs.length, seed + 100), x.shape);
  let values: Float32Array[] = [];
  const profile = await tf.profile(() => {
    values = tf.tidy(() => {
      const y = act(x);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(act(a as tf.Tensor2D), up)))(x);
      return [y, g].map((t) => t.dataSync() as Float32Array);
    });
  });
  tf.dispose([x, up]);
  return { values, kernels: profile.kernels.map((k) => k.name) };
}

// Element counts with and without a tail past the last 4-lane vector.
const SIZES: [number, number][] = [[1, 1], [3, 5], [8, 16], [64, 7], [256, 128]];

test('ReLU on wasm runs the fused kernel each way and gives tfjs\'s own numbers', async () => {
  await tf.setBackend('wasm');
  installWasmActivations();
  for (const [i, [rows, cols]] of SIZES.entries()) {
    const xs = input(rows * cols, i + 1);
    const want = await outputAndGrad((x) => tf.relu(x), xs, cols, i + 1);
    const before = tf.memory().numTensors;
    const got = await outputAndGrad(relu, xs, cols, i + 1);
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    assert.ok(got.kernels.includes(LEAKY_RELU) && !got.kernels.includes('Relu') && !got.kernels.includes('Step'), `[${rows}, ${cols}]: kernels ${[...new Set(got.kernels)]}`);
    for (const j of [0, 1]) {
      for (let k = 0; k < xs.length; k++) {
        // === : ±0 may differ in sign (tfjs's Relu keeps −0), nothing else may.
        if (got.values[j][k] !== want.values[j][k]) assert.fail(`[${rows}, ${cols}] ${j ? 'gradient' : 'output'} at ${k}: ${got.values[j][k]} vs ${want.values[j][k]}`);
      }
    }
  }
});

test('LeakyReLU on wasm runs the fused kernel each way and matches the op form on cpu', async () => {
  for (const [i, [rows, cols]] of SIZES.entries()) {
    const xs = input(rows * cols, i + 11);
    await tf.setBackend('cpu');
    const want = await outputAndGrad(leakyRelu(0.2), xs, cols, i + 11);
    assert.ok(!want.kernels.includes(LEAKY_RELU));
    await tf.setBackend('wasm');
    installWasmActivations();
    const got = await outputAndGrad(leakyRelu(0.2), xs, cols, i + 11);
    assert.ok(got.kernels.includes(LEAKY_RELU), `[${rows}, ${cols}]: kernels ${[...new Set(got.kernels)]}`);
    for (const j of [0, 1]) {
      for (let k = 0; k < xs.length; k++) {
        const [g, w] = [got.values[j][k], want.values[j][k]];
        if (!(Math.abs(g - w) <= 1e-6 * (1 + Math.abs(w)))) assert.fail(`[${rows}, ${cols}] ${j ? 'gradient' : 'output'} at ${k}: ${g} vs ${w}`);
      }
    }
    // Exact: x for x > 0, f32(0.2·x) below.
    for (let k = 0; k < xs.length; k++) assert.equal(got.values[0][k], xs[k] > 0 ? xs[k] : Math.fround(Math.fround(0.2) * xs[k]) + 0);
  }
  // NaN goes through, as the op form lets it.
  await tf.setBackend('wasm');
  const nan = tf.tidy(() => Array.from(leakyRelu(0.2)(tf.tensor2d([NaN, 1, -1, NaN, 2], [1, 5])).dataSync()));
  assert.ok(Number.isNaN(nan[0]) && Number.isNaN(nan[3]));
});

test('under a second gradient tape (a penalty on ∇ₓD) the activations are tfjs ops, and the second-order gradient matches cpu', async () => {
  const run = () =>
    tf.tidy(() => {
      const rng = new Rng(5);
      const x = tf.tensor2d(input(24, 5), [4, 6]);
      const w = tf.tensor2d(Float32Array.from({ length: 36 }, () => rng.normal()), [6, 6]);
      // d/dw of ‖∂/∂x Σ act(x·w)‖² for both activations.
      const penalty = (ww: tf.Tensor) => {
        const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.add(leakyRelu(0.2)(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D)), relu(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D)))))(x);
        return tf.sum(tf.square(gx));
      };
      return { g: Array.from(tf.grad(penalty)(w).dataSync()) };
    });
  await tf.setBackend('cpu');
  const want = run();
  await tf.setBackend('wasm');
  installWasmActivations();
  let got: ReturnType<typeof run> | undefined;
  const profile = await tf.profile(() => {
    got = run();
  });
  assert.ok(!profile.kernels.some((k) => k.name === LEAKY_RELU), 'the fused kernel must not run under a second tape');
  want.g.forEach((v, i) => assert.ok(Math.abs(got!.g[i] - v) <= 1e-4 * (1 + Math.abs(v)), `at ${i}: ${got!.g[i]} vs ${v}`));
  assert.ok(want.g.some((v) => Math.abs(v) > 1e-3), 'the penalty has a gradient to compare');
});

test('without the SIMD passes the activations keep the tfjs ops (as JS loops their kernels were slower than the ops)', async () => {
  await tf.setBackend('wasm');
  installWasmActivations();
  allowSimdPasses(false);
  try {
    const got = await outputAndGrad(leakyRelu(0.2), input(64, 3), 8, 3);
    assert.ok(!got.kernels.includes(LEAKY_RELU), `kernels: ${[...new Set(got.kernels)]}`);
  } finally {
    allowSimdPasses(true);
  }
  const again = await outputAndGrad(leakyRelu(0.2), input(64, 3), 8, 3);
  assert.ok(again.kernels.includes(LEAKY_RELU));
});
