import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relativeLuminance, rgbCss, viridis, viridisTable, VIRIDIS_ENDS } from '../../webview-ui/src/render/colormap';

function near(actual: readonly number[], expected: readonly number[], tol: number, what: string) {
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tol, `${what}: channel ${i} ${v} vs ${expected[i]}`));
}

test('viridis endpoints are dark purple and yellow (matplotlib ±3/255)', () => {
  near(viridis(0), VIRIDIS_ENDS[0], 3, 'viridis(0)');
  near(viridis(1), VIRIDIS_ENDS[1], 4, 'viridis(1)');
  assert.deepEqual(viridis(-3), viridis(0), 'clamped below');
  assert.deepEqual(viridis(7), viridis(1), 'clamped above');
  assert.deepEqual(viridis(NaN), viridis(0));
  // The middle is the familiar teal green.
  near(viridis(0.5), [0x21, 0x91, 0x8c], 4, 'viridis(0.5)');
  assert.equal(rgbCss([1.4, 2.6, 255]), 'rgb(1, 3, 255)');
});

test('viridis luminance rises monotonically', () => {
  let prev = -1;
  for (let k = 0; k <= 2000; k++) {
    const l = relativeLuminance(viridis(k / 2000));
    assert.ok(l > prev, `luminance falls at t=${k / 2000}: ${l} <= ${prev}`);
    prev = l;
  }
  assert.ok(relativeLuminance(viridis(1)) - relativeLuminance(viridis(0)) > 0.7, 'wide luminance range');
});

test('the 8-bit lookup table matches the function and rises in luminance (within rounding)', () => {
  const lut = viridisTable();
  assert.equal(lut.length, 768);
  let prev = -1;
  for (let k = 0; k < 256; k++) {
    const rgb = [lut[k * 3], lut[k * 3 + 1], lut[k * 3 + 2]] as const;
    near(rgb, viridis(k / 255), 0.5, `lut[${k}]`);
    const l = relativeLuminance(rgb);
    assert.ok(l > prev - 1e-3, `lut luminance falls at ${k}`);
    prev = Math.max(prev, l);
  }
});
