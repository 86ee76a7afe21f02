import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { convGemm, convGemmInto, filterRows, GEMM_MIN_ROW_FLOATS, indirectionTable, setTableBudget, type GemmConvGeometry } from '../../src/trainer/kernels/convGemm';
import { heapGemmFor, setMinWorkPerThread, type HeapGemm } from '../../src/trainer/kernels/simd/gemm';
import { installWasmConv } from '../../src/trainer/kernels/wasmConv';
import { loadThreadedWasm } from '../../src/trainer/kernels/wasmThreads';
import { Rng } from '../../src/trainer/rng';

const f = Math.fround;

// The threaded build's running pthreads keep a process alive (the trainer ends with process.exit): let them go.
after(async () => {
  await tf.setBackend('wasm');
  (tf.backend() as unknown as { wasm: { PThread?: { terminateAllThreads(): void } } }).wasm.PThread?.terminateAllThreads();
});

function gemmOf(): HeapGemm {
  const g = heapGemmFor(tf.backend());
  if (g instanceof Error) throw g;
  return g;
}

/** A heap allocation with a Float32Array/Int32Array view taken when asked (the heap may grow between). */
function heapArrays(gemm: HeapGemm) {
  const ptrs: number[] = [];
  const buffer = () => (tf.backend() as unknown as { wasm: { wasmMemory?: WebAssembly.Memory; HEAPF32?: Float32Array } }).wasm;
  const memory = (): ArrayBufferLike => {
    const m = buffer();
    return m.wasmMemory ? m.wasmMemory.buffer : m.HEAPF32!.buffer;
  };
  return {
    alloc(floats: number): number {
      const p = gemm.malloc(4 * Math.max(1, floats));
      ptrs.push(p);
      return p;
    },
    f32: (p: number, n: number) => new Float32Array(memory(), p, n),
    i32: (p: number, n: number) => new Int32Array(memory(), p, n),
    free: () => ptrs.forEach((p) => gemm.free(p)),
  };
}

/**
 * igemm and packB on random shapes (rows not a multiple of 4, columns not a
 * multiple of 8, taps on zero rows) against a JS loop that sums in the
 * kernel's order with float32 rounding after each multiply and each add:
 * the two agree bit for bit, on any split of the rows between threads.
 */
function checkProducts(gemm: HeapGemm, rng: Rng): number {
  let checked = 0;
  for (let trial = 0; trial < 12; trial++) {
    const rows = 1 + rng.int(23);
    const taps = 1 + rng.int(4);
    const kc = 1 + rng.int(19);
    const n = 1 + rng.int(21);
    const pixels = 1 + rng.int(9);
    const h = heapArrays(gemm);
    try {
      const x = h.alloc(pixels * kc);
      const b = h.alloc(taps * kc * n);
      const packed = h.alloc(8 * Math.ceil(n / 8) * taps * kc);
      const ind = h.alloc(rows * taps);
      const zero = h.alloc(kc);
      const c = h.alloc(rows * n);
      const xs = Float32Array.from({ length: pixels * kc }, () => rng.normal());
      const bs = Float32Array.from({ length: taps * kc * n }, () => rng.normal());
      const table = Int32Array.from({ length: rows * taps }, () => (rng.next() < 0.2 ? -1 : 4 * kc * rng.int(pixels)));
      h.f32(x, xs.length).set(xs);
      h.f32(b, bs.length).set(bs);
      h.i32(ind, table.length).set(table);
      h.f32(zero, kc).fill(0);
      gemm.packB({ src: b, taps, kc, tapStride: 4 * kc * n, rowStride: 4 * n, n, dst: packed });
      gemm.igemm({ rows, ind, taps, xb: x, zero, kc, b: packed, panelStride: 32 * taps * kc, n, c, ldc: 4 * n });
      const got = h.f32(c, rows * n);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let t = 0; t < taps; t++) {
            const o = table[i * taps + t];
            for (let k = 0; k < kc; k++) s = f(s + f((o < 0 ? 0 : xs[o / 4 + k]) * bs[(t * kc + k) * n + j]));
          }
          assert.equal(got[i * n + j], s, `rows ${rows} taps ${taps} kc ${kc} n ${n}: C[${i},${j}]`);
          checked++;
        }
      }
    } finally {
      h.free();
    }
  }
  return checked;
}

