/**
 * Fréchet distance between Gaussians fitted to two feature sets — the
 * formula behind FID (Heusel et al. 2017), for whatever feature extractor
 * the caller uses:
 *
 *   ‖μa − μb‖² + tr(Σa + Σb − 2(ΣaΣb)^{1/2}).
 *
 * ΣaΣb is not symmetric, so its square root is not taken directly (that is
 * where the usual scipy.linalg.sqrtm route picks up complex parts and needs
 * an epsilon fudge). With S = Σa^{1/2}, S·Σb·S = S⁻¹(ΣaΣb)S when S is
 * invertible, and by continuity its eigenvalues equal those of ΣaΣb in
 * general; it is symmetric PSD, so tr (ΣaΣb)^{1/2} = Σ √λ over its
 * eigenvalues, all real and, up to rounding, non-negative (those within
 * rounding of 0 count as 0; see eigenNoiseFloor).
 */
import { eigenNoiseFloor, psdSqrt, symmetricEigen } from './symmetricEigen';

export interface GaussianStats {
  /** Length d. */
  mean: Float64Array;
  /** d×d row-major, unbiased (divides by n − 1). */
  cov: Float64Array;
}

/** Mean and unbiased covariance of n row-major d-dimensional samples. */
export function gaussianStats(features: Float32Array, n: number, d: number): GaussianStats {
  if (n < 2) throw new Error(`gaussianStats: need at least 2 samples, got ${n}`);
  if (features.length < n * d) throw new Error(`gaussianStats: need ${n * d} values, got ${features.length}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += features[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  // Two passes (centre, then accumulate products): the one-pass E[xxᵀ] − μμᵀ
  // cancels catastrophically when the features have a large common offset.
  const cov = new Float64Array(d * d);
  const x = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[j] = features[i * d + j] - mean[j];
    for (let j = 0; j < d; j++) {
      const xj = x[j];
      const row = j * d;
      for (let k = j; k < d; k++) cov[row + k] += xj * x[k];
    }
  }
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      const v = cov[j * d + k] / (n - 1);
      cov[j * d + k] = v;
      cov[k * d + j] = v;
    }
  }
  return { mean, cov };
}

/** d×d row-major product a·b. */
function matmul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const ro = i * d;
    for (let k = 0; k < d; k++) {
      const aik = a[ro + k];
      if (aik === 0) continue;
      const rb = k * d;
      for (let j = 0; j < d; j++) out[ro + j] += aik * b[rb + j];
    }
  }
  return out;
}

/** tr((ΣaΣb)^{1/2}) for symmetric PSD Σa, Σb, via the symmetric S·Σb·S (see top). */
export function traceSqrtProduct(covA: Float64Array, covB: Float64Array, d: number): number {
  const s = psdSqrt(covA, d);
  const m = matmul(matmul(s, covB, d), s, d);
  // symmetricEigen reads only the upper triangle, which symmetrises away the
  // rounding asymmetry of the two products.
  const { values } = symmetricEigen(m, d, false);
  const floor = eigenNoiseFloor(values, d);
  let tr = 0;
  for (let k = 0; k < d; k++) if (values[k] > floor) tr += Math.sqrt(values[k]);
  return tr;
}

/** Fréchet distance between N(a.mean, a.cov) and N(b.mean, b.cov) in d dimensions. */
export function frechetDistance(a: GaussianStats, b: GaussianStats, d: number): number {
  for (const [name, s] of [['a', a], ['b', b]] as const) {
    if (s.mean.length !== d || s.cov.length !== d * d) throw new Error(`frechetDistance: ${name} is not ${d}-dimensional`);
  }
  let meanTerm = 0;
  for (let j = 0; j < d; j++) meanTerm += (a.mean[j] - b.mean[j]) ** 2;
  let trA = 0;
  let trB = 0;
  for (let j = 0; j < d; j++) {
    trA += a.cov[j * d + j];
    trB += b.cov[j * d + j];
  }
  const dist = meanTerm + trA + trB - 2 * traceSqrtProduct(a.cov, b.cov, d);
  // Identical statistics give 0 up to rounding, and a distance printed as
  // −1e−13 only raises questions; anything more negative than rounding is
  // left visible, since it would mean a bug, not noise.
  return dist < 0 && dist > -1e-9 * (meanTerm + trA + trB) ? 0 : dist;
}

/** Fréchet distance between the Gaussians fitted to n1 real and n2 fake d-dimensional feature rows. */
export function frechetFromFeatures(real: Float32Array, fake: Float32Array, n1: number, n2: number, d: number): number {
  return frechetDistance(gaussianStats(real, n1, d), gaussianStats(fake, n2, d), d);
}
