/**
 * Synthetic image snapshots for the preview: procedural hand-drawn-looking
 * digits (28×28 grey, one row per class, like a class-conditional MNIST
 * GAN) or coloured shapes on tinted backgrounds (32×32 RGB), that sharpen
 * from blurry noise into clean images over the run. Each cell has its own
 * fixed "z" (the same cell at every step, as the trainer's evaluation noise),
 * and the snapshot carries interpolation and z-sweep grids laid out as the
 * trainer's (src/trainer/imageSnapshot.ts): 4 pairs × 8 points, 4 dimensions
 * × 9 values. Pure and deterministic: a step's snapshot is the same each
 * time it is asked for (the history slider asks again).
 */
import type { ImageGrid, ImageSnapshot } from '../../src/protocol/metrics';

export type ImageRunKind = 'digits' | 'rgb';

const SIDE = 8;
const INTERP_PAIRS = 4;
const INTERP_POINTS = 8;
const SWEEP_VALUES = [-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2];
const SWEEP_DIMS = [3, 7, 12, 31];

type Pt = readonly [number, number];
/** Strokes of each digit, in a unit box (x right, y down). */
const DIGITS: ReadonlyArray<ReadonlyArray<readonly Pt[]>> = [
  [ellipse(0.5, 0.5, 0.2, 0.3)],
  [[[0.4, 0.3], [0.52, 0.18], [0.52, 0.82]]],
  [[[0.3, 0.32], [0.4, 0.2], [0.6, 0.2], [0.68, 0.33], [0.62, 0.47], [0.3, 0.8], [0.72, 0.8]]],
  [[[0.3, 0.22], [0.66, 0.22], [0.48, 0.47], [0.66, 0.6], [0.6, 0.79], [0.3, 0.78]]],
  [[[0.62, 0.82], [0.62, 0.18], [0.28, 0.62], [0.76, 0.62]]],
  [[[0.7, 0.2], [0.36, 0.2], [0.33, 0.47], [0.6, 0.45], [0.7, 0.62], [0.6, 0.8], [0.3, 0.78]]],
  [[[0.64, 0.2], [0.42, 0.33], [0.33, 0.6], [0.44, 0.8], [0.62, 0.76], [0.66, 0.6], [0.5, 0.5], [0.34, 0.6]]],
  [[[0.28, 0.2], [0.72, 0.2], [0.46, 0.82]]],
  [ellipse(0.5, 0.33, 0.15, 0.14), ellipse(0.5, 0.64, 0.18, 0.17)],
  [ellipse(0.5, 0.37, 0.17, 0.16), [[0.67, 0.38], [0.6, 0.82]]],
];

function ellipse(cx: number, cy: number, rx: number, ry: number): Pt[] {
  return Array.from({ length: 17 }, (_, i) => [cx + rx * Math.cos((i / 16) * 2 * Math.PI), cy + ry * Math.sin((i / 16) * 2 * Math.PI)] as Pt);
}