test('igemm and packB match the float32 sums bit for bit, on one thread (unshared memory) and on two (shared memory, rows split with a worker)', async () => {
  await tf.setBackend('wasm');
  const one = gemmOf();
  assert.equal(one.threads, 1);
  assert.ok(checkProducts(one, new Rng(5)) > 500);
  assert.equal(await loadThreadedWasm(2), 2);
  const two = gemmOf();
  assert.equal(two.threads, 2, 'the threaded build gets a worker for the products');
  // These products are far below the work worth a second thread: split them anyway.
  const old = setMinWorkPerThread(0);
  try {
    assert.ok(checkProducts(two, new Rng(6)) > 500);
  } finally {
    setMinWorkPerThread(old);
  }
});

test('a worker whose rows read outside the heap fails the product with a message, so does the calling thread\'s own half, and the next product runs', async () => {
  await loadThreadedWasm(2);
  const gemm = gemmOf();
  assert.equal(gemm.threads, 2);
  const h = heapArrays(gemm);
  const oldWork = setMinWorkPerThread(1 << 20);
  try {
    const rows = 16;
    const x = h.alloc(8);
    const b = h.alloc(8 * 8);
    const ind = h.alloc(rows);
    const zero = h.alloc(8);
    const c = h.alloc(rows * 8);
    h.f32(x, 8).fill(1);
    h.f32(b, 64).fill(1);
    h.f32(zero, 8).fill(0);
    const args = { rows, ind, taps: 1, xb: x, zero, kc: 8, b, panelStride: 256, n: 8, c, ldc: 32 };
    // The second half of the rows points 2 GiB past x: out of the heap. At 1,024 multiply-adds the
    // product is not worth a second thread, so the calling thread reaches those rows itself.
    h.i32(ind, rows).set(Array.from({ length: rows }, (_, i) => (i < rows / 2 ? 0 : 0x7fff_fff0 - x)));
    assert.throws(() => gemm.igemm(args), /out of bounds/);
    // Split anyway: the second half is the worker's, and its trap fails the product.
    setMinWorkPerThread(0);
    assert.throws(() => gemm.igemm(args), /a matrix-product worker thread failed: memory access out of bounds/);
    // The calling thread's half out of the heap: its own trap, after the worker's rows are done.
    h.i32(ind, rows).set(Array.from({ length: rows }, (_, i) => (i < rows / 2 ? 0x7fff_fff0 - x : 0)));
    assert.throws(() => gemm.igemm(args), /out of bounds/);
    h.i32(ind, rows).fill(0);
    gemm.igemm(args);
    assert.deepEqual([...h.f32(c, rows * 8)], new Array(rows * 8).fill(8));
  } finally {
    setMinWorkPerThread(oldWork);
    h.free();
  }
});

