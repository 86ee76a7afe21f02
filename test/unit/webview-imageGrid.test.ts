/**
 * The image view's pure helpers (webview-ui/src/render/imageGrid.ts) and the
 * validation of image grids they rely on: base64 decoding, grey/RGB to RGBA,
 * the tiled layout (which pixel belongs to which cell), cropping a cell,
 * hit-testing a click, and the nearest-neighbour scale.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageGridSchema, SnapshotSchema, type ImageGrid } from '../../src/protocol/metrics';
import { parseHostMessage } from '../../webview-ui/src/validate';
import { cellAt, cropCell, decodeBase64, describeCell, gridPicture, inGrid, pictureSize, pixelScale, toRgba } from '../../webview-ui/src/render/imageGrid';

/**
 * A grid whose every byte says where it is: cell (r, c), pixel (y, x),
 * channel k holds (r·cols + c)·16 + (y·width + x)·ch + k (mod 256), so a
 * wrong offset anywhere shows as a wrong value.
 */
function grid(rows: number, cols: number, height: number, width: number, channels: 1 | 3, extra: Partial<ImageGrid> = {}): ImageGrid {
  const W = cols * width;
  const bytes = Buffer.alloc(rows * height * W * channels);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++)
          for (let k = 0; k < channels; k++) bytes[((r * height + y) * W + c * width + x) * channels + k] = expected(r, c, y, x, k, cols, width, channels);
  return { rows, cols, height, width, channels, pixels: bytes.toString('base64'), ...extra };
}

function expected(r: number, c: number, y: number, x: number, k: number, cols: number, width: number, channels: number): number {
  return ((r * cols + c) * 16 + (y * width + x) * channels + k) % 256;
}

test('decodeBase64 agrees with Buffer for every length, padded or not', () => {
  for (let n = 0; n < 70; n++) {
    const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 97 + n * 13) % 256));
    const padded = bytes.toString('base64');
    assert.deepEqual(Buffer.from(decodeBase64(padded)), bytes, `n=${n} padded`);
    assert.deepEqual(Buffer.from(decodeBase64(padded.replace(/=+$/, ''))), bytes, `n=${n} unpadded`);
  }
  // Every alphabet character, '+' and '/' included.
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  assert.deepEqual(Buffer.from(decodeBase64(all.toString('base64'))), all);
});

test('decodeBase64 refuses what is not base64', () => {
  assert.throws(() => decodeBase64('ab$d'), /invalid character at 2/);
  assert.throws(() => decodeBase64('abcde'), /cannot encode whole bytes/);
  assert.throws(() => decodeBase64('ab==='), /padding/);
  assert.throws(() => decodeBase64('abé='), /invalid character/);
});

test('toRgba: grey becomes equal R, G and B; RGB keeps its channels; alpha is opaque', () => {
  const grey = toRgba(Uint8Array.from([0, 128, 255, 7]), 2, 2, 1);
  assert.equal(grey.width, 2);
  assert.equal(grey.height, 2);
  assert.deepEqual(Array.from(grey.data), [0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 7, 7, 7, 255]);
  const rgb = toRgba(Uint8Array.from([1, 2, 3, 4, 5, 6]), 2, 1, 3);
  assert.deepEqual(Array.from(rgb.data), [1, 2, 3, 255, 4, 5, 6, 255]);
  assert.throws(() => toRgba(new Uint8Array(5), 2, 1, 3), /expected 6 bytes/);
});

for (const channels of [1, 3] as const) {
  test(`gridPicture (${channels} channel${channels > 1 ? 's' : ''}): the tiled picture is row-major over the whole grid`, () => {
    const g = grid(2, 3, 4, 5, channels);
    const pic = gridPicture(g);
    assert.deepEqual(pictureSize(g), { width: 15, height: 8 });
    assert.equal(pic.width, 15);
    assert.equal(pic.height, 8);
    for (let r = 0; r < 2; r++)
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < 4; y++)
          for (let x = 0; x < 5; x++) {
            const o = ((r * 4 + y) * 15 + c * 5 + x) * 4;
            const px = Array.from(pic.data.subarray(o, o + 4));
            const want = channels === 1 ? [0, 0, 0].map(() => expected(r, c, y, x, 0, 3, 5, 1)) : [0, 1, 2].map((k) => expected(r, c, y, x, k, 3, 5, 3));
            assert.deepEqual(px, [...want, 255], `cell (${r}, ${c}) pixel (${y}, ${x})`);
          }
  });

  test(`cropCell (${channels} channel${channels > 1 ? 's' : ''}): each cell comes out whole and alone`, () => {
    const g = grid(3, 2, 3, 4, channels);
    const pic = gridPicture(g);
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 2; c++) {
        const cell = cropCell(pic, g, r, c);
        assert.equal(cell.width, 4);
        assert.equal(cell.height, 3);
        for (let y = 0; y < 3; y++)
          for (let x = 0; x < 4; x++) {
            const o = (y * 4 + x) * 4;
            assert.equal(cell.data[o], expected(r, c, y, x, 0, 2, 4, channels), `cell (${r}, ${c}) pixel (${y}, ${x}) red`);
            assert.equal(cell.data[o + 2], expected(r, c, y, x, channels === 1 ? 0 : 2, 2, 4, channels), 'blue');
            assert.equal(cell.data[o + 3], 255);
          }
      }
  });
}

