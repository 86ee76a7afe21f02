/**
 * Sliced Wasserstein-1 distance between two point sets of equal size, in
 * plain JS (the sets are small and already on the host). For each random
 * unit direction θ, W1 of the projected 1-D samples is the mean absolute
 * difference of their sorted values; SWD averages that over directions.
 */
import { Rng } from '../rng';

/** Exact W1 between two equal-size 1-D samples. */
export function wasserstein1d(a: Float64Array | number[], b: Float64Array | number[]): number {
  if (a.length !== b.length) throw new Error(`wasserstein1d: sizes differ (${a.length} vs ${b.length})`);
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  let s = 0;
  for (let i = 0; i < sa.length; i++) s += Math.abs(sa[i] - sb[i]);
  return sa.length ? s / sa.length : 0;
}

/** `count` unit directions in `dim` dimensions, from a seed. */
export function randomDirections(count: number, dim: number, seed: number): Float64Array[] {
  const rng = new Rng(seed);
  const out: Float64Array[] = [];
  for (let i = 0; i < count; i++) {
    const v = new Float64Array(dim);
    let n = 0;
    for (let j = 0; j < dim; j++) {
      v[j] = rng.normal();
      n += v[j] * v[j];
    }
    n = Math.sqrt(n) || 1;
    for (let j = 0; j < dim; j++) v[j] /= n;
    out.push(v);
  }
  return out;
}

/** SWD between row-major point sets x and y (n×dim each) over the given directions. */
export function slicedWasserstein(x: ArrayLike<number>, y: ArrayLike<number>, dim: number, directions: Float64Array[]): number {
  const n = x.length / dim;
  if (y.length / dim !== n) throw new Error(`slicedWasserstein: sizes differ (${n} vs ${y.length / dim})`);
  const px = new Float64Array(n);
  const py = new Float64Array(n);
  let total = 0;
  for (const d of directions) {
    for (let i = 0; i < n; i++) {
      let sx = 0;
      let sy = 0;
      for (let j = 0; j < dim; j++) {
        sx += x[i * dim + j] * d[j];
        sy += y[i * dim + j] * d[j];
      }
      px[i] = sx;
      py[i] = sy;
    }
    total += wasserstein1d(px, py);
  }
  return total / directions.length;
}
