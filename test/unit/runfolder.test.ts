import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { RUN_FILES, type RunStatus } from '../../src/protocol/run';
import { writeJsonAtomic } from '../../src/runfolder/atomic';
import { acquireLock, liveLock, releaseLock, RunLockedError } from '../../src/runfolder/lock';
import { MetricsWriter, parseMetricsText, readMetrics, repairTornTail } from '../../src/runfolder/metricsLog';
import { readRunContents, readRunFolder, runSummary } from '../../src/runfolder/read';
import { resolveConfig } from '../../src/protocol/config';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-test-'));

test('metrics log: appended records read back; NaN and Inf are stored as null', () => {
  const dir = tmp();
  const w = new MetricsWriter(path.join(dir, 'm.jsonl'));
  w.append([{ step: 1, time: 0.1, lossD: 0.5 }, { step: 2, time: 0.2, lossD: NaN, lossG: Infinity }]);
  w.close();
  const r = readMetrics(path.join(dir, 'm.jsonl'));
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.records, [{ step: 1, time: 0.1, lossD: 0.5 }, { step: 2, time: 0.2, lossD: null, lossG: null }]);
});

test('metrics log: a torn last line is skipped with a warning and never breaks earlier lines', () => {
  const text = '{"step":1,"time":0}\n{"step":2,"time":1}\n{"step":3,"ti';
  const r = parseMetricsText(text);
  assert.deepEqual(r.records.map((x) => x.step), [1, 2]);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /incomplete/);
  assert.equal(r.offset, Buffer.byteLength('{"step":1,"time":0}\n{"step":2,"time":1}\n'));
});

test('metrics log: garbage lines in the middle are skipped by line number', () => {
  const r = parseMetricsText('{"step":1,"time":0}\nnot json\n{"step":"x","time":0}\n{"step":4,"time":1}\n');
  assert.deepEqual(r.records.map((x) => x.step), [1, 4]);
  assert.match(r.warnings[0], /line 2 is not valid JSON/);
  assert.match(r.warnings[1], /line 3 is not a metrics record \(step/);
});

test('metrics log: reading from an offset continues a tail; repairTornTail cuts only the torn line', () => {
  const dir = tmp();
  const f = path.join(dir, 'm.jsonl');
  fs.writeFileSync(f, '{"step":1,"time":0}\n');
  const first = readMetrics(f);
  fs.appendFileSync(f, '{"step":2,"time":1}\n{"step":3');
  const next = readMetrics(f, first.offset);
  assert.deepEqual(next.records.map((x) => x.step), [2]);
  assert.equal(repairTornTail(f), Buffer.byteLength('{"step":3'));
  assert.equal(fs.readFileSync(f, 'utf8'), '{"step":1,"time":0}\n{"step":2,"time":1}\n');
  assert.equal(repairTornTail(f), 0);
});

test('atomic write leaves no temporary files and replaces the content', () => {
  const dir = tmp();
  const f = path.join(dir, 'status.json');
  writeJsonAtomic(f, { a: 1 });
  writeJsonAtomic(f, { a: 2 });
  assert.deepEqual(JSON.parse(fs.readFileSync(f, 'utf8')), { a: 2 });
  assert.deepEqual(fs.readdirSync(dir), ['status.json']);
});

test('lock: a live owner blocks a second taker; a dead owner\'s lock is stale and cleared', async () => {
  const dir = tmp();
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    acquireLock(dir, { pid: child.pid!, socket: '/tmp/x.sock', startedAt: 'now' }); // written on the child's behalf
    assert.throws(() => acquireLock(dir, { pid: process.pid, socket: '/tmp/y.sock', startedAt: 'now' }), RunLockedError);
    assert.equal(liveLock(dir)?.pid, child.pid);
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  assert.equal(liveLock(dir), undefined);
  acquireLock(dir, { pid: process.pid, socket: '/tmp/y.sock', startedAt: 'now' });
  assert.equal(liveLock(dir)?.pid, process.pid);
  releaseLock(dir);
  assert.equal(fs.existsSync(path.join(dir, RUN_FILES.lock)), false);
});

test('lock: garbage in lock.json counts as stale', () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, RUN_FILES.lock), 'garbage');
  acquireLock(dir, { pid: process.pid, socket: '/tmp/z.sock', startedAt: 'now' });
  assert.equal(liveLock(dir)?.pid, process.pid);
});

const status = (state: RunStatus['state']): RunStatus => ({ state, step: 5, totalSteps: 10, startedAt: 'a', updatedAt: 'b' });

test('run folder: a "running" status with no live owner reads as killed', () => {
  const dir = tmp();
  writeJsonAtomic(path.join(dir, RUN_FILES.status), status('running'));
  const r = readRunFolder(dir);
  assert.equal(r.status.state, 'killed');
  assert.equal(r.live, false);
  assert.match(r.status.error!, /without a clean stop/);
});

test('run folder: missing and garbage files become warnings, never an exception', () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, RUN_FILES.config), '{ nope');
  fs.mkdirSync(path.join(dir, RUN_FILES.samples));
  fs.writeFileSync(path.join(dir, RUN_FILES.samples, 'step-00000010.json'), 'garbage');
  fs.writeFileSync(path.join(dir, RUN_FILES.metrics), '{"step":1,"time":0}\n{"st');
  const r = readRunContents(dir);
  assert.equal(r.status.state, 'failed');
  assert.equal(r.metrics.length, 1);
  assert.equal(r.snapshot, undefined);
  const w = r.warnings.join('\n');
  assert.match(w, /config.json is unreadable/);
  assert.match(w, /status.json is missing/);
  assert.match(w, /snapshot of step 10 is unreadable/);
  assert.match(w, /incomplete/);
});

test("run summary: a run that keeps G's moving average says so (the dashboard's 'samples from'), one whose rates decay says from where; one without says nothing", () => {
  const summaryOf = (training: object) => {
    const dir = tmp();
    writeJsonAtomic(path.join(dir, RUN_FILES.config), resolveConfig({ name: 'r', variant: 'gan-ns', data: { name: '8gaussians' }, training }));
    writeJsonAtomic(path.join(dir, RUN_FILES.status), status('completed'));
    return runSummary(readRunFolder(dir));
  };
  assert.equal(summaryOf({ emaG: 0.999 }).generatorAverage, 0.999);
  assert.equal('generatorAverage' in summaryOf({}), false);
  assert.equal(summaryOf({ steps: 100, lrDecayStart: 0 }).lrDecayStart, 0, 'a decay from the first step is still a decay');
  assert.equal('lrDecayStart' in summaryOf({}), false);
});
