/** Arbitraries of valid protocol messages, for the fuzz tests (not a test file itself). */
import fc from 'fast-check';
import { CONTROL_ACTIONS, PROTOCOL_VERSION } from '../../src/protocol/messages';
import { gridBytes } from '../../src/protocol/metrics';
import { BACKEND_NAMES, RUN_STATES } from '../../src/protocol/run';

// ---- valid messages -------------------------------------------------------
export const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
export const record = fc
  .record({ step: fc.nat(), time: fc.double({ min: 0, max: 1e6, noNaN: true }), lossD: fc.option(finite), lossG: finite, swd: fc.option(finite) })
  .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));
export const iso = fc.constant('2026-01-01T00:00:00.000Z');
export const backend = fc.record({ name: fc.constantFrom(...BACKEND_NAMES), reason: fc.string({ maxLength: 20 }) });
export const status = fc.record(
  {
    state: fc.constantFrom(...RUN_STATES),
    step: fc.nat(),
    totalSteps: fc.nat(),
    stepsPerSec: fc.double({ min: 0, max: 1e4, noNaN: true }),
    backend,
    pid: fc.integer({ min: 1, max: 4_000_000 }),
    startedAt: iso,
    updatedAt: iso,
    error: fc.string({ maxLength: 30 }),
  },
  { requiredKeys: ['state', 'step', 'totalSteps', 'startedAt', 'updatedAt'] },
);
export const point = fc.tuple(finite, finite);
export const toySnapshot = fc.integer({ min: 1, max: 4 }).chain((size) =>
  fc.record({
    kind: fc.constant('toy2d'),
    step: fc.nat(),
    real: fc.array(point, { maxLength: 5 }),
    fake: fc.array(point, { maxLength: 5 }),
    extent: fc.double({ min: 0.1, max: 10, noNaN: true }),
    heatmap: fc.record({ size: fc.constant(size), values: fc.array(finite, { minLength: size * size, maxLength: size * size }) }),
    modes: fc.record({ covered: fc.nat(8), total: fc.integer({ min: 1, max: 25 }) }),
  }),
);
/** An image grid whose pixels are exactly (rows·height) × (cols·width) × channels bytes, as base64. */
export const imageGrid = fc
  .record({ rows: fc.integer({ min: 1, max: 3 }), cols: fc.integer({ min: 1, max: 3 }), height: fc.integer({ min: 1, max: 4 }), width: fc.integer({ min: 1, max: 4 }), channels: fc.constantFrom(1 as const, 3 as const) })
  .chain((g) => {
    const bytes = gridBytes(g);
    return fc.record(
      {
        rows: fc.constant(g.rows),
        cols: fc.constant(g.cols),
        height: fc.constant(g.height),
        width: fc.constant(g.width),
        channels: fc.constant(g.channels),
        pixels: fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('base64')),
        rowLabels: fc.array(fc.string({ maxLength: 8 }), { minLength: g.rows, maxLength: g.rows }),
        colLabels: fc.array(fc.string({ maxLength: 8 }), { minLength: g.cols, maxLength: g.cols }),
      },
      { requiredKeys: ['rows', 'cols', 'height', 'width', 'channels', 'pixels'] },
    );
  });
export const imageSnapshot = fc.record(
  {
    kind: fc.constant('images'),
    step: fc.nat(),
    fake: imageGrid,
    real: imageGrid,
    interpolation: imageGrid,
    sweeps: imageGrid,
    png: fc.nat(99_999_999).map((n) => `step-${String(n).padStart(8, '0')}.png`),
  },
  { requiredKeys: ['kind', 'step', 'fake', 'real'] },
);
export const snapshot = fc.oneof(toySnapshot, imageSnapshot);
export const level = fc.constantFrom('info', 'warn', 'error');
export const finding = fc.record({
  detector: fc.string({ minLength: 1, maxLength: 64 }),
  title: fc.string({ maxLength: 50 }),
  severity: fc.constantFrom('info', 'warning', 'serious'),
  evidence: fc.record({ metric: fc.string({ maxLength: 20 }), fromStep: fc.nat(), toStep: fc.nat(), seen: fc.string({ maxLength: 100 }) }),
  why: fc.string({ maxLength: 100 }),
  fixes: fc.array(fc.record({ label: fc.string({ maxLength: 50 }) }), { maxLength: 3 }),
  firstStep: fc.nat(),
  active: fc.boolean(),
});

export const trainerMessage = fc.oneof(
  fc.record({ type: fc.constant('hello'), protocol: fc.constant(PROTOCOL_VERSION), runId: fc.string(), pid: fc.integer({ min: 1, max: 1e6 }), backend, totalSteps: fc.nat() }),
  fc.record({ type: fc.constant('status'), status }),
  fc.record({ type: fc.constant('metrics'), records: fc.array(record, { maxLength: 5 }) }),
  fc.record({ type: fc.constant('snapshot'), snapshot }),
  fc.record({ type: fc.constant('log'), level, message: fc.string() }),
  fc.record({ type: fc.constant('ended'), state: fc.constantFrom(...RUN_STATES), step: fc.nat(), error: fc.string() }, { requiredKeys: ['type', 'state', 'step'] }),
);
export const controlMessage = fc.record({ type: fc.constant('control'), action: fc.constantFrom(...CONTROL_ACTIONS) });
export const runSummary = fc.record(
  { id: fc.string(), name: fc.string(), variant: fc.string(), dataset: fc.string(), generatorAverage: fc.double({ min: 0.01, max: 0.99, noNaN: true }), lrDecayStart: fc.nat(), status },
  { requiredKeys: ['id', 'name', 'variant', 'dataset', 'status'] },
);
export const hostToWebview = fc.oneof(
  fc.record(
    { type: fc.constant('init'), run: runSummary, metrics: fc.array(record, { maxLength: 5 }), snapshot, warnings: fc.array(fc.string(), { maxLength: 3 }) },
    { requiredKeys: ['type', 'run', 'metrics', 'warnings'] },
  ),
  fc.record({ type: fc.constant('metrics'), records: fc.array(record, { maxLength: 5 }) }),
  fc.record({ type: fc.constant('snapshot'), snapshot }),
  fc.record({ type: fc.constant('snapshotSteps'), steps: fc.uniqueArray(fc.nat(), { maxLength: 8 }).map((xs) => xs.sort((a, b) => a - b)) }),
  fc.record({ type: fc.constant('historySnapshot'), snapshot }),
  fc.record({ type: fc.constant('status'), status }),
  fc.record({ type: fc.constant('notice'), level, message: fc.string() }),
  fc.record({ type: fc.constant('diagnosis'), findings: fc.array(finding, { maxLength: 3 }) }),
  fc.record({ type: fc.constant('compare'), runs: fc.array(fc.record({ id: fc.string({ minLength: 1, maxLength: 20 }), records: fc.array(record, { maxLength: 5 }) }), { maxLength: 3 }) }),
);
export const webviewToHost = fc.oneof(
  fc.record({ type: fc.constant('ready') }),
  controlMessage,
  fc.record({ type: fc.constant('applyFix'), detector: fc.string({ minLength: 1, maxLength: 64 }), fix: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ type: fc.constant('requestSnapshot'), step: fc.integer({ min: 0, max: 1e9 }) }),
);

