/**
 * Line plots rasterised to PNG without a canvas (the extension host and the
 * CLI have none): a frame, horizontal grid lines, each series drawn as the
 * min–max span of its points in every pixel column (so spikes survive any
 * number of points), and an optional shaded step range (a finding's
 * evidence). Text stays in the Markdown around the image: axis ranges and
 * the legend with each series' colour.
 */
import { PNG } from 'pngjs';

export interface Series {
  readonly label: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface PlotOptions {
  readonly width?: number;
  readonly height?: number;
  /** Shade this x range (inclusive). */
  readonly highlight?: readonly [number, number];
  /** Logarithmic y axis (used when every value is positive and they span decades). */
  readonly logY?: boolean;
}

export interface Plot {
  readonly png: Buffer;
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  readonly logY: boolean;
  /** Colour of each series, in order, as #rrggbb (the Markdown legend). */
  readonly colours: readonly string[];
}

/** Colour-blind-safe palette (Okabe–Ito). */
export const PALETTE: readonly (readonly [number, number, number])[] = [
  [0, 114, 178],
  [213, 94, 0],
  [0, 158, 115],
  [204, 121, 167],
  [230, 159, 0],
  [86, 180, 233],
  [0, 0, 0],
];

const hex = (c: readonly number[]) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** Whether a positive series spans more than two decades (then a log axis reads better). */
export function wantsLog(series: readonly Series[]): boolean {
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  if (!ys.length || ys.some((y) => y <= 0)) return false;
  return Math.max(...ys) / Math.min(...ys) > 100;
}

export function linePlot(series: readonly Series[], o: PlotOptions = {}): Plot {
  const W = o.width ?? 640;
  const H = o.height ?? 240;
  const M = 8; // margin in pixels
  const png = new PNG({ width: W, height: H });
  png.data.fill(255);
  const set = (x: number, y: number, c: readonly number[], a = 1) => {
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    const i = 4 * (y * W + x);
    for (let k = 0; k < 3; k++) png.data[i + k] = Math.round(a * c[k] + (1 - a) * png.data[i + k]);
    png.data[i + 3] = 255;
  };
  const logY = !!o.logY;
  const ty = (v: number) => (logY ? Math.log10(v) : v);
  const finite = series.flatMap((s) => s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!logY || p[1] > 0)));
  const x0 = finite.length ? Math.min(...finite.map((p) => p[0])) : 0;
  let x1 = finite.length ? Math.max(...finite.map((p) => p[0])) : 1;
  let [y0, y1] = finite.length ? [Math.min(...finite.map((p) => ty(p[1]))), Math.max(...finite.map((p) => ty(p[1])))] : [0, 1];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = 0.05 * (y1 - y0);
  [y0, y1] = [y0 - pad, y1 + pad];
  const px = (x: number) => Math.round(M + ((x - x0) / (x1 - x0)) * (W - 2 * M - 1));
  const py = (v: number) => Math.round(H - M - 1 - ((ty(v) - y0) / (y1 - y0)) * (H - 2 * M - 1));

  if (o.highlight) {
    const [a, b] = [px(Math.max(x0, o.highlight[0])), px(Math.min(x1, o.highlight[1]))];
    for (let x = a; x <= Math.max(a + 1, b); x++) for (let y = M; y < H - M; y++) set(x, y, [230, 159, 0], 0.18);
  }
  for (let g = 0; g <= 4; g++) {
    const y = Math.round(M + (g * (H - 2 * M - 1)) / 4);
    for (let x = M; x < W - M; x++) set(x, y, [0, 0, 0], g === 0 || g === 4 ? 0.6 : 0.12);
  }
  for (let y = M; y < H - M; y++) {
    set(M, y, [0, 0, 0], 0.6);
    set(W - M - 1, y, [0, 0, 0], 0.6);
  }

  const colours: string[] = [];
  series.forEach((s, si) => {
    const c = PALETTE[si % PALETTE.length];
    colours.push(hex(c));
    // Per pixel column: the span of the points that fall in it, joined to the previous column.
    const lo = new Map<number, number>();
    const hi = new Map<number, number>();
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y) || (logY && y <= 0)) continue;
      const cx = px(x);
      const cy = py(y);
      lo.set(cx, Math.min(lo.get(cx) ?? cy, cy));
      hi.set(cx, Math.max(hi.get(cx) ?? cy, cy));
    }
    const cols = [...lo.keys()].sort((a, b) => a - b);
    let prev: [number, number] | undefined;
    for (const cx of cols) {
      const mid = (lo.get(cx)! + hi.get(cx)!) / 2;
      // Join to the previous column's centre with a line stepped along its longer axis.
      if (prev) {
        const n = Math.max(Math.abs(cx - prev[0]), Math.abs(mid - prev[1]), 1);
        for (let k = 0; k <= n; k++) {
          const x = Math.round(prev[0] + ((cx - prev[0]) * k) / n);
          const y = Math.round(prev[1] + ((mid - prev[1]) * k) / n);
          set(x, y, c);
          set(x, y + 1, c, 0.4);
        }
      }
      for (let y = lo.get(cx)!; y <= hi.get(cx)!; y++) {
        set(cx, y, c);
        set(cx + 1, y, c, 0.4);
      }
      prev = [cx, mid];
    }
  });
  const yr: [number, number] = logY ? [10 ** y0, 10 ** y1] : [y0, y1];
  return { png: PNG.sync.write(png), x: [x0, x1], y: yr, logY, colours };
}
