/**
 * Series assembly: from a full column (x = step, y = value, NaN = gap) to the
 * few points a line chart draws. Pure.
 */
import { lttbIndices } from './lttb';

/** A point as chart.js takes it with `parsing: false`; y null = gap. */
export interface Point {
  x: number;
  y: number | null;
}

/** Most points drawn per line: the dashboard stays responsive at 10^6 records. */
export const MAX_DRAWN_POINTS = 2000;

/** Runs of consecutive finite y values, as [start, end) index pairs. */
export function finiteRuns(ys: ArrayLike<number>, length: number): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let s = -1;
  for (let i = 0; i < length; i++) {
    const finite = Number.isFinite(ys[i]);
    if (finite && s < 0) s = i;
    else if (!finite && s >= 0) {
      runs.push([s, i]);
      s = -1;
    }
  }
  if (s >= 0) runs.push([s, length]);
  return runs;
}

/**
 * At most `threshold` points that draw like the whole series. Gaps (NaN) stay
 * gaps: each run of finite values is decimated with LTTB on its own, with a
 * share of the budget proportional to its length, and one `y: null` point
 * separates runs. When gaps are so many that runs cannot each get a few
 * points, falls back to per-bucket min/max plus a null where a bucket holds a
 * gap, which keeps extremes and the presence of gaps.
 */
export function decimate(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  length: number,
  threshold = MAX_DRAWN_POINTS,
  /** Known to hold no NaN: skips the scan for gaps. */
  noGaps = false,
): Point[] {
  const out: Point[] = [];
  if (length <= 0 || threshold <= 0) return out;
  if (length <= threshold) {
    for (let i = 0; i < length; i++) {
      const y = ys[i];
      out.push({ x: xs[i], y: Number.isFinite(y) ? y : null });
    }
    return out;
  }
  const runs: Array<[number, number]> = noGaps ? [[0, length]] : finiteRuns(ys, length);
  const markers = gapMarkers(runs, length);
  const budget = threshold - markers.length - 2 * runs.length;
  if (budget < threshold / 2) return minMaxBuckets(xs, ys, length, threshold);

  let finite = 0;
  for (const [s, e] of runs) finite += e - s;
  let m = 0;
  for (const [s, e] of runs) {
    // A gap before this run?
    while (m < markers.length && markers[m] < s) {
      out.push({ x: xs[markers[m]], y: null });
      m++;
    }
    const share = Math.min(e - s, 2 + Math.floor((budget * (e - s)) / finite));
    for (const i of lttbIndices(xs, ys, s, e, share)) out.push({ x: xs[i], y: ys[i] });
  }
  while (m < markers.length) out.push({ x: xs[markers[m++]], y: null });
  return out;
}

/** Index of the first non-finite point of each gap (before, between and after runs). */
function gapMarkers(runs: Array<[number, number]>, length: number): number[] {
  const markers: number[] = [];
  let prevEnd = 0;
  for (const [s, e] of runs) {
    if (s > prevEnd) markers.push(prevEnd);
    prevEnd = e;
  }
  if (prevEnd < length) markers.push(prevEnd);
  return markers;
}

function minMaxBuckets(xs: ArrayLike<number>, ys: ArrayLike<number>, length: number, threshold: number): Point[] {
  const out: Point[] = [];
  const buckets = Math.max(1, Math.floor(threshold / 3));
  const size = length / buckets;
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(length, Math.floor((b + 1) * size));
    let lo = -1;
    let hi = -1;
    let gap = -1;
    for (let i = from; i < to; i++) {
      const y = ys[i];
      if (!Number.isFinite(y)) {
        if (gap < 0) gap = i;
        continue;
      }
      if (lo < 0 || y < ys[lo]) lo = i;
      if (hi < 0 || y > ys[hi]) hi = i;
    }
    const picks = lo < 0 ? [] : lo === hi ? [lo] : lo < hi ? [lo, hi] : [hi, lo];
    if (gap >= 0) {
      // Put the gap where it falls relative to the kept points.
      const at = picks.filter((i) => i < gap).length;
      picks.splice(at, 0, -gap - 1);
    }
    for (const i of picks) out.push(i < 0 ? { x: xs[-i - 1], y: null } : { x: xs[i], y: ys[i] });
  }
  return out;
}

/**
 * Between two full decimations of a long series, up to this many new points
 * are appended to its drawn line as they are: a line of 10^6 points is then
 * re-decimated about once per SLACK new points, not on every append.
 */
export const SLACK = Math.round(MAX_DRAWN_POINTS * 0.1);

/** A drawn line and how it relates to its series. */
export interface Line {
  /** The points drawn (chart.js dataset data; appended to in place). */
  data: Point[];
  /** Entries of the series the line covers. */
  length: number;
  /** Raw points appended since the last full decimation. */
  tail: number;
  /** Over its budget, waiting for a full decimation. */
  stale: boolean;
}

export function emptyLine(): Line {
  return { data: [], length: 0, tail: 0, stale: false };
}

/**
 * Bring a line up to date with its series (which only grows): new points are
 * appended as they are while the line draws every point (short series) or
 * stays within SLACK of its budget; otherwise the whole series is decimated
 * again, if `fullAllowed`, else the points are appended anyway and the line
 * is marked stale for later. Returns whether it decimated in full.
 */
export function refreshLine(
  line: Line,
  col: { readonly xs: ArrayLike<number>; readonly ys: ArrayLike<number>; readonly length: number; readonly gaps: number },
  fullAllowed: boolean,
): boolean {
  const from = line.length;
  const added = col.length - from;
  const exact = col.length <= MAX_DRAWN_POINTS;
  const rawFits = from > 0 && added >= 0 && (exact || line.tail + added <= SLACK);
  if (!rawFits && fullAllowed) {
    line.data = decimate(col.xs, col.ys, col.length, MAX_DRAWN_POINTS, col.gaps === 0);
    line.length = col.length;
    line.tail = 0;
    line.stale = false;
    return true;
  }
  for (let i = from; i < col.length; i++) {
    const y = col.ys[i];
    line.data.push({ x: col.xs[i], y: Number.isFinite(y) ? y : null });
  }
  line.length = col.length;
  line.tail = exact ? 0 : line.tail + added;
  line.stale = !rawFits;
  return false;
}
