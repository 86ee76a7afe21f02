import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { FUSED_ADAM, FusedAdamOptimizer, installFusedAdam } from '../../src/trainer/kernels/fusedAdam';
import { Rng } from '../../src/trainer/rng';

const SHAPES = [[3], [7, 5], [2, 3, 4, 5], [1], [129, 17]];

/** Train the same variables with `make()` for `steps` steps of fixed random gradients; the values, then the optimizer's weights. */
async function trainWith(make: () => tf.Optimizer, steps: number, seed: number, resumeAt?: number): Promise<{ values: number[][]; weights: number[][]; names: string[] }> {
  const rng = new Rng(seed);
  const vars = SHAPES.map((s, i) => tf.tidy(() => tf.variable(tf.tensor(Float32Array.from({ length: s.reduce((p, d) => p * d, 1) }, () => rng.normal()), s), true, `fa${seed}_${i}_${Math.random()}`)));
  let opt = make();
  for (let t = 0; t < steps; t++) {
    if (t === resumeAt) {
      // What a checkpoint does: weights out, a fresh optimizer, weights in.
      const w = await opt.getWeights();
      const copies = w.map((x) => ({ name: x.name, tensor: tf.clone(x.tensor) }));
      const powers = ['accBeta1', 'accBeta2'].map((k) => tf.clone((opt as unknown as Record<string, tf.Variable>)[k]));
      w[0].tensor.dispose();
      opt.dispose();
      opt = make();
      await opt.setWeights(copies);
      ['accBeta1', 'accBeta2'].forEach((k, i) => (opt as unknown as Record<string, tf.Variable>)[k].assign(powers[i]));
      tf.dispose([...copies.map((c) => c.tensor), ...powers]);
    }
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v) => (grads[v.name] = tf.tensor(Float32Array.from({ length: v.size }, () => rng.normal() * (1 + t)), v.shape)));
    opt.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
  const values = vars.map((v) => Array.from(v.dataSync()));
  const w = await opt.getWeights();
  const weights = w.slice(1).map((x) => Array.from(x.tensor.dataSync()));
  const names = w.slice(1).map((x) => x.name.replace(/^fa\d+_(\d+)_[0-9.e-]+/, '$1'));
  w[0].tensor.dispose();
  opt.dispose();
  tf.dispose(vars);
  return { values, weights, names };
}

/** Bit for bit: the fused kernel rounds every intermediate as tfjs's ops do. */
function assertSame(got: number[][], want: number[][], what: string): void {
  assert.equal(got.length, want.length);
  for (let j = 0; j < want.length; j++) {
    for (let i = 0; i < want[j].length; i++) {
      assert.ok(Object.is(got[j][i], want[j][i]), `${what} ${j}[${i}]: ${got[j][i]} vs tfjs Adam ${want[j][i]}`);
    }
  }
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`fused Adam on ${backend}: one kernel per variable, bit for bit tfjs's Adam over 12 steps (values and moments), through a checkpoint round trip`, async () => {
    await tf.setBackend(backend);
    installFusedAdam(backend);
    const reference = await trainWith(() => tf.train.adam(0.01, 0.9, 0.99), 12, 3);
    const before = tf.memory().numTensors;
    const fused = await trainWith(() => new FusedAdamOptimizer(0.01, 0.9, 0.99), 12, 3);
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
    assertSame(fused.values, reference.values, 'value');
    assertSame(fused.weights, reference.weights, 'moment');
    assert.deepEqual(fused.names, reference.names, 'the slot names a checkpoint stores');
    const resumed = await trainWith(() => new FusedAdamOptimizer(0.01, 0.9, 0.99), 12, 3, 5);
    assertSame(resumed.values, reference.values, 'value after resume');

    // The fused path really runs: one kernel per variable, no per-op arithmetic.
    const v = tf.variable(tf.ones([4, 4]));
    const opt: tf.Optimizer = new FusedAdamOptimizer(0.1, 0.9, 0.999);
    const g = tf.fill([4, 4], 2);
    const profile = await tf.profile(() => opt.applyGradients({ [v.name]: g }));
    const names = profile.kernels.map((k) => k.name);
    assert.equal(names.filter((n) => n === FUSED_ADAM).length, 1);
    assert.ok(!names.includes('Sqrt') && !names.includes('RealDiv'), `kernels run: ${names.join(', ')}`);
    // First step of Adam moves every weight by lr (m̂/√v̂ = 1).
    for (const x of v.dataSync()) assert.ok(Math.abs(x - 0.9) < 1e-5, `${x}`);
    tf.dispose([v, g]);
    opt.dispose();
  });
}

test('without the kernel on the backend, fused Adam is tfjs\'s Adam op by op', async () => {
  await tf.setBackend('wasm');
  tf.unregisterKernel(FUSED_ADAM, 'wasm');
  try {
    const reference = await trainWith(() => tf.train.adam(0.02, 0.9, 0.99), 4, 9);
    const fallback = await trainWith(() => new FusedAdamOptimizer(0.02, 0.9, 0.99), 4, 9);
    assertSame(fallback.values, reference.values, 'value');
  } finally {
    installFusedAdam('wasm');
  }
});

test('the kernel refuses tensors of different shapes', async () => {
  await tf.setBackend('cpu');
  installFusedAdam('cpu');
  const [a, b] = [tf.zeros([2, 2]), tf.zeros([4])];
  assert.throws(() => tf.engine().runKernel(FUSED_ADAM, { value: a, grad: b, m: a, v: a }, { lr: 1, beta1: 0.9, beta2: 0.9, epsilon: 1e-7, c1: 0.1, c2: 0.1 }), /shapes differ/);
  tf.dispose([a, b]);
});
