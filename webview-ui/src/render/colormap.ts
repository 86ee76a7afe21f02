/**
 * A perceptual, colour-blind-friendly colour map: viridis (van der Walt &
 * Smith, matplotlib), as the degree-6 polynomial fit by Matt Zucker (public
 * domain, "viridis" on Shadertoy). Its luminance rises monotonically from
 * t = 0 to t = 1, so a heatmap reads the same in greyscale. Pure.
 */
export type RGB = readonly [number, number, number];

// Coefficients c0..c6 per channel, 0..1 output.
const C: readonly RGB[] = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

/** matplotlib's viridis at 0 and 1, for reference: #440154 and #fde725. */
export const VIRIDIS_ENDS: readonly [RGB, RGB] = [
  [0x44, 0x01, 0x54],
  [0xfd, 0xe7, 0x25],
];

/** Colour for t in [0, 1] (clamped; NaN maps to 0), channels 0..255 unrounded. */
export function viridis(t: number): RGB {
  const u = Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t));
  const ch = (k: 0 | 1 | 2) => {
    let v = C[6][k];
    for (let i = 5; i >= 0; i--) v = v * u + C[i][k];
    return Math.min(255, Math.max(0, v * 255));
  };
  return [ch(0), ch(1), ch(2)];
}

/** A 256-entry lookup table of rounded RGB triplets, for per-pixel use. */
export function viridisTable(): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let k = 0; k < 256; k++) {
    const [r, g, b] = viridis(k / 255);
    lut[k * 3] = Math.round(r);
    lut[k * 3 + 1] = Math.round(g);
    lut[k * 3 + 2] = Math.round(b);
  }
  return lut;
}

/** WCAG relative luminance of an sRGB colour (0..255 channels), 0..1. */
export function relativeLuminance([r, g, b]: RGB): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function rgbCss([r, g, b]: RGB): string {
  return `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`;
}
