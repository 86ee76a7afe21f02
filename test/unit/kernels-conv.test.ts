import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmConv, useIm2col } from '../../src/trainer/kernels/wasmConv';
import { Rng } from '../../src/trainer/rng';

type Pad = 'same' | 'valid' | number;
type Shape4 = [number, number, number, number];

interface Case {
  /** conv2d input [N,H,W,Ci]; the transposed convolution's output. */
  x: Shape4;
  /** [KH,KW,Ci,Co] */
  filter: Shape4;
  strides: [number, number];
  pad: Pad;
}

function randomArray(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

const size = (s: number[]) => s.reduce((p, v) => p * v, 1);

/** conv2d's output shape for the case (the transposed convolution's input). */
function outShape(c: Case): Shape4 {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
  return info.outShape as Shape4;
}

function describe(c: Case): string {
  return `x=${c.x} filter=${c.filter} strides=${c.strides} pad=${c.pad}`;
}

/** Runs f on the cpu backend, then on wasm (asserting no tensor is left behind), and compares. */
async function compare(what: string, f: () => Float32Array[]): Promise<void> {
  await tf.setBackend('cpu');
  const want = f();
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const got = f();
  assert.equal(tf.memory().numTensors, before, `${what}: the kernels must free their temporaries`);
  assert.equal(got.length, want.length);
  for (let j = 0; j < want.length; j++) {
    assert.equal(got[j].length, want[j].length, `${what}: output ${j} size`);
    for (let i = 0; i < want[j].length; i++) {
      const ok = Math.abs(got[j][i] - want[j][i]) <= 1e-4 * (1 + Math.abs(want[j][i]));
      if (!ok) assert.fail(`${what}: output ${j} at ${i}: ${got[j][i]} vs ${want[j][i]}`);
    }
  }
}

/** (a) conv2d's gradients w.r.t. input and filter, with a random upstream gradient. */
async function checkConv2dGrads(c: Case, rng: Rng): Promise<void> {
  const xv = randomArray(size(c.x), rng);
  const fv = randomArray(size(c.filter), rng);
  const ys = outShape(c);
  const rv = randomArray(size(ys), rng);
  await compare(`conv2d grads ${describe(c)}`, () =>
    tf.tidy(() => {
      const r = tf.tensor4d(rv, ys);
      const g = tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad), r)));
      return g([tf.tensor4d(xv, c.x), tf.tensor4d(fv, c.filter)]).map((t) => t.dataSync() as Float32Array);
    }),
  );
}

/** (b) conv2dTranspose forward, and its gradients w.r.t. input and filter. */
async function checkConv2dTranspose(c: Case, rng: Rng): Promise<void> {
  const ys = outShape(c);
  const [kh, kw, ci, co] = c.filter;
  const tFilter: Shape4 = [kh, kw, ci, co]; // conv2dTranspose: [KH,KW,outDepth=Ci,inDepth=Co]
  const xv = randomArray(size(ys), rng);
  const fv = randomArray(size(tFilter), rng);
  const rv = randomArray(size(c.x), rng);
  await compare(`conv2dTranspose ${describe(c)}`, () =>
    tf.tidy(() => {
      const r = tf.tensor4d(rv, c.x);
      const run = (x: tf.Tensor, f: tf.Tensor) => tf.conv2dTranspose(x as tf.Tensor4D, f as tf.Tensor4D, c.x, c.strides, c.pad);
      const fwd = run(tf.tensor4d(xv, ys), tf.tensor4d(fv, tFilter)).dataSync() as Float32Array;
      const g = tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.mul(run(x, f), r)));
      return [fwd, ...g([tf.tensor4d(xv, ys), tf.tensor4d(fv, tFilter)]).map((t) => t.dataSync() as Float32Array)];
    }),
  );
}

function randomCases(count: number, rng: Rng): Case[] {
  const dims = [1, 5, 7, 8, 13];
  const pick = <T>(xs: T[]): T => xs[rng.int(xs.length)];
  const cases: Case[] = [];
  while (cases.length < count) {
    const h = pick(dims);
    const w = rng.next() < 0.7 ? h : pick(dims);
    const padKind = rng.int(3);
    const pad: Pad = padKind === 0 ? 'same' : padKind === 1 ? 'valid' : rng.int(3);
    const room = (d: number) => Math.min(5, pad === 'valid' ? d : pad === 'same' ? 5 : d + 2 * pad);
    // tfjs sizes a numeric pad's output with the kernel height and stride
    // for both axes (computeConv2DInfo), and stock wasm Conv2D then writes
    // past its output: numeric pads get square kernels and strides.
    const square = typeof pad === 'number' || rng.next() < 0.7;
    const kh = 1 + rng.int(square ? Math.min(room(h), room(w)) : room(h));
    const kw = square ? kh : 1 + rng.int(room(w));
    const sh = 1 + rng.int(3);
    const sw = square ? sh : 1 + rng.int(3);
    const ci = 1 + rng.int(6);
    cases.push({ x: [1 + rng.int(3), h, w, ci], filter: [kh, kw, ci, 1 + rng.int(6)], strides: [sh, sw], pad });
  }
  return cases;
}

