import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricRecord } from '../../src/protocol/metrics';
import { HostToWebviewSchema } from '../../src/protocol/messages';
import { buildFullInit, buildInit } from '../../src/extension/dashboard/initMessage';
import { MAX_WARNINGS, type MetricsFileOptions } from '../../src/extension/dashboard/metricsFile';
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

// ---- long logs: a sample at once, then every record decimated ---------------

/** Small thresholds so that a few thousand records count as a "long" log. */
const SMALL: MetricsFileOptions = { fullReadBytes: 10_000, sampleLines: 50, tailBytes: 2_000, buckets: 20, chunkBytes: 4096 };
const SPIKE = 2777;

/** n records: lossD smooth but one spike, lossG with a gap, swd every 10th step, one garbage line. */
function longLog(n: number): string {
  const lines: string[] = [];
  for (let s = 1; s <= n; s++) {
    const r: MetricRecord = { step: s, time: s / 10, lossD: s === SPIKE ? 1000 : Math.sin(s / 300), lossG: s >= 3000 && s < 3010 ? null : Math.cos(s / 300) };
    if (s % 10 === 0) r.swd = 1 / s;
    lines.push(JSON.stringify(r));
    if (s === 1234) lines.push('{"step": oops');
  }
  return lines.join('\n') + '\n';
}

function increasing(rs: readonly MetricRecord[]): boolean {
  return rs.every((r, i) => i === 0 || r.step > rs[i - 1].step);
}

test('a long log opens from a bounded sample: the whole run at once, the newest records in full', () => {
  const dir = path.join(tmpDir(), 'long');
  const n = 5000;
  writeRun(dir, { config: CONFIG, status: STATUS, metrics: longLog(n) });
  const b = buildInit({ dir, metricsFile: SMALL });
  assert.ok(HostToWebviewSchema.safeParse(b.message).success);
  assert.equal(b.sampled, true);
  const got = b.message.metrics;
  assert.ok(increasing(got), 'file order, each step once');
  assert.equal(got[0].step, 1, 'the first record');
  assert.equal(got[got.length - 1].step, n, 'the last record');
  assert.equal(b.lastStep, n);
  const tail = got.filter((r) => r.step > n - 20).map((r) => r.step);
  assert.deepEqual(tail, Array.from({ length: 20 }, (_, k) => n - 19 + k), 'the newest records all there');
  // Bounded: the samples plus the tail's records (each line is ~60-80 bytes).
  assert.ok(got.length <= SMALL.sampleLines! + SMALL.tailBytes! / 50, `${got.length} records`);
  // Spread over the whole run, not just its start or end.
  assert.ok(got.filter((r) => r.step < n / 2).length >= SMALL.sampleLines! / 3, 'samples from the first half');
  assert.equal(b.notices.length, 1);
  assert.match(b.notices[0], /about [\d,]+ metric records.*sampled evenly/);
  const estimate = Number(/about ([\d,]+)/.exec(b.notices[0])![1].replace(/,/g, ''));
  assert.ok(Math.abs(estimate - n) < n * 0.2, `estimated ${estimate} records of ${n}`);
});

test('the full pass reads every record and keeps each metric\'s extremes: the spike, the gap, first and last', async () => {
  const dir = path.join(tmpDir(), 'long-full');
  const n = 5000;
  writeRun(dir, { config: CONFIG, status: STATUS, metrics: longLog(n) });
  const f = await buildFullInit(() => ({ dir, metricsFile: SMALL }));
  assert.ok(f);
  assert.ok(HostToWebviewSchema.safeParse(f.message).success);
  assert.equal(f.sampled, false);
  const got = f.message.metrics;
  assert.ok(increasing(got));
  assert.equal(got[0].step, 1);
  assert.equal(got[got.length - 1].step, n);
  assert.ok(got.some((r) => r.step === SPIKE && r.lossD === 1000), 'the one-step spike is kept');
  assert.ok(got.some((r) => r.lossG === null), 'the gap in lossG is kept (the line breaks there)');
  assert.ok(got.some((r) => r.step === 3010), 'and the value that ends the gap');
  assert.ok(got.some((r) => typeof r.swd === 'number'), 'a sparse metric keeps its points');
  // ≤ 6 picks per metric and bucket (first, last, min, max, gap start and end).
  assert.ok(got.length <= SMALL.buckets! * 3 * 6, `${got.length} records kept`);
  assert.ok(got.length < n / 10, 'decimated');
  assert.ok(f.message.warnings.some((w) => /line 1235 is not valid JSON/.test(w)), f.message.warnings.join('\n'));
  assert.match(f.notices[0], /5,000 metric records.*lowest and highest/);
});

test('the full pass joins the live records that arrived while it read, and stops when cancelled', async () => {
  const dir = path.join(tmpDir(), 'long-live');
  const n = 3000;
  writeRun(dir, { config: CONFIG, status: STATUS.replace('completed', 'running'), metrics: longLog(n) });
  let calls = 0;
  const f = await buildFullInit(() => ({ dir, metricsFile: SMALL, recent: ++calls === 1 ? [] : [rec(n), rec(n + 1), rec(n + 2)] }));
  assert.equal(calls, 2, 'the live state is asked for again after the pass');
  assert.deepEqual(steps(f!.message.metrics).slice(-3), [n, n + 1, n + 2]);
  assert.equal(f!.lastStep, n + 2);
  assert.equal(await buildFullInit(() => ({ dir, metricsFile: SMALL }), () => true), undefined);
});

test('a garbage log keeps a bounded number of warnings', () => {
  const dir = path.join(tmpDir(), 'garbage-log');
  writeRun(dir, { config: CONFIG, status: STATUS, metrics: 'nope\n'.repeat(100_000) });
  const b = buildInit({ dir, metricsFile: { fullReadBytes: 10_000_000 } });
  assert.equal(b.message.metrics.length, 0);
  assert.equal(b.message.warnings.length, MAX_WARNINGS + 1);
  assert.match(b.message.warnings[MAX_WARNINGS], /99,980|99980 more unreadable/);
});
