import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { batchNorm } from '../../src/trainer/imageLayers';
import { BATCH_NORM, installWasmBatchNorm } from '../../src/trainer/kernels/wasmBatchNorm';
import { installWasmColumnReduce } from '../../src/trainer/kernels/wasmColumnReduce';
import { Rng } from '../../src/trainer/rng';

const random = (shape: number[], rng: Rng, scale = 1, offset = 0) =>
  tf.tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => offset + scale * rng.normal()), shape);

function close(got: Float32Array, want: Float32Array, what: string, tol = 2e-4): void {
  assert.equal(got.length, want.length, `${what}: size`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) assert.fail(`${what} at ${i}: ${got[i]} vs ${want[i]}`);
  }
}

/** The layer's output and its gradients w.r.t. x, γ and β under a random upstream gradient, and the kernels that ran. */
async function layerAndGrads(shape: number[], seed: number): Promise<{ values: Float32Array[]; kernels: string[] }> {
  const rng = new Rng(seed);
  const c = shape[shape.length - 1];
  const layer = batchNorm(c, `bn${seed}`);
  // Channels with their own offset and spread, as activations have.
  const x = random(shape, rng, 3, 0.5);
  const gamma = random([c], rng, 0.5, 1);
  const beta = random([c], rng);
  const up = random(shape, rng);
  let values: Float32Array[] = [];
  const profile = await tf.profile(() => {
    values = tf.tidy(() => {
      const y = layer.call(x, [gamma, beta]);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(layer.call(a, [b, d]), up)))([x, gamma, beta]);
      return [y, ...g].map((t) => t.dataSync() as Float32Array);
    });
  });
  tf.dispose([x, gamma, beta, up, ...layer.variables]);
  return { values, kernels: profile.kernels.map((k) => k.name) };
}

const SHAPES = [[64, 8], [4, 7, 7, 16], [3, 5, 5, 3], [256, 1], [2, 14, 14, 64]];

test('fused batch norm on wasm: output and gradients match the tfjs ops on cpu, and the fused kernel is what ran', async () => {
  for (const [i, shape] of SHAPES.entries()) {
    await tf.setBackend('cpu');
    const want = await layerAndGrads(shape, i + 1);
    assert.ok(!want.kernels.includes(BATCH_NORM));
    await tf.setBackend('wasm');
    installWasmColumnReduce();
    installWasmBatchNorm();
    const before = tf.memory().numTensors;
    const got = await layerAndGrads(shape, i + 1);
    assert.equal(tf.memory().numTensors, before, `[${shape}]: no tensor left behind`);
    assert.ok(got.kernels.includes(BATCH_NORM), `[${shape}]: the fused kernel ran (kernels: ${[...new Set(got.kernels)].join(', ')})`);
    ['y', 'dx', 'dγ', 'dβ'].forEach((name, j) => close(got.values[j], want.values[j], `[${shape}] ${name}`));
  }
});

test('under a second gradient tape (a gradient penalty through D) batch norm is built from tfjs ops and differentiates twice', async () => {
  const run = (): { values: Float32Array[]; kernels: string[] } => {
    const rng = new Rng(11);
    const layer = batchNorm(6, 'bnpen');
    const x = random([5, 3, 3, 6], rng, 2);
    const w = random([5, 3, 3, 6], rng);
    const kernels: string[] = [];
    // d/dγ of ‖∂/∂x Σ w·BN(x)‖²: the R1 / WGAN-GP pattern.
    const values = tf.tidy(() => {
      const penalty = (gamma: tf.Tensor) => {
        const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(layer.call(xx, [gamma, tf.zeros([6])]), w)))(x);
        return tf.sum(tf.square(gx));
      };
      const g = tf.grad(penalty)(tf.ones([6]).add(0.1));
      return [g.dataSync() as Float32Array];
    });
    tf.dispose([x, w, ...layer.variables]);
    return { values, kernels };
  };
  await tf.setBackend('cpu');
  const want = run();
  await tf.setBackend('wasm');
  installWasmBatchNorm();
  const profile = await tf.profile(() => void run());
  assert.ok(!profile.kernels.some((k) => k.name === BATCH_NORM), 'the fused kernel must not run under a second tape');
  const got = run();
  close(got.values[0], want.values[0], 'second-order gradient w.r.t. γ', 1e-3);
  assert.ok(want.values[0].some((v) => Math.abs(v) > 1e-3), 'the check compares a gradient that is not zero');
});
