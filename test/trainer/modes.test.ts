/**
 * End to end through the trainer CLI (the code the extension runs) on the
 * wasm backend, with a fixed seed and a small budget: training must reach
 * the data, judged by what it achieved, not by the losses.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { experiment, pool, readJsonl, trainCli } from './helpers';

interface Case {
  variant: string;
  training: { steps: number; [field: string]: number };
  options?: object;
  model?: object;
}

// Every case must cover at least 6 of the 8 modes and end at or below half its first sliced
// Wasserstein distance (the bar), on seed 1 with 2,500 evaluation samples.
const CASES: Case[] = [
  // Non-saturating loss, Adam β1 = 0.5 at 1e-3 (suits the small 2-D problem). 64 hidden units, not the
  // template's 128: measured on seeds 1–4 at 1,500 steps, 64 units end at 0.09–0.40 of the first distance
  // with 7–8 modes, 128 units at 0.70 (mass left between modes).
  { variant: 'gan-ns', model: { hidden: 64 }, training: { steps: 1500, lrD: 1e-3, lrG: 1e-3 } },
  // WGAN-GP with the penalty weight and β1 of the paper's own toy-data script (gan_toy.py: λ = 0.1, β1 = 0.5):
  // 7–8 modes from ~600 steps (seeds 1, 3, 4, 5).
  { variant: 'wgan-gp', training: { steps: 700, lrD: 5e-4, lrG: 5e-4, beta1: 0.5 }, options: { gpWeight: 0.1 } },
  // WGAN with clipping: the paper's RMSProp and 5 critic steps, but c = 0.1 and 5e-4 (c = 0.01 with 5e-5
  // needs tens of thousands of steps here). Measured on seeds 1–3: 7 modes, 0.19–0.24 of the first distance.
  { variant: 'wgan-clip', model: { hidden: 64 }, training: { steps: 1500, lrD: 5e-4, lrG: 5e-4 }, options: { clipValue: 0.1 } },
];

async function trainCase(c: Case) {
  const exp = experiment({
    name: `modes-${c.variant}`,
    variant: c.variant,
    data: { name: '8gaussians' },
    training: { seed: 1, batchSize: 256, ...c.training },
    model: c.model ?? {},
    options: c.options ?? {},
    logging: { metricsEvery: 50, samplesEvery: 200, evalSamples: 2500 },
  });
  const runDir = path.join(exp.dir, 'run');
  const r = await trainCli(exp.config, runDir);
  return { r, runDir };
}

test('non-saturating GAN, WGAN-GP and WGAN (clipping) each cover at least 6 of the 8 Gaussians and halve the sliced Wasserstein distance', async () => {
  // The runs are independent processes: two at a time, one per core.
  const results = await pool(CASES, 2, trainCase);
  results.forEach(({ r, runDir }, i) => {
    const name = CASES[i].variant;
    assert.equal(r.code, 0, `${name}: trainer exited ${r.code}\n${r.stderr}`);
    const metrics = readJsonl(path.join(runDir, 'metrics.jsonl'));
    const first = metrics[0];
    const last = metrics[metrics.length - 1];
    const status = JSON.parse(fs.readFileSync(path.join(runDir, 'status.json'), 'utf8'));
    process.stdout.write(`# ${name}: ${last.modesCovered}/8 modes, HQ ${last.hqPercent.toFixed(1)}%, swd ${first.swd.toFixed(3)} → ${last.swd.toFixed(3)}, ${last.time.toFixed(0)} s\n`);
    assert.equal(status.state, 'completed');
    assert.equal(last.step, CASES[i].training.steps);
    assert.ok(last.modesCovered >= 6, `${name}: covers ${last.modesCovered} of 8 modes at step ${last.step}`);
    assert.ok(last.swd <= first.swd / 2, `${name}: sliced Wasserstein ${first.swd} → ${last.swd} did not halve`);
    assert.ok(fs.readdirSync(path.join(runDir, 'samples')).length >= 2, `${name}: sample snapshots missing`);
    assert.equal(fs.existsSync(path.join(runDir, 'lock.json')), false, `${name}: lock not released`);
  });
});
