/**
 * The convolutional building blocks of 'gan-workbench' (src/trainer/imageLayers.ts)
 * and the image snapshots (src/trainer/imageSnapshot.ts): shapes, the
 * functional form every variant relies on, spectral normalization of
 * convolution kernels, PacGAN's image packs, and grids/PNGs that hold the
 * right pixels in the right cells.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { ImageSnapshotSchema } from '../../src/protocol/metrics';
import { batchNorm, conv2d, conv2dTranspose, flatten, linear, network, toImages, unpackImages } from '../../src/trainer/imageLayers';
import { GRID_SIDE, gridPng, imageSnapshot, INTERP_PAIRS, INTERP_POINTS, latentViews, SWEEP_VALUES, tileImages } from '../../src/trainer/imageSnapshot';
import type { ModelContext } from '../../src/trainer/userApi';

before(async () => {
  await tf.setBackend('cpu');
});

function ctx(): ModelContext {
  let seed = 11;
  return { latentDim: 4, dataDim: 64, hidden: 4, depth: 2, spectralNorm: false, minibatchStd: false, packing: 1, classes: 0, conditional: 'none', output: 'logit', image: { height: 8, width: 8, channels: 1 }, nextSeed: () => seed++ };
}

test('conv2d halves and conv2dTranspose doubles the resolution; network maps rows to rows', () => {
  const c = ctx();
  const g = network([linear(c, 4, 2 * 2 * 6, 'g/p'), toImages(2, 2, 6), conv2dTranspose(c, 6, 3, 'g/up0'), batchNorm(3, 'g/bn'), conv2dTranspose(c, 3, 1, 'g/up1'), flatten]);
  const d = network([toImages(8, 8, 1), conv2d(c, 1, 5, 'd/c0'), conv2d(c, 5, 7, 'd/c1'), flatten, linear(c, 2 * 2 * 7, 1, 'd/out')]);
  tf.tidy(() => {
    const x = g.apply(tf.randomNormal([3, 4], 0, 1, 'float32', 1));
    assert.deepEqual(x.shape, [3, 64]);
    assert.deepEqual(d.apply(x).shape, [3, 1]);
    assert.deepEqual(d.features!(x).shape, [3, 28], 'features: the flattened input of the last layer');
  });
  tf.dispose([...g.variables, ...d.variables]);
});

test('applyWith(x, variables) is apply(x), and substituted parameters change the output', () => {
  const c = ctx();
  const d = network([toImages(8, 8, 1), conv2d(c, 1, 3, 'd/c0', { spectralNorm: true }), batchNorm(3, 'd/bn'), flatten, linear(c, 4 * 4 * 3, 1, 'd/out', { spectralNorm: true })]);
  tf.tidy(() => {
    const x = tf.randomNormal([5, 64], 0, 1, 'float32', 2) as tf.Tensor2D;
    const a = d.apply(x);
    const b = d.applyWith!(x, d.variables);
    assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] < 1e-6);
    const other = d.applyWith!(x, d.variables.map((v) => tf.mul(v, 1.5)));
    assert.ok(tf.max(tf.abs(tf.sub(a, other))).dataSync()[0] > 1e-4, 'the parameters passed are the ones used');
    assert.throws(() => d.applyWith!(x, d.variables.slice(1)), /expected \d+ parameter tensors/);
  });
  tf.dispose([...d.variables, ...(d.stateVariables ?? [])]);
});

test('spectral normalization of a conv kernel: σ of the kernel seen as a matrix is ~1 after power iterations (against float64 iteration)', () => {
  const c = ctx();
  const layer = conv2d(c, 3, 5, 'sn/c', { kernel: 3, spectralNorm: true });
  for (let i = 0; i < 60; i++) layer.afterUpdate!();
  const [w] = layer.variables;
  // The kernel [3, 3, 3, 5] as a 27 × 5 matrix; its largest singular value in float64.
  const m = Array.from(w.dataSync());
  const rows = 27;
  const cols = 5;
  const sigmaOf = (mat: number[]) => {
    let v = new Float64Array(cols).fill(1);
    let s = 0;
    for (let it = 0; it < 500; it++) {
      const u = new Float64Array(rows);
      for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) u[r] += mat[r * cols + k] * v[k];
      const nv = new Float64Array(cols);
      for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) nv[k] += mat[r * cols + k] * u[r];
      s = Math.sqrt(Math.sqrt(nv.reduce((a, b) => a + b * b, 0)));
      const n = Math.sqrt(nv.reduce((a, b) => a + b * b, 0));
      v = nv.map((x) => x / n);
    }
    return s;
  };
  const sigma = sigmaOf(m);
  // The layer divides the kernel by its estimate vᵀWu: the normalised kernel's σ is 1 when the estimate is right.
  const sn = tf.tidy(() => {
    const [u, v] = layer.stateVariables!;
    return tf.sum(tf.mul(v, tf.matMul(tf.reshape(w, [rows, cols]), u))).dataSync()[0];
  });
  assert.ok(Math.abs(sn - sigma) / sigma < 0.05, `power-iteration σ ${sn} vs float64 ${sigma}`);
  tf.dispose([...layer.variables, ...layer.stateVariables!]);
});

test('unpackImages stacks the m images of a pack along the channels, in pack order', () => {
  const h = 2;
  const w = 2;
  const c = 3;
  const m = 2;
  tf.tidy(() => {
    // Pack 0 holds image A (values 100+i) then image B (200+i), as pack() lays rows side by side.
    const a = Array.from({ length: h * w * c }, (_, i) => 100 + i);
    const b = Array.from({ length: h * w * c }, (_, i) => 200 + i);
    const x = tf.tensor2d([[...a, ...b]]);
    const y = unpackImages(h, w, c, m).call(x, []);
    assert.deepEqual(y.shape, [1, h, w, m * c]);
    const v = y.arraySync() as number[][][][];
    // Pixel (0, 1): A's channels then B's.
    assert.deepEqual(v[0][0][1], [a[3], a[4], a[5], b[3], b[4], b[5]]);
  });
});

test('batchNorm normalises each channel over the batch and the pixels', () => {
  const bn = batchNorm(2, 'bn/t');
  tf.tidy(() => {
    const x = tf.randomNormal([4, 3, 3, 2], 5, 3, 'float32', 9);
    const y = bn.call(x, bn.variables);
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    mean.dataSync().forEach((m) => assert.ok(Math.abs(m) < 1e-5));
    variance.dataSync().forEach((v) => assert.ok(Math.abs(v - 1) < 1e-3));
  });
  tf.dispose(bn.variables);
});

test('tileImages puts image r·cols + c in cell (r, c), values mapped [−1, 1] → [0, 255]', () => {
  const shape = { height: 2, width: 3, channels: 3 as const };
  const per = 2 * 3 * 3;
  const n = 6;
  // Image i: every value (i − 2.5) / 3 → distinct bytes per image.
  const images = new Float32Array(n * per);
  for (let i = 0; i < n; i++) images.fill((i - 2.5) / 3, i * per, (i + 1) * per);
  const g = tileImages(images, shape, 2, 3);
  const bytes = Buffer.from(g.pixels, 'base64');
  assert.equal(bytes.length, 2 * 2 * 3 * 3 * 3);
  const at = (y: number, x: number, ch: number) => bytes[(y * 3 * 3 + x) * 3 + ch];
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 3; c++) {
      const want = Math.round(((r * 3 + c - 2.5) / 3 + 1) * 127.5);
      assert.equal(at(r * 2 + 1, c * 3 + 2, 1), want, `cell (${r}, ${c})`);
    }
  }
  // Out-of-range values clamp; missing images leave black cells.
  const clipped = Buffer.from(tileImages(new Float32Array([-3, 4]), { height: 1, width: 1, channels: 1 }, 1, 3).pixels, 'base64');
  assert.deepEqual([...clipped], [0, 255, 0]);
});

test('gridPng decodes to the grid picture: size, grey and colour', () => {
  for (const channels of [1, 3] as const) {
    const shape = { height: 5, width: 4, channels };
    const images = Float32Array.from({ length: 6 * 5 * 4 * channels }, (_, i) => Math.sin(i) * 0.9);
    const g = tileImages(images, shape, 2, 3);
    const png = PNG.sync.read(gridPng(g));
    assert.equal(png.width, 3 * 4);
    assert.equal(png.height, 2 * 5);
    const src = Buffer.from(g.pixels, 'base64');
    // A pixel in the middle of the picture: PNG RGBA against the grid's bytes.
    const i = 7 * png.width + 9;
    assert.equal(png.data[4 * i], src[channels * i]);
    assert.equal(png.data[4 * i + 2], src[channels * i + (channels === 3 ? 2 : 0)]);
  }
});

test('latent views: interpolation rows run from z[2p] to z[2p+1]; sweeps change one dimension of z[0]', () => {
  const evalZ = tf.randomNormal([16, 6], 0, 1, 'float32', 3) as tf.Tensor2D;
  const views = latentViews(evalZ);
  const z = views.z.arraySync();
  const e = evalZ.arraySync();
  assert.equal(z.length, INTERP_PAIRS * INTERP_POINTS + views.dims.length * SWEEP_VALUES.length);
  for (let p = 0; p < INTERP_PAIRS; p++) {
    z[p * INTERP_POINTS].forEach((v, k) => assert.ok(Math.abs(v - e[2 * p][k]) < 1e-6));
    z[p * INTERP_POINTS + INTERP_POINTS - 1].forEach((v, k) => assert.ok(Math.abs(v - e[2 * p + 1][k]) < 1e-6));
  }
  const base = INTERP_PAIRS * INTERP_POINTS;
  views.dims.forEach((d, i) => {
    SWEEP_VALUES.forEach((value, j) => {
      const row = z[base + i * SWEEP_VALUES.length + j];
      row.forEach((v, k) => assert.ok(Math.abs(v - (k === d ? value : e[0][k])) < 1e-6, `sweep z[${d}] = ${value}, coordinate ${k}`));
    });
  });
  tf.dispose([evalZ, views.z]);
});

test('an image snapshot passes the protocol schema', () => {
  const shape = { height: 4, width: 4, channels: 1 as const };
  const per = 16;
  const fake = new Float32Array(64 * per).map((_, i) => Math.cos(i));
  const latent = new Float32Array((INTERP_PAIRS * INTERP_POINTS + 2 * SWEEP_VALUES.length) * per);
  const snap = imageSnapshot(100, shape, fake, fake, latent, { dims: [0, 1] });
  const r = ImageSnapshotSchema.safeParse(snap);
  assert.ok(r.success, JSON.stringify(r.error?.issues));
  assert.equal(snap.fake.rows, GRID_SIDE);
  assert.deepEqual(snap.sweeps?.rowLabels, ['z[0]', 'z[1]']);
  assert.equal(snap.png, 'step-00000100.png');
  const bad = { ...snap, fake: { ...snap.fake, pixels: snap.fake.pixels.slice(4) } };
  assert.ok(!ImageSnapshotSchema.safeParse(bad).success, 'a grid whose pixels do not fill it is rejected');
});