test('cropCell refuses cells outside the grid and a picture of another size', () => {
  const g = grid(2, 3, 2, 2, 1);
  const pic = gridPicture(g);
  for (const [r, c] of [
    [-1, 0],
    [0, -1],
    [2, 0],
    [0, 3],
    [0.5, 0],
  ]) {
    assert.throws(() => cropCell(pic, g, r, c), RangeError, `(${r}, ${c})`);
  }
  assert.equal(inGrid(g, 1, 2), true);
  assert.equal(inGrid(g, 2, 2), false);
  assert.throws(() => cropCell(pic, { ...g, rows: 1 }, 0, 0), /picture is 6×4, the grid's is 6×2/);
});

test('gridPicture refuses pixels that do not decode to the grid size', () => {
  const g = grid(2, 2, 3, 3, 1);
  // 36 bytes; the same text for 3 channels needs 108.
  assert.throws(() => gridPicture({ ...g, channels: 3 }), /decode to 36 bytes.*need 108/);
});

test('the schema rejects an image grid whose pixels length does not match, and accepts a matching one', () => {
  const g = grid(2, 2, 3, 3, 1);
  assert.ok(ImageGridSchema.safeParse(g).success);
  for (const bad of [{ ...g, channels: 3 }, { ...g, rows: 3 }, { ...g, pixels: g.pixels + 'AAAA' }, { ...g, pixels: g.pixels.slice(4) }]) {
    const r = ImageGridSchema.safeParse(bad);
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues[0].path, ['pixels']);
  }
  assert.equal(ImageGridSchema.safeParse({ ...g, pixels: g.pixels.replace(/^./, '*') }).success, false, 'not base64');
  // As the webview receives it: a snapshot with a bad grid is rejected, naming the field.
  const snapshot = { kind: 'images', step: 5, fake: g, real: { ...g, channels: 3 } };
  assert.equal(SnapshotSchema.safeParse(snapshot).success, false);
  const r = parseHostMessage({ type: 'snapshot', snapshot });
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.error, /'snapshot': snapshot\.real\.pixels: pixels must hold/);
  assert.ok(parseHostMessage({ type: 'snapshot', snapshot: { ...snapshot, real: g } }).ok);
});

test('cellAt maps a point of the drawn grid to its cell, and nothing outside', () => {
  const g = { rows: 4, cols: 8 };
  assert.deepEqual(cellAt(0, 0, 400, 200, g), { row: 0, col: 0 });
  assert.deepEqual(cellAt(49.9, 49.9, 400, 200, g), { row: 0, col: 0 });
  assert.deepEqual(cellAt(50, 50, 400, 200, g), { row: 1, col: 1 });
  assert.deepEqual(cellAt(399.999, 199.999, 400, 200, g), { row: 3, col: 7 });
  assert.deepEqual(cellAt(175, 120, 400, 200, g), { row: 2, col: 3 });
  for (const [x, y] of [
    [-0.1, 10],
    [10, -0.1],
    [400, 10],
    [10, 200],
    [NaN, 10],
  ]) {
    assert.equal(cellAt(x, y, 400, 200, g), null, `(${x}, ${y})`);
  }
  assert.equal(cellAt(0, 0, 0, 200, g), null, 'a grid drawn at no size has no cells');
});

test('pixelScale: whole device pixels per image pixel when it fits, shrunk to fit when not', () => {
  // 8×8 cells of 28 px: 224 px. 500 CSS px of room: ×2.
  assert.deepEqual(pixelScale(224, 224, 500, 520), { scale: 2, cssWidth: 448, cssHeight: 448 });
  // The height limits it.
  assert.deepEqual(pixelScale(224, 224, 1000, 450), { scale: 2, cssWidth: 448, cssHeight: 448 });
  // HiDPI: 500 CSS px are 1000 device px, ×4 device = 448 CSS px; each image pixel is 4 device pixels.
  assert.deepEqual(pixelScale(224, 224, 500, 520, 2), { scale: 4, cssWidth: 448, cssHeight: 448 });
  // At 1.5: 750 device px → ×3, 672 device px = 448 CSS px.
  assert.deepEqual(pixelScale(224, 224, 500, 520, 1.5), { scale: 3, cssWidth: 448, cssHeight: 448 });
  // Too large even at ×1: shrunk to the room exactly.
  const big = pixelScale(8192, 4096, 512, 512);
  assert.equal(big.scale, 1 / 16);
  assert.deepEqual([big.cssWidth, big.cssHeight], [512, 256]);
  // Never larger than the room, for any size.
  for (const [w, h, mw, mh, dpr] of [
    [28, 28, 100, 100, 1],
    [280, 112, 333, 300, 1.25],
    [96, 32, 95, 1000, 1],
    [32, 32, 31.5, 31.5, 3],
  ]) {
    const s = pixelScale(w, h, mw, mh, dpr);
    assert.ok(s.cssWidth <= mw + 1e-9 && s.cssHeight <= mh + 1e-9, JSON.stringify({ w, h, mw, mh, dpr, s }));
    if (s.scale >= 1) assert.ok(Number.isInteger(s.scale), 'a whole number');
  }
  assert.equal(pixelScale(28, 28, 0, 100).cssWidth, 0, 'no room: nothing drawn, no error');
});

test('describeCell counts from 1 and names the row and column labels', () => {
  assert.equal(describeCell({}, { row: 0, col: 4 }), 'row 1, column 5');
  assert.equal(describeCell({ rowLabels: ['z[3]', 'z[7]'], colLabels: ['-2', '0', '2'] }, { row: 1, col: 2 }), 'row 2, column 3 (z[7], 2)');
  assert.equal(describeCell({ rowLabels: ['seven'] }, { row: 0, col: 1 }), 'row 1, column 2 (seven)');
});
