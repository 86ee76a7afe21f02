import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostToWebview } from '../../src/protocol/messages';
import { METRICS, type MetricRecord } from '../../src/protocol/metrics';
import { CHART_IDS, chartDescription, paletteIndex } from '../../webview-ui/src/catalog';
import { PALETTE_VARS } from '../../webview-ui/src/view/theme';
import type { RunStatus } from '../../src/protocol/run';
import { apply, chartSeries, controlsFor, initialState, MAX_NOTICES, receive, shownLearningRates, shownSpeed, shownStep, type ViewState } from '../../webview-ui/src/state';

const status = (over: Partial<RunStatus> = {}): RunStatus => ({
  state: 'running',
  step: 10,
  totalSteps: 1000,
  stepsPerSec: 42,
  backend: { name: 'cpu', reason: 'no native binding' },
  startedAt: '2024-01-01T00:00:00Z',
  updatedAt: '2024-01-01T00:00:10Z',
  ...over,
});

function rec(step: number, values: Record<string, number | null>): MetricRecord {
  return { step, time: step / 10, ...values } as MetricRecord;
}

function initMsg(metrics: MetricRecord[], warnings: string[] = []): HostToWebview {
  return {
    type: 'init',
    run: { id: 'r1', name: 'ring', variant: 'wgan-gp', dataset: 'ring8', status: status() },
    metrics,
    warnings,
  };
}

function values(state: ViewState, key: string): { xs: number[]; ys: number[] } {
  const s = state.series.get(key);
  assert.ok(s, `series ${key}`);
  return { xs: Array.from(s.column.xs.subarray(0, s.column.length)), ys: Array.from(s.column.ys.subarray(0, s.column.length)) };
}

test('init then metrics appends', () => {
  let s = initialState();
  assert.equal(s.initialized, false);
  s = receive(s, initMsg([rec(0, { lossD: 1, lossG: 2 }), rec(1, { lossD: 0.5, lossG: null, gradNormD: 3 })], ['torn line 7']));
  assert.equal(s.initialized, true);
  assert.equal(s.run?.name, 'ring');
  assert.equal(s.status?.state, 'running');
  assert.equal(s.records, 2);
  assert.deepEqual(values(s, 'lossD'), { xs: [0, 1], ys: [1, 0.5] });
  const g = values(s, 'lossG');
  assert.deepEqual(g.xs, [0, 1]);
  assert.equal(g.ys[0], 2);
  assert.ok(Number.isNaN(g.ys[1]), 'null is a gap (NaN)');
  assert.equal(s.series.get('lossG')?.column.gaps, 1);
  assert.equal(s.series.get('lossD')?.column.gaps, 0);
  assert.equal(s.chartPoints.losses, 2);
  assert.equal(s.chartPoints.gradients, 1);
  assert.equal(s.chartPoints.distance, 0);
  assert.deepEqual(
    s.notices.map((n) => [n.level, n.message]),
    [['warn', 'torn line 7']],
  );

  const before = s;
  s = receive(s, { type: 'metrics', records: [rec(2, { lossD: 0.25, swd: 0.1, myExtra: 5 }), rec(3, { lossG: null })] });
  assert.equal(s.records, 4);
  assert.deepEqual(values(s, 'lossD'), { xs: [0, 1, 2], ys: [1, 0.5, 0.25] });
  assert.deepEqual(values(s, 'swd').xs, [2], 'a metric first seen later starts there');
  assert.equal(s.chartPoints.losses, 3, 'a record with only nulls has no value for the chart');
  assert.equal(s.chartPoints.distance, 1);
  assert.equal(s.lastStep, 3);
  // Unknown keys go on the losses chart, labelled by their key, after the known ones.
  assert.deepEqual(
    chartSeries(s, 'losses').map((x) => [x.key, x.label]),
    [
      ['lossD', 'D loss'],
      ['lossG', 'G loss'],
      ['myExtra', 'myExtra'],
    ],
  );
  // The previous state is untouched.
  assert.equal(before.records, 2);
  assert.deepEqual(values(before, 'lossD'), { xs: [0, 1], ys: [1, 0.5] });
  assert.equal(before.series.has('swd'), false);
});

