/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson, "Downsampling Time
 * Series for Visual Representation", 2013). Pure.
 *
 * The first and last points are always kept. The points in between are split
 * into `threshold - 2` equal buckets; from each bucket the point that forms the
 * largest triangle with the point kept from the previous bucket and the average
 * of the next bucket is kept. Extremes (spikes) therefore survive.
 *
 * Works on index ranges of column arrays, so a series of 10^6 points kept in
 * typed arrays is decimated without copying. All y values in the range must
 * be finite (gaps are handled by the caller, see series.ts).
 */
export function lttbIndices(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  start: number,
  end: number,
  threshold: number,
): number[] {
  const n = end - start;
  if (n <= 0) return [];
  if (n <= threshold) {
    const all = new Array<number>(n);
    for (let i = 0; i < n; i++) all[i] = start + i;
    return all;
  }
  if (threshold <= 1) return [start];
  if (threshold === 2) return [start, end - 1];

  const out: number[] = [start];
  const every = (n - 2) / (threshold - 2);
  let a = start;
  for (let i = 0; i < threshold - 2; i++) {
    // Average of the next bucket (just the last point for the last bucket).
    const avgStart = start + Math.floor((i + 1) * every) + 1;
    const avgEnd = Math.min(start + Math.floor((i + 2) * every) + 1, end);
    let avgX = 0;
    let avgY = 0;
    for (let j = avgStart; j < avgEnd; j++) {
      avgX += xs[j];
      avgY += ys[j];
    }
    const len = avgEnd - avgStart;
    avgX /= len;
    avgY /= len;

    // This bucket.
    const from = start + Math.floor(i * every) + 1;
    const to = start + Math.floor((i + 1) * every) + 1;
    const ax = xs[a];
    const ay = ys[a];
    let maxArea = -1;
    let pick = from;
    for (let j = from; j < to; j++) {
      // Twice the triangle area; the factor does not change the argmax.
      const area = Math.abs((ax - avgX) * (ys[j] - ay) - (ax - xs[j]) * (avgY - ay));
      if (area > maxArea) {
        maxArea = area;
        pick = j;
      }
    }
    out.push(pick);
    a = pick;
  }
  out.push(end - 1);
  return out;
}