test('a product whose row table pushes its own indirection table out of the cache still reads both tables intact', async () => {
  await tf.setBackend('wasm');
  const gemm = gemmOf();
  const g: GemmConvGeometry = { n: 3, h: 9, w: 9, ci: 8, kh: 3, kw: 3, co: 8, sh: 1, sw: 1, dh: 1, dw: 1, top: 1, left: 1, oh: 9, ow: 9 };
  const rows = g.n * g.oh * g.ow;
  const rng = new Rng(8);
  const x = tf.tensor4d(Float32Array.from({ length: g.n * g.h * g.w * g.ci }, () => rng.normal()), [g.n, g.h, g.w, g.ci]);
  const f = tf.tensor4d(Float32Array.from({ length: 9 * 8 * 8 }, () => rng.normal()), [3, 3, 8, 8]);
  const info = (t: tf.Tensor) => ({ dataId: t.dataId, shape: t.shape, dtype: t.dtype });
  const backend = tf.backend();
  const want = convGemm(backend, gemm, info(x), filterRows(info(f)), g);
  const got = convGemm(backend, gemm, info(x), filterRows(info(f)), g); // allocated like want, then overwritten below
  // A budget that holds the indirection table (rows·taps·4 bytes) but not it and the row table together.
  const old = setTableBudget(rows * 9 * 4);
  try {
    // Rows in reverse: row i of the product goes to row rows−1−i of the output.
    const scatter = { key: 'reverse-test', offsets: () => Int32Array.from({ length: rows }, (_, i) => (rows - 1 - i) * g.co * 4) };
    convGemmInto(backend, gemm, info(x), filterRows(info(f)), g, got, scatter);
    const [w, r] = [tf.engine().makeTensorFromTensorInfo(want), tf.engine().makeTensorFromTensorInfo(got)];
    const wv = w.dataSync();
    const rv = r.dataSync();
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < g.co; j++) assert.equal(rv[(rows - 1 - i) * g.co + j], wv[i * g.co + j], `row ${i} column ${j}`);
    }
    tf.dispose([w, r]);
  } finally {
    setTableBudget(old);
    tf.dispose([x, f]);
  }
});

test('the indirection table points each output position and tap at its input pixel, or at padding', () => {
  const g: GemmConvGeometry = { n: 2, h: 5, w: 4, ci: 3, kh: 3, kw: 2, co: 1, sh: 2, sw: 1, dh: 1, dw: 2, top: 1, left: 1, oh: 3, ow: 3 };
  const t = indirectionTable(g);
  assert.equal(t.length, 2 * 3 * 3 * 6);
  // output (1, 2, 0), tap (2, 1): input row 2·2 + 2 − 1 = 5 (outside), so padding
  assert.equal(t[((1 * 3 + 2) * 3 + 0) * 6 + 2 * 2 + 1], -1);
  // output (1, 1, 2), tap (0, 1): input (1·2 − 1, 2 + 2 − 1) = (1, 3)
  assert.equal(t[((1 * 3 + 1) * 3 + 2) * 6 + 0 * 2 + 1], ((1 * 5 + 1) * 4 + 3) * 3 * 4);
});

type Shape4 = [number, number, number, number];
interface Case {
  x: Shape4;
  filter: Shape4;
  strides: [number, number];
  pad: 'same' | 'valid' | number;
  dilations?: [number, number];
  /** Products the case must run at least (default 3: forward, input gradient, filter gradient). */
  calls?: number;
}

/** Layers the product takes (≥ GEMM_MIN_ROW_FLOATS channels and batch): odd channel counts, partial panels, strides, dilations. */
const cases: Case[] = [
  { x: [9, 7, 6, 9], filter: [3, 3, 9, 13], strides: [2, 2], pad: 'same' },
  { x: [8, 5, 5, 16], filter: [1, 1, 16, 8], strides: [1, 1], pad: 'valid' },
  { x: [10, 9, 9, 12], filter: [5, 5, 12, 3], strides: [3, 3], pad: 2 },
  { x: [8, 6, 11, 8], filter: [2, 4, 8, 17], strides: [1, 2], pad: 'valid' },
  { x: [11, 8, 8, 10], filter: [3, 3, 10, 9], strides: [1, 1], pad: 'same', dilations: [2, 2], calls: 1 },
  // A 1-channel image layer: only its filter gradient (rows of 9 batch values) takes the product.
  { x: [9, 11, 10, 1], filter: [5, 5, 1, 6], strides: [2, 2], pad: 'same', calls: 1 },
  // A pad wider than the kernel at stride 1: the input gradient's convolution has negative pads (rows cropped).
  { x: [8, 6, 6, 9], filter: [1, 1, 9, 10], strides: [1, 1], pad: 2 },
  // A kernel narrower than the stride: phases no tap reaches stay zero.
  { x: [8, 9, 9, 8], filter: [2, 2, 8, 8], strides: [3, 3], pad: 'valid' },
];

