import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../../src/protocol/config';
import type { MetricRecord } from '../../src/protocol/metrics';
import { applyFix, DETECTORS, diagnose, type DoctorContext } from '../../src/doctor/detectors';

const ns = resolveConfig({ name: 'x', variant: 'gan-ns', data: { name: '8gaussians' }, training: { steps: 2000 } });
const wgan = resolveConfig({ name: 'x', variant: 'wgan-gp', data: { name: '8gaussians' }, training: { steps: 2000 }, options: { gpWeight: 0.1 } });
const ctxNs: DoctorContext = { config: ns, output: 'logit', dataModes: 8, totalSteps: 2000 };
const ctxW: DoctorContext = { config: wgan, output: 'critic', dataModes: 8, totalSteps: 2000 };

/** A healthy-looking stream: 100 records every 10 steps; `f(i)` overrides fields of record i. */
function stream(f: (i: number) => Partial<Record<string, number | null>> = () => ({}), n = 100): MetricRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    step: 10 * (i + 1),
    time: i,
    lossD: 1.3 - 0.001 * i,
    lossG: 0.8 + 0.001 * i,
    gradNormD: 1.5,
    gradNormG: 3,
    dReal: 0.55,
    dFake: 0.45,
    wEstimate: 0.2,
    swd: 0.5 / (1 + i / 10),
    modesCovered: Math.min(8, 2 + Math.floor(i / 10)),
    ...f(i),
  }) as MetricRecord);
}

const ids = (rs: MetricRecord[], ctx: DoctorContext) => diagnose(rs, ctx).map((f) => f.detector);

test('healthy streams raise no finding', () => {
  assert.deepEqual(ids(stream(), ctxNs), []);
  assert.deepEqual(ids(stream((i) => ({ gp: 0.05, dReal: 0.3 + 0.001 * i, dFake: -0.1 })), ctxW), []);
});

test('mode collapse: fires when ≤ 1/4 of the modes stay covered, silent at half', () => {
  const collapsed = stream((i) => ({ modesCovered: i < 30 ? 6 : 1 }));
  const f = diagnose(collapsed, ctxNs).find((x) => x.detector === 'mode-collapse');
  assert.ok(f, 'mode collapse not detected');
  assert.equal(f.evidence.metric, 'modesCovered');
  assert.equal(f.evidence.toStep, 1000);
  assert.match(f.evidence.seen, /median 1\.00 of 8/);
  assert.ok(!ids(stream((i) => ({ modesCovered: i < 30 ? 6 : 4 })), ctxNs).includes('mode-collapse'));
  // Modes found, then lost: 20 of 25 covered early, 10 now.
  const ctx25 = { ...ctxNs, dataModes: 25 };
  const dropped = diagnose(stream((i) => ({ modesCovered: i < 40 ? 20 : 10 })), ctx25).find((x) => x.detector === 'mode-collapse');
  assert.ok(dropped);
  assert.match(dropped.evidence.seen, /down from 20/);
  assert.ok(!ids(stream((i) => ({ modesCovered: i < 40 ? 20 : 14 })), ctx25).includes('mode-collapse'));
  // Not in the first 200 steps of a short run, where a toy generator is still spreading out.
  const short = { ...ctxNs, totalSteps: 200 };
  assert.ok(!ids(stream(() => ({ modesCovered: 1 }), 19), short).includes('mode-collapse'));
  assert.ok(ids(stream(() => ({ modesCovered: 1 }), 20), short).includes('mode-collapse'));
  // Not during warm-up, and not without modes to count.
  assert.ok(!ids(stream(() => ({ modesCovered: 1 }), 15), ctxNs).includes('mode-collapse'));
  assert.ok(!ids(collapsed, { ...ctxNs, dataModes: undefined }).includes('mode-collapse'));
});

