import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readMetrics } from '../../src/runfolder/metricsLog';
import { MemoryLogger } from '../../src/extension/logger';
import { buildInit } from '../../src/extension/dashboard/initMessage';
import { RunManager, type RunEndedEvent, type RunEvent } from '../../src/extension/runs/runManager';
import { killAll, makeExperiment, startFake, tmpDir, waitFor } from './extension-helpers';

after(killAll);

function manager(roots: string[]) {
  const events: RunEvent[] = [];
  const ended: RunEndedEvent[] = [];
  let changes = 0;
  const m = new RunManager({ roots: () => roots, log: new MemoryLogger(), changeDelayMs: 10 });
  m.onRunEvent((e) => events.push(e));
  m.onRunEnded((e) => ended.push(e));
  m.onDidChangeRuns(() => changes++);
  return { m, events, ended, changes: () => changes };
}

test('a new window finds a running trainer by its lock, reattaches, and follows it', async () => {
  const root = tmpDir();
  const config = makeExperiment(root, 'reattach');
  const runDir = path.join(root, '.gan', 'runs', 'reattach-20250101-000000');
  // Started by "another window": this manager did not spawn it.
  await startFake(config, runDir, { FAKE_TRAINER_STEP_MS: '5' });
  // History in the file before this window attaches.
  await waitFor('history in metrics.jsonl', () => readMetrics(path.join(runDir, 'metrics.jsonl')).records.length >= 10, 10_000);
  const { m, events, ended } = manager([root]);
  try {
    m.scan();
    const entry = m.get(runDir);
    assert.ok(entry?.live, 'live by its lock');
    await waitFor('connected', () => m.get(runDir)?.connected);
    await waitFor('live metrics', () => events.filter((e) => e.kind === 'metrics' && e.dir === runDir).length >= 5);
    assert.equal(m.liveRuns().length, 1);
    const st = m.get(runDir)!.summary.status;
    assert.equal(st.state, 'running');
    assert.equal(st.backend?.name, 'cpu');
    assert.ok(st.step > 0);

    // The dashboard's rebuild: folder + live buffer, joined by step.
    const init = buildInit({ dir: runDir, recent: m.recentMetrics(runDir) });
    const steps = init.message.metrics.map((r) => r.step);
    assert.ok(steps.length >= 15, `${steps.length} records`);
    for (let i = 1; i < steps.length; i++) assert.equal(steps[i] - steps[i - 1], 2, `no gap and no duplicate at ${steps[i - 1]} → ${steps[i]}`);
    assert.equal(steps[0], 2, 'history from the very first record');

    assert.ok(m.control(runDir, 'stop'));
    await waitFor('ended', () => ended.length === 1, 5000);
    assert.equal(ended[0].status.state, 'stopped');
    assert.equal(ended[0].recordedByHost, false);
    assert.equal(ended[0].spawnedHere, false);
    assert.equal(m.get(runDir)!.live, false);
    assert.equal(m.get(runDir)!.summary.status.state, 'stopped');
    assert.equal(m.control(runDir, 'pause'), false, 'no trainer to control');
    // What the dashboard saw live continues the file with no duplicate.
    const file = readMetrics(path.join(runDir, 'metrics.jsonl')).records.map((r) => r.step);
    assert.equal(new Set(file).size, file.length);
  } finally {
    m.dispose();
  }
});

test('kill -9 of a reattached trainer: the run reads killed within a second, views are told', async () => {
  const root = tmpDir();
  const config = makeExperiment(root, 'k9');
  const runDir = path.join(root, '.gan', 'runs', 'k9-20250101-000000');
  const t = await startFake(config, runDir);
  const { m, events, ended, changes } = manager([root]);
  try {
    m.scan();
    await waitFor('connected', () => m.get(runDir)?.connected);
    const before = changes();
    const t0 = Date.now();
    process.kill(t.pid!, 'SIGKILL');
    await waitFor('killed', () => m.get(runDir)?.summary.status.state === 'killed', 3000, 5);
    assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
    await waitFor('change event', () => changes() > before, 500);
    assert.equal(ended.length, 1);
    assert.equal(ended[0].status.state, 'killed');
    assert.equal(ended[0].recordedByHost, true);
    assert.ok(events.some((e) => e.kind === 'status' && e.status.state === 'killed'), 'dashboards get the status');
    assert.equal(m.liveRuns().length, 0);
  } finally {
    m.dispose();
  }
});

test('adopt: a run this host spawned is followed with its exit, so the kill names the signal', async () => {
  const root = tmpDir();
  const config = makeExperiment(root, 'own');
  const runDir = path.join(root, '.gan', 'runs', 'own-20250101-000000');
  const t = await startFake(config, runDir);
  const { m, ended } = manager([root]);
  try {
    m.adopt(runDir, t.exit);
    await waitFor('connected', () => m.get(runDir)?.connected);
    process.kill(t.pid!, 'SIGKILL');
    await waitFor('ended', () => ended.length === 1, 3000, 5);
    assert.equal(ended[0].spawnedHere, true);
    assert.equal(ended[0].exit?.signal, 'SIGKILL');
    assert.match(ended[0].status.error!, /killed by SIGKILL/);
  } finally {
    m.dispose();
  }
});

