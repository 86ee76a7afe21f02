import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frechetDistance, frechetFromFeatures, gaussianStats, type GaussianStats } from '../../src/trainer/metrics/frechet';
import { kernelInceptionDistance, mmd2Unbiased } from '../../src/trainer/metrics/kid';
import { laplacianPyramid, multiScaleSwd, pyrDown, radixSortF32, wasserstein1dSorted } from '../../src/trainer/metrics/msswd';
import { knnRadii2, manifoldCoverage, precisionRecall } from '../../src/trainer/metrics/precisionRecall';
import { rowDots, rowNorms2 } from '../../src/trainer/metrics/rowDots';
import { psdSqrt, symmetricEigen } from '../../src/trainer/metrics/symmetricEigen';
import { Rng } from '../../src/trainer/rng';

// ---------------------------------------------------------------- helpers

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} ≉ ${b} (tol ${tol})`);

function matmul(a: ArrayLike<number>, b: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) out[i * d + j] += a[i * d + k] * b[k * d + j];
  return out;
}

function transpose(a: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[j * d + i] = a[i * d + j];
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function randomSymmetric(d: number, rng: Rng): Float64Array {
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = rng.normal();
      a[i * d + j] = v;
      a[j * d + i] = v;
    }
  }
  return a;
}

/** Random orthogonal matrix: Gram–Schmidt on Gaussian columns. */
function randomOrthogonal(d: number, rng: Rng): Float64Array {
  const q = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const v = Array.from({ length: d }, () => rng.normal());
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += v[i] * q[i * d + p];
      for (let i = 0; i < d; i++) v[i] -= dot * q[i * d + p];
    }
    const n = Math.hypot(...v);
    for (let i = 0; i < d; i++) q[i * d + j] = v[i] / n;
  }
  return q;
}

/** Q·diag(λ)·Qᵀ. */
function withSpectrum(q: Float64Array, lambda: number[], d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) out[i * d + j] += q[i * d + k] * lambda[k] * q[j * d + k];
  return out;
}

/** n samples of N(mean, L·Lᵀ), row-major float32. */
function gaussianSamples(n: number, mean: number[], chol: number[], seed: number): Float32Array {
  const d = mean.length;
  const rng = new Rng(seed);
  const out = new Float32Array(n * d);
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) z[k] = rng.normal();
    for (let r = 0; r < d; r++) {
      let s = mean[r];
      for (let k = 0; k <= r; k++) s += chol[r * d + k] * z[k];
      out[i * d + r] = s;
    }
  }
  return out;
}

// ---------------------------------------------------------------- eigensolver

test('symmetricEigen reconstructs random symmetric matrices: A = VΛVᵀ to 1e-9, V orthonormal, Λ ascending', () => {
  const rng = new Rng(1);
  for (const d of [1, 2, 3, 7, 20, 64]) {
    const a = randomSymmetric(d, rng);
    const { values, vectors } = symmetricEigen(a, d);
    const v = vectors as Float64Array;
    const lambda = Array.from(values);
    assert.ok(maxAbsDiff(withSpectrum(v, lambda, d), a) < 1e-9, `d=${d}: reconstruction`);
    const vtv = matmul(transpose(v, d), v, d);
    for (let i = 0; i < d; i++) vtv[i * d + i] -= 1;
    assert.ok(maxAbsDiff(vtv, new Float64Array(d * d)) < 1e-10, `d=${d}: VᵀV ≠ I`);
    for (let k = 1; k < d; k++) assert.ok(values[k - 1] <= values[k], `d=${d}: not ascending`);
    // Values-only mode is the same computation minus the vectors.
    assert.ok(maxAbsDiff(symmetricEigen(a, d, false).values, values) < 1e-12);
  }
});

test('symmetricEigen recovers known spectra: diagonal, the 2×2 [[2,1],[1,2]], and a rotated one with repeated, zero and negative eigenvalues', () => {
  const diag = symmetricEigen([3, 0, 0, 0, -1, 0, 0, 0, 2], 3);
  assert.deepEqual(Array.from(diag.values), [-1, 2, 3]);
  // Eigenvector of −1 is ±e₂ (column 0 of V).
  close(Math.abs((diag.vectors as Float64Array)[1 * 3 + 0]), 1, 1e-15);

  const two = symmetricEigen([2, 1, 1, 2], 2);
  close(two.values[0], 1, 1e-14);
  close(two.values[1], 3, 1e-14);
  close(Math.abs((two.vectors as Float64Array)[0]), Math.SQRT1_2, 1e-14);

  const lambda = [-3, 0, 0, 1e-6, 2, 2, 7.5];
  const d = lambda.length;
  const a = withSpectrum(randomOrthogonal(d, new Rng(2)), lambda, d);
  const got = symmetricEigen(a, d).values;
  for (let k = 0; k < d; k++) close(got[k], lambda[k], 1e-12, `λ${k}`);
});

test('symmetricEigen reads only the upper triangle and rejects non-finite input', () => {
  // Lower triangle is garbage; the matrix meant is [[1, 2], [2, 1]] (eigenvalues −1, 3).
  const { values } = symmetricEigen([1, 2, 99, 1], 2);
  close(values[0], -1, 1e-14);
  close(values[1], 3, 1e-14);
  assert.throws(() => symmetricEigen([1, NaN, NaN, 1], 2), /non-finite/);
});

test('psdSqrt: S·S = A for a rank-deficient PSD matrix, S symmetric PSD; rounding-negative eigenvalues are clamped', () => {
  const d = 6;
  const q = randomOrthogonal(d, new Rng(3));
  const a = withSpectrum(q, [0, 0, 0.5, 1, 4, 9], d);
  const s = psdSqrt(a, d);
  assert.ok(maxAbsDiff(matmul(s, s, d), a) < 1e-12);
  assert.ok(maxAbsDiff(s, transpose(s, d)) < 1e-15);
  const sqrtEig = symmetricEigen(s, d).values;
  for (const [k, want] of [0, 0, Math.sqrt(0.5), 1, 2, 3].entries()) close(sqrtEig[k], want, 1e-7, `√λ${k}`);
  // An eigenvalue of −1e−14 is estimation rounding: its root must be 0, not NaN.
  const neg = psdSqrt(withSpectrum(q, [-1e-14, 1, 1, 1, 1, 1], d), d);
  assert.ok(neg.every(Number.isFinite));
});

test('symmetricEigen, d = 128 covariance: well under a second', () => {
  const d = 128;
  const x = new Float32Array(512 * d).map(() => Math.random());
  const { cov } = gaussianStats(x, 512, d);
  const t0 = performance.now();
  symmetricEigen(cov, d);
  const ms = performance.now() - t0;
  // Measured ≈ 0.1 s on a loaded 2-core machine; the bound is the brief's
  // "well under a second" with room for slower CI, so that only a real
  // regression (e.g. sweeps that stop converging) trips it.
  assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
});

// ---------------------------------------------------------------- Fréchet

test('gaussianStats: mean and unbiased (n − 1) covariance of a hand example', () => {
  // Points (0,0), (2,0), (1,3): mean (1,1); deviations (−1,−1), (1,−1), (0,2):
  // Σ dx² = 2, Σ dy² = 6, Σ dxdy = 0, divided by n − 1 = 2.
  const { mean, cov } = gaussianStats(Float32Array.from([0, 0, 2, 0, 1, 3]), 3, 2);
  assert.deepEqual(Array.from(mean), [1, 1]);
  assert.deepEqual(Array.from(cov), [1, 0, 0, 3]);
  // A large common offset must not cancel the spread away (two-pass covariance).
  const off = gaussianStats(Float32Array.from([1e4, 1e4 + 2, 1e4 + 1]), 3, 1);
  assert.deepEqual(Array.from(off.cov), [1]);
});

test('Fréchet distance of diagonal Gaussians = ‖Δμ‖² + Σ (σa − σb)²', () => {
  const d = 5;
  const ma = [0, 1, -2, 0.5, 3];
  const mb = [1, 1, 0, -0.5, 3];
  const va = [1, 4, 0.25, 2, 0];
  const vb = [9, 1, 0.25, 0.5, 1];
  const diag = (v: number[]) => {
    const c = new Float64Array(d * d);
    v.forEach((x, i) => (c[i * d + i] = x));
    return c;
  };
  const a: GaussianStats = { mean: Float64Array.from(ma), cov: diag(va) };
  const b: GaussianStats = { mean: Float64Array.from(mb), cov: diag(vb) };
  let want = 0;
  for (let i = 0; i < d; i++) want += (ma[i] - mb[i]) ** 2 + (Math.sqrt(va[i]) - Math.sqrt(vb[i])) ** 2;
  close(frechetDistance(a, b, d), want, 1e-12);
});

/** Fréchet distance between zero-mean Gaussians, given tr(Σa), tr(Σb) and the independently computed tr √(ΣaΣb). */
const frechetFromTraces = (trA: number, trB: number, trSqrt: number) => trA + trB - 2 * trSqrt;

test('Fréchet distance, full non-commuting 2×2 covariances: tr √(ΣaΣb) = √(tr M + 2√det M)', () => {
  const ca = [2, 0.8, 0.8, 1];
  const cb = [1, -0.5, -0.5, 3];
  const m = matmul(ca, cb, 2);
  assert.ok(maxAbsDiff(m, matmul(cb, ca, 2)) > 0.5, 'the example must not commute');
  // For a 2×2 M with positive eigenvalues λ1, λ2: (√λ1 + √λ2)² = tr M + 2√det M.
  const trSqrt = Math.sqrt(m[0] + m[3] + 2 * Math.sqrt(m[0] * m[3] - m[1] * m[2]));
  const a: GaussianStats = { mean: Float64Array.from([1, -1]), cov: Float64Array.from(ca) };
  const b: GaussianStats = { mean: Float64Array.from([0, 1]), cov: Float64Array.from(cb) };
  close(frechetDistance(a, b, 2), 1 + 4 + frechetFromTraces(3, 4, trSqrt), 1e-12);
  close(frechetDistance(b, a, 2), frechetDistance(a, b, 2), 1e-12, 'symmetry');
});

test('Fréchet distance, full non-commuting 3×3 covariances: against the roots of the characteristic cubic', () => {
  const ca = [4, 1, 0.5, 1, 3, -0.7, 0.5, -0.7, 2];
  const cb = [1, 0.3, -0.2, 0.3, 2, 0.9, -0.2, 0.9, 5];
  const m = matmul(ca, cb, 3);
  // λ³ − c2 λ² + c1 λ − c0 with c2 = tr M, c1 = ½((tr M)² − tr M²), c0 = det M;
  // its roots are real and positive (ΣaΣb is similar to a PD matrix), so the
  // trigonometric form applies.
  const tr = m[0] + m[4] + m[8];
  const m2 = matmul(m, m, 3);
  const c1 = (tr * tr - (m2[0] + m2[4] + m2[8])) / 2;
  const c0 = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
  const shift = tr / 3;
  const p = c1 - (tr * tr) / 3; // depressed cubic t³ + p t + q, λ = t + tr/3
  const q = (-2 * tr ** 3) / 27 + (tr * c1) / 3 - c0;
  const r = 2 * Math.sqrt(-p / 3);
  const phi = Math.acos((3 * q) / (p * r)) / 3;
  const roots = [0, 1, 2].map((k) => shift + r * Math.cos(phi - (2 * Math.PI * k) / 3));
  for (const l of roots) close(l ** 3 - tr * l * l + c1 * l - c0, 0, 1e-9, 'root check');
  const trSqrt = roots.reduce((s, l) => s + Math.sqrt(l), 0);
  const a: GaussianStats = { mean: new Float64Array(3), cov: Float64Array.from(ca) };
  const b: GaussianStats = { mean: new Float64Array(3), cov: Float64Array.from(cb) };
  close(frechetDistance(a, b, 3), frechetFromTraces(9, 8, trSqrt), 1e-10);
  close(frechetDistance(b, a, 3), frechetDistance(a, b, 3), 1e-10, 'symmetry');
});

test('Fréchet distance is symmetric for random full 16-d covariances, and 0 for identical sample sets (also with n < d)', () => {
  const d = 16;
  const rng = new Rng(4);
  const rand = (): GaussianStats => {
    const b = new Float64Array(d * d).map(() => rng.normal());
    return { mean: new Float64Array(d).map(() => rng.normal()), cov: matmul(b, transpose(b, d), d) };
  };
  const a = rand();
  const b = rand();
  const ab = frechetDistance(a, b, d);
  assert.ok(ab > 1);
  close(frechetDistance(b, a, d), ab, 1e-9 * ab, 'symmetry');
  for (const n of [200, 10]) {
    const x = new Float32Array(n * 32).map(() => rng.normal());
    const f = frechetFromFeatures(x, x, n, n, 32);
    assert.ok(Math.abs(f) < 1e-9, `n=${n}: ${f}`);
  }
});

test('Fréchet distance from samples of two known Gaussians: within bias + 5 sd of the closed form', () => {
  const n = 20000;
  const ma = [0, 1, 0, -1];
  const mb = [0.3, 1, -0.2, -1];
  const sa = [1, 2, 0.5, 1];
  const sb = [1.2, 1.5, 0.5, 2];
  const d = ma.length;
  const chol = (s: number[]) => {
    const c = new Array(d * d).fill(0);
    s.forEach((x, i) => (c[i * d + i] = x));
    return c;
  };
  const got = frechetFromFeatures(gaussianSamples(n, ma, chol(sa), 5), gaussianSamples(n, mb, chol(sb), 6), n, n, d);
  let want = 0;
  for (let i = 0; i < d; i++) want += (ma[i] - mb[i]) ** 2 + (sa[i] - sb[i]) ** 2;
  // Tolerance from the estimator's own error (delta method, Gaussian data):
  // - the mean term ‖μ̂a − μ̂b‖² is biased up by exactly (tr Σa + tr Σb)/n and
  //   has sd 2·√(Σ Δμᵢ²(σaᵢ² + σbᵢ²)/n);
  // - the trace term Σ(σa − σb)² moves by (1 − σb/σa) per unit of σ̂a², and
  //   Var σ̂² = 2σ⁴/(n − 1);
  // - the spurious off-diagonal covariances (sd ~ σ²/√n) enter at second
  //   order, bounded by d²·max σ²/n.
  let bias = 0;
  let varMean = 0;
  let varTrace = 0;
  let maxVar = 0;
  for (let i = 0; i < d; i++) {
    const [va, vb] = [sa[i] ** 2, sb[i] ** 2];
    bias += (va + vb) / n;
    varMean += (4 * (ma[i] - mb[i]) ** 2 * (va + vb)) / n;
    varTrace += ((1 - sb[i] / sa[i]) ** 2 * 2 * va * va + (1 - sa[i] / sb[i]) ** 2 * 2 * vb * vb) / (n - 1);
    maxVar = Math.max(maxVar, va, vb);
  }
  const tol = bias + (d * d * maxVar) / n + 5 * Math.sqrt(varMean + varTrace);
  assert.ok(tol < 0.2 * want, 'the tolerance must be tight enough to mean something');
  close(got, want, tol, 'sampled FD');
});

// ---------------------------------------------------------------- KID

test('unbiased MMD² matches hand-computed values (d = 1 and d = 2, cubic kernel (xᵀy/d + 1)³)', () => {
  // d = 1, X = {0, 1}, Y = {1, 2}: k(0,1) = 1, k(1,2) = 27, cross k(0,1) = k(0,2) = 1,
  // k(1,1) = 8, k(1,2) = 27: 2·1/2 + 2·27/2 − 2·37/4 = 1 + 27 − 18.5 = 9.5.
  assert.equal(mmd2Unbiased(Float64Array.from([0, 1]), Float64Array.from([1, 2]), 2, 1), 9.5);
  // d = 2, X = {e1, e2}, Y = {(1,1), (1,−1)}: within pairs are orthogonal → k = 1;
  // cross dots 1, 1, 1, −1 → 1.5³ ×3 + 0.5³ = 10.25: 1 + 1 − 10.25/2 = −3.125
  // (negative: the unbiased estimate can be, unlike MMD² itself).
  assert.equal(mmd2Unbiased(Float64Array.from([1, 0, 0, 1]), Float64Array.from([1, 1, 1, -1]), 2, 2), -3.125);
  // With subsetSize = n every subset is the whole set, so KID is that value with std 0.
  const kid = kernelInceptionDistance(Float32Array.from([0, 1]), Float32Array.from([1, 2]), 2, 2, 1, { subsets: 4, subsetSize: 2 });
  assert.deepEqual(kid, { mean: 9.5, std: 0, subsetSize: 2 });
});

test('mmd2Unbiased over tiles equals the direct double sum (m not a multiple of the tile or of 4)', () => {
  const m = 70;
  const d = 5;
  const rng = new Rng(7);
  const x = new Float64Array(m * d).map(() => rng.normal());
  const y = new Float64Array(m * d).map(() => rng.normal() + 0.3);
  const k = (u: Float64Array, i: number, v: Float64Array, j: number) => {
    let s = 0;
    for (let t = 0; t < d; t++) s += u[i * d + t] * v[j * d + t];
    return (s / d + 1) ** 3;
  };
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      if (i !== j) {
        xx += k(x, i, x, j);
        yy += k(y, i, y, j);
      }
      xy += k(x, i, y, j);
    }
  }
  const want = (xx + yy) / (m * (m - 1)) - (2 * xy) / (m * m);
  close(mmd2Unbiased(x, y, m, d), want, 1e-12 * Math.abs(want) + 1e-12);
});

test('KID: ≈ 0 for two samples of one distribution, clearly > 0 for a shifted one; seeded', () => {
  const n = 400;
  const d = 16;
  const rng = new Rng(11);
  const x = new Float32Array(n * d).map(() => rng.normal());
  const y = new Float32Array(n * d).map(() => rng.normal());
  const opts = { subsets: 20, subsetSize: 200, seed: 1 };
  const same = kernelInceptionDistance(x, y, n, n, d, opts);
  const shifted = kernelInceptionDistance(x, y.map((v) => v + 0.5), n, n, d, opts);
  // Measured: same ≈ 0.004 ± 0.010, shifted ≈ 0.83 ± 0.06.
  assert.ok(Math.abs(same.mean) < 2 * same.std + 0.01, `same: ${JSON.stringify(same)}`);
  assert.ok(shifted.mean > 10 * shifted.std && shifted.mean > 50 * Math.abs(same.mean), `shifted: ${JSON.stringify(shifted)}`);
  assert.deepEqual(kernelInceptionDistance(x, y, n, n, d, opts), same, 'same seed, same subsets');
  assert.notEqual(kernelInceptionDistance(x, y, n, n, d, { ...opts, seed: 2 }).mean, same.mean);
  assert.equal(kernelInceptionDistance(x, y, n, 50, d, { subsets: 2 }).subsetSize, 50, 'clamped to the smaller set');
});

// ---------------------------------------------------------------- MS-SWD

/**
 * Images with structure at several scales: three random gratings plus a
 * coloured blob, squashed into (−1, 1). Each image differs, so two draws are
 * two samples of one distribution.
 */
function syntheticImages(n: number, h: number, w: number, c: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++) {
    const gratings = Array.from({ length: 3 }, () => ({ fx: (rng.next() - 0.5) * 0.8, fy: (rng.next() - 0.5) * 0.8, ph: rng.next() * 2 * Math.PI, a: rng.next() }));
    const [bx, by, br] = [rng.next() * w, rng.next() * h, 3 + rng.next() * 6];
    const colour = Array.from({ length: c }, () => rng.next() * 2 - 1);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let v = 0;
        for (const g of gratings) v += g.a * Math.sin(g.fx * x + g.fy * y + g.ph);
        const blob = Math.exp(-((x - bx) ** 2 + (y - by) ** 2) / (br * br));
        for (let ch = 0; ch < c; ch++) out[((i * h + y) * w + x) * c + ch] = Math.tanh(0.6 * v * (1 + 0.3 * ch) + 1.5 * blob * colour[ch]);
      }
    }
  }
  return out;
}

function withNoise(x: Float32Array, sigma: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return x.map((v) => v + sigma * rng.normal());
}

const SWD_OPTS = { patchesPerImage: 64, dirs: 128, seed: 3 };

test('Laplacian pyramid levels: 28 → [28] (14 < 16), or [28, 14] with minResolution 14; 32 → [32, 16]; 64 → [64, 32, 16]; 33 → [33, 17]', () => {
  const sides = (h: number, minRes?: number) => laplacianPyramid(new Float32Array(h * h), 1, h, h, 1, minRes).map((l) => `${l.height}×${l.width}`);
  assert.deepEqual(sides(28), ['28×28']);
  assert.deepEqual(sides(28, 14), ['28×28', '14×14']);
  assert.deepEqual(sides(32), ['32×32', '16×16']);
  assert.deepEqual(sides(64), ['64×64', '32×32', '16×16']);
  assert.deepEqual(sides(33), ['33×33', '17×17']);
  assert.throws(() => laplacianPyramid(new Float32Array(8 * 8), 1, 8, 8, 1), /below the minimum/);
});

test('pyramid of a constant image: Laplacian levels are 0, the coarsest level is the constant (odd sizes too)', () => {
  for (const [h, w] of [
    [32, 32],
    [64, 40],
    [33, 35],
  ]) {
    const c = 3;
    const img = new Float32Array(2 * h * w * c);
    for (let k = 0; k < img.length; k++) img[k] = [0.3, -0.7, 1][k % c];
    const levels = laplacianPyramid(img, 2, h, w, c);
    assert.ok(levels.length >= 2);
    for (const l of levels.slice(0, -1)) assert.ok(maxAbsDiff(l.data, new Float32Array(l.data.length)) < 1e-6, `${h}×${w}: Laplacian ${l.height}×${l.width} not 0`);
    const last = levels[levels.length - 1];
    for (let k = 0; k < last.data.length; k++) close(last.data[k], [0.3, -0.7, 1][k % c], 1e-6);
  }
});

test('pyramid alignment: a linear ramp survives blur + subsample in the interior, and its Laplacian vanishes there', () => {
  // The binomial kernel is symmetric, so it reproduces linear functions; an
  // off-by-one in which pixels are kept, or in where upsampled samples land,
  // breaks both checks.
  const h = 32;
  const w = 32;
  const img = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img[y * w + x] = 0.02 * x - 0.03 * y;
  const down = pyrDown(img, 1, h, w, 1);
  for (let y = 2; y < 14; y++) for (let x = 2; x < 14; x++) close(down.data[y * 16 + x], 0.02 * 2 * x - 0.03 * 2 * y, 1e-6, `down (${y}, ${x})`);
  const lap = laplacianPyramid(img, 1, h, w, 1)[0];
  for (let y = 4; y < 28; y++) for (let x = 4; x < 28; x++) close(lap.data[y * w + x], 0, 1e-6, `laplacian (${y}, ${x})`);
});

test('W1 between sorted samples of different sizes is exact: a = {0, 1}, b = {0, ½, 1} → 1/6, and matches the equal-size replication', () => {
  close(wasserstein1dSorted(Float64Array.from([0, 1]), Float64Array.from([0, 0.5, 1])), 1 / 6, 1e-15);
  const rng = new Rng(8);
  const a = Float64Array.from({ length: 4 }, () => rng.normal()).sort();
  const b = Float64Array.from({ length: 6 }, () => rng.normal()).sort();
  // Repeating each value of a 3× and of b 2× gives the same two distributions on 12 points each.
  const a12 = Float64Array.from({ length: 12 }, (_, i) => a[Math.floor(i / 3)]);
  const b12 = Float64Array.from({ length: 12 }, (_, i) => b[Math.floor(i / 2)]);
  close(wasserstein1dSorted(a, b), wasserstein1dSorted(a12, b12), 1e-14);
});

test('radixSortF32 sorts like the built-in sort: signs, ±0, ±∞, denormals, duplicates, any length', () => {
  const rng = new Rng(14);
  const special = [0, -0, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38, -3.4e38, 1, 1, -1];
  for (const n of [0, 1, 5, 11, 5000]) {
    const a = Float32Array.from({ length: n }, (_, i) => (i < special.length && n > 5 ? special[i] : rng.normal() * 10 ** rng.int(6)));
    const want = Float32Array.from(a).sort();
    radixSortF32(a, new Float32Array(n));
    assert.deepEqual(a, want, `n=${n}`);
  }
});

test('MS-SWD is 0 for identical image sets (28×28×1 and 32×32×3) and > 0 for another draw', () => {
  for (const [h, c] of [
    [28, 1],
    [32, 3],
  ]) {
    const real = syntheticImages(24, h, h, c, 1);
    const same = multiScaleSwd(real, real, 24, 24, h, h, c, SWD_OPTS);
    assert.equal(same.levels.length, h === 28 ? 1 : 2);
    assert.equal(same.averageX1e3, 0);
    const other = multiScaleSwd(real, syntheticImages(24, h, h, c, 2), 24, 24, h, h, c, SWD_OPTS);
    assert.ok(other.averageX1e3 > 1, `${h}: ${other.averageX1e3}`);
  }
});

test('MS-SWD grows monotonically with added Gaussian noise σ = 0.05, 0.2, 0.5 (every level, both sizes)', () => {
  for (const [h, c] of [
    [28, 1],
    [32, 3],
  ]) {
    const real = syntheticImages(24, h, h, c, 1);
    const runs = [0.05, 0.2, 0.5].map((s) => multiScaleSwd(real, withNoise(real, s, 9), 24, 24, h, h, c, SWD_OPTS));
    for (let k = 1; k < runs.length; k++) {
      assert.ok(runs[k].averageX1e3 > runs[k - 1].averageX1e3, `${h}: average ${runs.map((r) => r.averageX1e3)}`);
      runs[k].levels.forEach((l, L) => assert.ok(l.swdX1e3 > runs[k - 1].levels[L].swdX1e3, `${h}: level ${L}`));
    }
  }
});

test('MS-SWD normalises each set per channel on its own, as the reference: a gain and offset on the fake set change nothing', () => {
  const real = syntheticImages(16, 32, 32, 3, 1);
  const base = multiScaleSwd(real, syntheticImages(16, 32, 32, 3, 2), 16, 16, 32, 32, 3, SWD_OPTS);
  const scaled = multiScaleSwd(real, syntheticImages(16, 32, 32, 3, 2).map((v) => 0.5 * v + 0.2), 16, 16, 32, 32, 3, SWD_OPTS);
  base.levels.forEach((l, L) => close(scaled.levels[L].swdX1e3, l.swdX1e3, 1e-6 * l.swdX1e3));
  // Unequal set sizes are allowed (exact W1 between the two empirical distributions).
  const uneven = multiScaleSwd(real, real.subarray(0, 8 * 32 * 32 * 3), 16, 8, 32, 32, 3, SWD_OPTS);
  assert.ok(uneven.averageX1e3 > 0 && uneven.averageX1e3 < base.averageX1e3, `${uneven.averageX1e3}`);
});

// ---------------------------------------------------------------- precision / recall

test('rowDots: blocked products equal plain loops for ragged sizes, and x·x equals ‖x‖² bit for bit', () => {
  const d = 9;
  const rng = new Rng(12);
  const x = new Float64Array(11 * d).map(() => rng.normal());
  const y = new Float64Array(13 * d).map(() => rng.normal());
  const out = new Float64Array(7 * 10);
  rowDots(x, 2, 7, y, 1, 10, d, out);
  for (let a = 0; a < 7; a++) {
    for (let b = 0; b < 10; b++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[(2 + a) * d + k] * y[(1 + b) * d + k];
      assert.equal(out[a * 10 + b], s);
    }
  }
  const self = new Float64Array(11 * 11);
  rowDots(x, 0, 11, x, 0, 11, d, self);
  const norms = rowNorms2(x, 11, d);
  for (let i = 0; i < 11; i++) assert.equal(self[i * 11 + i], norms[i]);
});

test('k-NN radii: hand example on a line, and brute force across tile boundaries', () => {
  // Points 0, 1, 3, 6, 10: nearest others at 1, 1, 2, 3, 4; second nearest at 3, 2, 3, 4, 7.
  const line = Float32Array.from([0, 1, 3, 6, 10]);
  assert.deepEqual(Array.from(knnRadii2(line, 5, 1, 1)), [1, 1, 4, 9, 16]);
  assert.deepEqual(Array.from(knnRadii2(line, 5, 1, 2)), [9, 4, 9, 16, 49]);
  const n = 150;
  const d = 7;
  const rng = new Rng(13);
  const x = new Float32Array(n * d).map(() => rng.normal());
  for (const k of [1, 3, 5]) {
    const got = knnRadii2(x, n, d, k);
    for (let i = 0; i < n; i++) {
      const ds: number[] = [];
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        let s = 0;
        for (let t = 0; t < d; t++) s += (x[i * d + t] - x[j * d + t]) ** 2;
        ds.push(s);
      }
      ds.sort((a, b) => a - b);
      close(got[i], ds[k - 1], 1e-9, `k=${k} i=${i}`);
    }
  }
});

test('manifold coverage: a sample exactly on a ball boundary is inside (≤), just beyond it is not', () => {
  const manifold = Float32Array.from([0, 0, 10, 0]);
  const r2 = Float64Array.from([4, 1]);
  assert.equal(manifoldCoverage(manifold, r2, 2, Float32Array.from([2, 0]), 1, 2), 1);
  assert.equal(manifoldCoverage(manifold, r2, 2, Float32Array.from([0, 2.001]), 1, 2), 0);
  assert.equal(manifoldCoverage(manifold, r2, 2, Float32Array.from([9, 0, 5, 5, 0, -1, 11.5, 0]), 4, 2), 0.5);
});

/**
 * Ten well-separated modes in 16-d, each a 2-d Gaussian sheet (random
 * plane) plus a little isotropic noise, like features with low intrinsic
 * dimension: k-NN balls of 100 points per mode then cover a fresh sample
 * of the mode almost entirely, which a full 16-d Gaussian would not.
 */
function modes(d: number, seed: number) {
  const rng = new Rng(seed);
  const count = 10;
  const centres = new Float64Array(count * d).map(() => 20 * rng.normal());
  const planes = new Float64Array(count * d * 2).map(() => rng.normal());
  return (n: number, which: number[], s: number): Float32Array => {
    const r = new Rng(s);
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const m = which[i % which.length];
      const [z1, z2] = [r.normal(), r.normal()];
      for (let t = 0; t < d; t++) out[i * d + t] = centres[m * d + t] + z1 * planes[(m * d + t) * 2] + z2 * planes[(m * d + t) * 2 + 1] + 0.05 * r.normal();
    }
    return out;
  };
}

test('precision/recall: identical sets → 1/1, a far-away fake set → 0/0', () => {
  const d = 16;
  const sample = modes(d, 21);
  const all = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const real = sample(500, all, 1);
  assert.deepEqual(precisionRecall(real, real, 500, 500, d), { precision: 1, recall: 1 });
  assert.deepEqual(precisionRecall(real, real.map((v) => v + 100), 500, 500, d), { precision: 0, recall: 0 });
});

test('precision/recall: a fake set covering half the real modes → precision ≈ 1, recall ≈ 0.5', () => {
  const d = 16;
  const sample = modes(d, 21);
  const real = sample(1000, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 1);
  const fresh = precisionRecall(real, sample(1000, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 2), 1000, 1000, d);
  const half = precisionRecall(real, sample(1000, [0, 1, 2, 3, 4], 3), 1000, 1000, d);
  assert.ok(fresh.precision > 0.9 && fresh.recall > 0.9, `same distribution: ${JSON.stringify(fresh)}`);
  assert.ok(half.precision > 0.9, `half: ${JSON.stringify(half)}`);
  // Real samples of the 5 covered modes are inside the fake manifold (up to
  // the same ~few % miss as a fresh sample), the other half cannot be.
  assert.ok(half.recall > 0.42 && half.recall <= 0.5, `half: ${JSON.stringify(half)}`);
});
