/**
 * The extension's memory stays bounded during a long run, whatever the
 * dashboard does: every place that sees the live stream is fed far more
 * than it may keep, and what it retains is measured.
 *
 * - a dashboard's LiveFeed, hidden (VS Code discarded the webview) and visible;
 * - the RunManager's live buffer and latest snapshot, fed by a trainer socket;
 * - the full pass's decimation of a long metrics log.
 *
 * Heap sizes are read after a forced garbage collection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { HostToWebview } from '../../src/protocol/messages';
import type { MetricRecord, Snapshot } from '../../src/protocol/metrics';
import type { RunStatus } from '../../src/protocol/run';
import { MemoryLogger } from '../../src/extension/logger';
import { LiveFeed } from '../../src/extension/dashboard/liveFeed';
import { ExtremesPicker } from '../../src/extension/dashboard/metricsFile';
import type { InitBuild } from '../../src/extension/dashboard/initMessage';
import { RunManager, type RunEvent } from '../../src/extension/runs/runManager';
import { tmpDir, waitFor } from './extension-helpers';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapMB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** A record like the trainer's: 12 metrics. */
function record(step: number): MetricRecord {
  const x = Math.sin(step / 1000);
  return {
    step,
    time: step / 100,
    lossD: x,
    lossG: -x,
    gp: x * x,
    wEstimate: 1 + x,
    gradNormD: 2 + x,
    gradNormG: 3 + x,
    dReal: 0.5 + x / 4,
    dFake: 0.5 - x / 4,
    swd: 0.1 + x / 10,
    modesCovered: 8,
    hqPercent: 90 + x,
    stepsPerSec: 100 + x,
  };
}

