/**
 * Checkpoints and resume through the trainer CLI on the wasm backend, with a
 * tiny model: a run stopped (SIGTERM) or killed (SIGKILL, at a random moment
 * after its first checkpoint) and resumed with `train --resume` reproduces
 * the metrics of an uninterrupted run step by step, with no gap and no
 * duplicate; a killed run's folder stays readable.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { RUN_FILES } from '../../src/protocol/run';
import { checkpointName, checkpointsDir, latestGoodCheckpoint, listCheckpoints } from '../../src/runfolder/checkpoints';
import { readMetrics } from '../../src/runfolder/metricsLog';
import { listSnapshotSteps, readRunFolder } from '../../src/runfolder/read';
import { experiment, readJsonl, requireBuild, runCli, TRAINER, trainCli } from './helpers';

const STEPS = 100;
const CONFIG = {
  name: 'resume',
  variant: 'gan-ns',
  data: { name: '8gaussians' },
  model: { hidden: 16, depth: 2 },
  // Rates decaying from step 30: a resumed run must continue the schedule, not restart it.
  training: { steps: STEPS, batchSize: 32, seed: 7, lrDecayStart: 30 },
  logging: { metricsEvery: 5, samplesEvery: 20, evalSamples: 128, checkpointEvery: 20, keepCheckpoints: 2 },
  backend: 'wasm',
};

/** Metrics without the wall-clock keys, which no two runs share. */
const comparable = (file: string) =>
  readJsonl(file).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'time' && k !== 'stepsPerSec')));

/** Start a training, wait for its first checkpoint (plus `afterMs`), then send `signal`. */
async function interrupted(runDir: string, config: string, signal: NodeJS.Signals, afterMs: number) {
  requireBuild();
  const child = spawn(process.execPath, [TRAINER, 'train', '--config', config, '--run-dir', runDir, '--backend', 'wasm', '--quiet'], { stdio: 'ignore' });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, sig) => r({ code, signal: sig })));
  const first = path.join(checkpointsDir(runDir), checkpointName(CONFIG.logging.checkpointEvery));
  const deadline = Date.now() + 120_000;
  let exited = false;
  void exit.then(() => (exited = true));
  while (!fs.existsSync(first)) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`no first checkpoint (${exited ? 'the trainer exited' : 'timed out'})`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  if (afterMs > 0) await new Promise((r) => setTimeout(r, afterMs));
  child.kill(signal);
  return exit;
}

