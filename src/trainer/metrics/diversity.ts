/**
 * Sample diversity without labels or modes: the mean Euclidean distance
 * between pairs of generated samples, as a percentage of the same for real
 * samples. A collapsed generator repeats itself, so its samples sit close
 * together (a few percent of the data's spread); a healthy one is near
 * 100 %. Unlike modes covered it needs nothing known about the data, so the
 * doctor can read it on any data set (the swiss roll here; images later).
 */

/** Mean distance over all pairs of the first `cap` rows of a row-major n×dim array. */
export function meanPairwiseDistance(points: Float32Array, dim: number, cap = 512): number {
  const n = Math.min(cap, Math.floor(points.length / dim));
  if (n < 2) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let d2 = 0;
      for (let k = 0; k < dim; k++) {
        const t = points[i * dim + k] - points[j * dim + k];
        d2 += t * t;
      }
      sum += Math.sqrt(d2);
    }
  }
  return sum / ((n * (n - 1)) / 2);
}

/** 100 × the generated samples' mean pairwise distance over the real samples' (`realSpread`). */
export function diversityPercent(fake: Float32Array, dim: number, realSpread: number, cap = 512): number {
  return (100 * meanPairwiseDistance(fake, dim, cap)) / realSpread;
}
