import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricRecord } from '../../src/protocol/metrics';
import { HostToWebviewSchema } from '../../src/protocol/messages';
import { buildInit } from '../../src/extension/dashboard/initMessage';
import { capRecords, lastStep, mergeByStep, RecentMetrics, recordsAfter } from '../../src/extension/runs/metricsMerge';
import { tmpDir } from './extension-helpers';

const rec = (step: number, extra: Record<string, number | null> = {}): MetricRecord => ({ step, time: step / 10, lossD: 1 / (step + 1), ...extra });
const steps = (rs: readonly MetricRecord[]) => rs.map((r) => r.step);

test('merge by step: file then live past the file, no gap and no duplicate', () => {
  const file = [rec(10), rec(20), rec(30)];
  // Live records buffered since connecting overlap the file (written, then sent).
  const live = [rec(20), rec(30), rec(40), rec(50)];
  assert.deepEqual(steps(mergeByStep(file, live)), [10, 20, 30, 40, 50]);
  assert.deepEqual(steps(mergeByStep([], live)), [20, 30, 40, 50]);
  assert.deepEqual(steps(mergeByStep(file, [])), [10, 20, 30]);
  assert.deepEqual(steps(mergeByStep(file, [rec(40), rec(40), rec(35), rec(50)])), [10, 20, 30, 40, 50], 'repeated or stale live records dropped');
  assert.equal(lastStep([]), -1);
});

test('recordsAfter forwards each step once', () => {
  let last = 30;
  const a = recordsAfter([rec(20), rec(30), rec(40)], last);
  assert.deepEqual(steps(a.records), [40]);
  last = a.last;
  assert.deepEqual(steps(recordsAfter([rec(40), rec(50)], last).records), [50]);
});

test('RecentMetrics stays bounded and keeps the newest', () => {
  const r = new RecentMetrics(100);
  for (let i = 0; i < 10_000; i++) r.push([rec(i)]);
  assert.equal(r.all().length, 100);
  assert.equal(r.all()[99].step, 9999);
  assert.equal(r.all()[0].step, 9900);
  assert.ok((r as unknown as { buf: unknown[] }).buf.length <= 150, 'internal buffer bounded too');
});

test('capRecords: at most max, uniform stride, first and last kept', () => {
  const all = Array.from({ length: 1_000_001 }, (_, i) => i);
  for (const max of [2, 3, 1000, 200_000]) {
    const c = capRecords(all, max);
    assert.ok(c.records.length <= max, `${c.records.length} <= ${max}`);
    assert.ok(c.records.length >= max / 2, 'not over-thinned');
    assert.equal(c.records[0], 0);
    assert.equal(c.records[c.records.length - 1], 1_000_000);
    for (let i = 1; i < c.records.length - 1; i++) assert.equal(c.records[i] - c.records[i - 1], c.stride);
  }
  const small = [1, 2, 3];
  assert.equal(capRecords(small, 5).records, small);
  assert.equal(capRecords(small, 5).stride, 1);
});

function writeRun(dir: string, o: { metrics?: string; status?: string; config?: string; snapshot?: [number, string] } = {}) {
  fs.mkdirSync(path.join(dir, 'samples'), { recursive: true });
  if (o.metrics !== undefined) fs.writeFileSync(path.join(dir, 'metrics.jsonl'), o.metrics);
  if (o.status !== undefined) fs.writeFileSync(path.join(dir, 'status.json'), o.status);
  if (o.config !== undefined) fs.writeFileSync(path.join(dir, 'config.json'), o.config);
  if (o.snapshot) fs.writeFileSync(path.join(dir, 'samples', `step-${String(o.snapshot[0]).padStart(8, '0')}.json`), o.snapshot[1]);
}