const STATUS: RunStatus = { state: 'running', step: 0, totalSteps: 10_000_000, startedAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z' };

function initBuild(lastStep: number): InitBuild {
  return {
    message: { type: 'init', run: { id: 'r', name: 'r', variant: 'gan-ns', dataset: '8gaussians', status: STATUS }, metrics: [], warnings: [] },
    lastStep,
    lastSnapshotStep: -1,
    snapshotSteps: [],
    notices: [],
    sampled: false,
  };
}

/** A message's bytes are counted, never kept. */
function countingPost(): { post: (m: HostToWebview) => void; posted: () => number; records: () => number } {
  let posted = 0;
  let records = 0;
  return {
    post: (m) => {
      posted++;
      if (m.type === 'metrics') records += m.records.length;
    },
    posted: () => posted,
    records: () => records,
  };
}

const MILLION = 1_000_000;

test('a hidden dashboard forwards nothing and keeps nothing of 10^6 live metric messages', () => {
  const out = countingPost();
  let now = 0;
  const feed = new LiveFeed({ post: out.post, status: () => STATUS, now: () => now });
  feed.started(initBuild(0));
  feed.stopped(); // hidden: VS Code discarded the webview
  const postedBefore = out.posted();
  const before = heapMB();
  for (let s = 1; s <= MILLION; s++) {
    now += 10;
    const e: RunEvent = { kind: 'metrics', dir: '/r', records: [record(s)] };
    feed.event(e);
    if (s % 1000 === 0) feed.event({ kind: 'status', dir: '/r', status: { ...STATUS, step: s } });
  }
  const grown = heapMB() - before;
  assert.equal(out.posted(), postedBefore, 'nothing posted to a hidden webview');
  assert.ok(grown < 8, `heap grew ${grown.toFixed(1)} MB over 10^6 messages (10^6 records held would be > 300 MB)`);
  // Shown again: a new init from the folder, and live records after it only.
  feed.started(initBuild(MILLION));
  feed.event({ kind: 'metrics', dir: '/r', records: [record(MILLION), record(MILLION + 1)] });
  assert.equal(out.records(), 1, 'only the record past the new init');
});

test('a visible dashboard forwards 10^6 live records once each and retains none of them', () => {
  const out = countingPost();
  let now = 0;
  const feed = new LiveFeed({ post: out.post, status: () => STATUS, now: () => now });
  feed.started(initBuild(0));
  const initPosts = out.posted(); // the init and what follows it (snapshot steps)
  const before = heapMB();
  for (let s = 1; s <= MILLION; s++) {
    now += 10;
    // Overlapping batches (a reconnect resends): each step is forwarded once.
    feed.event({ kind: 'metrics', dir: '/r', records: s % 100 === 0 ? [record(s - 1), record(s)] : [record(s)] });
  }
  const grown = heapMB() - before;
  assert.equal(out.records(), MILLION, 'every record forwarded once');
  // The header's status follows the metrics at most once a second (of the fake clock: 10 ms a message).
  const statuses = out.posted() - initPosts - MILLION;
  assert.ok(statuses <= MILLION / 100, `${statuses} status messages`);
  assert.ok(grown < 8, `heap grew ${grown.toFixed(1)} MB`);
});

test('the run manager keeps a bounded live buffer and one snapshot, however long the stream', async (t) => {
  const root = tmpDir();
  const runDir = path.join(root, '.gan', 'runs', 'flood-20250101-000000');
  fs.mkdirSync(runDir, { recursive: true });
  const socket = path.join(runDir, 'trainer.sock');
  const RECORDS = 100_000;
  const PER_MESSAGE = 100;
  const CAPACITY = 1000;
  // A stand-in trainer in this process: lock.json names this (live) pid and its socket.
  const server = net.createServer((conn) => {
    void (async () => {
      for (let m = 0; m < RECORDS / PER_MESSAGE; m++) {
        const records = Array.from({ length: PER_MESSAGE }, (_, k) => record(m * PER_MESSAGE + k + 1));
        let line = JSON.stringify({ type: 'metrics', records }) + '\n';
        if (m % 20 === 0) line += JSON.stringify({ type: 'snapshot', snapshot: snapshot((m + 1) * PER_MESSAGE) }) + '\n';
        if (!conn.write(line)) await new Promise((r) => conn.once('drain', r));
      }
    })();
  });
  await new Promise<void>((r) => server.listen(socket, r));
  t.after(() => server.close());
  fs.writeFileSync(path.join(runDir, 'lock.json'), JSON.stringify({ pid: process.pid, socket, startedAt: STATUS.startedAt }));
  fs.writeFileSync(path.join(runDir, 'status.json'), JSON.stringify(STATUS));

  const m = new RunManager({ roots: () => [root], log: new MemoryLogger(), changeDelayMs: 10, recentCapacity: CAPACITY });
  t.after(() => m.dispose());
  let received = 0;
  m.onRunEvent((e) => {
    if (e.kind === 'metrics') received += e.records.length;
  });
  const before = heapMB();
  m.scan();
  await waitFor('every record through the manager', () => received >= RECORDS, 300_000, 50);
  const grown = heapMB() - before;
  const recent = m.recentMetrics(runDir);
  assert.equal(received, RECORDS);
  assert.equal(recent.length, CAPACITY, 'the live buffer holds its capacity');
  assert.equal(recent[recent.length - 1].step, RECORDS, 'the newest record');
  const internal = (m as unknown as { liveStates: Map<string, { recent: { buf: unknown[] } }> }).liveStates.get(runDir)!.recent.buf.length;
  assert.ok(internal <= CAPACITY * 1.5, `internal buffer ${internal} ≤ 1.5 × capacity`);
  assert.equal(m.latestSnapshot(runDir)?.step, (Math.floor((RECORDS / PER_MESSAGE - 1) / 20) * 20 + 1) * PER_MESSAGE, 'only the latest snapshot');
  // 10^5 records of 12 metrics held would be ≈ 40 MB.
  assert.ok(grown < 10, `heap grew ${grown.toFixed(1)} MB over ${RECORDS} records`);
});

function snapshot(step: number): Snapshot {
  return { kind: 'toy2d', step, real: [[0, 0]], fake: [[1, 1]], extent: 2, heatmap: { size: 2, values: [0.1, 0.2, 0.3, 0.4] } };
}

test('the full pass over 10^6 records keeps a bounded number of them', () => {
  const BUCKETS = 500;
  const picker = new ExtremesPicker();
  for (let s = 0; s < MILLION; s++) picker.add(record(s), s, Math.floor((s * BUCKETS) / MILLION));
  const kept = picker.finish();
  const metrics = Object.keys(record(0)).length - 2;
  // First, last, lowest, highest (gap edges: none here) per metric and bucket.
  assert.ok(kept.length <= BUCKETS * metrics * 4, `${kept.length} records kept`);
  assert.equal(kept[0].step, 0);
  assert.equal(kept[kept.length - 1].step, MILLION - 1);
});
