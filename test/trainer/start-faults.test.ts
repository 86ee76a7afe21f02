/**
 * Faults while a trainer starts (found by bench/faults.ts): a write that
 * fails while the run folder is created, and a SIGTERM while it opens. Both
 * must leave a folder that a retry or `--resume` takes back.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { RUN_FILES } from '../../src/protocol/run';
import { listCheckpoints } from '../../src/runfolder/checkpoints';
import { readRunFolder } from '../../src/runfolder/read';
import { experiment, requireBuild, runCli, TRAINER } from './helpers';

const CONFIG = {
  name: 'start-faults',
  variant: 'gan-ns',
  data: { name: '8gaussians' },
  model: { hidden: 16, depth: 2 },
  training: { steps: 20, batchSize: 32, seed: 3 },
  logging: { metricsEvery: 5, samplesEvery: 20, evalSamples: 128, checkpointEvery: 10 },
  backend: 'wasm',
};

test('a start whose writes fail (ulimit -f 1) leaves no run with a torn model.ts and no lock; the same start with room trains', { skip: process.platform === 'win32' ? 'needs bash and ulimit' : false }, async () => {
  requireBuild();
  const exp = experiment(CONFIG);
  const runDir = path.join(exp.dir, 'run');
  const model = fs.readFileSync(path.join(exp.dir, 'model.ts'), 'utf8');
  assert.ok(Buffer.byteLength(model) > 1024, 'the model is larger than the 1 KiB limit');
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('bash', ['-c', 'ulimit -f 1 && exec "$0" "$@"', process.execPath, TRAINER, 'train', '--config', exp.config, '--run-dir', runDir, '--quiet'], { stdio: 'ignore' });
    child.on('close', resolve);
  });
  assert.equal(code, 1, 'the trainer reports the failed write');
  if (fs.existsSync(path.join(runDir, RUN_FILES.config))) {
    assert.equal(fs.readFileSync(path.join(runDir, RUN_FILES.model), 'utf8'), model, 'a run folder holds the whole model it trains');
  }
  assert.equal(fs.existsSync(path.join(runDir, RUN_FILES.lock)), false, 'the lock is given back');
  assert.deepEqual(fs.readdirSync(runDir).filter((n) => n.startsWith('.')), [], 'no temporary files');
  const r = await runCli(['train', '--config', exp.config, '--run-dir', runDir, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readRunFolder(runDir).status.state, 'completed');
});

test('SIGTERM while the run folder opens (lock taken, backend loading) is a clean stop with a checkpoint, and the run resumes', async () => {
  requireBuild();
  const exp = experiment(CONFIG);
  const runDir = path.join(exp.dir, 'run');
  const child = spawn(process.execPath, [TRAINER, 'train', '--config', exp.config, '--run-dir', runDir, '--quiet'], { stdio: 'ignore' });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
  const lock = path.join(runDir, RUN_FILES.lock);
  const deadline = Date.now() + 120_000;
  while (!fs.existsSync(lock)) {
    assert.ok(Date.now() < deadline && child.exitCode === null, 'the trainer took its lock');
    await new Promise((r) => setTimeout(r, 2));
  }
  child.kill('SIGTERM');
  const x = await exit;
  assert.deepEqual(x, { code: 0, signal: null }, 'a clean exit, not a kill');
  const folder = readRunFolder(runDir);
  assert.equal(folder.status.state, 'stopped');
  assert.equal(folder.live, false);
  assert.equal(fs.existsSync(lock), false, 'the lock is released');
  assert.equal(listCheckpoints(runDir).at(-1), folder.status.step, 'a checkpoint where it stopped');
  const r = await runCli(['train', '--resume', runDir, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readRunFolder(runDir).status.state, 'completed');
});
