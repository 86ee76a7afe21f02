import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { type HeapPasses, jsPasses, type PassArrays, simdPassesFor } from '../../src/trainer/kernels/simd/heapPasses';
import { loadThreadedWasm } from '../../src/trainer/kernels/wasmThreads';
import { Rng } from '../../src/trainer/rng';

const heapView = (t: tf.Tensor) => (tf.backend() as unknown as { typedArrayFromHeap(t: tf.TensorInfo): Float32Array }).typedArrayFromHeap(t);

/** Runs every pass of `simd` and of the JS loops on the same random heap matrices and compares the results. */
function compare(simd: HeapPasses, rows: number, cols: number, seed: number, offset = 0): void {
  const rng = new Rng(seed);
  const rand = (n: number, scale = 1, off = 0) => Float32Array.from({ length: n }, () => off + scale * rng.normal());
  const [x, g] = [tf.tensor2d(rand(rows * cols, 2, offset), [rows, cols]), tf.tensor2d(rand(rows * cols), [rows, cols])];
  const [y, out, sums, weighted, weights] = [tf.zeros([rows, cols]), tf.zeros([rows, cols]), tf.zeros([cols]), tf.zeros([cols]), tf.tensor1d(rand(rows))];
  const coefficients = { shift: rand(cols, 1, offset), s: rand(cols, 1, offset), a: rand(cols), b: rand(cols), k: rand(cols) };
  const ws = simd.workspace(cols);
  try {
    const run = (p: HeapPasses, w: PassArrays) => {
      Object.entries(coefficients).forEach(([name, v]) => (w[name as keyof typeof coefficients] as Float32Array).set(v));
      const [xv, gv, yv, ov, sv, wsv, wv] = [x, g, y, out, sums, weighted, weights].map(heapView);
      p.moments(xv, w, rows, cols);
      const m = [Float64Array.from(w.sum1), Float64Array.from(w.sum2)];
      p.crossSums(gv, xv, w, rows, cols);
      const c = [Float64Array.from(w.sum1), Float64Array.from(w.sum2)];
      p.affine(xv, w, yv, rows, cols);
      p.affine2(gv, xv, w, ov, rows, cols);
      p.columnSums(xv, rows, cols, sv);
      p.weightedColumnSums(xv, wv, rows, cols, wsv);
      p.leakyRelu(xv, yv, 0.2);
      const activation = Float32Array.from(yv);
      p.leakyReluGrad(gv, xv, ov, 0.2);
      return {
        act: [activation, Float32Array.from(ov)], moments: m, cross: c, affine: Float32Array.from(yv), affine2: Float32Array.from(ov), columnSums: Float32Array.from(sv), weighted: Float32Array.from(wsv) };
    };
    const want = run(jsPasses, jsPasses.workspace(cols).arrays());
    const got = run(simd, ws.arrays());
    const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol: number, scale: number) => {
      assert.equal(a.length, b.length);
      for (let i = 0; i < b.length; i++) {
        if (!(Math.abs(a[i] - b[i]) <= tol * (scale + Math.abs(b[i])))) assert.fail(`[${rows}, ${cols}] ${what} at ${i}: ${a[i]} vs ${b[i]}`);
      }
    };
    // Sums: float32 blocks of ≤ 64 rows, then float64; each term is O(1), so the error is measured against √rows.
    ['Σd', 'Σd²'].forEach((n, i) => close(got.moments[i], want.moments[i], `moments ${n}`, 1e-5, Math.sqrt(rows)));
    ['Σg', 'Σg·d'].forEach((n, i) => close(got.cross[i], want.cross[i], `crossSums ${n}`, 1e-5, Math.sqrt(rows)));
    close(got.affine, want.affine, 'affine', 1e-5, 1);
    close(got.affine2, want.affine2, 'affine2', 1e-5, 1);
    // Column sums add in the same order with the same float32 rounding: bit for bit.
    assert.deepEqual(got.columnSums, want.columnSums, `[${rows}, ${cols}] columnSums`);
    assert.deepEqual(got.weighted, want.weighted, `[${rows}, ${cols}] weightedColumnSums`);
    // The activations' passes are exact either way.
    assert.deepEqual(got.act, want.act, `[${rows}, ${cols}] leakyRelu and its gradient`);
  } finally {
    ws.release();
    tf.dispose([x, g, y, out, sums, weighted, weights]);
  }
}

// Row counts either side of the 64-row flush; column counts from one vector up.
const SHAPES: [number, number][] = [[1, 4], [63, 8], [64, 12], [65, 64], [131, 128], [3137, 64]];

