import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunSummary } from '../../src/protocol/messages';
import { RUN_STATES, type RunStatus } from '../../src/protocol/run';
import { readRunFolder } from '../../src/runfolder/read';
import { decideExitStatus, readStatusFile, recordExit } from '../../src/extension/runs/exitState';
import { STATE_ICONS, statusBarText, treeDescription, treeTooltip } from '../../src/extension/runs/format';
import { chooseBackend, chooseNodeRuntime, findOnPath, NodeRuntimeError } from '../../src/extension/runs/nodeRuntime';
import { createRunDir, runIdFor, timestamp } from '../../src/extension/runs/runId';
import { lastLines, parseCheckOutput, trainArgs } from '../../src/extension/runs/trainerProcess';
import { tmpDir } from './extension-helpers';

// ---- run ids ---------------------------------------------------------------

test('run id is <name>-<yyyymmdd-hhmmss> in local time', () => {
  const d = new Date(2025, 0, 2, 3, 4, 5);
  assert.equal(timestamp(d), '20250102-030405');
  assert.equal(runIdFor('wgan-gp-8gaussians', d), 'wgan-gp-8gaussians-20250102-030405');
  assert.equal(runIdFor('x', new Date(2025, 11, 31, 23, 59, 59)), 'x-20251231-235959');
});

test('createRunDir makes <root>/.gan/runs/<id>, never reusing a folder', () => {
  const root = tmpDir();
  const d = new Date(2025, 5, 6, 7, 8, 9);
  const a = createRunDir(root, 'exp', d);
  const b = createRunDir(root, 'exp', d);
  assert.equal(a.dir, path.join(root, '.gan', 'runs', 'exp-20250606-070809'));
  assert.equal(b.id, 'exp-20250606-070809-2');
  assert.ok(fs.statSync(a.dir).isDirectory() && fs.statSync(b.dir).isDirectory());
  assert.deepEqual(fs.readdirSync(a.dir), []);
});

// ---- node runtime ----------------------------------------------------------

const execs = (set: string[]) => (p: string) => set.includes(p);

test('node runtime: the setting wins, then node on PATH, then Electron as node', () => {
  const q = { envPath: '/usr/local/bin:/usr/bin', platform: 'linux' as const, execPath: '/opt/code/code' };
  assert.deepEqual(chooseNodeRuntime({ ...q, setting: '/opt/node20/bin/node', isExecutable: execs(['/opt/node20/bin/node', '/usr/bin/node']) }), {
    command: '/opt/node20/bin/node',
    env: {},
    source: 'setting',
  });
  assert.deepEqual(chooseNodeRuntime({ ...q, setting: '  ', isExecutable: execs(['/usr/bin/node']) }), { command: '/usr/bin/node', env: {}, source: 'path' });
  assert.deepEqual(chooseNodeRuntime({ ...q, isExecutable: execs(['/usr/local/bin/node', '/usr/bin/node']) }).command, '/usr/local/bin/node');
  assert.deepEqual(chooseNodeRuntime({ ...q, isExecutable: execs([]) }), { command: '/opt/code/code', env: { ELECTRON_RUN_AS_NODE: '1' }, source: 'electron' });
  // A bare name in the setting is looked up on PATH.
  assert.equal(chooseNodeRuntime({ ...q, setting: 'node22', isExecutable: execs(['/usr/bin/node22']) }).command, '/usr/bin/node22');
});

test('node runtime: a setting that points nowhere is an error naming the setting', () => {
  assert.throws(
    () => chooseNodeRuntime({ setting: '/nope/node', envPath: '/usr/bin', platform: 'linux', execPath: '/x', isExecutable: execs(['/usr/bin/node']) }),
    (e: unknown) => e instanceof NodeRuntimeError && /ganWorkbench\.nodePath/.test(e.message) && /\/nope\/node/.test(e.message),
  );
});

test('node runtime: Windows PATH and PATHEXT', () => {
  const found = findOnPath('node', { envPath: 'C:\\Windows;C:\\Program Files\\nodejs', pathExt: '.COM;.EXE', platform: 'win32', isExecutable: execs(['C:\\Program Files\\nodejs\\node.EXE']) });
  assert.equal(found, 'C:\\Program Files\\nodejs\\node.EXE');
});

test('node runtime: the real lookup finds this machine\'s node', () => {
  const r = chooseNodeRuntime({ envPath: path.dirname(process.execPath), execPath: '/nonexistent' });
  assert.equal(r.source, 'path');
  assert.equal(fs.realpathSync(r.command), fs.realpathSync(process.execPath));
});

test("backend: the config's wins unless auto, then the setting", () => {
  assert.equal(chooseBackend('wasm', 'tfjs-node'), 'wasm');
  assert.equal(chooseBackend('auto', 'tfjs-node'), 'tfjs-node');
  assert.equal(chooseBackend(undefined, 'cpu'), 'cpu');
  assert.equal(chooseBackend('auto', undefined), 'auto');
  assert.equal(chooseBackend('auto', 'bogus'), 'auto');
});

test('train arguments follow the trainer CLI', () => {
  assert.deepEqual(trainArgs('/e/dist/trainer.js', { configPath: '/w/e/gan.config.json', runDir: '/w/.gan/runs/r', backend: 'cpu', steps: 10, seed: 3 }), [
    '/e/dist/trainer.js',
    'train',
    '--config',
    '/w/e/gan.config.json',
    '--run-dir',
    '/w/.gan/runs/r',
    '--backend',
    'cpu',
    '--steps',
    '10',
    '--seed',
    '3',
  ]);
});