async function onBoth(fn: () => Float32Array[]): Promise<{ want: Float32Array[]; got: Float32Array[] }> {
  await tf.setBackend('cpu');
  const want = fn();
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const got = fn();
  assert.equal(tf.memory().numTensors, before, 'the kernels free their temporaries');
  return { want, got };
}

test('convolutions, their gradients and conv2dTranspose through the indirect product match the cpu backend (threaded build), and take that path', async () => {
  assert.ok(GEMM_MIN_ROW_FLOATS <= 8);
  await loadThreadedWasm(2);
  await tf.setBackend('wasm');
  installWasmConv();
  const gemm = gemmOf();
  const original = gemm.igemm;
  let calls = 0;
  (gemm as { igemm: HeapGemm['igemm'] }).igemm = (a) => {
    calls++;
    original(a);
  };
  try {
    const rng = new Rng(77);
    const rand = (s: number[]) => Float32Array.from({ length: s.reduce((p, v) => p * v, 1) }, () => rng.normal());
    for (const c of cases) {
      const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, c.dilations ?? 1, c.pad);
      const ys = info.outShape as Shape4;
      const [xv, fv, rv] = [rand(c.x), rand(c.filter), rand(ys)];
      const conv = (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad, 'NHWC', c.dilations ?? 1);
      const transposed = (y: tf.Tensor, w: tf.Tensor) => tf.conv2dTranspose(y as tf.Tensor4D, w as tf.Tensor4D, c.x, c.strides, c.pad);
      const before = calls;
      const { want, got } = await onBoth(() =>
        tf.tidy(() => {
          const [x, w, r] = [tf.tensor4d(xv, c.x), tf.tensor4d(fv, c.filter), tf.tensor4d(rv, ys)];
          const out = [conv(x, w).dataSync() as Float32Array];
          if (!c.dilations) {
            out.push(...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), r)))([x, w]).map((t) => t.dataSync() as Float32Array));
            out.push(transposed(r, w).dataSync() as Float32Array);
          }
          return out;
        }),
      );
      assert.ok(calls - before >= (c.calls ?? 3), `${JSON.stringify(c)}: the product ran ${calls - before} times`);
      for (let j = 0; j < want.length; j++) {
        assert.equal(got[j].length, want[j].length);
        for (let i = 0; i < want[j].length; i++) {
          if (!(Math.abs(got[j][i] - want[j][i]) <= 1e-4 * (1 + Math.abs(want[j][i])))) assert.fail(`${JSON.stringify(c)} output ${j} at ${i}: ${got[j][i]} vs ${want[j][i]}`);
        }
      }
    }
  } finally {
    (gemm as { igemm: HeapGemm['igemm'] }).igemm = original;
  }
});

// Last in this file: it ends the heap's workers for good.
test('a worker that has exited is no longer handed rows: the products after it run on the calling thread, right, without waiting for it', { timeout: 60_000 }, async () => {
  await loadThreadedWasm(2);
  const gemm = gemmOf();
  assert.equal(gemm.threads, 2);
  await gemm.stopWorkers();
  assert.equal(gemm.threads, 1, 'the exited worker no longer counts');
  // Split as finely as the threads allow: with the dead worker still posted to, each product would wait
  // WORKER_TIMEOUT_MS (120 s) and then throw.
  const old = setMinWorkPerThread(0);
  const t0 = Date.now();
  try {
    assert.ok(checkProducts(gemm, new Rng(7)) > 500);
  } finally {
    setMinWorkPerThread(old);
  }
  assert.ok(Date.now() - t0 < 30_000, `12 products took ${Date.now() - t0} ms`);
});