test('discriminator overpowering: D(x) → 1, D(G(z)) → 0 and ‖∇G‖ collapsing; silent when G keeps its gradient', () => {
  const wins = stream((i) => (i < 50 ? {} : { dReal: 0.99, dFake: 0.01, gradNormG: 0.05 }));
  const f = diagnose(wins, ctxNs).find((x) => x.detector === 'discriminator-wins');
  assert.ok(f);
  assert.match(f.evidence.seen, /‖∇G‖ fell from 3\.00/);
  // Near miss: D confident but G still gets gradient (the non-saturating loss does that).
  assert.ok(!ids(stream((i) => (i < 50 ? {} : { dReal: 0.99, dFake: 0.01, gradNormG: 2 })), ctxNs).includes('discriminator-wins'));
  assert.ok(!ids(stream((i) => (i < 50 ? {} : { dReal: 0.9, dFake: 0.1, gradNormG: 0.05 })), ctxNs).includes('discriminator-wins'));
  // Critics have no probabilities: never applies to them.
  assert.ok(!ids(wins, ctxW).includes('discriminator-wins'));
});

test('divergence: exploding gradient norms, or a non-finite value; silent for a 10× rise', () => {
  const boom = stream((i) => ({ gradNormD: i < 90 ? 1.5 : 1.5 * 10 ** (i - 87) }));
  const f = diagnose(boom, ctxNs).find((x) => x.detector === 'divergence');
  assert.ok(f);
  assert.equal(f.evidence.metric, 'gradNormD');
  assert.ok(ids(stream((i) => (i === 98 ? { lossD: null } : {})), ctxNs).includes('divergence'));
  assert.ok(!ids(stream((i) => ({ gradNormD: i < 90 ? 1.5 : 15 })), ctxNs).includes('divergence'));
});

test('critic not Lipschitz: ‖∇ₓD‖ on interpolates above 4 and rising, or clipping saturated; silent near 1 or when steady', () => {
  const rising = stream((i) => ({ critGradNorm: 1 + 0.06 * i, dReal: 0.3, dFake: -0.1 }));
  const f = diagnose(rising, ctxW).find((x) => x.detector === 'critic-not-lipschitz');
  assert.ok(f);
  assert.equal(f.evidence.metric, 'critGradNorm');
  assert.match(f.evidence.seen, /≈ 6\.67 and rising/);
  // Near miss: a healthy toy WGAN-GP with a weak penalty peaks near 3 and settles.
  assert.ok(!ids(stream((i) => ({ critGradNorm: i < 30 ? 1 + 0.07 * i : 1.8 })), ctxW).includes('critic-not-lipschitz'));
  // Large but no longer growing: not a live finding.
  assert.ok(!ids(stream(() => ({ critGradNorm: 5 })), ctxW).includes('critic-not-lipschitz'));
  assert.ok(ids(stream(() => ({ clipShare: 0.9, dReal: 0.3, dFake: -0.1 })), ctxW).includes('critic-not-lipschitz'));
});

test('divergence: steps as large as a few percent of the weights; silent at healthy step sizes', () => {
  const big = stream((i) => ({ updateRatioD: i > 90 ? 0.05 : 0.002, updateRatioG: 0.001 }));
  const f = diagnose(big, ctxNs).find((x) => x.detector === 'divergence');
  assert.ok(f);
  assert.match(f.evidence.seen, /5\.00% of their norm/);
  assert.ok(!ids(stream(() => ({ updateRatioD: 0.006, updateRatioG: 0.004 })), ctxNs).includes('divergence'));
});

test('divergence: a run the trainer stopped as diverged is named with its first non-finite quantity', () => {
  const ended = { state: 'diverged' as const, step: 57, error: "diverged at step 57: the generator gradient of variable 'G/out/w' is not finite" };
  const f = diagnose(stream(), { ...ctxNs, ended }).find((x) => x.detector === 'divergence');
  assert.ok(f);
  assert.match(f.evidence.seen, /step 57: .*G\/out\/w/);
});

test('minimax loss: D winning is serious even while ‖∇G‖ holds up (the loss itself saturates)', () => {
  const mm = { ...ctxNs, config: resolveConfig({ ...ns, variant: 'gan-minimax' }) };
  const wins = stream((i) => (i < 50 ? {} : { dReal: 0.97, dFake: 0.03, gradNormG: 11 }));
  const f = diagnose(wins, mm).find((x) => x.detector === 'discriminator-wins');
  assert.ok(f);
  assert.match(f.evidence.seen, /saturates/);
  // The same outputs under the non-saturating loss with a healthy ‖∇G‖: no finding.
  assert.ok(!ids(wins, ctxNs).includes('discriminator-wins'));
});

