import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viridis } from '../../webview-ui/src/render/colormap';
import { cellCentre, detectScale, heatmapImage } from '../../webview-ui/src/render/heatmap';
import { coverageLevel, formatStep, formatTick } from '../../webview-ui/src/render/format';
import { COLOUR_BAR, niceTicks, projection, scatterLayout } from '../../webview-ui/src/render/plot2d';

/** The exact 8-bit colour the heatmap uses for t. */
function lut(t: number): number[] {
  return [...viridis(Math.round(t * 255) / 255)].map(Math.round).concat(255);
}

function pixel(img: { width: number; data: Uint8ClampedArray }, row: number, col: number): number[] {
  const o = (row * img.width + col) * 4;
  return Array.from(img.data.subarray(o, o + 4));
}

test('a single hot cell at row 0 maps to the top of the image', () => {
  const size = 8;
  const values = new Array(size * size).fill(0);
  values[0 * size + 5] = 1; // row 0, column 5
  const img = heatmapImage(values, size);
  assert.equal(img.scale, 'probability');
  assert.equal(img.width, size);
  assert.equal(img.height, size);
  const hot = lut(1);
  const cold = lut(0);
  assert.deepEqual(pixel(img, 0, 5), hot, 'hot pixel in the top row');
  assert.deepEqual(pixel(img, size - 1, 5), cold, 'bottom row is cold');
  let hotRows = 0;
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) if (pixel(img, r, c)[0] === hot[0]) hotRows += r + 1;
  assert.equal(hotRows, 1, 'exactly one hot pixel, in row 0');
});

test('row 0 is y = +extent in world coordinates and on screen', () => {
  const extent = 2;
  const size = 4;
  const [x, y] = cellCentre(0, 0, size, extent);
  assert.deepEqual([x, y], [-1.5, 1.5], 'top-left cell centre');
  assert.deepEqual(cellCentre(size - 1, size - 1, size, extent), [1.5, -1.5]);
  // The same convention for points: y = +extent is the top edge of the plot.
  const p = projection(extent, { left: 10, top: 20, width: 400, height: 400 });
  assert.equal(p.py(extent), 20);
  assert.equal(p.py(-extent), 420);
  assert.equal(p.px(-extent), 10);
  assert.equal(p.px(extent), 410);
  // The centre of cell (0, 0) lands in the first image row's band of pixels.
  assert.ok(p.py(y) > 20 && p.py(y) < 20 + 400 / size);
  assert.ok(p.px(x) > 10 && p.px(x) < 10 + 400 / size);
});

test('critic values are normalised to their min/max; probabilities are not', () => {
  const img = heatmapImage([-3, 1, 5, 1], 2);
  assert.equal(img.scale, 'critic');
  assert.equal(img.min, -3);
  assert.equal(img.max, 5);
  assert.deepEqual(pixel(img, 0, 0), lut(0));
  assert.deepEqual(pixel(img, 1, 0), lut(1));
  assert.deepEqual(pixel(img, 0, 1), lut(0.5));

  const prob = heatmapImage([0.2, 0.2, 0.4, 0.4], 2);
  assert.equal(prob.scale, 'probability');
  assert.deepEqual([prob.min, prob.max], [0, 1]);
  assert.deepEqual(pixel(prob, 0, 0), lut(51 / 255));

  const flat = heatmapImage([7, 7, 7, 7], 2);
  assert.deepEqual(pixel(flat, 1, 1), lut(128 / 255), 'constant critic draws mid colour');
  assert.equal(detectScale([0, 1, 0.5]), 'probability');
  assert.equal(detectScale([0, 1.01]), 'critic');
});

test('missing cells are transparent', () => {
  const img = heatmapImage([0.5, 0.5, 0.5], 2);
  assert.equal(pixel(img, 1, 1)[3], 0);
  assert.equal(pixel(img, 0, 0)[3], 255);
});

test('nice ticks', () => {
  assert.deepEqual(niceTicks(-2, 2, 4), [-2, -1, 0, 1, 2]);
  assert.deepEqual(niceTicks(-2.2, 2.2, 5), [-2, -1, 0, 1, 2]);
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(-0.3, 0.3, 3), [-0.2, 0, 0.2]);
  assert.equal(formatTick(0.30000000000000004), '0.3');
  assert.equal(formatTick(-2), '-2');
});

test('step labels stay short', () => {
  assert.equal(formatStep(950), '950');
  assert.equal(formatStep(9999), '9999');
  assert.equal(formatStep(12_000), '12k');
  assert.equal(formatStep(200_000), '200k');
  assert.equal(formatStep(1_000_000), '1M');
  assert.equal(formatStep(1_250_000), '1.25M');
});

test('modes covered reads as healthy only when every mode is covered', () => {
  assert.equal(coverageLevel(8, 8), 'all');
  assert.equal(coverageLevel(25, 25), 'all');
  assert.equal(coverageLevel(7, 8), 'some');
  assert.equal(coverageLevel(1, 25), 'some');
  assert.equal(coverageLevel(0, 8), 'none');
});

test("the 2-D view's colour bar labels fit in the box: a wider label shrinks the plot instead of running off the edge", () => {
  const labelRight = (l: ReturnType<typeof scatterLayout>, w: number) => l.bar.left + l.bar.width + COLOUR_BAR.labelGap + w;
  // The demo's 300-pixel card: "-4.942" (about 36 px) and "-0.9203" (about 43 px, cut off before).
  for (const w of [20, 36, 43, 60]) {
    const l = scatterLayout(300, 400, w);
    assert.ok(labelRight(l, w) <= 300, `label of ${w} px ends at ${labelRight(l, w)}`);
    assert.equal(l.plot.width, l.plot.height, 'the plot stays square');
    assert.equal(l.bar.height, l.plot.height);
    assert.equal(l.bar.left, l.plot.left + l.plot.width + COLOUR_BAR.gap);
  }
  assert.ok(scatterLayout(300, 400, 60).plot.width < scatterLayout(300, 400, 20).plot.width);
  // A short box limits the square by its height, whatever the labels.
  assert.equal(scatterLayout(1000, 200, 43).plot.height, 200 - 10 - 24);
});
