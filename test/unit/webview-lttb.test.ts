import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lttbIndices } from '../../webview-ui/src/render/lttb';
import { decimate, emptyLine, finiteRuns, MAX_DRAWN_POINTS, refreshLine, SLACK } from '../../webview-ui/src/render/series';

function wave(n: number): { xs: Float64Array; ys: Float64Array } {
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = i * 10;
    ys[i] = Math.sin(i / 50) + 0.1 * Math.sin(i * 1.7);
  }
  return { xs, ys };
}

test('LTTB keeps the first and last points and returns at most threshold points', () => {
  const { xs, ys } = wave(100_000);
  for (const threshold of [3, 10, 500, 2000]) {
    const idx = lttbIndices(xs, ys, 0, xs.length, threshold);
    assert.ok(idx.length <= threshold, `${idx.length} > ${threshold}`);
    assert.equal(idx.length, threshold);
    assert.equal(idx[0], 0);
    assert.equal(idx[idx.length - 1], xs.length - 1);
    for (let i = 1; i < idx.length; i++) assert.ok(idx[i] > idx[i - 1], 'indices strictly increasing');
  }
});

test('LTTB keeps an isolated spike', () => {
  const n = 50_000;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = i;
    ys[i] = 1 + 0.001 * Math.sin(i);
  }
  const spike = 31_337;
  ys[spike] = 50;
  const dip = 7_001;
  ys[dip] = -40;
  const idx = lttbIndices(xs, ys, 0, n, 200);
  assert.ok(idx.includes(spike), 'spike kept');
  assert.ok(idx.includes(dip), 'dip kept');
});

test('LTTB on a sub-range and small inputs', () => {
  const { xs, ys } = wave(1000);
  const idx = lttbIndices(xs, ys, 100, 600, 50);
  assert.equal(idx.length, 50);
  assert.equal(idx[0], 100);
  assert.equal(idx[49], 599);
  assert.deepEqual(lttbIndices(xs, ys, 0, 5, 10), [0, 1, 2, 3, 4]);
  assert.deepEqual(lttbIndices(xs, ys, 0, 100, 2), [0, 99]);
  assert.deepEqual(lttbIndices(xs, ys, 0, 0, 10), []);
});

test('decimate keeps short series whole and turns NaN into null gaps', () => {
  const xs = [0, 1, 2, 3];
  const ys = [1, NaN, 3, 4];
  assert.deepEqual(decimate(xs, ys, 4, 10), [
    { x: 0, y: 1 },
    { x: 1, y: null },
    { x: 2, y: 3 },
    { x: 3, y: 4 },
  ]);
});

test('decimate caps 10^6 points at the budget, keeps gaps, ends and a spike', () => {
  const n = 1_000_000;
  const { xs, ys } = wave(n);
  for (let i = 400_000; i < 400_010; i++) ys[i] = NaN;
  ys[777_777] = 99;
  const pts = decimate(xs, ys, n);
  assert.ok(pts.length <= MAX_DRAWN_POINTS, `${pts.length} points`);
  assert.ok(pts.length > MAX_DRAWN_POINTS * 0.9, 'uses its budget');
  assert.deepEqual(pts[0], { x: 0, y: ys[0] });
  assert.deepEqual(pts[pts.length - 1], { x: xs[n - 1], y: ys[n - 1] });
  const gaps = pts.filter((p) => p.y === null);
  assert.deepEqual(gaps, [{ x: xs[400_000], y: null }]);
  assert.ok(pts.some((p) => p.y === 99), 'spike kept');
  for (let i = 1; i < pts.length; i++) assert.ok(pts[i].x > pts[i - 1].x, 'sorted by x');
});

test('decimate with very many gaps stays within budget and still shows gaps', () => {
  const n = 100_000;
  const { xs, ys } = wave(n);
  for (let i = 0; i < n; i += 7) ys[i] = NaN;
  assert.equal(finiteRuns(ys, n).length, Math.ceil(n / 7));
  const pts = decimate(xs, ys, n, 600);
  assert.ok(pts.length <= 600, `${pts.length}`);
  assert.ok(pts.some((p) => p.y === null));
  assert.ok(pts.some((p) => p.y !== null));
  for (let i = 1; i < pts.length; i++) assert.ok(pts[i].x >= pts[i - 1].x, 'sorted by x');
});

test('decimate with the no-gaps hint draws the same as without it', () => {
  const { xs, ys } = wave(50_000);
  assert.deepEqual(decimate(xs, ys, xs.length, 700, true), decimate(xs, ys, xs.length, 700));
});

function column(n: number, gapsAt: number[] = []) {
  const { xs, ys } = wave(n);
  for (const i of gapsAt) ys[i] = NaN;
  return { xs, ys, length: n, gaps: gapsAt.length };
}

test('a short line takes appended points exactly', () => {
  const line = emptyLine();
  assert.equal(refreshLine(line, column(100), true), true, 'first draw is a full pass');
  assert.equal(line.data.length, 100);
  const col = column(150, [120]);
  assert.equal(refreshLine(line, col, false), false);
  assert.equal(line.data.length, 150);
  assert.deepEqual(line.data[120], { x: col.xs[120], y: null });
  assert.deepEqual(line.data, decimate(col.xs, col.ys, 150));
  assert.equal(line.stale, false);
});

test('a long line appends raw points up to the slack, then decimates again', () => {
  const n = 100_000;
  const line = emptyLine();
  refreshLine(line, column(n), true);
  const drawn = line.data.length;
  assert.ok(drawn <= MAX_DRAWN_POINTS);
  // Appends within the slack: raw, cheap.
  assert.equal(refreshLine(line, column(n + 50), true), false);
  assert.equal(line.data.length, drawn + 50);
  assert.equal(line.tail, 50);
  // Past the slack: a full decimation back to the budget.
  assert.equal(refreshLine(line, column(n + 50 + SLACK), true), true);
  assert.ok(line.data.length <= MAX_DRAWN_POINTS);
  assert.equal(line.tail, 0);
  assert.equal(line.length, n + 50 + SLACK);
});

test('a long line over its slack without time for a full pass is drawn raw and marked stale', () => {
  const n = 100_000;
  const line = emptyLine();
  refreshLine(line, column(n), true);
  const drawn = line.data.length;
  assert.equal(refreshLine(line, column(n + SLACK + 1), false), false);
  assert.equal(line.stale, true);
  assert.equal(line.data.length, drawn + SLACK + 1, 'nothing new is left out meanwhile');
  assert.equal(refreshLine(line, column(n + SLACK + 1), true), true, 'the next chance decimates it');
  assert.equal(line.stale, false);
  assert.ok(line.data.length <= MAX_DRAWN_POINTS);
});