test('learning-rate imbalance: one player\'s relative updates 20× the other\'s; silent at TTUR\'s 4:1', () => {
  const f = diagnose(stream(() => ({ updateRatioD: 0.004, updateRatioG: 0.0001 })), ctxNs).find((x) => x.detector === 'lr-imbalance');
  assert.ok(f);
  assert.equal(f.evidence.metric, 'updateRatioD');
  assert.ok(ids(stream(() => ({ updateRatioD: 0.0001, updateRatioG: 0.003 })), ctxNs).includes('lr-imbalance'));
  assert.ok(!ids(stream(() => ({ updateRatioD: 0.004, updateRatioG: 0.001 })), ctxNs).includes('lr-imbalance'));
  // The fix slows the player whose steps are too large.
  assert.equal(applyFix(ns, f.fixes[0]).training.lrD, ns.training.lrD / 10);
});

test('no progress: distance stalls while the G loss cycles; silent when it stalls calmly or keeps falling', () => {
  const cycling = stream((i) => ({ swd: i < 40 ? 0.5 - 0.01 * i : 0.2 + (i % 4 < 2 ? 0.05 : -0.05), lossG: 0.8 + (i % 2 ? 0.3 : -0.3) }));
  assert.ok(ids(cycling, ctxNs).includes('no-progress'));
  assert.ok(!ids(stream((i) => ({ swd: i < 40 ? 0.5 - 0.01 * i : 0.2 })), ctxNs).includes('no-progress'));
  // Near miss: losses swinging while the distance sits at its floor, jittering by ±5% (a converged run).
  assert.ok(!ids(stream((i) => ({ swd: i < 40 ? 0.5 - 0.01 * i : 0.2 + (i % 2 ? 0.01 : -0.01), lossG: 0.8 + (i % 2 ? 0.3 : -0.3) })), ctxNs).includes('no-progress'));
  // Near miss: a converged run whose G loss jitters by ±7% (the healthy non-saturating GAN of the zoo).
  assert.ok(!ids(stream((i) => ({ swd: i < 40 ? 0.5 - 0.01 * i : 0.2, lossG: 0.8 + (i % 2 ? 0.06 : -0.06) })), ctxNs).includes('no-progress'));
  assert.ok(!ids(stream((i) => ({ lossG: 0.8 + (i % 2 ? 0.3 : -0.3) })), ctxNs).includes('no-progress'));
  // Near miss: a run that has come most of the way (a quarter of its first distance or less) jitters at its
  // floor by more than 30 % while its critic loss swings (healthy WGAN-GP on 8 Gaussians, 0.08 of its first).
  const floor = stream((i) => ({ swd: i < 40 ? 0.9 - 0.02 * i : 0.075 + (i % 4 < 2 ? 0.02 : -0.02), lossG: 0.8 + (i % 2 ? 0.3 : -0.3) }));
  assert.ok(!ids(floor, ctxNs).includes('no-progress'));
  // The same swings far from the data (the image settings' run: 0.7–1.0 of its first distance) are no progress.
  const far = stream((i) => ({ swd: i < 10 ? 0.9 - 0.02 * i : 0.75 + (i % 4 < 2 ? 0.15 : -0.15), lossG: 0.8 + (i % 2 ? 0.3 : -0.3) }));
  assert.ok(ids(far, ctxNs).includes('no-progress'));
});

