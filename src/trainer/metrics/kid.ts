/**
 * Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD
 * GANs"), for whatever features the caller supplies: the unbiased estimate
 * of MMD² with the cubic polynomial kernel k(x, y) = (xᵀy/d + 1)³, averaged
 * over random subsets. Unlike the Fréchet distance it has an unbiased
 * estimator, so it can be compared across sample sizes and is ≈ 0 (and can
 * be slightly negative) when both sets come from one distribution.
 */
import { Rng } from '../rng';
import { rowDots } from './rowDots';

export interface KidOptions {
  /** Number of random subset pairs (default 100, as in the paper's code). */
  subsets?: number;
  /** Samples per subset (default 1000, clamped to the smaller set: the estimate is unbiased for any size ≥ 2, only its variance grows). */
  subsetSize?: number;
  seed?: number;
}

export interface KidResult {
  /** Mean of the per-subset unbiased MMD² estimates. */
  mean: number;
  /** Population standard deviation (ddof 0) of those estimates, as torch-fidelity reports it. */
  std: number;
  /** The subset size actually used (after clamping). */
  subsetSize: number;
}

/** m distinct indices from [0, n): a partial Fisher–Yates shuffle. */
function sampleWithoutReplacement(n: number, m: number, rng: Rng, scratch: Int32Array): Int32Array {
  for (let i = 0; i < n; i++) scratch[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = scratch[i];
    scratch[i] = scratch[j];
    scratch[j] = t;
  }
  return scratch.slice(0, m);
}

/** Rows `idx` of a row-major array, copied contiguously so the kernel loops stay in cache. */
function gather(src: Float32Array, idx: Int32Array, d: number): Float64Array {
  const out = new Float64Array(idx.length * d);
  for (let i = 0; i < idx.length; i++) {
    const from = idx[i] * d;
    for (let k = 0; k < d; k++) out[i * d + k] = src[from + k];
  }
  return out;
}

const TILE = 64;

/** Σ k(x_i, y_j) over a TILE×TILE tile of dot products, pairs with b ≤ a skipped when `upper`. */
function kernelTileSum(dots: Float64Array, ni: number, nj: number, d: number, upper: boolean): number {
  let s = 0;
  for (let a = 0; a < ni; a++) {
    for (let b = upper ? a + 1 : 0; b < nj; b++) {
      const base = dots[a * nj + b] / d + 1;
      s += base * base * base;
    }
  }
  return s;
}

/** Σ over unordered pairs i < j of k(x_i, x_j) (within: true), or over all i, j of k(x_i, y_j). */
function kernelSum(x: Float64Array, y: Float64Array, m: number, d: number, within: boolean, dots: Float64Array): number {
  let s = 0;
  for (let i0 = 0; i0 < m; i0 += TILE) {
    const ni = Math.min(TILE, m - i0);
    for (let j0 = within ? i0 : 0; j0 < m; j0 += TILE) {
      const nj = Math.min(TILE, m - j0);
      rowDots(x, i0, ni, y, j0, nj, d, dots);
      s += kernelTileSum(dots, ni, nj, d, within && j0 === i0);
    }
  }
  return s;
}

/**
 * Unbiased MMD² between the m rows of x and the m rows of y (m ≥ 2): the
 * within-set means leave out the diagonal (k(x, x) is not a sample of the
 * kernel between two independent draws), the cross mean keeps all m².
 */
export function mmd2Unbiased(x: Float64Array, y: Float64Array, m: number, d: number): number {
  if (m < 2) throw new Error(`mmd2Unbiased: need at least 2 samples per set, got ${m}`);
  const dots = new Float64Array(TILE * TILE);
  const kxx = kernelSum(x, x, m, d, true, dots);
  const kyy = kernelSum(y, y, m, d, true, dots);
  const kxy = kernelSum(x, y, m, d, false, dots);
  // The within sums cover each unordered pair once; the estimator's sum over
  // i ≠ j counts it twice.
  return (2 * (kxx + kyy)) / (m * (m - 1)) - (2 * kxy) / (m * m);
}

/** KID between n1 real and n2 fake row-major d-dimensional feature vectors. */
export function kernelInceptionDistance(real: Float32Array, fake: Float32Array, n1: number, n2: number, d: number, options: KidOptions = {}): KidResult {
  if (real.length < n1 * d || fake.length < n2 * d) throw new Error('kernelInceptionDistance: feature arrays shorter than n×d');
  const subsets = options.subsets ?? 100;
  const m = Math.min(options.subsetSize ?? 1000, n1, n2);
  if (m < 2) throw new Error(`kernelInceptionDistance: need at least 2 samples per set, got ${Math.min(n1, n2)}`);
  if (!(subsets >= 1)) throw new Error(`kernelInceptionDistance: subsets must be ≥ 1, got ${subsets}`);
  const rng = new Rng(options.seed ?? 0);
  const scratch = new Int32Array(Math.max(n1, n2));
  const values = new Float64Array(subsets);
  for (let s = 0; s < subsets; s++) {
    const x = gather(real, sampleWithoutReplacement(n1, m, rng, scratch), d);
    const y = gather(fake, sampleWithoutReplacement(n2, m, rng, scratch), d);
    values[s] = mmd2Unbiased(x, y, m, d);
  }
  let mean = 0;
  for (const v of values) mean += v;
  mean /= subsets;
  let varSum = 0;
  for (const v of values) varSum += (v - mean) ** 2;
  return { mean, std: Math.sqrt(varSum / subsets), subsetSize: m };
}
