import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { explainRun, writeExplainReport } from '../../src/doctor/report/explain';
import { linePlot, PALETTE } from '../../src/doctor/report/linePlot';
import { resolveConfig } from '../../src/protocol/config';

const pixel = (png: PNG, x: number, y: number) => Array.from(png.data.subarray(4 * (y * png.width + x), 4 * (y * png.width + x) + 3));
const same = (a: number[], b: readonly number[]) => a.every((v, i) => Math.abs(v - b[i]) <= 2);

test('line plot: a one-point spike among 10⁵ points is drawn; the highlight shades only its step range', () => {
  const points: [number, number][] = Array.from({ length: 100_000 }, (_, i) => [i, i === 50_000 ? 10 : 1]);
  const p = linePlot([{ label: 's', points }], { width: 400, height: 200, highlight: [80_000, 90_000] });
  const png = PNG.sync.read(p.png);
  assert.equal(png.width, 400);
  assert.deepEqual(p.colours[0], '#0072b2');
  // The spike's column reaches the top of the plot area (y range is padded by 5%).
  let top = png.height;
  for (let y = 0; y < png.height; y++) if (same(pixel(png, Math.round(8 + 0.5 * (400 - 17)), y), PALETTE[0])) top = Math.min(top, y);
  assert.ok(top < 20, `spike top at row ${top}`);
  // Shaded inside the range, white outside it (row 100 is away from grid lines and the series).
  const inside = pixel(png, Math.round(8 + 0.85 * 383), 60);
  const outside = pixel(png, Math.round(8 + 0.7 * 383), 60);
  assert.deepEqual(outside, [255, 255, 255]);
  assert.ok(inside[2] < 240 && inside[0] > 240, `shade ${inside}`);
});

test('Explain Run: a collapsed run gets its finding with evidence, fixes, the shaded chart and every curve', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-report-'));
  const cfg = resolveConfig({ name: 'collapse', variant: 'gan-ns', data: { name: '8gaussians' }, training: { steps: 1000 } });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
  const now = new Date().toISOString();
  fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ state: 'completed', step: 1000, totalSteps: 1000, startedAt: now, updatedAt: now, backend: { name: 'wasm', reason: 'test' } }));
  const lines = Array.from({ length: 100 }, (_, i) =>
    JSON.stringify({ step: 10 * (i + 1), time: i, lossD: 1.3, lossG: 0.8, gradNormD: 1.5, gradNormG: 3, dReal: 0.55, dFake: 0.45, swd: 0.3, modesCovered: i < 50 ? 7 : 1, hqPercent: 40 }),
  );
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
  const r = explainRun(dir);
  assert.deepEqual(r.findings.map((f) => f.detector), ['mode-collapse']);
  assert.match(r.markdown, /# Run ganwb-report-\w+ — collapse/);
  assert.match(r.markdown, /### 1\. Mode collapse \(serious\)/);
  assert.match(r.markdown, /\*\*Seen\*\* \(steps \d+–\d+, modesCovered\): median .* of 8 modes covered/);
  assert.match(r.markdown, /1\. Minibatch standard deviation in D/);
  assert.match(r.markdown, /2\. PacGAN packing \(m = 2\)/);
  assert.match(r.markdown, /3\. Larger latent space/);
  assert.match(r.markdown, /!\[Sample quality\]\(report\/finding-1-mode-collapse\.png\)/);
  for (const chart of ['losses', 'distance', 'gradients', 'outputs', 'quality']) assert.ok(r.images.some((i) => i.file === `report/${chart}.png`), `${chart} chart missing`);
  assert.ok(!r.images.some((i) => i.file === 'report/speed.png'), 'no chart for metrics the run did not record');
  assert.match(r.markdown, /"variant": "gan-ns"/);
  const file = writeExplainReport(dir);
  assert.equal(fs.readFileSync(file, 'utf8'), r.markdown);
  for (const img of r.images) assert.equal(PNG.sync.read(fs.readFileSync(path.join(dir, img.file))).width, 640);
});

test('Explain Run: a garbage folder still gets a report that says what is wrong', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-report-'));
  fs.writeFileSync(path.join(dir, 'config.json'), '{not json');
  const r = explainRun(dir);
  assert.match(r.markdown, /config\.json is unreadable/);
  assert.match(r.markdown, /The config could not be read, so the doctor did not run/);
  assert.match(r.markdown, /No metrics were recorded/);
});

test('Explain Run: what was tried — a fixed run names its origin, the broken run lists the fixes made from it, each with its outcome', () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-runs-'));
  const now = new Date().toISOString();
  const mk = (id: string, modes: number, swd: number) => {
    const dir = path.join(parent, id);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(resolveConfig({ name: id, variant: 'gan-ns', data: { name: '8gaussians' }, training: { steps: 100 } })));
    fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ state: 'completed', step: 100, totalSteps: 100, startedAt: now, updatedAt: now }));
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), JSON.stringify({ step: 100, time: 1, lossD: 1, lossG: 1, swd, modesCovered: modes, hqPercent: 50 }) + '\n');
    return dir;
  };
  const broken = mk('broken', 1, 1.18);
  const fixed = mk('fixed', 5, 0.34);
  mk('unrelated', 8, 0.1);
  fs.writeFileSync(path.join(fixed, 'origin.json'), JSON.stringify({ fromRun: broken, detector: 'divergence', finding: 'Divergence', fix: 'Learning rates ÷ 50', createdAt: now }));
  const b = explainRun(broken).markdown;
  assert.match(b, /Fixes tried from this run:/);
  assert.match(b, /\| fixed \| Learning rates ÷ 50 \| Divergence \| 5 modes, 50% high-quality, sliced Wasserstein 0\.34 at step 100 \|/);
  assert.doesNotMatch(b, /unrelated/);
  const f = explainRun(fixed).markdown;
  assert.match(f, /This run is \*\*broken\*\* with the doctor's fix "Learning rates ÷ 50" for "Divergence"/);
  assert.match(f, /\| broken \(before the fix\) \| 1 modes, .*sliced Wasserstein 1\.18/);
  assert.match(explainRun(path.join(parent, 'unrelated')).markdown, /No fix has been applied from this run yet/);
});