test('appending to an older state again does not disturb the newer one', () => {
  const s0 = receive(initialState(), initMsg([rec(0, { lossD: 1 })]));
  const a = apply(s0, { type: 'metrics', records: [rec(1, { lossD: 2 })] });
  const b = apply(s0, { type: 'metrics', records: [rec(1, { lossD: 99 })] });
  assert.deepEqual(values(a, 'lossD').ys, [1, 2]);
  assert.deepEqual(values(b, 'lossD').ys, [1, 99]);
  assert.deepEqual(values(s0, 'lossD').ys, [1]);
});

test('a metric missing from some records keeps the right steps, within and across messages', () => {
  let s = receive(initialState(), initMsg([rec(0, { lossD: 1, swd: 5 }), rec(1, { lossD: 2 }), rec(2, { lossD: 3, swd: 6 })]));
  assert.equal(s.series.get('lossD')?.xs, null, 'present in every record: shares the step column');
  assert.notEqual(s.series.get('swd')?.xs, null, 'missing from a record: keeps its own steps');
  assert.deepEqual(values(s, 'swd'), { xs: [0, 2], ys: [5, 6] });
  s = apply(s, { type: 'metrics', records: [rec(3, { swd: 7 }), rec(4, { lossD: 5 })] });
  assert.deepEqual(values(s, 'lossD'), { xs: [0, 1, 2, 4], ys: [1, 2, 3, 5] });
  assert.deepEqual(values(s, 'swd'), { xs: [0, 2, 3], ys: [5, 6, 7] });
  s = apply(s, { type: 'metrics', records: [rec(5, { gp: 1 }), rec(6, { gp: 2 })] });
  s = apply(s, { type: 'metrics', records: [rec(7, { gp: 3 })] });
  assert.equal(s.series.get('gp')?.xs, null, 'dense from its first record on');
  assert.deepEqual(values(s, 'gp'), { xs: [5, 6, 7], ys: [1, 2, 3] });
  s = apply(s, { type: 'metrics', records: [rec(8, { lossD: 9 }), rec(9, { gp: 4 })] });
  assert.deepEqual(values(s, 'gp'), { xs: [5, 6, 7, 9], ys: [1, 2, 3, 4] });
  assert.deepEqual(values(s, 'lossD'), { xs: [0, 1, 2, 4, 8], ys: [1, 2, 3, 5, 9] });
  assert.equal(s.records, 10);
});

test('many appends grow the columns and keep every point', () => {
  let s = receive(initialState(), initMsg([]));
  let step = 0;
  for (let batch = 0; batch < 300; batch++) {
    const records: MetricRecord[] = [];
    for (let i = 0; i < 37; i++, step++) records.push(rec(step, { lossD: step * 2, stepsPerSec: 100 }));
    s = apply(s, { type: 'metrics', records });
  }
  const v = values(s, 'lossD');
  assert.equal(v.xs.length, step);
  assert.ok(v.xs.every((x, i) => x === i));
  assert.ok(v.ys.every((y, i) => y === i * 2));
  assert.equal(s.chartPoints.speed, step);
});

test('init replaces everything', () => {
  let s = receive(initialState(), initMsg([rec(0, { lossD: 1, swd: 2 })]));
  s = receive(s, { type: 'notice', level: 'info', message: 'hello' });
  s = receive(s, {
    type: 'snapshot',
    snapshot: { kind: 'toy2d', step: 5, real: [[0, 0]], fake: [[1, 1]], extent: 2, heatmap: { size: 1, values: [0.5] } },
  });
  assert.equal(s.snapshot?.step, 5);
  const gen = s.generation;
  s = receive(s, initMsg([rec(0, { lossG: 3 })]));
  assert.equal(s.generation, gen + 1);
  assert.deepEqual([...s.series.keys()], ['lossG']);
  assert.equal(s.snapshot, null);
  assert.deepEqual(s.notices, []);
  assert.equal(s.chartPoints.distance, 0);
  assert.equal(s.records, 1);
});

