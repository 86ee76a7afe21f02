/**
 * Improved precision and recall (Kynkäänniemi et al. 2019). Each set's
 * manifold is estimated as the union of balls around its samples, each ball
 * reaching the sample's k-th nearest neighbour within the same set.
 * Precision is the share of fake samples inside the real manifold (are the
 * samples realistic?), recall the share of real samples inside the fake
 * manifold (is the data covered?).
 *
 * Distances are exact (no approximate neighbour search), computed tile by
 * tile as ‖x‖² + ‖y‖² − 2x·y with the blocked dot products of rowDots, after
 * moving both sets by the real mean (distances do not change; the
 * cancellation in that formula grows with ‖x‖², so features far from the
 * origin would otherwise lose digits). A membership test stops at the first
 * ball containing the sample, trying the widest balls first.
 */
import { rowDots, rowNorms2 } from './rowDots';

export interface PrecisionRecallOptions {
  /** Neighbourhood size for the radii (default 3, the paper's choice). */
  k?: number;
}

export interface PrecisionRecall {
  precision: number;
  recall: number;
}

const TILE = 64;

/** Rows as float64, minus `shift` (length d). */
function shifted(x: Float32Array, n: number, d: number, shift: Float64Array): Float64Array {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) out[i * d + k] = x[i * d + k] - shift[k];
  return out;
}

function columnMean(x: Float32Array, n: number, d: number): Float64Array {
  const m = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) m[k] += x[i * d + k];
  for (let k = 0; k < d; k++) m[k] /= n;
  return m;
}

/** Insert v into the ascending k-list at best[o .. o+k) if it is smaller than its last entry. */
function insertSmallest(best: Float64Array, o: number, k: number, v: number): void {
  if (v >= best[o + k - 1]) return;
  let p = o + k - 1;
  while (p > o && best[p - 1] > v) {
    best[p] = best[p - 1];
    p--;
  }
  best[p] = v;
}

