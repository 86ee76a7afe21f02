import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { FUSED_ADAM, FUSED_AVERAGE, FUSED_RMSPROP, FusedAdamOptimizer, FusedRMSPropOptimizer, installFusedOptimizers } from '../../src/trainer/kernels/fusedOptimizers';
import { Rng } from '../../src/trainer/rng';

const SHAPES = [[3], [7, 5], [2, 3, 4, 5], [1], [129, 17]];
/** tfjs keeps Adam's running β powers outside getWeights; a checkpoint saves them too (checkpoint.ts). */
const ADAM_POWERS = ['accBeta1', 'accBeta2'];

/** Train the same variables with `make()` for `steps` steps of fixed random gradients; the values, then the optimizer's weights. */
async function trainWith(make: () => tf.Optimizer, steps: number, seed: number, resumeAt?: number): Promise<{ values: number[][]; weights: number[][]; names: string[] }> {
  const rng = new Rng(seed);
  const tag = `fo${seed}_${Math.random()}`;
  const vars = SHAPES.map((s, i) => tf.tidy(() => tf.variable(tf.tensor(Float32Array.from({ length: s.reduce((p, d) => p * d, 1) }, () => rng.normal()), s), true, `${tag}_${i}`)));
  let opt = make();
  for (let t = 0; t < steps; t++) {
    if (t === resumeAt) {
      // What a checkpoint does: weights out, a fresh optimizer, weights in.
      const o = () => opt as unknown as Record<string, tf.Variable | undefined>;
      const w = await opt.getWeights();
      const copies = w.map((x) => ({ name: x.name, tensor: tf.clone(x.tensor) }));
      const powers = ADAM_POWERS.map((k) => o()[k] && tf.clone(o()[k]!));
      w[0].tensor.dispose();
      opt.dispose();
      opt = make();
      await opt.setWeights(copies);
      ADAM_POWERS.forEach((k, i) => powers[i] && o()[k]!.assign(powers[i]!));
      tf.dispose([...copies.map((c) => c.tensor), ...powers.filter((p): p is tf.Variable => !!p)]);
    }
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v) => (grads[v.name] = tf.tensor(Float32Array.from({ length: v.size }, () => rng.normal() * (1 + t)), v.shape)));
    opt.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
  const values = vars.map((v) => Array.from(v.dataSync()));
  const w = await opt.getWeights();
  const weights = w.slice(1).map((x) => Array.from(x.tensor.dataSync()));
  const names = w.slice(1).map((x) => x.name.replace(tag, ''));
  w[0].tensor.dispose();
  opt.dispose();
  tf.dispose(vars);
  return { values, weights, names };
}

/** Bit for bit: the fused kernels round every intermediate as tfjs's ops do. */
function assertSame(got: number[][], want: number[][], what: string): void {
  assert.equal(got.length, want.length);
  for (let j = 0; j < want.length; j++) {
    for (let i = 0; i < want[j].length; i++) {
      assert.ok(Object.is(got[j][i], want[j][i]), `${what} ${j}[${i}]: ${got[j][i]} vs tfjs ${want[j][i]}`);
    }
  }
}

const OPTIMIZERS = [
  { name: 'Adam', kernel: FUSED_ADAM, stock: () => tf.train.adam(0.01, 0.9, 0.99), fused: () => new FusedAdamOptimizer(0.01, 0.9, 0.99) },
  { name: 'RMSProp', kernel: FUSED_RMSPROP, stock: () => tf.train.rmsprop(0.003, 0.95), fused: () => new FusedRMSPropOptimizer(0.003, 0.95) },
  { name: 'RMSProp with momentum', kernel: FUSED_RMSPROP, stock: () => tf.train.rmsprop(0.003, 0.9, 0.7), fused: () => new FusedRMSPropOptimizer(0.003, 0.9, 0.7) },
];