test('a bad message is rejected, becomes an error notice, and changes nothing else', () => {
  const s0 = receive(initialState(), initMsg([rec(0, { lossD: 1 })]));
  const bad: unknown[] = [
    { type: 'metrics', records: [{ step: -1, time: 0, lossD: 1 }] },
    { type: 'metrics', records: [{ step: 1, time: 0, lossD: 'high' }] },
    { type: 'status', status: { state: 'exploded', step: 1, totalSteps: 2, startedAt: '', updatedAt: '' } },
    { type: 'launchMissiles' },
    'just a string',
    null,
  ];
  let s = s0;
  for (const raw of bad) s = receive(s, raw);
  assert.equal(s.notices.length, bad.length);
  for (const n of s.notices) {
    assert.equal(n.level, 'error');
    assert.match(n.message, /host→webview: rejected message/);
  }
  assert.match(s.notices[0].message, /'metrics'/);
  assert.match(s.notices[3].message, /'launchMissiles'/);
  assert.equal(s.records, 1);
  assert.equal(s.status?.state, 'running');
  assert.deepEqual(values(s, 'lossD').ys, [1]);
});

test('a bad record in a large batch rejects the whole message', () => {
  const s0 = receive(initialState(), initMsg([]));
  const records: unknown[] = [];
  for (let i = 0; i < 5000; i++) records.push(rec(i, { lossD: i }));
  records[4321] = { step: 4321, time: 1, lossD: Number.NaN };
  const s = receive(s0, { type: 'metrics', records });
  assert.equal(s.records, 0);
  assert.equal(s.notices.length, 1);
  assert.match(s.notices[0].message, /rejected message 'metrics': records\.4321\.lossD/);
  const ok = receive(s0, { type: 'metrics', records: records.map((r, i) => (i === 4321 ? rec(i, { lossD: 1 }) : r)) });
  assert.equal(ok.records, 5000);
  assert.equal(ok.notices.length, 0);
});

test('status updates the header state; notices are capped', () => {
  let s = receive(initialState(), initMsg([]));
  s = receive(s, { type: 'status', status: status({ state: 'paused', step: 20 }) });
  assert.equal(s.status?.state, 'paused');
  assert.equal(s.run?.status.step, 20);
  for (let i = 0; i < MAX_NOTICES + 5; i++) s = receive(s, { type: 'notice', level: 'warn', message: `n${i}` });
  assert.equal(s.notices.length, MAX_NOTICES);
  assert.equal(s.notices[s.notices.length - 1].message, `n${MAX_NOTICES + 4}`);
  assert.equal(s.notices[0].message, 'n5');
});

test('buttons follow the run state', () => {
  assert.deepEqual(controlsFor('running'), { pause: true, resume: false, stop: true, sampleNow: true });
  assert.deepEqual(controlsFor('paused'), { pause: false, resume: true, stop: true, sampleNow: false });
  for (const st of ['completed', 'stopped', 'failed', 'diverged', 'killed', undefined] as const) {
    assert.deepEqual(controlsFor(st), { pause: false, resume: false, stop: false, sampleNow: false }, String(st));
  }
});

/** A 1×1 grey image snapshot at `step` (one pixel, one byte: 'AA==' is a 0 byte). */
function imageSnap(step: number): Extract<HostToWebview, { type: 'snapshot' }>['snapshot'] {
  const g = { rows: 1, cols: 1, height: 1, width: 1, channels: 1 as const, pixels: 'AA==' };
  return { kind: 'images', step, fake: g, real: g };
}

test('snapshot steps: the host list, live snapshots appended once, the init snapshot as the first stop', () => {
  let s = receive(initialState(), { ...initMsg([]), snapshot: imageSnap(100) } as HostToWebview);
  assert.deepEqual(s.snapshotSteps, [100], 'the init snapshot is a stop before the list arrives');
  s = receive(s, { type: 'snapshotSteps', steps: [0, 50, 100] });
  assert.deepEqual(s.snapshotSteps, [0, 50, 100]);
  s = receive(s, { type: 'snapshot', snapshot: imageSnap(150) });
  assert.deepEqual(s.snapshotSteps, [0, 50, 100, 150], 'a live snapshot appends its step');
  s = receive(s, { type: 'snapshot', snapshot: imageSnap(150) });
  assert.deepEqual(s.snapshotSteps, [0, 50, 100, 150], 'the same step again is not a second stop');
  // A list read before the live snapshot's file was listed keeps the live step last.
  s = receive(s, { type: 'snapshotSteps', steps: [0, 50] });
  assert.deepEqual(s.snapshotSteps, [0, 50, 150]);
  s = receive(s, { type: 'snapshotSteps', steps: [0, 50, 150, 200] });
  assert.deepEqual(s.snapshotSteps, [0, 50, 150, 200]);
});