test("no progress in WGAN-GP on toy data with the image penalty (λ 10): the first fix is the toy script's λ 0.1; not on images, not for λ 0.1", () => {
  const far = stream((i) => ({ swd: i < 10 ? 0.9 - 0.02 * i : 0.75 + (i % 4 < 2 ? 0.15 : -0.15), lossG: 0.8 + (i % 2 ? 0.3 : -0.3) }));
  const image = resolveConfig({ name: 'x', variant: 'wgan-gp', data: { name: '8gaussians' }, training: { steps: 2000 } });
  const f = diagnose(far, { ...ctxW, config: image }).find((x) => x.detector === 'no-progress');
  assert.ok(f, 'no progress found');
  assert.equal(f.fixes[0].label, "Gradient penalty weight λ 10 → 0.1 (the WGAN-GP paper's setting for toy data)");
  assert.equal(applyFix(image, f.fixes[0]).options.gpWeight, 0.1);
  const firstFix = (config: typeof image) => diagnose(far, { ...ctxW, config }).find((x) => x.detector === 'no-progress')?.fixes[0].label;
  assert.equal(firstFix(wgan), 'Learning rates ÷ 2', 'λ 0.1 already');
  const mnist = resolveConfig({ name: 'x', variant: 'wgan-gp', data: { kind: 'mnist' }, training: { steps: 2000 } });
  assert.equal(firstFix(mnist), 'Learning rates ÷ 2', 'images keep the paper\'s λ');
});

test('critic not Lipschitz in WGAN-GP: a stronger penalty, up to λ 1 on toy data (λ 10 collapses there) and the paper\'s 10 on images, then more critic steps', () => {
  const rising = stream((i) => ({ critGradNorm: 1 + 0.06 * i }));
  const labels = (config: typeof wgan) => diagnose(rising, { ...ctxW, config }).find((x) => x.detector === 'critic-not-lipschitz')!.fixes.map((f) => f.label);
  assert.deepEqual(labels(wgan), ['Stronger penalty (λ 0.1 → 1)', 'More critic steps per G step']);
  const atCeiling = resolveConfig({ ...wgan, options: { gpWeight: 1 } });
  assert.deepEqual(labels(atCeiling), ['More critic steps per G step'], 'λ 1 on toy data: no stronger penalty');
  const mnist = (gpWeight: number) => resolveConfig({ name: 'x', variant: 'wgan-gp', data: { kind: 'mnist' }, options: { gpWeight } });
  assert.deepEqual(labels(mnist(0.1)), ['Stronger penalty (λ 0.1 → 1)', 'More critic steps per G step']);
  assert.deepEqual(labels(mnist(2)), ['Stronger penalty (λ 2 → 10)', 'More critic steps per G step']);
  assert.deepEqual(labels(mnist(10)), ['More critic steps per G step']);
  const f = diagnose(rising, ctxW).find((x) => x.detector === 'critic-not-lipschitz')!;
  assert.equal(applyFix(wgan, f.fixes[0]).options.gpWeight, 1);
  assert.equal(applyFix(wgan, f.fixes[1]).training.nCritic, 10);
});

test("a fix that switches variant takes the new variant's toy settings on toy data (WGAN-GP λ 0.1, β1 0.5), its paper's on images, and drops the old options", () => {
  const fixesOf = (id: string, config: typeof ns) => DETECTORS.find((d) => d.id === id)!.fixes(config, { metric: 'swd' });
  const clipToy = resolveConfig({ name: 'x', variant: 'wgan-clip', data: { name: '8gaussians' }, options: { clipValue: 1 } });
  const toGp = fixesOf('critic-not-lipschitz', clipToy).find((f) => /WGAN-GP/.test(f.label))!;
  assert.equal(toGp.label, 'Gradient penalty λ = 0.1 (WGAN-GP)');
  const fixed = applyFix(clipToy, toGp);
  assert.equal(fixed.variant, 'wgan-gp');
  assert.deepEqual(fixed.options, { gpWeight: 0.1, gpOneSided: false }, 'clipValue dropped, the toy λ in');
  assert.deepEqual([fixed.training.optimizer, fixed.training.beta1, fixed.training.beta2, fixed.training.lrD, fixed.training.nCritic], ['adam', 0.5, 0.9, 1e-4, 5]);
  const clipImg = resolveConfig({ name: 'x', variant: 'wgan-clip', data: { kind: 'mnist' }, options: { clipValue: 1 } });
  const toGpImg = fixesOf('critic-not-lipschitz', clipImg).find((f) => /WGAN-GP/.test(f.label))!;
  assert.equal(toGpImg.label, 'Gradient penalty λ = 10 (WGAN-GP)');
  const img = applyFix(clipImg, toGpImg);
  assert.deepEqual([img.options.gpWeight, img.training.beta1], [10, 0]);
  // A variant without toy settings: its paper's defaults, also on toy data.
  const toUnrolled = fixesOf('mode-collapse', ns).find((f) => /Unrolled/.test(f.label))!;
  assert.equal(applyFix(ns, toUnrolled).training.lrD, resolveConfig({ name: 'x', variant: 'unrolled', data: { name: '8gaussians' } }).training.lrD);
});

