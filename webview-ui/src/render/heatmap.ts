/**
 * The discriminator heatmap of a toy2d snapshot as an RGBA pixel buffer (the
 * layout of ImageData). Pure.
 *
 * Orientation convention (shared with the trainer that samples the grid):
 * `values` is row-major, size × size, over the square [-extent, extent]².
 * Row 0 is the TOP of the picture, i.e. y = +extent; row size-1 is y = -extent.
 * Column 0 is the LEFT, x = -extent. Cell (r, c) is the value at its centre:
 *   x = -extent + (c + 0.5) · h,  y = +extent - (r + 0.5) · h,  h = 2·extent / size.
 * Since ImageData rows also run top to bottom, pixel (r, c) is cell (r, c).
 */
import { viridisTable } from './colormap';

export type HeatmapScale = 'probability' | 'critic';

export interface HeatmapImage {
  readonly width: number;
  readonly height: number;
  /** RGBA, row-major, row 0 = top. */
  readonly data: Uint8ClampedArray;
  readonly scale: HeatmapScale;
  /** Value drawn at the bottom / top of the colour map. */
  readonly min: number;
  readonly max: number;
}

/**
 * Probabilities (every value in [0, 1]) map 0..1 onto the colour map as they
 * are; anything else is a critic score, normalised to its own min..max.
 * A constant critic is drawn in the middle colour.
 */
export function detectScale(values: ArrayLike<number>): HeatmapScale {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) return 'critic';
  }
  return 'probability';
}

const LUT = viridisTable();

export function heatmapImage(values: ArrayLike<number>, size: number, scale: HeatmapScale = detectScale(values)): HeatmapImage {
  const cells = size * size;
  let min = 0;
  let max = 1;
  if (scale === 'critic') {
    min = Infinity;
    max = -Infinity;
    for (let i = 0; i < Math.min(cells, values.length); i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (min > max) {
      min = 0;
      max = 1;
    }
  }
  const span = max - min;
  const data = new Uint8ClampedArray(cells * 4);
  for (let i = 0; i < cells; i++) {
    const v = i < values.length ? values[i] : NaN;
    const o = i * 4;
    if (!Number.isFinite(v)) {
      // A missing or non-finite cell is transparent: the page shows through.
      data[o + 3] = 0;
      continue;
    }
    const t = span > 0 ? (v - min) / span : 0.5;
    const k = Math.round(Math.min(1, Math.max(0, t)) * 255) * 3;
    data[o] = LUT[k];
    data[o + 1] = LUT[k + 1];
    data[o + 2] = LUT[k + 2];
    data[o + 3] = 255;
  }
  return { width: size, height: size, data, scale, min, max };
}

/** World coordinates of the centre of cell (row, col); see the convention above. */
export function cellCentre(row: number, col: number, size: number, extent: number): [number, number] {
  const h = (2 * extent) / size;
  return [-extent + (col + 0.5) * h, extent - (row + 0.5) * h];
}