test('runs of every workspace folder, newest first; damaged and stale folders listed with what is wrong', async () => {
  const a = tmpDir();
  const b = tmpDir();
  const mk = (root: string, id: string, status?: object) => {
    const dir = path.join(root, '.gan', 'runs', id);
    fs.mkdirSync(dir, { recursive: true });
    if (status) fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify(status));
    return dir;
  };
  const base = { step: 5, totalSteps: 10, startedAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z' };
  const first = mk(a, 'first', { ...base, state: 'completed' });
  await new Promise((r) => setTimeout(r, 20));
  const stale = mk(b, 'stale', { ...base, state: 'running', pid: 999999 });
  fs.writeFileSync(path.join(stale, 'lock.json'), JSON.stringify({ pid: 999999, socket: '/nope', startedAt: 'x' }));
  await new Promise((r) => setTimeout(r, 20));
  const damaged = mk(a, 'damaged');
  fs.writeFileSync(path.join(damaged, 'status.json'), '{ torn');
  const { m } = manager([a, b]);
  try {
    m.scan();
    assert.deepEqual(
      m.list().map((e) => e.id),
      ['damaged', 'stale', 'first'],
    );
    assert.equal(m.get(stale)!.summary.status.state, 'killed', 'a dead owner is not live');
    assert.equal(m.get(stale)!.live, false);
    assert.ok(m.get(damaged)!.warnings.some((w) => /status\.json is unreadable/.test(w)));
    assert.equal(m.get(first)!.summary.status.state, 'completed');
    // Folders vanish and appear.
    fs.rmSync(first, { recursive: true });
    m.refresh(first);
    assert.equal(m.get(first), undefined);
    const outside = mk(tmpDir(), 'outside', { ...base, state: 'stopped' });
    m.track(outside);
    m.scan();
    assert.equal(m.get(outside)?.summary.status.state, 'stopped', 'a tracked folder outside the workspace stays listed');
  } finally {
    m.dispose();
  }
});

test('dispose closes connections but leaves trainers running', async () => {
  const root = tmpDir();
  const config = makeExperiment(root, 'survive');
  const runDir = path.join(root, '.gan', 'runs', 'survive-1');
  const t = await startFake(config, runDir);
  const first = manager([root]);
  first.m.scan();
  await waitFor('connected', () => first.m.get(runDir)?.connected);
  first.m.dispose(); // window reload
  await new Promise((r) => setTimeout(r, 100));
  assert.doesNotThrow(() => process.kill(t.pid!, 0), 'still running');
  const second = manager([root]);
  try {
    second.m.scan();
    await waitFor('reconnected', () => second.m.get(runDir)?.connected);
    await waitFor('new metrics after the reload', () => second.events.some((e) => e.kind === 'metrics'));
    assert.ok(second.m.control(runDir, 'stop'));
    await waitFor('stopped', () => second.ended.length === 1, 5000);
    assert.equal(second.ended[0].status.state, 'stopped');
  } finally {
    second.m.dispose();
  }
});

test('a control sent before the connection is up waits for it (a trainer that listens late)', async () => {
  const root = tmpDir();
  const config = makeExperiment(root, 'early-stop');
  const runDir = path.join(root, '.gan', 'runs', 'early-stop-1');
  await startFake(config, runDir, { FAKE_TRAINER_MODE: 'late-listen' });
  const { m, ended } = manager([root]);
  try {
    m.scan();
    assert.equal(m.get(runDir)?.connected, false, 'not connected yet: the socket opens 600 ms after the lock');
    assert.equal(m.control(runDir, 'stop'), false);
    assert.equal(await m.controlWhenConnected(runDir, 'stop', 5000), true);
    await waitFor('stopped', () => ended.length === 1, 5000);
    assert.equal(ended[0].status.state, 'stopped');
    assert.equal(await m.controlWhenConnected(runDir, 'stop', 200), false, 'nothing to stop any more');
  } finally {
    m.dispose();
  }
});

test('a connected run shows the trainer\'s status, not warnings from an early read of its folder', async () => {
  const root = tmpDir();
  const config = makeExperiment(root, 'early');
  const runDir = path.join(root, '.gan', 'runs', 'early-20250101-000000');
  await startFake(config, runDir, { FAKE_TRAINER_STEP_MS: '5' });
  const { m, events } = manager([root]);
  try {
    m.scan();
    await waitFor('connected', () => m.get(runDir)?.connected);
    // A status message from the trainer itself (it sends one on connect).
    await waitFor('a status message', () => events.some((e) => e.kind === 'status' && e.dir === runDir && e.status.state === 'running'));
    // A read of the folder that finds no status.json (as right after a spawn, before the
    // trainer's first write) must not stick to the live run's status.
    fs.rmSync(path.join(runDir, 'status.json'), { force: true });
    m.refresh(runDir);
    const st = m.get(runDir)!.summary.status;
    assert.equal(st.state, 'running');
    assert.equal(st.error, undefined, `stale folder warning kept: ${st.error}`);
    assert.ok(m.control(runDir, 'stop'));
  } finally {
    m.dispose();
  }
});