test('a history snapshot is kept apart from the live one, and an init clears it', () => {
  let s = receive(initialState(), initMsg([]));
  s = receive(s, { type: 'snapshot', snapshot: imageSnap(300) });
  s = receive(s, { type: 'historySnapshot', snapshot: imageSnap(100) });
  assert.equal(s.snapshot?.step, 300, 'the live snapshot stays');
  assert.equal(s.historySnapshot?.step, 100);
  assert.deepEqual(s.snapshotSteps, [300], 'an older snapshot adds no stop');
  s = receive(s, { type: 'snapshot', snapshot: imageSnap(400) });
  assert.equal(s.snapshot?.step, 400);
  assert.equal(s.historySnapshot?.step, 100, 'a new live snapshot does not drop the one the slider holds');
  s = receive(s, initMsg([]));
  assert.equal(s.historySnapshot, null);
  assert.deepEqual(s.snapshotSteps, []);
  // A history snapshot with a grid that does not match its size is rejected like any bad message.
  const bad = imageSnap(5);
  s = receive(s, { type: 'historySnapshot', snapshot: { ...bad, fake: { ...bad.fake, width: 2, height: 2 } } });
  assert.equal(s.historySnapshot, null);
  assert.match(s.notices[s.notices.length - 1].message, /'historySnapshot': snapshot\.fake\.pixels/);
});

test("the W-estimate series is labelled by the run's discriminator: a critic's Wasserstein estimate, a logit D's logit gap", () => {
  const labelFor = (variant: string) => {
    const msg = initMsg([rec(0, { wEstimate: 0.5, swd: 0.2 })]);
    if (msg.type === 'init') msg.run.variant = variant;
    const s = receive(initialState(), msg);
    return chartSeries(s, 'distance').map((x) => [x.key, x.label]);
  };
  assert.deepEqual(labelFor('wgan-gp'), [['wEstimate', 'critic W estimate'], ['swd', 'sliced Wasserstein']]);
  assert.deepEqual(labelFor('gan-ns'), [['wEstimate', 'logit gap'], ['swd', 'sliced Wasserstein']]);
  assert.deepEqual(labelFor('not-a-variant'), [['wEstimate', 'critic W estimate'], ['swd', 'sliced Wasserstein']], 'an unknown variant keeps the default');
  // Records arriving after the init are labelled the same way.
  let s = receive(initialState(), (() => {
    const msg = initMsg([rec(0, { lossD: 1 })]);
    if (msg.type === 'init') msg.run.variant = 'gan-minimax';
    return msg;
  })());
  s = receive(s, { type: 'metrics', records: [rec(1, { wEstimate: 2 })] });
  assert.equal(s.series.get('wEstimate')?.label, 'logit gap');
});

test("a chart title's tooltip names each metric under every label the chart can draw it with", () => {
  const lines = chartDescription('distance').split('\n');
  const w = lines.find((l) => l.includes('E[D(x)]'));
  assert.ok(w?.startsWith('critic W estimate / logit gap: '), w);
  assert.equal(lines.length, METRICS.filter((m) => m.chart === 'distance').length);
  assert.ok(lines.some((l) => l.startsWith('sliced Wasserstein: ')), 'a metric without other labels keeps its one');
});

