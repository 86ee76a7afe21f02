/**
 * Part of the doctor's zoo (bench/lib/zoo.ts; the whole zoo over several
 * seeds is bench/doctor-zoo.ts): runs whose failure is known, trained through
 * the trainer CLI with seed 1, diagnosed record by record as the live
 * dashboard does. The doctor must name the failure within the entry's budget,
 * stay silent on the healthy run, and its first fix must measurably help.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixedConfig, outcome, replay, trainConfig, ZOO, type RunResult } from '../../bench/lib/zoo';
import { requireBuild } from './helpers';

const entry = (id: string) => {
  const e = ZOO.find((z) => z.id === id);
  if (!e) throw new Error(`no zoo entry ${id}`);
  return e;
};

test('doctor zoo (seed 1): learning rate 0.1 and a clipped critic at c = 1 are named in time; healthy WGAN-GP raises nothing; the fix helps', async () => {
  requireBuild();
  const ids = ['lr-0.1', 'wgan-clip-c1', 'healthy-wgan-gp'];
  // Two trainer processes at a time on the two cores.
  const runs: Record<string, RunResult> = {};
  await Promise.all([
    (async () => {
      runs['lr-0.1'] = await trainConfig(entry('lr-0.1').config, 1);
      runs['wgan-clip-c1'] = await trainConfig(entry('wgan-clip-c1').config, 1);
    })(),
    (async () => {
      runs['healthy-wgan-gp'] = await trainConfig(entry('healthy-wgan-gp').config, 1);
    })(),
  ]);
  const report: string[] = [];
  for (const id of ids) {
    const e = entry(id);
    const { firstFired } = replay(runs[id]);
    report.push(`${id}: ${[...firstFired].map(([d, s]) => `${d}@${s}`).join(', ') || 'no finding'}`);
    if (e.expect) {
      const at = firstFired.get(e.expect);
      assert.ok(at !== undefined && at <= e.within, `${id}: expected ${e.expect} by step ${e.within}, got ${report[report.length - 1]}`);
      for (const d of firstFired.keys()) assert.ok(d === e.expect || e.also?.includes(d), `${id}: unexpected finding ${d}`);
    } else {
      assert.equal(firstFired.size, 0, `healthy run raised ${report[report.length - 1]}`);
    }
  }
  // Apply the first fix for the lr = 0.1 run (what "Apply fix" starts) and train it with the same seed and budget.
  const broken = runs['lr-0.1'];
  const finding = replay(broken).firstFindings.get('divergence');
  assert.ok(finding);
  const fixed = await trainConfig(fixedConfig(broken, finding), 1);
  const before = outcome(broken.records);
  const after = outcome(fixed.records);
  report.push(`lr-0.1 fix "${finding.fixes[0].label}": modes ${before.modes} → ${after.modes}, swd ${before.swd?.toFixed(3)} → ${after.swd?.toFixed(3)}`);
  process.stdout.write(report.map((l) => `# ${l}\n`).join(''));
  // Measured (seed 1): ÷254, modes 1 → 5, sliced Wasserstein 1.18 → 0.34.
  assert.ok(after.swd! < 0.5 * before.swd!, `the fix did not halve the sliced Wasserstein distance: ${before.swd} → ${after.swd}`);
  assert.ok(after.modes! > before.modes!, `the fix did not cover more modes: ${before.modes} → ${after.modes}`);
});