test('every fix the doctor offers is a valid config change, and does what it says', () => {
  const streams: [MetricRecord[], DoctorContext][] = [
    [stream((i) => ({ modesCovered: i < 30 ? 6 : 1 })), ctxNs],
    [stream((i) => (i < 50 ? {} : { dReal: 0.99, dFake: 0.01, gradNormG: 0.05 })), { ...ctxNs, config: resolveConfig({ ...ns, variant: 'gan-minimax' }) }],
    [stream((i) => ({ gradNormD: i < 90 ? 1.5 : 1.5 * 10 ** (i - 87) })), ctxW],
    [stream((i) => ({ critGradNorm: 1 + 0.06 * i })), ctxW],
    [stream(() => ({ updateRatioD: 0.004, updateRatioG: 0.0001 })), ctxNs],
    [stream((i) => ({ swd: i < 40 ? 0.5 - 0.01 * i : 0.2 + (i % 4 < 2 ? 0.05 : -0.05), lossG: 0.8 + (i % 2 ? 0.3 : -0.3) })), ctxNs],
  ];
  let fixes = 0;
  for (const [rs, ctx] of streams) {
    const findings = diagnose(rs, ctx);
    assert.ok(findings.length > 0);
    for (const f of findings) {
      assert.ok(f.fixes.length > 0, `${f.detector} offers no fix`);
      for (const fix of f.fixes) {
        const next = applyFix(ctx.config, fix);
        assert.notDeepEqual(next, ctx.config, `fix "${fix.label}" changes nothing`);
        fixes++;
      }
    }
  }
  assert.ok(fixes >= 8);
  // Switching variant takes the new variant's paper defaults and drops options it does not accept.
  const toNs = applyFix(wgan, { label: 'x', patch: { variant: 'gan-ns', options: null, training: { nCritic: null, lrD: null, lrG: null, beta1: null, beta2: null, optimizer: null } } });
  assert.deepEqual(toNs.options, {});
  assert.equal(toNs.training.nCritic, 1);
  assert.equal(toNs.training.beta1, 0.5);
});

test('few modes covered by samples spread wider than the data is no mode collapse (a generator still swinging about); at the data\'s spread it is', () => {
  // The demo's 400-step WGAN-GP run on 8 Gaussians: 0–1 modes while its samples spread to 1.5–3 times the data's.
  const swinging = stream((i) => ({ modesCovered: i % 3 === 0 ? 1 : 0, diversity: 160 + (i % 5) * 30 }));
  assert.ok(!ids(swinging, ctxNs).includes('mode-collapse'));
  const collapsed = diagnose(stream((i) => ({ modesCovered: i % 3 === 0 ? 1 : 0, diversity: 100 + (i % 5) * 5 })), ctxNs).find((x) => x.detector === 'mode-collapse');
  assert.equal(collapsed?.evidence.metric, 'modesCovered');
});

test('mode collapse on data without modes (the swiss roll): samples under a quarter as spread out as the data; silent at 60 %, and in warm-up', () => {
  const roll = { ...ctxNs, dataModes: 0 };
  const f = diagnose(stream((i) => ({ diversity: i < 30 ? 100 : 4 })), roll).find((x) => x.detector === 'mode-collapse');
  assert.ok(f, 'collapse by diversity not detected');
  assert.equal(f.evidence.metric, 'diversity');
  assert.match(f.evidence.seen, /generated samples are 4\.00% as spread out as the data/);
  // Near miss: a generator still spreading out (57 % measured at step 100–200 on healthy runs).
  assert.ok(!ids(stream((i) => ({ diversity: i < 30 ? 100 : 60 })), roll).includes('mode-collapse'));
  assert.ok(!ids(stream(() => ({ diversity: 4 }), 15), roll).includes('mode-collapse'), 'not during warm-up');
  // Where the data has modes, they are the evidence when both say so.
  const both = diagnose(stream((i) => (i < 30 ? { modesCovered: 6, diversity: 100 } : { modesCovered: 1, diversity: 3 })), ctxNs).find((x) => x.detector === 'mode-collapse');
  assert.equal(both?.evidence.metric, 'modesCovered');
});