async function checkBackend(what: string, sharedMemory: boolean): Promise<void> {
  const simd = simdPassesFor(tf.backend());
  assert.ok(!(simd instanceof Error), `${what}: the SIMD passes load (${simd instanceof Error ? simd.message : ''})`);
  assert.equal(simd.kind, 'simd');
  const probe = tf.scalar(0);
  const buffer = heapView(probe).buffer;
  probe.dispose();
  assert.equal(buffer instanceof SharedArrayBuffer, sharedMemory, `${what}: the heap is ${sharedMemory ? '' : 'not '}shared memory`);
  const before = tf.memory().numTensors;
  SHAPES.forEach(([rows, cols], i) => compare(simd, rows, cols, i + 1));
  // Activations far from zero: the passes subtract before they multiply.
  compare(simd, 257, 16, 99, 1000);
  assert.equal(tf.memory().numTensors, before);
}

test('the SIMD sums stay accurate over many rows: a column of 100,003 values summed in float32 blocks', async () => {
  await tf.setBackend('wasm');
  const simd = simdPassesFor(tf.backend());
  assert.ok(!(simd instanceof Error));
  const rows = 100_003;
  // 0.1 is not a float32: summing it 100,003 times in float32 alone drifts by about 1e-3 relative.
  const x = tf.fill([rows, 4], 0.1);
  const ws = simd.workspace(4);
  try {
    const w = ws.arrays();
    w.shift.fill(0);
    simd.moments(heapView(x), w, rows, 4);
    const exact = rows * Math.fround(0.1);
    for (let c = 0; c < 4; c++) {
      assert.ok(Math.abs(w.sum1[c] - exact) / exact < 1e-6, `Σx = ${w.sum1[c]}, want ${exact}`);
      assert.ok(Math.abs(w.sum2[c] - rows * Math.fround(0.1) ** 2) / exact < 1e-6, `Σx² = ${w.sum2[c]}`);
    }
  } finally {
    ws.release();
    x.dispose();
  }
});

test('transpose moves every float, bit for bit, on ragged and 4-aligned shapes, SIMD and JS alike', async () => {
  await tf.setBackend('wasm');
  const simd = simdPassesFor(tf.backend());
  assert.ok(!(simd instanceof Error));
  const rng = new Rng(11);
  // Blocks of 4 × 4 with ragged right columns, bottom rows, both, or neither; a row or a column alone.
  const shapes: [number, number][] = [[1, 1], [1, 9], [9, 1], [3, 5], [4, 4], [5, 7], [8, 12], [17, 33], [64, 256], [256, 300], [301, 255]];
  for (const [rows, cols] of shapes) {
    // Random bit patterns, NaNs and infinities among them: a transpose must not touch a bit.
    const bits = Uint32Array.from({ length: rows * cols }, () => rng.int(2 ** 32));
    const x = tf.tensor2d(new Float32Array(bits.buffer), [rows, cols]);
    const want = new Uint32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) want[c * rows + r] = bits[r * cols + c];
    for (const p of [simd, jsPasses]) {
      const out = tf.zeros([cols, rows]);
      const o = heapView(out);
      p.transpose(heapView(x), rows, cols, o);
      const got = new Uint32Array(o.buffer, o.byteOffset, o.length).slice();
      if (p.kind === 'simd') assert.deepEqual(got, want, `simd transpose of [${rows}, ${cols}]: every bit`);
      else {
        // JS moves a float through a double, which may quieten a NaN's payload: compare values there.
        const values = (u: Uint32Array) => Array.from(new Float32Array(u.buffer), (v) => (Number.isNaN(v) ? 'NaN' : v));
        assert.deepEqual(values(got), values(want), `js transpose of [${rows}, ${cols}]`);
      }
      out.dispose();
    }
    x.dispose();
  }
});

test('the SIMD heap passes match the JS loops (the column sums bit for bit) on the single-thread build (unshared memory) and the threaded one (shared memory)', async () => {
  await tf.setBackend('wasm');
  await checkBackend('single-thread wasm', false);
  await loadThreadedWasm(2);
  try {
    await checkBackend('threaded wasm', true);
  } finally {
    // The pool's running pthreads keep a process alive; the trainer ends with process.exit, a test file must let go.
    (tf.backend() as unknown as { wasm: { PThread: { terminateAllThreads(): void } } }).wasm.PThread.terminateAllThreads();
    await tf.setBackend('cpu');
  }
});