/** A deterministic random stream per (purpose, index). */
function stream(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The "latent" of one cell: the look of its image. */
interface Look {
  digit: number;
  /** A second digit blended in (0: none), for the morphing dimension. */
  morphTo: number;
  morph: number;
  slant: number;
  thickness: number;
  sx: number;
  sy: number;
  dx: number;
  dy: number;
  hue: number;
  bgHue: number;
  shape: number;
  size: number;
}

function lookOf(seed: number, digit: number): Look {
  const r = stream(seed);
  return {
    digit,
    morphTo: digit,
    morph: 0,
    slant: (r() - 0.5) * 0.5,
    thickness: 0.045 + r() * 0.035,
    sx: 0.85 + r() * 0.3,
    sy: 0.9 + r() * 0.2,
    dx: (r() - 0.5) * 0.12,
    dy: (r() - 0.5) * 0.1,
    hue: r(),
    bgHue: r(),
    shape: Math.floor(r() * 3),
    size: 0.55 + r() * 0.3,
  };
}

function lerpLook(a: Look, b: Look, t: number): Look {
  const m = (x: number, y: number) => x + (y - x) * t;
  return {
    ...a,
    morphTo: b.digit,
    morph: t,
    slant: m(a.slant, b.slant),
    thickness: m(a.thickness, b.thickness),
    sx: m(a.sx, b.sx),
    sy: m(a.sy, b.sy),
    dx: m(a.dx, b.dx),
    dy: m(a.dy, b.dy),
    hue: m(a.hue, b.hue),
    bgHue: m(a.bgHue, b.bgHue),
    shape: t < 0.5 ? a.shape : b.shape,
    size: m(a.size, b.size),
  };
}

function segmentDistance(px: number, py: number, a: Pt, b: Pt): number {
  const vx = b[0] - a[0];
  const vy = b[1] - a[1];
  const t = Math.max(0, Math.min(1, ((px - a[0]) * vx + (py - a[1]) * vy) / (vx * vx + vy * vy || 1)));
  return Math.hypot(px - a[0] - t * vx, py - a[1] - t * vy);
}

function digitInk(digit: number, x: number, y: number, thickness: number): number {
  let d = Infinity;
  for (const stroke of DIGITS[digit]) for (let i = 1; i < stroke.length; i++) d = Math.min(d, segmentDistance(x, y, stroke[i - 1], stroke[i]));
  // Soft pen: full ink inside the stroke, a one-pixel falloff outside.
  return Math.max(0, Math.min(1, 1 - (d - thickness) / 0.04));
}

/** Smooth low-frequency noise in [0, 1]: what an untrained generator draws. */
function blobs(seed: number, x: number, y: number): number {
  const r = stream(seed);
  let v = 0;
  for (let k = 0; k < 5; k++) {
    const cx = r();
    const cy = r();
    const s = 0.08 + r() * 0.18;
    v += (0.4 + r() * 0.6) * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s));
  }
  return Math.min(1, v);
}

/** One image, `size` pixels square, as bytes (grey or RGB interleaved); `quality` 0 (noise) … 1 (clean). */
function drawCell(kind: ImageRunKind, look: Look, quality: number, seed: number, size: number, out: Uint8Array, offset: number, rowStride: number): void {
  const noise = stream(seed * 7919 + Math.round(quality * 1000));
  const ch = kind === 'digits' ? 1 : 3;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const u = (px + 0.5) / size;
      const v = (py + 0.5) / size;
      // The cell's affine "style": centred scale, slant (shear) and shift.
      const y0 = (v - 0.5 - look.dy) / look.sy + 0.5;
      const x0 = (u - 0.5 - look.dx - look.slant * (0.5 - v)) / look.sx + 0.5;
      const blob = blobs(seed, u, v);
      const jitter = (noise() - 0.5) * 0.5 * (1 - quality);
      const o = offset + py * rowStride + px * ch;
      if (kind === 'digits') {
        let ink = digitInk(look.digit, x0, y0, look.thickness);
        if (look.morph > 0) ink = (1 - look.morph) * ink + look.morph * digitInk(look.morphTo, x0, y0, look.thickness);
        const v8 = quality * ink + (1 - quality) * 0.8 * blob + jitter;
        out[o] = clampByte(v8 * 255);
      } else {
        const inside = shapeMask(look.shape, x0, y0, look.size);
        const fg = hsl(look.hue, 0.75, 0.55);
        const bg = hsl(look.bgHue, 0.35, 0.25 + 0.25 * v);
        for (let k = 0; k < 3; k++) {
          const clean = inside * fg[k] + (1 - inside) * bg[k];
          const muddy = 0.5 * blob + 0.2 * bg[k];
          out[o + k] = clampByte((quality * clean + (1 - quality) * muddy + jitter) * 255);
        }
      }
    }
  }
}

function shapeMask(shape: number, x: number, y: number, size: number): number {
  const r = size / 2;
  const dx = x - 0.5;
  const dy = y - 0.5;
  let d: number;
  if (shape === 0) d = Math.hypot(dx, dy) - r * 0.9;
  else if (shape === 1) d = Math.max(Math.abs(dx), Math.abs(dy)) - r * 0.75;
  else d = Math.max(dy - r * 0.7, Math.abs(dx) * 1.7 + (-dy - r * 0.7) * 0.5 - r * 0.6);
  return Math.max(0, Math.min(1, 0.5 - d * 32));
}