test('diversity: the mean pairwise distance, and a collapsed set reads near 0 % of the data', async () => {
  const { meanPairwiseDistance, diversityPercent } = await import('../../src/trainer/metrics/diversity');
  // Three points on a line at 0, 1, 3: pairs 1, 3, 2.
  assert.equal(meanPairwiseDistance(new Float32Array([0, 0, 1, 0, 3, 0]), 2), 2);
  assert.ok(Number.isNaN(meanPairwiseDistance(new Float32Array([1, 1]), 2)), 'one point has no pairs');
  const real = new Float32Array(Array.from({ length: 400 }, (_, i) => Math.sin(i * 12.9898) * 2));
  const spread = meanPairwiseDistance(real, 2);
  assert.ok(Math.abs(diversityPercent(real, 2, spread) - 100) < 1e-9);
  const collapsed = new Float32Array(Array.from({ length: 400 }, (_, i) => 0.5 + 0.001 * Math.sin(i)));
  assert.ok(diversityPercent(collapsed, 2, spread) < 1);
});

test('mode collapse offers PacGAN packing (m = 2) where D scores samples and the batch splits into pairs', () => {
  const collapsed = stream((i) => ({ modesCovered: i < 30 ? 6 : 1 }));
  const labels = (config: DoctorContext['config']) => diagnose(collapsed, { ...ctxNs, config }).find((f) => f.detector === 'mode-collapse')?.fixes.map((f) => f.label) ?? [];
  const pac = (config: DoctorContext['config']) => diagnose(collapsed, { ...ctxNs, config }).find((f) => f.detector === 'mode-collapse')?.fixes.find((f) => /PacGAN/.test(f.label));
  const fix = pac(ctxNs.config);
  assert.ok(fix, `no packing fix among ${labels(ctxNs.config).join('; ')}`);
  assert.equal(applyFix(ctxNs.config, fix).model.packing, 2);
  assert.equal(pac(resolveConfig({ ...ns, model: { packing: 2 } })), undefined, 'already packed');
  assert.equal(pac(resolveConfig({ ...ns, training: { batchSize: 255 } })), undefined, 'an odd batch does not split into pairs');
});

test('BEGAN equilibrium lost: k_t pinned at a bound, or M_global rising; silent while k_t moves and M_global falls', () => {
  const began = resolveConfig({ name: 'x', variant: 'began', data: { name: '8gaussians' }, training: { steps: 2000 } });
  const ctxB: DoctorContext = { config: began, output: 'autoencoder', dataModes: 8, totalSteps: 2000 };
  const pinned = diagnose(stream((i) => ({ kT: i < 50 ? 0.01 * (i % 5) : 0, mGlobal: 0.3 })), ctxB).find((x) => x.detector === 'equilibrium-lost');
  assert.ok(pinned);
  assert.match(pinned.evidence.seen, /k_t stayed at 0/);
  const rising = diagnose(stream((i) => ({ kT: 0.02 + 0.001 * (i % 7), mGlobal: i < 50 ? 0.5 - 0.005 * i : 0.25 + 0.02 * (i - 50) })), ctxB).find((x) => x.detector === 'equilibrium-lost');
  assert.ok(rising);
  assert.equal(rising.evidence.metric, 'mGlobal');
  assert.ok(!ids(stream((i) => ({ kT: 0.02 + 0.001 * (i % 7), mGlobal: 0.5 / (1 + i / 20) })), ctxB).includes('equilibrium-lost'));
  // Only BEGAN has k_t.
  assert.ok(!ids(stream(() => ({ kT: 0 })), ctxNs).includes('equilibrium-lost'));
  for (const fix of rising.fixes) assert.notDeepEqual(applyFix(began, fix).options, began.options);
});
