import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiveDoctor } from '../../src/doctor/liveDoctor';
import { resolveConfig } from '../../src/protocol/config';
import type { MetricRecord } from '../../src/protocol/metrics';

const cfg = resolveConfig({ name: 'x', variant: 'gan-ns', data: { name: '8gaussians' }, training: { steps: 2000 } });
const ctx = { config: cfg, output: 'logit' as const, dataModes: 8, totalSteps: 2000 };

const rec = (i: number, over: Partial<Record<string, number | null>> = {}): MetricRecord =>
  ({ step: 10 * (i + 1), time: i, lossD: 1.3, lossG: 0.8, gradNormD: 1.5, gradNormG: 3, dReal: 0.55, dFake: 0.45, swd: 0.3, modesCovered: 7, ...over }) as MetricRecord;

test('live doctor: a serious finding is announced once, stays on the panel when the pattern goes away, and comes back active', () => {
  const d = new LiveDoctor(ctx);
  assert.deepEqual(d.add(Array.from({ length: 40 }, (_, i) => rec(i))).findings, []);
  // Collapse to one mode from record 40 on.
  let announced = 0;
  for (let i = 40; i < 70; i++) announced += d.add([rec(i, { modesCovered: 1 })]).announce.length;
  assert.equal(announced, 1, 'announced once, not on every record');
  const f = d.findings().find((x) => x.detector === 'mode-collapse');
  assert.ok(f && f.active);
  // Half the window collapsed: its median (4 of 8) is already ≤ 60% of the 7 covered before.
  assert.equal(f.firstStep, 450);
  // Recovery: the finding stays, inactive, with its evidence.
  for (let i = 70; i < 90; i++) d.add([rec(i)]);
  const later = d.findings().find((x) => x.detector === 'mode-collapse');
  assert.ok(later && !later.active);
  assert.equal(later.firstStep, 450);
  // Collapse again: active again, not announced a second time.
  let again = 0;
  for (let i = 90; i < 110; i++) again += d.add([rec(i, { modesCovered: 1 })]).announce.length;
  assert.equal(again, 0);
  assert.ok(d.findings().find((x) => x.detector === 'mode-collapse')?.active);
});

test('live doctor: records already seen are ignored (a reattached dashboard replays the folder)', () => {
  const d = new LiveDoctor(ctx);
  const rs = Array.from({ length: 30 }, (_, i) => rec(i));
  d.add(rs);
  d.add(rs.slice(10));
  assert.equal(d.retained, 30);
});

test('live doctor: a diverged end is a finding naming the quantity', () => {
  const d = new LiveDoctor(ctx);
  d.add(Array.from({ length: 20 }, (_, i) => rec(i)));
  const u = d.ended('diverged', 205, "diverged at step 205: the discriminator loss is not finite; the update was not applied");
  assert.equal(u.announce.length, 1);
  assert.match(u.announce[0].evidence.seen, /discriminator loss is not finite/);
});

test('live doctor: memory stays bounded on a long run (10⁶ records)', () => {
  const d = new LiveDoctor(ctx);
  for (let b = 0; b < 1000; b++) d.add(Array.from({ length: 1000 }, (_, k) => rec(b * 1000 + k)));
  assert.ok(d.retained <= 10_000, `retains ${d.retained} records`);
});
