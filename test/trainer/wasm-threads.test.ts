/**
 * The wasm backend's threads (src/trainer/kernels/wasmThreads.ts): an image
 * model trains on one thread per core by default, says so in the run's
 * backend reason, and computes exactly what the stock single-thread build
 * computes; toy models stay on one thread.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { experiment, readJsonl, requireBuild, trainCli } from './helpers';

const DCGAN = fs.readFileSync('templates/image/model.ts', 'utf8');
const cores = Math.min(os.availableParallelism(), 8);

async function train(dir: string, name: string, threads: string | undefined) {
  const runDir = path.join(dir, name);
  const env = { ...process.env };
  if (threads === undefined) delete env.GAN_WASM_THREADS;
  else env.GAN_WASM_THREADS = threads;
  const r = await trainCli(path.join(dir, 'gan.config.json'), runDir, { env });
  assert.equal(r.code, 0, r.stderr);
  const status = JSON.parse(fs.readFileSync(path.join(runDir, 'status.json'), 'utf8'));
  // Wall-clock fields differ between any two runs; everything computed must not.
  const metrics = readJsonl(path.join(runDir, 'metrics.jsonl')).map(({ time: _t, stepsPerSec: _s, ...m }) => m);
  return { reason: String(status.backend.reason), metrics };
}

test('DCGAN on MNIST: one thread per core by default, the same numbers as the single-thread build; GAN_WASM_THREADS=1 forces one', { timeout: 600_000 }, async () => {
  requireBuild();
  const exp = experiment(
    { name: 'threads', variant: 'gan-ns', model: { latentDim: 16, hidden: 8, depth: 2 }, data: { kind: 'mnist' }, training: { steps: 6, batchSize: 16, seed: 4 }, logging: { metricsEvery: 2, samplesEvery: 1000, evalSamples: 64, imageMetricsEvery: 0 } },
    DCGAN,
  );
  try {
    const threaded = await train(exp.dir, 'threaded', undefined);
    const single = await train(exp.dir, 'single', '1');
    assert.match(threaded.reason, new RegExp(`^${cores} threads?;`), threaded.reason);
    assert.match(single.reason, /^1 thread;/, single.reason);
    // The project's SIMD modules (the convolution product, the heap passes) run on both builds.
    for (const r of [threaded, single]) assert.match(r.reason, /; SIMD kernels;/, r.reason);
    assert.equal(threaded.metrics.length, 4);
    assert.deepEqual(threaded.metrics, single.metrics);
  } finally {
    fs.rmSync(exp.dir, { recursive: true, force: true });
  }
});

test('toy data stays on one thread; a bad GAN_WASM_THREADS is refused by name, also under auto', { timeout: 300_000 }, async () => {
  requireBuild();
  const exp = experiment({ name: 'toy-threads', variant: 'gan-ns', data: { name: '8gaussians' }, training: { steps: 2 }, logging: { metricsEvery: 1 } });
  try {
    assert.match((await train(exp.dir, 'toy', undefined)).reason, /^1 thread;/);
    const env = { ...process.env, GAN_WASM_THREADS: 'two' };
    const bad = await trainCli(exp.config, path.join(exp.dir, 'bad'), { env });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr + bad.stdout, /GAN_WASM_THREADS must be a whole number ≥ 1, not 'two'/);
    // With 'auto' too: it stops before any backend is tried, instead of passing over wasm for cpu, and writes no run folder.
    const autoRun = path.join(exp.dir, 'bad-auto');
    const auto = await trainCli(exp.config, autoRun, { backend: 'auto', env });
    assert.notEqual(auto.code, 0);
    assert.match(auto.stderr + auto.stdout, /GAN_WASM_THREADS must be a whole number ≥ 1, not 'two'/);
    assert.equal(fs.existsSync(autoRun), false, 'no run folder');
  } finally {
    fs.rmSync(exp.dir, { recursive: true, force: true });
  }
});