test('stopped (SIGTERM) or killed (SIGKILL) after a checkpoint, then resumed: the same metrics as an uninterrupted run, step by step', async () => {
  const exp = experiment(CONFIG);
  const full = path.join(exp.dir, 'full');
  const stopped = path.join(exp.dir, 'stopped');
  const killed = path.join(exp.dir, 'killed');
  const killAfter = Math.floor(Math.random() * 400);
  const [r, stopExit, killExit] = await Promise.all([
    trainCli(exp.config, full),
    interrupted(stopped, exp.config, 'SIGTERM', 0),
    interrupted(killed, exp.config, 'SIGKILL', killAfter),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const expected = comparable(path.join(full, RUN_FILES.metrics));
  assert.deepEqual(expected.map((x) => x.step), [1, ...Array.from({ length: STEPS / 5 }, (_, i) => 5 * (i + 1))]);

  // SIGTERM: a clean stop, with a checkpoint where it stopped.
  assert.equal(stopExit.code, 0);
  const stopStatus = JSON.parse(fs.readFileSync(path.join(stopped, RUN_FILES.status), 'utf8'));
  assert.equal(stopStatus.state, 'stopped');
  assert.equal(listCheckpoints(stopped).at(-1), stopStatus.step, 'a checkpoint at the step where it stopped');

  // SIGKILL at a random moment: the folder stays readable.
  assert.equal(killExit.signal, 'SIGKILL');
  const folder = readRunFolder(killed);
  assert.equal(folder.status.state, 'killed');
  const ck = latestGoodCheckpoint(killed, (w) => assert.fail(w));
  assert.ok(ck && ck.manifest.step >= CONFIG.logging.checkpointEvery, 'the last checkpoint loads and verifies');
  const m = readMetrics(path.join(killed, RUN_FILES.metrics));
  assert.ok(m.warnings.every((w) => /incomplete/.test(w)), m.warnings.join('\n'));
  const strip = (rs: Record<string, unknown>[]) => rs.map((x) => Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'time' && k !== 'stepsPerSec')));
  const prefix = strip(m.records);
  assert.deepEqual(prefix, expected.slice(0, prefix.length), 'every flushed line of the killed run is intact');
  assert.ok(prefix.length >= expected.findIndex((x) => x.step === ck.manifest.step) + 1, 'lines up to the checkpoint are there');
  process.stdout.write(`# killed ${killAfter} ms after the first checkpoint: last checkpoint ${ck.manifest.step}, ${prefix.length} records on disk\n`);

  // Resume both; the killed one with a torn last line added for good measure.
  fs.appendFileSync(path.join(killed, RUN_FILES.metrics), '{"step":99999,"ti');
  const [rs, rk] = await Promise.all([runCli(['train', '--resume', stopped, '--quiet']), runCli(['train', '--resume', killed, '--backend', 'wasm', '--quiet'])]);
  for (const [name, res, dir] of [['stopped', rs, stopped], ['killed', rk, killed]] as const) {
    assert.equal(res.code, 0, `${name}: ${res.stderr}`);
    assert.deepEqual(comparable(path.join(dir, RUN_FILES.metrics)), expected, `${name} then resumed: metrics differ from the uninterrupted run`);
    const times = readJsonl(path.join(dir, RUN_FILES.metrics)).map((x) => x.time);
    assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]), `${name}: time goes on from the checkpoint`);
    const status = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.status), 'utf8'));
    assert.equal(status.state, 'completed');
    assert.equal(status.step, STEPS);
    assert.equal(fs.existsSync(path.join(dir, RUN_FILES.lock)), false);
    assert.deepEqual(listSnapshotSteps(dir), listSnapshotSteps(full), `${name}: the same snapshots`);
    assert.ok(listCheckpoints(dir).includes(STEPS));
    assert.ok(listCheckpoints(dir).length <= CONFIG.logging.keepCheckpoints + 1, 'the last N plus the best');
  }
  assert.match(rk.stderr, /torn last line/);
});

test('resume: a damaged newest checkpoint is skipped with a warning for the one before it', async () => {
  const exp = experiment({ ...CONFIG, training: { ...CONFIG.training, steps: 40 } });
  const run = path.join(exp.dir, 'run');
  const full = path.join(exp.dir, 'full');
  const [a, b] = await Promise.all([
    trainCli(exp.config, run, { args: ['--steps', '40'] }),
    trainCli(exp.config, full, { args: ['--steps', '60'] }),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.deepEqual(listCheckpoints(run), [20, 40]);
  const weights = path.join(checkpointsDir(run), checkpointName(40), 'weights.bin');
  const buf = fs.readFileSync(weights);
  buf[buf.length - 1] ^= 0xff;
  fs.writeFileSync(weights, buf);
  const r = await runCli(['train', '--resume', run, '--steps', '60', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /step-00000040.*SHA-256.*falling back/);
  assert.match(r.stderr, /dropped 4 record\(s\) after step 20/);
  assert.deepEqual(comparable(path.join(run, RUN_FILES.metrics)), comparable(path.join(full, RUN_FILES.metrics)));
});

test('resume: usage errors are reported with exit code 2', async () => {
  const exp = experiment(CONFIG);
  const r1 = await runCli(['train', '--resume', exp.dir]);
  assert.equal(r1.code, 2);
  assert.match(r1.stderr, /not a run folder/);
  const r2 = await runCli(['train', '--resume', exp.dir, '--config', exp.config]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /leave out --config/);
  const r3 = await runCli(['train', '--resume', exp.dir, '--seed', '3']);
  assert.equal(r3.code, 2);
  assert.match(r3.stderr, /--seed cannot change on resume/);
});