const CONFIG = JSON.stringify({ name: 'e', variant: 'wgan-gp', data: { kind: 'toy', name: 'swissroll' }, training: { steps: 100 } });
const STATUS = JSON.stringify({ state: 'completed', step: 30, totalSteps: 100, startedAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:01:00Z' });
const SNAP = (step: number) =>
  JSON.stringify({ kind: 'toy2d', step, real: [[0, 0]], fake: [[1, 1]], extent: 2, heatmap: { size: 1, values: [0.5] } });

test('init from a healthy folder is a valid message with everything in it', () => {
  const dir = path.join(tmpDir(), 'e-20250101-000000');
  writeRun(dir, { config: CONFIG, status: STATUS, metrics: [10, 20, 30].map((s) => JSON.stringify(rec(s)) + '\n').join(''), snapshot: [20, SNAP(20)] });
  const b = buildInit({ dir });
  assert.ok(HostToWebviewSchema.safeParse(b.message).success);
  assert.deepEqual(steps(b.message.metrics), [10, 20, 30]);
  assert.equal(b.message.run.variant, 'wgan-gp');
  assert.equal(b.message.run.dataset, 'swissroll');
  assert.equal(b.message.run.status.state, 'completed');
  assert.equal(b.message.snapshot?.step, 20);
  assert.deepEqual(b.message.warnings, []);
  assert.equal(b.lastStep, 30);
});

test('init joins the live buffer and prefers live status and snapshot', () => {
  const dir = path.join(tmpDir(), 'live-run');
  writeRun(dir, { config: CONFIG, status: STATUS.replace('completed', 'running'), metrics: [10, 20].map((s) => JSON.stringify(rec(s)) + '\n').join(''), snapshot: [20, SNAP(20)] });
  const liveStatus = { ...JSON.parse(STATUS), state: 'running', step: 40 };
  const b = buildInit({ dir, recent: [rec(20), rec(30), rec(40)], liveStatus, liveSnapshot: JSON.parse(SNAP(40)) });
  assert.deepEqual(steps(b.message.metrics), [10, 20, 30, 40]);
  assert.equal(b.lastStep, 40);
  assert.equal(b.message.run.status.step, 40);
  assert.equal(b.message.snapshot?.step, 40);
  assert.equal(b.lastSnapshotStep, 40);
});

test('a torn last line and garbage lines become warnings, never an empty dashboard', () => {
  const dir = path.join(tmpDir(), 'torn');
  writeRun(dir, { config: CONFIG, status: STATUS, metrics: `${JSON.stringify(rec(10))}\nnot json\n${JSON.stringify(rec(20))}\n{"step":30,"ti` });
  const b = buildInit({ dir });
  assert.deepEqual(steps(b.message.metrics), [10, 20]);
  assert.ok(b.message.warnings.some((w) => /line 2/.test(w)));
  assert.ok(b.message.warnings.some((w) => /incomplete|torn/.test(w)));
  assert.ok(HostToWebviewSchema.safeParse(b.message).success);
});

test('missing or garbage files: init still comes, with warnings that say what is wrong', () => {
  const root = tmpDir();
  const empty = path.join(root, 'empty');
  fs.mkdirSync(empty);
  const e = buildInit({ dir: empty });
  assert.ok(HostToWebviewSchema.safeParse(e.message).success);
  assert.ok(e.message.warnings.some((w) => /config\.json is missing/.test(w)));
  assert.ok(e.message.warnings.some((w) => /status\.json is missing/.test(w)));
  assert.ok(e.message.warnings.some((w) => /does not look like a GAN Workbench run folder/.test(w)));

  const garbage = path.join(root, 'garbage');
  writeRun(garbage, { config: '{"name": 5', status: '[]', metrics: '\u0000\u0001\n', snapshot: [10, 'nope'] });
  const g = buildInit({ dir: garbage });
  assert.ok(HostToWebviewSchema.safeParse(g.message).success);
  assert.ok(g.message.warnings.length >= 3, g.message.warnings.join('\n'));
  assert.equal(g.message.snapshot, undefined);

  const missing = buildInit({ dir: path.join(root, 'does-not-exist') });
  assert.ok(HostToWebviewSchema.safeParse(missing.message).success);
  assert.ok(missing.message.warnings.length > 0);

  const notADir = path.join(root, 'file');
  fs.writeFileSync(notADir, 'x');
  const f = buildInit({ dir: notADir });
  assert.ok(HostToWebviewSchema.safeParse(f.message).success);
  assert.ok(f.message.warnings.length > 0);
});

test('more records than the cap: decimated with the last kept, and a notice says so', () => {
  const dir = path.join(tmpDir(), 'big');
  const n = 5000;
  writeRun(dir, { config: CONFIG, status: STATUS, metrics: Array.from({ length: n }, (_, i) => JSON.stringify(rec(i + 1)) + '\n').join('') });
  const b = buildInit({ dir, maxRecords: 1000 });
  assert.ok(b.message.metrics.length <= 1000);
  assert.equal(b.message.metrics[b.message.metrics.length - 1].step, n);
  assert.equal(b.lastStep, n);
  assert.equal(b.notices.length, 1);
  assert.match(b.notices[0], /5,000 metric records/);
  assert.equal(buildInit({ dir }).notices.length, 0, 'default cap (200k) not reached');
});
