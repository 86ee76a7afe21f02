/**
 * Image snapshots: what the dashboard and the run folder show of an image
 * generator at one step. Grids are tiled 8-bit pictures (protocol/metrics.ts
 * ImageGrid); the fake grid is also written as a PNG beside the snapshot.
 *
 * The cells come from fixed z vectors (the run's evaluation noise), so cell
 * (r, c) is the same z at every step and training can be watched cell by cell.
 */
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { base64Length, gridBytes, type ImageGrid, type ImageSnapshot } from '../protocol/metrics';
import type { ImageShape } from './data/index';

/** 8 × 8 generated (and real) images per snapshot. */
export const GRID_SIDE = 8;
/** Interpolation: this many pairs of z vectors (rows), this many points from za to zb (columns). */
export const INTERP_PAIRS = 4;
export const INTERP_POINTS = 8;
/** Sweeps: up to this many z dimensions (rows), each set to these values around the first z. */
export const SWEEP_DIMS = 4;
export const SWEEP_VALUES = [-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2] as const;

export interface LatentViews {
  /** The z rows to generate: INTERP_PAIRS × INTERP_POINTS interpolation rows, then dims × values sweep rows. */
  readonly z: tf.Tensor2D;
  readonly dims: readonly number[];
}

/**
 * The z vectors of the latent views, from the evaluation noise `evalZ`
 * (≥ 2·INTERP_PAIRS rows): pair p interpolates rows 2p and 2p + 1 on the
 * straight line; sweep d sets dimension d of row 0 to each of SWEEP_VALUES.
 */
export function latentViews(evalZ: tf.Tensor2D): LatentViews {
  const latentDim = evalZ.shape[1];
  const dims = Array.from({ length: Math.min(SWEEP_DIMS, latentDim) }, (_, i) => i);
  const z = tf.tidy(() => {
    const a = tf.slice(evalZ, [0, 0], [2 * INTERP_PAIRS, latentDim]);
    const rows: tf.Tensor2D[] = [];
    for (let p = 0; p < INTERP_PAIRS; p++) {
      const za = tf.slice(a, [2 * p, 0], [1, latentDim]);
      const zb = tf.slice(a, [2 * p + 1, 0], [1, latentDim]);
      const t = tf.reshape(tf.linspace(0, 1, INTERP_POINTS), [INTERP_POINTS, 1]);
      rows.push(tf.add(za, tf.mul(t, tf.sub(zb, za))) as tf.Tensor2D);
    }
    const z0 = tf.slice(evalZ, [0, 0], [1, latentDim]);
    for (const d of dims) {
      const onehot = tf.oneHot([d], latentDim).toFloat(); // [1, latentDim]
      const values = tf.tensor2d([...SWEEP_VALUES], [SWEEP_VALUES.length, 1]);
      // z0 with its dimension d replaced by each value.
      rows.push(tf.add(tf.mul(z0, tf.sub(1, onehot)), tf.mul(values, onehot)) as tf.Tensor2D);
    }
    return tf.concat(rows, 0) as tf.Tensor2D;
  });
  return { z, dims };
}

/** A pixel value in [−1, 1] as a byte (clamped: a generator may overshoot). */
function toByte(v: number): number {
  const b = Math.round((v + 1) * 127.5);
  return b < 0 ? 0 : b > 255 ? 255 : Number.isNaN(b) ? 0 : b;
}

/**
 * Tile rows·cols images (row-major in `images`, starting at image `first`,
 * each height × width × channels floats in [−1, 1]) into one 8-bit picture.
 */
export function tileImages(
  images: Float32Array,
  shape: ImageShape,
  rows: number,
  cols: number,
  first = 0,
  labels: { rowLabels?: string[]; colLabels?: string[] } = {},
): ImageGrid {
  const { height: h, width: w, channels: c } = shape;
  const per = h * w * c;
  const bytes = new Uint8Array(gridBytes({ rows, cols, height: h, width: w, channels: c }));
  const stride = cols * w * c; // bytes per picture row
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const base = (first + r * cols + q) * per;
      if (base + per > images.length) continue; // fewer images than cells: the cell stays black
      for (let y = 0; y < h; y++) {
        const dst = (r * h + y) * stride + q * w * c;
        const src = base + y * w * c;
        for (let x = 0; x < w * c; x++) bytes[dst + x] = toByte(images[src + x]);
      }
    }
  }
  const pixels = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  if (pixels.length !== base64Length(bytes.length)) throw new Error('tileImages: base64 length mismatch');
  return { rows, cols, height: h, width: w, channels: c, pixels, ...labels };
}

/** The snapshot of an image generator at `step`. `latent` holds G's output for latentViews(…).z. */
export function imageSnapshot(
  step: number,
  shape: ImageShape,
  fake: Float32Array,
  real: Float32Array,
  latent: Float32Array,
  views: Pick<LatentViews, 'dims'>,
): ImageSnapshot {
  const interpRows = INTERP_PAIRS;
  const snap: ImageSnapshot = {
    kind: 'images',
    step,
    fake: tileImages(fake, shape, GRID_SIDE, GRID_SIDE),
    real: tileImages(real, shape, GRID_SIDE, GRID_SIDE),
    interpolation: tileImages(latent, shape, interpRows, INTERP_POINTS, 0, {
      colLabels: Array.from({ length: INTERP_POINTS }, (_, i) => (i / (INTERP_POINTS - 1)).toFixed(2)),
    }),
    png: `step-${String(step).padStart(8, '0')}.png`,
  };
  if (views.dims.length) {
    snap.sweeps = tileImages(latent, shape, views.dims.length, SWEEP_VALUES.length, interpRows * INTERP_POINTS, {
      rowLabels: views.dims.map((d) => `z[${d}]`),
      colLabels: SWEEP_VALUES.map((v) => v.toFixed(1)),
    });
  }
  return snap;
}

/** A grid as PNG bytes (grey or RGB, 8 bits). */
export function gridPng(grid: ImageGrid): Buffer {
  const width = grid.cols * grid.width;
  const height = grid.rows * grid.height;
  const src = Buffer.from(grid.pixels, 'base64');
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    const c = grid.channels;
    png.data[4 * i] = src[c * i];
    png.data[4 * i + 1] = src[c * i + (c === 3 ? 1 : 0)];
    png.data[4 * i + 2] = src[c * i + (c === 3 ? 2 : 0)];
    png.data[4 * i + 3] = 255;
  }
  return PNG.sync.write(png, { colorType: grid.channels === 3 ? 2 : 0, inputColorType: 6, inputHasAlpha: true });
}