for (const backend of ['wasm', 'cpu'] as const) {
  for (const o of OPTIMIZERS) {
    test(`fused ${o.name} on ${backend}: one kernel per variable, bit for bit tfjs's ${o.name} over 12 steps (values and slots), through a checkpoint round trip`, async () => {
      await tf.setBackend(backend);
      installFusedOptimizers(backend);
      const reference = await trainWith(o.stock, 12, 3);
      const before = tf.memory().numTensors;
      const fused = await trainWith(o.fused, 12, 3);
      assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
      assertSame(fused.values, reference.values, 'value');
      assertSame(fused.weights, reference.weights, 'slot');
      assert.deepEqual(fused.names, reference.names, 'the slot names a checkpoint stores');
      assertSame((await trainWith(o.fused, 12, 3, 5)).values, reference.values, 'value after resume');

      // The fused path really runs: one kernel per variable, no per-op arithmetic.
      const v = tf.variable(tf.ones([4, 4]));
      const opt: tf.Optimizer = o.fused();
      const g = tf.fill([4, 4], 2);
      const profile = await tf.profile(() => opt.applyGradients({ [v.name]: g }));
      const names = profile.kernels.map((k) => k.name);
      assert.equal(names.filter((n) => n === o.kernel).length, 1);
      assert.ok(!names.includes('Sqrt') && !names.includes('RealDiv'), `kernels run: ${names.join(', ')}`);
      tf.dispose([v, g]);
      opt.dispose();
    });
  }
}

test('without the kernels on the backend, the fused optimizers are tfjs\'s, op by op; centred RMSProp always is', async () => {
  await tf.setBackend('wasm');
  installFusedOptimizers('wasm');
  const centred = await trainWith(() => tf.train.rmsprop(0.003, 0.9, 0.5, undefined, true), 4, 2);
  assertSame((await trainWith(() => new FusedRMSPropOptimizer(0.003, 0.9, 0.5, undefined, true), 4, 2)).values, centred.values, 'centred');
  for (const k of [FUSED_ADAM, FUSED_RMSPROP]) tf.unregisterKernel(k, 'wasm');
  try {
    for (const o of OPTIMIZERS) assertSame((await trainWith(o.fused, 4, 9)).values, (await trainWith(o.stock, 4, 9)).values, o.name);
  } finally {
    installFusedOptimizers('wasm');
  }
});

test('the kernels refuse tensors of different shapes or dtypes', async () => {
  await tf.setBackend('cpu');
  installFusedOptimizers('cpu');
  const [a, b, i] = [tf.zeros([2, 2]), tf.zeros([4]), tf.zeros([2, 2], 'int32')];
  const attrs = { lr: 1, beta1: 0.9, beta2: 0.9, epsilon: 1e-7, c1: 0.1, c2: 0.1 };
  assert.throws(() => tf.engine().runKernel(FUSED_ADAM, { value: a, grad: b, a, b: a }, attrs), /shapes differ/);
  assert.throws(() => tf.engine().runKernel(FUSED_RMSPROP, { value: a, grad: a, a: i, b: a }, attrs), /float32 tensors only/);
  tf.dispose([a, b, i]);
});

for (const backend of ['wasm', 'cpu'] as const) {
  test(`moving-average kernel on ${backend}: bit for bit tf.add(tf.mul(Ḡ, β), tf.mul(θ, 1 − β)), for ramped and fixed β`, async () => {
    await tf.setBackend(backend);
    installFusedOptimizers(backend);
    const rng = new Rng(7);
    for (const shape of SHAPES) {
      const n = shape.reduce((p, d) => p * d, 1);
      const avg = tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
      const value = tf.tensor(Float32Array.from({ length: n }, () => rng.normal() * 3), shape);
      for (const beta of [0.1, 11 / 20, 0.999, 0.9999]) {
        const [fused, ops] = tf.tidy(() => [
          tf.engine().runKernel(FUSED_AVERAGE, { average: avg, value }, { beta }) as tf.Tensor,
          tf.add(tf.mul(avg, tf.scalar(beta)), tf.mul(value, tf.scalar(1 - beta))),
        ]);
        assertSame([Array.from(fused.dataSync())], [Array.from(ops.dataSync())], `[${shape}] β ${beta}`);
        tf.dispose([fused, ops]);
      }
      tf.dispose([avg, value]);
    }
  });
}
