import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmIdentity } from '../../src/trainer/kernels/wasmIdentity';
import { installWasmMatMul } from '../../src/trainer/kernels/wasmMatMul';
import { Rng } from '../../src/trainer/rng';

function randomArray(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

async function onBackend<T>(name: string, f: () => T): Promise<T> {
  await tf.setBackend(name);
  return f();
}

test('wasm BatchMatMul with transposed operands matches the cpu backend', async () => {
  await tf.setBackend('wasm');
  installWasmMatMul();
  const rng = new Rng(42);
  // Odd sizes, batch dims, every transpose combination.
  const cases: [number, number, number, number][] = [
    [1, 1, 1, 1], [1, 7, 5, 3], [1, 33, 17, 9], [3, 4, 6, 5], [2, 65, 31, 1], [1, 256, 128, 128],
  ];
  for (const [batch, m, k, n] of cases) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const aShape = batch === 1 ? (ta ? [k, m] : [m, k]) : ta ? [batch, k, m] : [batch, m, k];
        const bShape = batch === 1 ? (tb ? [n, k] : [k, n]) : tb ? [batch, n, k] : [batch, k, n];
        const av = randomArray(aShape.reduce((p, x) => p * x), rng);
        const bv = randomArray(bShape.reduce((p, x) => p * x), rng);
        const run = () => tf.tidy(() => tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), ta, tb).dataSync());
        const want = await onBackend('cpu', run);
        const before = await onBackend('wasm', () => tf.memory().numTensors);
        const got = run();
        assert.equal(tf.memory().numTensors, before, 'the kernel must free its transposed temporaries');
        assert.equal(got.length, want.length);
        for (let i = 0; i < got.length; i++) {
          assert.ok(Math.abs(got[i] - want[i]) <= 1e-4 * (1 + Math.abs(want[i])), `[${batch},${m},${k},${n}] ta=${ta} tb=${tb} at ${i}: ${got[i]} vs ${want[i]}`);
        }
      }
    }
  }
});

test('gradients through the re-registered kernel match the cpu backend', async () => {
  const rng = new Rng(7);
  const xv = randomArray(12 * 5, rng);
  const wv = randomArray(5 * 3, rng);
  const grad = () =>
    tf.tidy(() => {
      const g = tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, w))));
      return g([tf.tensor2d(xv, [12, 5]), tf.tensor2d(wv, [5, 3])]).map((t) => Array.from(t.dataSync()));
    });
  const want = await onBackend('cpu', grad);
  const got = await onBackend('wasm', grad);
  for (let j = 0; j < 2; j++) for (let i = 0; i < want[j].length; i++) assert.ok(Math.abs(got[j][i] - want[j][i]) < 1e-3 * (1 + Math.abs(want[j][i])));
});

test('wasm Identity (every clone the gradient tape makes) shares the buffer instead of copying it, and the buffer lives until the last holder is disposed', async () => {
  await tf.setBackend('wasm');
  installWasmIdentity();
  const backend = tf.engine().backend;
  const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  const buffers = backend.numDataIds();
  const y = tf.clone(x);
  assert.equal(backend.numDataIds(), buffers, 'a clone holds the same buffer');
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4, 5, 6], 'the clone outlives the original');
  y.dispose();
  assert.equal(backend.numDataIds(), buffers - 1, 'the buffer is freed with its last holder');
  // A variable's assign swaps buffers: a clone taken before keeps the old values.
  const v = tf.variable(tf.tensor1d([1, 2]));
  const before = tf.clone(v);
  v.assign(tf.tensor1d([7, 8]));
  assert.deepEqual(Array.from(before.dataSync()), [1, 2]);
  assert.deepEqual(Array.from(v.dataSync()), [7, 8]);
  tf.dispose([v, before]);
});