// ---- check output ----------------------------------------------------------

test('check output: the result line is found and validated', () => {
  assert.deepEqual(parseCheckOutput('compiling…\n{"ok":true}\n'), { ok: true });
  const bad = parseCheckOutput('{"ok":false,"errors":[{"file":"/w/model.ts","line":12,"column":5,"message":"Expected \\";\\""}]}\n');
  assert.deepEqual(bad, { ok: false, errors: [{ file: '/w/model.ts', line: 12, column: 5, message: 'Expected ";"' }] });
  assert.equal(parseCheckOutput('garbage\n{"ok":"yes"}\n'), undefined);
  assert.equal(parseCheckOutput(''), undefined);
  assert.equal(lastLines('a\nb\nc\nd\n', 2), 'c\nd');
});

// ---- killed-state decision ---------------------------------------------------

const now = new Date('2025-01-01T00:00:10Z');
const live = (state: RunStatus['state'] = 'running'): RunStatus => ({
  state,
  step: 420,
  totalSteps: 2000,
  pid: 4242,
  startedAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:05Z',
});

test('a trainer that recorded its end is left alone', () => {
  for (const state of ['completed', 'stopped', 'failed', 'diverged', 'killed'] as const) {
    assert.equal(decideExitStatus({ ...live(), state }, { code: null, signal: 'SIGKILL' }, { now }), undefined, state);
  }
});

test('signal exit while live → killed, naming the signal and the step', () => {
  for (const state of ['starting', 'running', 'paused'] as const) {
    const s = decideExitStatus(live(state), { code: null, signal: 'SIGKILL' }, { now });
    assert.equal(s?.state, 'killed');
    assert.match(s!.error!, /SIGKILL/);
    assert.match(s!.error!, /step 420 of 2,000/);
    assert.equal(s!.step, 420);
    assert.equal(s!.updatedAt, now.toISOString());
  }
});

test('exit code while live → failed (diverged for 4); unknown exit → killed', () => {
  assert.equal(decideExitStatus(live(), { code: 1, signal: null }, { now })?.state, 'failed');
  assert.match(decideExitStatus(live(), { code: 1, signal: null }, { now })!.error!, /code 1/);
  assert.equal(decideExitStatus(live(), { code: 4, signal: null }, { now })?.state, 'diverged');
  assert.equal(decideExitStatus(live(), { code: null, signal: null, error: 'ENOENT' }, { now })?.state, 'failed');
  const reattached = decideExitStatus(live(), undefined, { now });
  assert.equal(reattached?.state, 'killed');
  assert.match(reattached!.error!, /without a clean stop/);
});

test('no status.json at all: a status is made from the config', () => {
  const s = decideExitStatus(undefined, { code: null, signal: 'SIGTERM' }, { now, totalSteps: 300 });
  assert.deepEqual({ state: s?.state, step: s?.step, total: s?.totalSteps }, { state: 'killed', step: 0, total: 300 });
});

test('recordExit writes status.json atomically and readRunFolder reads it back', () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify(live()));
  const written = recordExit(dir, { code: null, signal: 'SIGKILL' }, { now });
  assert.equal(written?.state, 'killed');
  assert.deepEqual(readStatusFile(dir), written);
  assert.equal(readRunFolder(dir).status.state, 'killed');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['status.json'], 'no temporary file left');
  assert.equal(recordExit(dir, { code: null, signal: 'SIGKILL' }, { now }), undefined, 'second time: already recorded');
});

// ---- tree and status bar texts ------------------------------------------------

test('icons by state, as the tree shows them', () => {
  assert.deepEqual(STATE_ICONS, {
    starting: 'sync~spin',
    running: 'sync~spin',
    paused: 'debug-pause',
    completed: 'pass',
    stopped: 'circle-slash',
    failed: 'error',
    diverged: 'error',
    killed: 'warning',
  });
  for (const s of RUN_STATES) assert.ok(STATE_ICONS[s]);
});

test('tree description, tooltip and status bar text', () => {
  const summary: RunSummary = {
    id: 'exp-20250101-000000',
    name: 'exp',
    variant: 'wgan-gp',
    dataset: '8gaussians',
    status: { ...live(), stepsPerSec: 123.456, backend: { name: 'tfjs-node', reason: 'native binding loaded' }, error: 'boom' },
  };
  assert.equal(treeDescription(summary.status), 'running · 420/2,000');
  assert.equal(statusBarText(summary), '$(pulse) exp 420/2,000 · 123 steps/s · tfjs-node');
  assert.equal(statusBarText({ ...summary, status: { ...summary.status, stepsPerSec: 7.5, backend: undefined } }), '$(pulse) exp 420/2,000 · 7.50 steps/s');
  const tip = treeTooltip(summary, '/w/.gan/runs/exp');
  for (const s of ['wgan-gp', '8gaussians', 'tfjs-node', 'Error: boom', '/w/.gan/runs/exp', 'at step 420 of 2,000']) assert.ok(tip.includes(s), s);
  // Long runs: the counts a toy benchmark reaches stay readable at a glance.
  const long = { ...summary.status, step: 1234567, totalSteps: 10000000 };
  assert.equal(treeDescription(long), 'running · 1,234,567/10,000,000');
  assert.equal(statusBarText({ ...summary, status: { ...long, stepsPerSec: undefined, backend: undefined } }), '$(pulse) exp 1,234,567/10,000,000');
});
