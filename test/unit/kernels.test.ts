import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmColumnReduce } from '../../src/trainer/kernels/wasmColumnReduce';
import { installWasmIdentity } from '../../src/trainer/kernels/wasmIdentity';
import { installWasmMatMul, ONE_OUTPUT_MIN_ELEMENTS } from '../../src/trainer/kernels/wasmMatMul';
import { allowSimdPasses, jsPasses } from '../../src/trainer/kernels/simd/heapPasses';
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
    // One output column over large inputs: with a transposed, xᵀ·w as a weighted column sum (a multiple of 4 columns or not).
    [1, 6272, 64, 1], [1, 1027, 300, 1],
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

/** f's result with the heap passes' JS loops in use, and how many times their weighted column sum ran meanwhile. */
function countingWeightedSums<T>(f: () => T): { result: T; calls: number } {
  const original = jsPasses.weightedColumnSums;
  let calls = 0;
  jsPasses.weightedColumnSums = (...args) => {
    calls++;
    original(...args);
  };
  allowSimdPasses(false);
  try {
    return { result: f(), calls };
  } finally {
    allowSimdPasses(true);
    jsPasses.weightedColumnSums = original;
  }
}

test('xᵀ·w with one output column over a large x runs as a weighted column sum, in SIMD and in JS, the same numbers', async () => {
  await tf.setBackend('wasm');
  installWasmMatMul();
  const rng = new Rng(3);
  // [rows, cols]ᵀ·[rows, 1] as D's last layer's weight gradient at batch 256, with and without a batch dimension of 1.
  for (const [rows, cols, batched] of [[256, 6272, false], [300, 1027, false], [256, 1100, true]] as const) {
    assert.ok(rows * cols >= ONE_OUTPUT_MIN_ELEMENTS);
    const av = randomArray(rows * cols, rng);
    const bv = randomArray(rows, rng);
    const shape = (r: number, c: number): number[] => (batched ? [1, r, c] : [r, c]);
    const run = () =>
      tf.tidy(() => {
        const a = tf.tensor(av, shape(rows, cols)) as unknown as tf.Tensor2D;
        const b = tf.tensor(bv, shape(rows, 1)) as unknown as tf.Tensor2D;
        return Array.from(tf.matMul(a, b, true, false).dataSync());
      });
    const want = await onBackend('cpu', run);
    const simd = await onBackend('wasm', run);
    // The JS loops, counted: the path ran once per product.
    const { result: js, calls } = countingWeightedSums(run);
    assert.equal(calls, 1, `[${rows}×${cols}]ᵀ·[${rows}×1]${batched ? ' (batch 1)' : ''}: the weighted column sum ran`);
    assert.deepEqual(simd, js, 'SIMD and JS sum in the same order: bit for bit');
    want.forEach((w, i) => assert.ok(Math.abs(simd[i] - w) <= 1e-4 * (1 + Math.abs(w)), `at ${i}: ${simd[i]} vs cpu ${w}`));
  }
  // Below the threshold (every toy layer) the product keeps XNNPACK.
  const small = countingWeightedSums(() => tf.tidy(() => tf.matMul(tf.ones([256, 128]), tf.ones([256, 1]), true, false).dataSync()));
  assert.equal(small.calls, 0);
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

test('wasm Cast to the dtype a tensor already has shares its buffer; a cast to another dtype still converts', async () => {
  await tf.setBackend('wasm');
  installWasmIdentity();
  const backend = tf.engine().backend;
  const x = tf.tensor1d([1.75, -2.5, 3]);
  const buffers = backend.numDataIds();
  const same = tf.cast(x, 'float32');
  assert.equal(backend.numDataIds(), buffers, 'float32 → float32 holds the same buffer');
  x.dispose();
  assert.deepEqual(Array.from(same.dataSync()), [1.75, -2.5, 3]);
  const ints = tf.cast(same, 'int32');
  assert.equal(ints.dtype, 'int32');
  assert.deepEqual(Array.from(ints.dataSync()), [1, -2, 3]);
  const flags = tf.cast(tf.tensor1d([true, false, true], 'bool'), 'float32');
  assert.deepEqual(Array.from(flags.dataSync()), [1, 0, 1]);
  tf.dispose([same, ints, flags]);
});

test('wasm Sum and Mean over leading axes (batch norm moments) are bit for bit tfjs\'s own kernels, and other reductions still work', async () => {
  await tf.setBackend('wasm');
  installWasmColumnReduce();
  const rng = new Rng(11);
  // [shape, axis, keepDims]: leading prefixes in any order and with negative indices, odd sizes, column
  // counts that are multiples of 4 (the SIMD pass) and that are not (the JS loop), and reductions the
  // kernel hands to tfjs's own (inner axes, middle axes, every axis).
  const cases: [number[], number | number[], boolean][] = [
    [[64, 7, 7, 13], [0, 1, 2], false], [[5, 3, 3, 7], [2, 0, 1], true], [[9, 5], 0, false], [[9, 5], -2, true],
    [[3, 5, 7], [0, 1], false], [[1, 1, 1], [0], false], [[7, 1, 3, 2], [0, 1], true], [[4, 6, 5], [1, 2], false],
    [[4, 6, 5], 1, true], [[4, 6, 5], [0, 1, 2], false], [[4, 6, 5], [0, 2], false], [[257, 3], [0], false], [[1023, 2], 0, false],
    [[64, 7, 7, 16], [0, 1, 2], false], [[257, 12], 0, true], [[2, 3, 4, 8], [0, 1], false], [[1, 4], 0, false],
  ];
  for (const [shape, axis, keepDims] of cases) {
    const xv = randomArray(shape.reduce((p, d) => p * d, 1), rng);
    for (const op of ['sum', 'mean'] as const) {
      const what = `${op} ${JSON.stringify(shape)} axis ${JSON.stringify(axis)}`;
      const run = () => tf.tidy(() => { const y = tf[op](tf.tensor(xv, shape), axis, keepDims); return { shape: y.shape, values: Array.from(y.dataSync()) }; });
      const want = await onBackend('cpu', run);
      const before = await onBackend('wasm', () => tf.memory().numTensors);
      const got = run();
      assert.equal(tf.memory().numTensors, before);
      assert.deepEqual(got.shape, want.shape, what);
      for (let i = 0; i < want.values.length; i++) {
        assert.ok(Math.abs(got.values[i] - want.values[i]) <= 1e-5 * (1 + Math.abs(want.values[i])) * Math.sqrt(xv.length), `${what} at ${i}: ${got.values[i]} vs cpu ${want.values[i]}`);
      }
      // What tfjs's wasm kernel computes: the reduced axes transposed to the end, then reduced there.
      const rank = shape.length;
      const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))];
      const kept = [...Array(rank).keys()].filter((d) => !axes.includes(d));
      const inner = axes.map((_, i) => kept.length + i);
      const stock = tf.tidy(() => Array.from(tf[op](tf.transpose(tf.tensor(xv, shape), [...kept, ...axes]), inner).dataSync()));
      assert.deepEqual(got.values, stock, `${what}: not bit-identical to tfjs's kernel`);
    }
  }
  // Integer sums keep tfjs's kernel and dtype.
  const ints = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
  const s = tf.sum(ints, 0);
  assert.equal(s.dtype, 'int32');
  assert.deepEqual(Array.from(s.dataSync()), [9, 12]);
  tf.dispose([ints, s]);
});

test('batch-norm gradients through the column reductions match the cpu backend', async () => {
  const rng = new Rng(5);
  const shape = [6, 5, 5, 3];
  const xv = randomArray(shape.reduce((p, d) => p * d, 1), rng);
  const gv = randomArray(3, rng);
  const grad = () =>
    tf.tidy(() => {
      const f = (x: tf.Tensor, gamma: tf.Tensor) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return tf.sum(tf.square(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-3))), gamma)).mul(tf.sin(x)));
      };
      return tf.grads(f)([tf.tensor(xv, shape), tf.tensor1d(gv)]).map((t) => Array.from(t.dataSync()));
    });
  const want = await onBackend('cpu', grad);
  await tf.setBackend('wasm');
  installWasmColumnReduce();
  const got = grad();
  for (let j = 0; j < 2; j++) for (let i = 0; i < want[j].length; i++) assert.ok(Math.abs(got[j][i] - want[j][i]) < 1e-3 * (1 + Math.abs(want[j][i])), `grad ${j} at ${i}: ${got[j][i]} vs ${want[j][i]}`);
});
