/**
 * Eigendecomposition of a real symmetric matrix by the cyclic Jacobi method.
 *
 * Jacobi is chosen over Householder + QL because it is short, has no
 * special cases (repeated or zero eigenvalues need nothing extra), and every
 * step is an exact orthogonal rotation, so eigenvalues come out with errors
 * of order ε·‖A‖ and eigenvectors orthonormal to rounding. The Fréchet
 * distance needs that: it takes square roots of covariance eigenvalues, and
 * near-singular feature covariances are the norm. Cost is O(d³) per sweep
 * and convergence is quadratic (typically 6–10 sweeps), fine for d ≤ 256.
 */

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /**
   * d×d row-major; column j is the unit eigenvector of values[j], so
   * A = V·diag(values)·Vᵀ. Absent when vectors were not requested.
   */
  vectors?: Float64Array;
}

const MAX_SWEEPS = 100;

/**
 * Eigenvalues (and, unless `withVectors` is false, eigenvectors) of the
 * symmetric d×d row-major matrix `a`. Only the upper triangle is read, so a
 * matrix that is symmetric up to rounding is treated as exactly symmetric.
 * `a` is not modified.
 */
export function symmetricEigen(a: ArrayLike<number>, d: number, withVectors = true): SymmetricEigen {
  if (!Number.isInteger(d) || d < 0) throw new Error(`symmetricEigen: bad size ${d}`);
  if (a.length < d * d) throw new Error(`symmetricEigen: need ${d * d} entries, got ${a.length}`);
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = a[i * d + j];
      if (!Number.isFinite(v)) throw new Error(`symmetricEigen: non-finite entry at (${i}, ${j})`);
      m[i * d + j] = v;
    }
  }
  // Rows of vt are the eigenvectors: each rotation then touches two
  // contiguous rows instead of two strided columns.
  const vt = withVectors ? new Float64Array(d * d) : undefined;
  if (vt) for (let i = 0; i < d; i++) vt[i * d + i] = 1;

  // ‖A‖_F² (only the upper triangle is stored, and kept, from here on).
  let total = 0;
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) total += (i === j ? 1 : 2) * m[i * d + j] ** 2;
  // Off-diagonal mass below this is rounding noise of the diagonal itself;
  // sweeping on would only shuffle it around.
  const tol = (Number.EPSILON * Number.EPSILON * total) / 4;

  let converged = d <= 1;
  for (let sweep = 0; sweep < MAX_SWEEPS && !converged; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += m[p * d + q] * m[p * d + q];
    if (off <= tol) {
      converged = true;
      break;
    }
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = m[p * d + q];
        if (apq === 0) continue;
        const app = m[p * d + p];
        const aqq = m[q * d + q];
        // An entry too small to change either diagonal entry in floating
        // point is zeroed outright; rotating on it would only add rounding.
        if (sweep > 3 && Math.abs(app) + 100 * Math.abs(apq) === Math.abs(app) && Math.abs(aqq) + 100 * Math.abs(apq) === Math.abs(aqq)) {
          m[p * d + q] = 0;
          continue;
        }
        rotate(m, vt, d, p, q, app, aqq, apq);
      }
    }
  }
  if (!converged) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += m[p * d + q] * m[p * d + q];
    // Rounding can keep `off` hovering just above the strict tolerance;
    // only a genuinely unconverged matrix is an error.
    if (off > 1e-20 * total) throw new Error(`symmetricEigen: no convergence after ${MAX_SWEEPS} sweeps (off-diagonal ${Math.sqrt(off)})`);
  }

  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => m[i * d + i] - m[j * d + j]);
  const values = new Float64Array(d);
  for (let k = 0; k < d; k++) values[k] = m[order[k] * d + order[k]];
  if (!vt) return { values };
  const vectors = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const row = order[k] * d;
    for (let i = 0; i < d; i++) vectors[i * d + k] = vt[row + i];
  }
  return { values, vectors };
}

/**
 * One Jacobi rotation zeroing m[p][q] (the stable form with tau, Golub &
 * Van Loan §8.5 / Rutishauser), applied to both triangles of m and to the
 * eigenvector rows.
 */
function rotate(m: Float64Array, vt: Float64Array | undefined, d: number, p: number, q: number, app: number, aqq: number, apq: number): void {
  const theta = (aqq - app) / (2 * apq);
  // The smaller root of t² + 2θt − 1 = 0 keeps the rotation angle ≤ π/4,
  // which is what makes the cyclic method converge.
  const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const s = t * c;
  const tau = s / (1 + c);
  m[p * d + p] = app - t * apq;
  m[q * d + q] = aqq + t * apq;
  m[p * d + q] = 0;
  // Only the upper triangle is kept: entry (r, p) lives in row min(r, p).
  // Rows below p are reached through columns p and q (strided), rows past
  // them through rows p and q (contiguous); keeping both triangles instead
  // would make every update a strided write, which dominated the run time.
  for (let r = 0; r < p; r++) rotatePair(m, r * d + p, r * d + q, s, tau);
  for (let r = p + 1; r < q; r++) rotatePair(m, p * d + r, r * d + q, s, tau);
  for (let r = q + 1; r < d; r++) rotatePair(m, p * d + r, q * d + r, s, tau);
  if (vt) for (let r = 0; r < d; r++) rotatePair(vt, p * d + r, q * d + r, s, tau);
}

/** (x[i], x[j]) ← (c·x[i] − s·x[j], s·x[i] + c·x[j]), written with tau = s/(1 + c) for accuracy. */
function rotatePair(x: Float64Array, i: number, j: number, s: number, tau: number): void {
  const g = x[i];
  const h = x[j];
  x[i] = g - s * (h + g * tau);
  x[j] = h + s * (g - h * tau);
}

/**
 * Eigenvalues at or below this are indistinguishable from 0: the solver
 * returns each eigenvalue with an error of order d·ε·max|λ|. The cut-off
 * matters for square roots, which turn a rounding residue of 1e−16·λmax
 * into 1e−8·√λmax — for a singular covariance (fewer samples than
 * dimensions, or redundant features) d such terms would add up to a visible
 * error instead of 0.
 */
export function eigenNoiseFloor(values: Float64Array, d: number): number {
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  return d * Number.EPSILON * max;
}

/**
 * Symmetric square root of a symmetric positive semi-definite matrix.
 * Eigenvalues within the noise floor of 0, negative ones included, are
 * rounding from estimating a PSD matrix, not information: their root is 0.
 */
export function psdSqrt(a: ArrayLike<number>, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, d);
  const v = vectors as Float64Array;
  const out = new Float64Array(d * d);
  const roots = new Float64Array(d);
  const floor = eigenNoiseFloor(values, d);
  for (let k = 0; k < d; k++) roots[k] = values[k] > floor ? Math.sqrt(values[k]) : 0;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += v[i * d + k] * roots[k] * v[j * d + k];
      out[i * d + j] = s;
      out[j * d + i] = s;
    }
  }
  return out;
}
