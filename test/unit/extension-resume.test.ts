/**
 * GAN: Resume Run, the vscode-free parts: which runs are offered, and the
 * trainer command line it starts (`train --resume DIR`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunStatus } from '../../src/protocol/run';
import { resumability, runResumability } from '../../src/extension/runs/resumable';
import { trainArgs } from '../../src/extension/runs/trainerProcess';
import { checkpointName, checkpointsDir } from '../../src/runfolder/checkpoints';
import { tmpDir } from './extension-helpers';

const status = (state: RunStatus['state'], step = 120): RunStatus => ({ state, step, totalSteps: 500, startedAt: 'a', updatedAt: 'b' });

test('resumable: killed, stopped or failed, not live, with a checkpoint; the newest checkpoint step is named', () => {
  for (const s of ['killed', 'stopped', 'failed'] as const) assert.deepEqual(resumability(status(s), false, [100, 40]), { ok: true, step: 100 });
  assert.deepEqual(resumability(status('killed'), true, [100]), { ok: false, reason: 'it is training now' });
  assert.deepEqual(resumability(status('completed'), false, [500]), { ok: false, reason: 'it has completed' });
  assert.deepEqual(resumability(status('diverged'), false, [100]), { ok: false, reason: 'it is diverged' });
  assert.equal(resumability(status('running'), false, [100]).ok, false);
  const none = resumability(status('killed'), false, []);
  assert.equal(none.ok, false);
  assert.match(!none.ok ? none.reason : '', /no checkpoint/);
});

test('resumable from the folder: checkpoint directories count, temporary ones do not', () => {
  const dir = tmpDir();
  assert.equal(runResumability(dir, status('killed'), false).ok, false);
  fs.mkdirSync(path.join(checkpointsDir(dir), `.tmp-${checkpointName(60)}-123`), { recursive: true });
  assert.equal(runResumability(dir, status('killed'), false).ok, false);
  fs.mkdirSync(path.join(checkpointsDir(dir), checkpointName(40)));
  assert.deepEqual(runResumability(dir, status('killed'), false), { ok: true, step: 40 });
});

test('resume arguments follow the trainer CLI: --resume DIR, the backend, steps; never a seed', () => {
  assert.deepEqual(trainArgs('/e/dist/trainer.js', { configPath: '/w/.gan/runs/r/config.json', runDir: '/w/.gan/runs/r', backend: 'wasm', resume: true, seed: 3 }), [
    '/e/dist/trainer.js',
    'train',
    '--resume',
    '/w/.gan/runs/r',
    '--backend',
    'wasm',
  ]);
  assert.deepEqual(trainArgs('t.js', { configPath: 'c', runDir: 'r', backend: 'cpu', resume: true, steps: 900 }).slice(-2), ['--steps', '900']);
});
