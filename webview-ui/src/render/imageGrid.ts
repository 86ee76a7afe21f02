/**
 * Pure helpers of the image view: an ImageGrid's base64 pixels as an RGBA
 * picture (the layout of ImageData), one cell cut out of it, which cell a
 * point of the drawn grid falls in, and the scale a picture is drawn at.
 *
 * Layout (src/protocol/metrics.ts, ImageGridSchema): the cells are tiled into
 * ONE picture of (rows·height) × (cols·width) pixels, row-major over the
 * whole picture, channels interleaved; cell (r, c) is the block whose top
 * left pixel is (r·height, c·width).
 */
import { gridBytes, type ImageGrid } from '../../../src/protocol/metrics';

/** Tile geometry of a grid: what the helpers need of an ImageGrid. */
export type GridShape = Pick<ImageGrid, 'rows' | 'cols' | 'height' | 'width' | 'channels'>;

export interface Rgba {
  readonly width: number;
  readonly height: number;
  /** RGBA, row-major, row 0 = top. */
  readonly data: Uint8ClampedArray;
}

export interface Cell {
  readonly row: number;
  readonly col: number;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Character code → 6-bit value, 255 for a character outside the alphabet. */
const DECODE = (() => {
  const t = new Uint8Array(128).fill(255);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();

/**
 * Standard base64 (with or without '=' padding) to bytes. Throws on a
 * character outside the alphabet or an impossible length. A table decoder
 * rather than atob: atob builds a binary string first (one UTF-16 unit per
 * byte, then a second pass to copy it into bytes) for grids of megabytes.
 */
export function decodeBase64(text: string): Uint8Array {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--;
  if (text.length - end > 2) throw new Error('base64: more than two padding characters');
  if (end % 4 === 1) throw new Error(`base64: ${end} characters cannot encode whole bytes`);
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? DECODE[code] : 255;
    if (v === 255) throw new Error(`base64: invalid character at ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** Size in pixels of the whole tiled picture. */
export function pictureSize(g: GridShape): { width: number; height: number } {
  return { width: g.cols * g.width, height: g.rows * g.height };
}

/**
 * 8-bit grey or interleaved RGB to RGBA (grey v → v, v, v; alpha 255).
 * Throws when the bytes are not width × height × channels.
 */
export function toRgba(bytes: Uint8Array, width: number, height: number, channels: 1 | 3): Rgba {
  const n = width * height;
  if (bytes.length !== n * channels) throw new Error(`expected ${n * channels} bytes for ${width}×${height}×${channels}, got ${bytes.length}`);
  const data = new Uint8ClampedArray(n * 4);
  if (channels === 1) {
    for (let i = 0, o = 0; i < n; i++, o += 4) {
      const v = bytes[i];
      data[o] = v;
      data[o + 1] = v;
      data[o + 2] = v;
      data[o + 3] = 255;
    }
  } else {
    for (let i = 0, j = 0, o = 0; i < n; i++, j += 3, o += 4) {
      data[o] = bytes[j];
      data[o + 1] = bytes[j + 1];
      data[o + 2] = bytes[j + 2];
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}

/** A grid's whole picture as RGBA. Throws when `pixels` does not decode to the grid's size. */
export function gridPicture(g: GridShape & { pixels: string }): Rgba {
  const bytes = decodeBase64(g.pixels);
  const want = gridBytes(g);
  if (bytes.length !== want) throw new Error(`image grid: pixels decode to ${bytes.length} bytes, ${g.rows}×${g.cols} cells of ${g.height}×${g.width}×${g.channels} need ${want}`);
  const { width, height } = pictureSize(g);
  return toRgba(bytes, width, height, g.channels);
}

export function inGrid(g: Pick<GridShape, 'rows' | 'cols'>, row: number, col: number): boolean {
  return Number.isInteger(row) && Number.isInteger(col) && row >= 0 && col >= 0 && row < g.rows && col < g.cols;
}

/** Cell (row, col) of a grid's picture as its own RGBA image. Throws a RangeError outside the grid. */
export function cropCell(picture: Rgba, g: GridShape, row: number, col: number): Rgba {
  if (!inGrid(g, row, col)) throw new RangeError(`cell (${row}, ${col}) is outside a ${g.rows}×${g.cols} grid`);
  const size = pictureSize(g);
  if (picture.width !== size.width || picture.height !== size.height) {
    throw new Error(`picture is ${picture.width}×${picture.height}, the grid's is ${size.width}×${size.height}`);
  }
  const data = new Uint8ClampedArray(g.width * g.height * 4);
  const rowBytes = g.width * 4;
  for (let y = 0; y < g.height; y++) {
    const from = ((row * g.height + y) * picture.width + col * g.width) * 4;
    data.set(picture.data.subarray(from, from + rowBytes), y * rowBytes);
  }
  return { width: g.width, height: g.height, data };
}

/**
 * The cell under point (x, y) of a picture drawn `shownWidth` × `shownHeight`
 * (CSS pixels, origin at its top left), or null outside it.
 */
export function cellAt(x: number, y: number, shownWidth: number, shownHeight: number, g: Pick<GridShape, 'rows' | 'cols'>): Cell | null {
  if (!(shownWidth > 0 && shownHeight > 0) || !(x >= 0 && y >= 0 && x < shownWidth && y < shownHeight)) return null;
  const col = Math.floor((x / shownWidth) * g.cols);
  const row = Math.floor((y / shownHeight) * g.rows);
  // Rounding at the far edge must not step outside.
  return { row: Math.min(row, g.rows - 1), col: Math.min(col, g.cols - 1) };
}

/** "row 2, column 5 (z[3], 1.5)": 1-based, as people count cells, with the grid's labels of that row and column. */
export function describeCell(g: Pick<ImageGrid, 'rowLabels' | 'colLabels'>, cell: Cell): string {
  const named = [g.rowLabels?.[cell.row], g.colLabels?.[cell.col]].filter((x) => x !== undefined && x !== '').join(', ');
  return `row ${cell.row + 1}, column ${cell.col + 1}${named ? ` (${named})` : ''}`;
}

export interface PixelScale {
  /** Device pixels per picture pixel: a whole number when it is at least 1. */
  readonly scale: number;
  /** The size to give the element, in CSS pixels. */
  readonly cssWidth: number;
  readonly cssHeight: number;
}

/**
 * The largest nearest-neighbour scale at which a picture fits in
 * maxWidth × maxHeight CSS pixels. Whole device pixels per picture pixel, so
 * every pixel of a 28×28 digit is drawn the same size (a fractional factor
 * under `image-rendering: pixelated` makes some pixel rows one device pixel
 * thicker than others); a picture too large even at 1 is shrunk to fit.
 */
export function pixelScale(pictureWidth: number, pictureHeight: number, maxWidth: number, maxHeight: number, dpr = 1): PixelScale {
  const ratio = dpr > 0 && Number.isFinite(dpr) ? dpr : 1;
  const fit = Math.min((Math.max(0, maxWidth) * ratio) / pictureWidth, (Math.max(0, maxHeight) * ratio) / pictureHeight);
  const scale = fit >= 1 ? Math.floor(fit) : fit;
  return { scale, cssWidth: (pictureWidth * scale) / ratio, cssHeight: (pictureHeight * scale) / ratio };
}
