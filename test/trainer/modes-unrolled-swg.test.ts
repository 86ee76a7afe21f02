/**
 * Unrolled GAN and the sliced Wasserstein generator (random and learned
 * projections) end to end through the trainer CLI on the wasm backend, with a
 * fixed seed and a small budget: each must cover at least 6 of the 8 Gaussians
 * and end with at most half the sliced Wasserstein distance it started with.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { experiment, readJsonl, trainCli } from './helpers';

interface Case {
  name: string;
  variant: string;
  training: { steps: number; [field: string]: number };
  options?: object;
}

// Hidden 64, depth 2, batch 256, seed 1. Learning rates above the papers' image-data defaults suit the
// small 2-D problem and budget (see docs/measured.md for the runs these budgets come from).
const CASES: Case[] = [
  // K = 5 as in the paper; each generator step costs about six discriminator updates plus their backward pass.
  { name: 'unrolled', variant: 'unrolled', training: { steps: 400, lrD: 1e-3, lrG: 1e-3 }, options: { unrollSteps: 5 } },
  { name: 'swg-learned', variant: 'swg', training: { steps: 400, lrD: 1e-3, lrG: 1e-3 }, options: { swProjections: 'learned', swDirections: 256 } },
  { name: 'swg-random', variant: 'swg', training: { steps: 500, lrD: 3e-3, lrG: 3e-3 }, options: { swProjections: 'random', swDirections: 256 } },
];

async function trainCase(c: Case) {
  const exp = experiment({
    name: `modes-${c.name}`,
    variant: c.variant,
    data: { name: '8gaussians' },
    model: { hidden: 64, depth: 2 },
    training: { seed: 1, batchSize: 256, ...c.training },
    options: c.options ?? {},
    logging: { metricsEvery: 50, samplesEvery: 200, evalSamples: 2500 },
  });
  const runDir = path.join(exp.dir, 'run');
  const t0 = performance.now();
  const r = await trainCli(exp.config, runDir);
  return { c, r, runDir, seconds: (performance.now() - t0) / 1000 };
}

test('Unrolled GAN and the sliced Wasserstein generator (random and learned projections) cover at least 6 of 8 modes and halve the distance', async () => {
  // Unrolled GAN is the long one: start it first, the two SWG runs share the other core.
  const unrolled = trainCase(CASES[0]);
  const swg = (async () => [await trainCase(CASES[1]), await trainCase(CASES[2])])();
  const results = [await unrolled, ...(await swg)];
  const failures: string[] = [];
  for (const { c, r, runDir, seconds } of results) {
    if (r.code !== 0) {
      failures.push(`${c.name}: trainer exited ${r.code}\n${r.stderr}`);
      continue;
    }
    const metrics = readJsonl(path.join(runDir, 'metrics.jsonl'));
    const first = metrics[0];
    const last = metrics[metrics.length - 1];
    process.stdout.write(`# ${c.name}: ${last.modesCovered}/8 modes, swd ${first.swd.toFixed(3)} → ${last.swd.toFixed(3)}, lossG ${last.lossG.toFixed(3)}, ${seconds.toFixed(0)} s\n`);
    if (last.step !== c.training.steps) failures.push(`${c.name}: ended at step ${last.step}`);
    if (!(last.modesCovered >= 6)) failures.push(`${c.name}: covers ${last.modesCovered} of 8 modes at step ${last.step}`);
    if (!(last.swd <= first.swd / 2)) failures.push(`${c.name}: sliced Wasserstein ${first.swd} → ${last.swd} did not halve`);
    if (JSON.parse(fs.readFileSync(path.join(runDir, 'status.json'), 'utf8')).state !== 'completed') failures.push(`${c.name}: not completed`);
  }
  assert.deepEqual(failures, []);
});
