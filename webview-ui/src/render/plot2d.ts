/** Geometry of the 2-D view: world ↔ pixel mapping and axis ticks. Pure. */

export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Maps the square [-extent, extent]² onto `rect`, y up: y = +extent is the
 * top edge (the same convention as the heatmap rows).
 */
export function projection(extent: number, rect: Rect): { px(x: number): number; py(y: number): number } {
  const sx = rect.width / (2 * extent);
  const sy = rect.height / (2 * extent);
  return {
    px: (x) => rect.left + (x + extent) * sx,
    py: (y) => rect.top + (extent - y) * sy,
  };
}

/** "Nice" tick values (1, 2, 5 × 10^k spacing) covering [min, max], about `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min) || count < 1) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const ticks: number[] = [];
  const eps = step * 1e-9;
  for (let v = Math.ceil((min - eps) / step) * step; v <= max + eps; v += step) {
    // Avoid -0 and float fuzz like 0.30000000000000004.
    ticks.push(Number((Math.abs(v) < eps ? 0 : v).toPrecision(12)));
  }
  return ticks;
}