/** Edge cases the random draw may miss: stride above kernel size, 1×1 images, large numeric pads. */
const edgeCases: Case[] = [
  { x: [1, 1, 1, 1], filter: [1, 1, 1, 1], strides: [1, 1], pad: 'valid' },
  { x: [2, 8, 8, 3], filter: [1, 1, 3, 2], strides: [3, 3], pad: 'same' },
  { x: [2, 8, 7, 3], filter: [2, 1, 3, 2], strides: [3, 2], pad: 'valid' },
  { x: [1, 5, 5, 2], filter: [1, 1, 2, 3], strides: [2, 2], pad: 2 },
  { x: [1, 13, 13, 2], filter: [5, 5, 2, 2], strides: [3, 3], pad: 'same' },
  { x: [3, 1, 13, 4], filter: [1, 5, 4, 1], strides: [1, 2], pad: 'same' },
  { x: [1, 7, 7, 1], filter: [3, 3, 1, 1], strides: [2, 2], pad: 2 },
  // More than IM2COL_MAX_CHANNELS input channels: the strided-phase path, with phases no tap reaches and a crop.
  { x: [2, 8, 8, 5], filter: [1, 1, 5, 2], strides: [3, 3], pad: 'same' },
  { x: [2, 8, 7, 6], filter: [2, 1, 6, 2], strides: [3, 2], pad: 'valid' },
  { x: [1, 13, 13, 5], filter: [5, 5, 5, 2], strides: [3, 3], pad: 'same' },
];

/** The DCGAN 28×28 layers (k5 s2 'same'): D 1→64, 64→128; G 128→64 (7→14), 64→1 (14→28). */
const dcgan: { conv: Case[]; transpose: Case[] } = {
  conv: [
    { x: [4, 28, 28, 1], filter: [5, 5, 1, 64], strides: [2, 2], pad: 'same' },
    { x: [4, 14, 14, 64], filter: [5, 5, 64, 128], strides: [2, 2], pad: 'same' },
  ],
  transpose: [
    { x: [4, 14, 14, 64], filter: [5, 5, 64, 128], strides: [2, 2], pad: 'same' },
    { x: [4, 28, 28, 1], filter: [5, 5, 1, 64], strides: [2, 2], pad: 'same' },
  ],
};

test('wasm convolution gradients and conv2dTranspose match the cpu backend', async () => {
  await tf.setBackend('wasm');
  installWasmConv();
  installWasmConv(); // idempotent
  const rng = new Rng(1234);
  const cases = [...edgeCases, ...randomCases(120, rng)];
  for (const c of cases) {
    await checkConv2dGrads(c, rng);
    await checkConv2dTranspose(c, rng);
  }
});

test('DCGAN 28×28 layers at batch 4 match the cpu backend', async () => {
  await tf.setBackend('wasm');
  installWasmConv();
  const rng = new Rng(99);
  for (const c of dcgan.conv) await checkConv2dGrads(c, rng);
  for (const c of dcgan.transpose) await checkConv2dTranspose(c, rng);
});

test('unsupported attributes are refused, not computed wrongly', async () => {
  await tf.setBackend('wasm');
  installWasmConv();
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const x = tf.zeros([1, 5, 5, 2]);
    const dy = tf.zeros([1, 5, 5, 3]);
    assert.throws(
      () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] }),
      /NHWC/,
    );
    assert.throws(
      () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 2, filterShape: [3, 3, 2, 3] }),
      /dilations/,
    );
  });
  assert.equal(tf.memory().numTensors, before);
});

test('im2col is used for few channels and a bounded matrix: DCGAN\'s 1-channel layer yes, 64 channels or a 616 MiB matrix no', () => {
  assert.equal(useIm2col(1, 5, 5, 256 * 14 * 14), true, "DCGAN's 28×28 layer at batch 256");
  assert.equal(useIm2col(3, 4, 4, 256 * 32 * 32), true, 'RGB 64×64, 4×4 stride 2, batch 256: 48 MiB');
  assert.equal(useIm2col(64, 5, 5, 256 * 7 * 7), false, 'many channels: the convolution path');
  assert.equal(useIm2col(3, 7, 7, 64 * 128 * 128), false, 'RGB 128×128, 7×7 stride 1, batch 64: 616 MiB');
});
