import assert from 'node:assert/strict';
import { test } from 'node:test';
import { col2imAdd, im2colT, interleavePhases, transposeNPC, type ConvGeometry } from '../../src/trainer/kernels/im2col';
import { Rng } from '../../src/trainer/rng';

const random = (n: number, rng: Rng) => Float32Array.from({ length: n }, () => rng.normal());

/** A random convolution geometry with its output size worked out as tfjs does for explicit padding. */
function geometry(rng: Rng): ConvGeometry {
  const kh = 1 + rng.int(5);
  const kw = 1 + rng.int(5);
  const sh = 1 + rng.int(3);
  const sw = 1 + rng.int(3);
  const top = rng.int(kh);
  const left = rng.int(kw);
  const h = kh + rng.int(9);
  const w = kw + rng.int(9);
  // Bottom/right padding up to the kernel size less one, as 'same' padding can need.
  const oh = Math.floor((h + top + rng.int(kh) - kh) / sh) + 1;
  const ow = Math.floor((w + left + rng.int(kw) - kw) / sw) + 1;
  return { n: 1 + rng.int(3), h, w, ci: 1 + rng.int(4), kh, kw, sh, sw, top, left, oh, ow };
}

/** x[n, ih, iw, c], 0 outside the image: what tap (a, b) of output (n, y, xo) reads. */
function read(x: Float32Array, g: ConvGeometry, i: number, y: number, xo: number, a: number, b: number, c: number): number {
  const ih = y * g.sh + a - g.top;
  const iw = xo * g.sw + b - g.left;
  return ih < 0 || ih >= g.h || iw < 0 || iw >= g.w ? 0 : x[((i * g.h + ih) * g.w + iw) * g.ci + c];
}

test('transposeNPC swaps batch and channels of [N, P, C], across tile edges', () => {
  const rng = new Rng(3);
  for (const [n, p, c] of [[1, 1, 1], [3, 5, 2], [17, 4, 33], [40, 2, 16], [16, 3, 16]]) {
    const src = random(n * p * c, rng);
    const dst = new Float32Array(src.length).fill(NaN);
    transposeNPC(src, n, p, c, dst);
    for (let i = 0; i < n; i++) for (let q = 0; q < p; q++) for (let j = 0; j < c; j++) assert.equal(dst[(j * p + q) * n + i], src[(i * p + q) * c + j], `[${n},${p},${c}] at n=${i} p=${q} c=${j}`);
  }
});

test('im2colT lays out every tap of every output position, zeros in the padding', () => {
  const rng = new Rng(5);
  for (let t = 0; t < 60; t++) {
    const g = geometry(rng);
    const x = random(g.n * g.h * g.w * g.ci, rng);
    const m = g.n * g.oh * g.ow;
    const k = g.kh * g.kw * g.ci;
    const cols = new Float32Array(k * m).fill(NaN); // every element must be written
    im2colT(x, g, cols);
    for (let i = 0, col = 0; i < g.n; i++)
      for (let y = 0; y < g.oh; y++)
        for (let xo = 0; xo < g.ow; xo++, col++)
          for (let a = 0; a < g.kh; a++)
            for (let b = 0; b < g.kw; b++)
              for (let c = 0; c < g.ci; c++) assert.equal(cols[((a * g.kw + b) * g.ci + c) * m + col], read(x, g, i, y, xo, a, b, c), JSON.stringify(g));
  }
});

test('col2imAdd sums each column back onto the element it came from (the adjoint of im2col)', () => {
  const rng = new Rng(7);
  for (let t = 0; t < 60; t++) {
    const g = geometry(rng);
    const m = g.n * g.oh * g.ow;
    const k = g.kh * g.kw * g.ci;
    const cols = random(m * k, rng);
    const dx = random(g.n * g.h * g.w * g.ci, rng); // stale values must be overwritten
    col2imAdd(cols, g, dx);
    const want = new Float64Array(dx.length);
    for (let i = 0, row = 0; i < g.n; i++)
      for (let y = 0; y < g.oh; y++)
        for (let xo = 0; xo < g.ow; xo++, row++)
          for (let a = 0; a < g.kh; a++)
            for (let b = 0; b < g.kw; b++) {
              const ih = y * g.sh + a - g.top;
              const iw = xo * g.sw + b - g.left;
              if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
              for (let c = 0; c < g.ci; c++) want[((i * g.h + ih) * g.w + iw) * g.ci + c] += cols[row * k + (a * g.kw + b) * g.ci + c];
            }
    for (let i = 0; i < dx.length; i++) assert.ok(Math.abs(dx[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])), `${JSON.stringify(g)} at ${i}: ${dx[i]} vs ${want[i]}`);
  }
});

test('interleavePhases puts phase (p, q) at rows y·sh + p and columns x·sw + q, zeros for a missing phase, crops to H × W', () => {
  const rng = new Rng(9);
  for (const [n, h, w, sh, sw, c] of [[2, 8, 8, 2, 2, 3], [1, 7, 5, 3, 2, 1], [3, 5, 5, 1, 3, 2], [1, 1, 1, 2, 2, 4]]) {
    const qh = Math.ceil(h / sh);
    const qw = Math.ceil(w / sw);
    const phases = Array.from({ length: sh * sw }, (_, i) => (i === 1 ? null : random(n * qh * qw * c, rng)));
    const dx = random(n * h * w * c, rng); // stale values must be overwritten
    interleavePhases(phases, n, qh, qw, sh, sw, c, h, w, dx);
    for (let i = 0; i < n; i++)
      for (let r = 0; r < h; r++)
        for (let col = 0; col < w; col++)
          for (let k = 0; k < c; k++) {
            const ph = phases[(r % sh) * sw + (col % sw)];
            const want = ph ? ph[((i * qh + Math.floor(r / sh)) * qw + Math.floor(col / sw)) * c + k] : 0;
            assert.equal(dx[((i * h + r) * w + col) * c + k], want, `[${n},${h},${w}] s=(${sh},${sw}) at n=${i} (${r}, ${col}) c=${k}`);
          }
  }
});