test('every known metric of a chart gets a colour of its own (no palette slot wraps onto another)', () => {
  for (const chart of CHART_IDS) {
    const keys = METRICS.filter((m) => m.chart === chart).map((m) => m.key);
    const slots = keys.map((k, i) => paletteIndex(k, chart, i));
    assert.deepEqual(slots, keys.map((_, i) => i), `${chart}: slots in METRICS order`);
    assert.ok(keys.length <= PALETTE_VARS.length, `${chart} has ${keys.length} metrics for ${PALETTE_VARS.length} colours`);
  }
  assert.equal(new Set(PALETTE_VARS.map(([v]) => v)).size, PALETTE_VARS.length, 'distinct theme variables');
  assert.equal(new Set(PALETTE_VARS.map(([, f]) => f)).size, PALETTE_VARS.length, 'distinct fallbacks');
});

test('the header shows the newer of the status step and the last metric step', () => {
  let s = receive(initialState(), initMsg([rec(0, { lossD: 1 }), rec(10, { lossD: 1 })]));
  assert.equal(shownStep(s), 10, 'the init status says step 10');
  s = receive(s, { type: 'metrics', records: [rec(20, { lossD: 1 }), rec(50, { lossD: 1 })] });
  assert.equal(shownStep(s), 50, 'metrics ran ahead of the last status');
  s = receive(s, { type: 'status', status: status({ step: 60 }) });
  assert.equal(shownStep(s), 60, 'a newer status wins');
  assert.equal(shownStep(initialState()), 0);
});

test('the header says where a decaying run\'s learning rates stand: full until the decay, then the factor for the next update; nothing for constant rates', () => {
  const decaying = (() => {
    const msg = initMsg([rec(0, { lossD: 1 })]);
    if (msg.type === 'init') msg.run.lrDecayStart = 500;
    return msg;
  })();
  let s = receive(initialState(), decaying);
  assert.equal(shownLearningRates(s), 'full until step 500, then linear decay to 0', 'step 10 of 1,000');
  s = receive(s, { type: 'status', status: status({ step: 750 }) });
  assert.equal(shownLearningRates(s), '× 0.50 (linear decay from step 500)', '(1,000 − 750) / (1,000 − 500)');
  s = receive(s, { type: 'metrics', records: [rec(900, { lossD: 1 })] });
  assert.equal(shownLearningRates(s), '× 0.20 (linear decay from step 500)', 'metrics ran ahead of the status');
  s = receive(s, { type: 'status', status: status({ step: 1000, state: 'completed' }) });
  assert.equal(shownLearningRates(s), '× 0.00 (linear decay from step 500)', 'the run is done');
  assert.equal(shownLearningRates(receive(initialState(), initMsg([rec(0, { lossD: 1 })]))), undefined, 'constant rates: no item');
});

test("compared runs' series are labelled for their own variant, and without one keep the default", () => {
  let s = receive(initialState(), (() => {
    const msg = initMsg([rec(0, { wEstimate: 1 })]);
    if (msg.type === 'init') msg.run.variant = 'gan-ns';
    return msg;
  })());
  s = receive(s, {
    type: 'compare',
    runs: [
      { id: 'fixed', variant: 'wgan-gp', records: [rec(0, { wEstimate: 2 })] },
      { id: 'twin', variant: 'gan-ns', records: [rec(0, { wEstimate: 3 })] },
      { id: 'old', records: [rec(0, { wEstimate: 4 })] },
    ],
  });
  assert.deepEqual(
    chartSeries(s, 'distance').map((x) => x.label),
    ['logit gap', 'critic W estimate · fixed', 'logit gap · twin', 'critic W estimate · old'],
  );
});

test("the header's speed is the status's, or the last record's steps/s when the metrics are newer", () => {
  let s = receive(initialState(), initMsg([rec(10, { stepsPerSec: 30 })]));
  assert.equal(shownSpeed(s), 42, 'the init status (step 10, 42 steps/s) is as new as the metrics');
  s = receive(s, { type: 'metrics', records: [rec(20, { stepsPerSec: 45 }), rec(50, { stepsPerSec: 49 })] });
  assert.equal(shownSpeed(s), 49, 'metrics ran ahead of the status');
  s = receive(s, { type: 'metrics', records: [rec(60, { lossD: 1 })] });
  assert.equal(shownSpeed(s), 42, 'the newest record has no speed: the status is used');
  s = receive(s, { type: 'status', status: status({ step: 60, stepsPerSec: 51 }) });
  assert.equal(shownSpeed(s), 51);
});