function hsl(h: number, s: number, l: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h * 12) % 12;
    return l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return [f(0), f(8), f(4)];
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function tile(kind: ImageRunKind, rows: number, cols: number, cell: (r: number, c: number) => { look: Look; quality: number; seed: number }, labels: Pick<ImageGrid, 'rowLabels' | 'colLabels'> = {}): ImageGrid {
  const size = kind === 'digits' ? 28 : 32;
  const channels = kind === 'digits' ? 1 : 3;
  const rowStride = cols * size * channels;
  const bytes = new Uint8Array(rows * size * rowStride);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const { look, quality, seed } = cell(r, c);
      drawCell(kind, look, quality, seed, size, bytes, r * size * rowStride + c * size * channels, rowStride);
    }
  }
  return { rows, cols, height: size, width: size, channels, pixels: base64(bytes), ...labels };
}

/** How far training has come: noise at step 0, nearly clean by 60% of the run. */
function qualityAt(step: number, total: number): number {
  return Math.min(0.97, 1 - Math.exp((-5 * step) / total));
}

/** The image snapshot at `step` of a run of `total` steps. */
export function imageSnapshot(kind: ImageRunKind, step: number, total: number): ImageSnapshot {
  const q = qualityAt(step, total);
  // Digits: one row per class (a class-conditional generator), labelled.
  const digitOf = (r: number, c: number) => (kind === 'digits' ? r : (r * SIDE + c) % 10);
  const fake = tile(kind, SIDE, SIDE, (r, c) => ({ look: lookOf(1000 + r * SIDE + c, digitOf(r, c)), quality: q, seed: 1000 + r * SIDE + c }), kind === 'digits' ? { rowLabels: Array.from({ length: SIDE }, (_, r) => String(r)) } : {});
  const real = tile(kind, SIDE, SIDE, (r, c) => ({ look: lookOf(5000 + r * SIDE + c + step, (r * 3 + c * 7 + step) % 10), quality: 1, seed: 5000 + r * SIDE + c }));
  const pair = (p: number, end: 0 | 1) => lookOf(9000 + 2 * p + end, [3, 8, 1, 7, 0, 6, 4, 9][2 * p + end]);
  const interpolation = tile(
    kind,
    INTERP_PAIRS,
    INTERP_POINTS,
    (r, c) => ({ look: lerpLook(pair(r, 0), pair(r, 1), c / (INTERP_POINTS - 1)), quality: q, seed: 9000 + r }),
    {
      ...(kind === 'digits' ? { rowLabels: Array.from({ length: INTERP_PAIRS }, (_, p) => `${pair(p, 0).digit}→${pair(p, 1).digit}`) } : {}),
      colLabels: Array.from({ length: INTERP_POINTS }, (_, i) => (i / (INTERP_POINTS - 1)).toFixed(2)),
    },
  );
  const base = lookOf(1000, 4);
  const sweeps = tile(
    kind,
    SWEEP_DIMS.length,
    SWEEP_VALUES.length,
    (r, c) => {
      const v = SWEEP_VALUES[c];
      const look = { ...base };
      // Each swept dimension moves one attribute of the image.
      if (r === 0) look.slant = v * 0.25;
      if (r === 1) look.thickness = Math.max(0.02, 0.06 + v * 0.02);
      if (r === 2) {
        look.sx = 1 + v * 0.18;
        look.size = 0.7 + v * 0.12;
        look.hue = (base.hue + v * 0.1 + 1) % 1;
      }
      // At 0 every row draws the base z's image; z[31] turns it into another digit (shape, colour) above 0.
      if (r === 3) return { look: lerpLook(base, { ...base, digit: 9, shape: (base.shape + 1) % 3, hue: (base.hue + 0.5) % 1 }, Math.max(0, v) / 2), quality: q, seed: 1000 };
      return { look, quality: q, seed: 1000 };
    },
    { rowLabels: SWEEP_DIMS.map((d) => `z[${d}]`), colLabels: SWEEP_VALUES.map((v) => v.toFixed(1)) },
  );
  return { kind: 'images', step, fake, real, interpolation, sweeps, png: `step-${String(step).padStart(8, '0')}.png` };
}
