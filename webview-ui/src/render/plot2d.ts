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

/** Margins of the 2-D view around its square plot (left: y tick labels, bottom: x tick labels). */
export const PLOT_MARGIN = { left: 36, top: 10, bottom: 24 } as const;
/** The colour bar: gap from the plot, bar width, gap to its labels, and room after the widest label. */
export const COLOUR_BAR = { gap: 12, width: 10, labelGap: 4, pad: 2 } as const;

/**
 * Where the square plot and its colour bar go in a `width` × `height` box,
 * leaving `labelWidth` pixels for the colour bar's widest label, so a long
 * label ("-0.9203") is never cut off at the box's edge: the plot shrinks.
 */
export function scatterLayout(width: number, height: number, labelWidth: number): { plot: Rect; bar: Rect } {
  const right = COLOUR_BAR.gap + COLOUR_BAR.width + COLOUR_BAR.labelGap + Math.ceil(labelWidth) + COLOUR_BAR.pad;
  const side = Math.max(10, Math.min(width - PLOT_MARGIN.left - right, height - PLOT_MARGIN.top - PLOT_MARGIN.bottom));
  const plot: Rect = { left: PLOT_MARGIN.left, top: PLOT_MARGIN.top, width: side, height: side };
  return { plot, bar: { left: plot.left + side + COLOUR_BAR.gap, top: plot.top, width: COLOUR_BAR.width, height: side } };
}