/** knnRadii2 on rows already in float64 (x) with their squared norms. */
function radii2Of(x: Float64Array, norms: Float64Array, n: number, d: number, k: number): Float64Array {
  const best = new Float64Array(n * k).fill(Infinity);
  const dots = new Float64Array(TILE * TILE);
  for (let i0 = 0; i0 < n; i0 += TILE) {
    const ni = Math.min(TILE, n - i0);
    // Tiles on and above the diagonal only: each unordered pair once,
    // credited to both of its ends.
    for (let j0 = i0; j0 < n; j0 += TILE) {
      const nj = Math.min(TILE, n - j0);
      rowDots(x, i0, ni, x, j0, nj, d, dots);
      for (let a = 0; a < ni; a++) {
        const i = i0 + a;
        for (let b = j0 === i0 ? a + 1 : 0; b < nj; b++) {
          const j = j0 + b;
          const v = Math.max(0, norms[i] + norms[j] - 2 * dots[a * nj + b]);
          insertSmallest(best, i * k, k, v);
          insertSmallest(best, j * k, k, v);
        }
      }
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = best[i * k + k - 1];
  return out;
}

/**
 * Squared distance from each of the n rows to its k-th nearest other row
 * (the reference takes the (k+1)-th smallest including the row itself at
 * distance 0; the same thing).
 */
export function knnRadii2(features: Float32Array, n: number, d: number, k = 3): Float64Array {
  if (!(k >= 1 && k < n)) throw new Error(`knnRadii2: need 1 ≤ k < n, got k = ${k}, n = ${n}`);
  if (features.length < n * d) throw new Error(`knnRadii2: need ${n * d} values, got ${features.length}`);
  const x = shifted(features, n, d, columnMean(features, n, d));
  return radii2Of(x, rowNorms2(x, n, d), n, d, k);
}

/**
 * Share of the nq query rows within radius (squared: radii2[j]) of at least
 * one of the nm manifold rows, all float64 and with their squared norms. A
 * sample on a ball's boundary counts as inside, as in the reference (≤).
 */
function coverageOf(m: Float64Array, mNorms: Float64Array, radii2: Float64Array, nm: number, q: Float64Array, qNorms: Float64Array, nq: number, d: number): number {
  // Widest balls first: a query is likeliest to be inside one of them, and
  // its scan stops at the first hit.
  const order = Array.from({ length: nm }, (_, j) => j).sort((a, b) => radii2[b] - radii2[a]);
  const ms = new Float64Array(nm * d);
  const msNorms = new Float64Array(nm);
  const r2 = new Float64Array(nm);
  for (let j = 0; j < nm; j++) {
    ms.set(m.subarray(order[j] * d, order[j] * d + d), j * d);
    msNorms[j] = mNorms[order[j]];
    r2[j] = radii2[order[j]];
  }
  let inside = 0;
  const open = new Int32Array(TILE);
  const rows = new Float64Array(TILE * d);
  const dots = new Float64Array(TILE * TILE);
  for (let q0 = 0; q0 < nq; q0 += TILE) {
    let nOpen = Math.min(TILE, nq - q0);
    for (let a = 0; a < nOpen; a++) open[a] = q0 + a;
    for (let j0 = 0; j0 < nm && nOpen > 0; j0 += TILE) {
      const nj = Math.min(TILE, nm - j0);
      // Only queries still outside every ball seen so far are recomputed,
      // packed contiguously for rowDots.
      for (let a = 0; a < nOpen; a++) rows.set(q.subarray(open[a] * d, open[a] * d + d), a * d);
      rowDots(rows, 0, nOpen, ms, j0, nj, d, dots);
      let kept = 0;
      for (let a = 0; a < nOpen; a++) {
        const qi = open[a];
        let hit = false;
        for (let b = 0; b < nj && !hit; b++) hit = qNorms[qi] + msNorms[j0 + b] - 2 * dots[a * nj + b] <= r2[j0 + b];
        if (hit) inside++;
        else open[kept++] = qi;
      }
      nOpen = kept;
    }
  }
  return inside / nq;
}

/**
 * Share of the nq query rows that lie within radius (squared: radii2[j]) of
 * at least one of the nm manifold rows.
 */
export function manifoldCoverage(manifold: Float32Array, radii2: Float64Array, nm: number, queries: Float32Array, nq: number, d: number): number {
  if (nq === 0) return NaN;
  const shift = columnMean(manifold, nm, d);
  const m = shifted(manifold, nm, d, shift);
  const q = shifted(queries, nq, d, shift);
  return coverageOf(m, rowNorms2(m, nm, d), radii2, nm, q, rowNorms2(q, nq, d), nq, d);
}

/** Improved precision and recall of n2 fake against n1 real row-major d-dimensional features. */
export function precisionRecall(real: Float32Array, fake: Float32Array, n1: number, n2: number, d: number, options: PrecisionRecallOptions = {}): PrecisionRecall {
  const k = options.k ?? 3;
  if (!(k >= 1 && k < Math.min(n1, n2))) throw new Error(`precisionRecall: need 1 ≤ k < n, got k = ${k}, n = ${n1}, ${n2}`);
  if (real.length < n1 * d || fake.length < n2 * d) throw new Error('precisionRecall: feature arrays shorter than n×d');
  // One shift for both sets keeps identical real and fake rows bit-identical.
  const shift = columnMean(real, n1, d);
  const r = shifted(real, n1, d, shift);
  const f = shifted(fake, n2, d, shift);
  const rNorms = rowNorms2(r, n1, d);
  const fNorms = rowNorms2(f, n2, d);
  return {
    precision: coverageOf(r, rNorms, radii2Of(r, rNorms, n1, d, k), n1, f, fNorms, n2, d),
    recall: coverageOf(f, fNorms, radii2Of(f, fNorms, n2, d, k), n2, r, rNorms, n1, d),
  };
}
