/**
 * The dashboard's view state and how each host message changes it. Pure: no
 * DOM, no chart.js. `receive` validates a raw message and applies it; a
 * rejected message becomes an error notice and changes nothing else.
 *
 * Metric series live in append-only columns (store.ts): appending returns a
 * new state whose columns are longer views of the same buffers, so an append
 * costs O(records appended), not O(series length), and older states stay
 * valid.
 */
import { dispatch, type Handlers, type HostToWebview, type RunSummary } from '../../src/protocol/messages';
import type { FindingView } from '../../src/protocol/diagnosis';
import type { MetricRecord, Snapshot } from '../../src/protocol/metrics';
import type { RunState, RunStatus } from '../../src/protocol/run';
import { learningRateScale } from '../../src/protocol/schedule';
import { CHART_IDS, chartOf, EXTRA_ORDER_BASE, labelOf, orderOf, type ChartId } from './catalog';
import { Arena, capacityFor, emptyVec, VecWriter, type Column, type Vec } from './store';
import { parseHostMessage } from './validate';
import { count } from '../../src/protocol/numbers';

export type NoticeLevel = 'info' | 'warn' | 'error';

export interface Notice {
  readonly id: number;
  readonly level: NoticeLevel;
  readonly message: string;
}

export interface Series {
  readonly key: string;
  readonly label: string;
  readonly chart: ChartId;
  /** Drawing order within its chart (and so its colour). */
  readonly order: number;
  /** Values, NaN for null (a gap). */
  readonly ys: Vec;
  /**
   * Steps of the values, or null while the series is dense: present in every
   * record since record number `offset`, its steps are then those of the
   * shared `steps` vector from there (most metrics are; this halves memory
   * and write traffic at 10^6 records).
   */
  readonly xs: Vec | null;
  readonly offset: number;
  /** x/y views for drawing. */
  readonly column: Column;
}

export type ChartCounts = Readonly<Record<ChartId, number>>;

export interface ViewState {
  /** An `init` has been applied. */
  readonly initialized: boolean;
  /** Bumped by every `init`: the view drops what it drew for the previous one. */
  readonly generation: number;
  readonly run: RunSummary | null;
  /** The latest status (from init or a `status` message). */
  readonly status: RunStatus | null;
  readonly series: ReadonlyMap<string, Series>;
  /** The step of every record received, in order. */
  readonly steps: Vec;
  /** Records received that have a value (non-null) for any metric of each chart. */
  readonly chartPoints: ChartCounts;
  /** Records received in all. */
  readonly records: number;
  /** The last step seen in the metrics (the header falls back to it). */
  readonly lastStep: number;
  readonly snapshot: Snapshot | null;
  /** Steps with a snapshot in the run folder, ascending (the history slider's stops). */
  readonly snapshotSteps: readonly number[];
  /** An older snapshot the history slider asked for (requestSnapshot), shown instead of the live one while set. */
  readonly historySnapshot: Snapshot | null;
  readonly notices: readonly Notice[];
  readonly nextNoticeId: number;
  /** The training doctor's findings (the host sends the whole list each time). */
  readonly findings: readonly FindingView[];
  /** Runs compared with this one: their ids, and their series (keys `cmp:<i>:<metric>`), drawn dashed. */
  readonly compareIds: readonly string[];
  readonly compare: readonly Series[];
}

/** Messages with at least this many records allocate their columns in one piece. */
const ARENA_MIN_RECORDS = 10_000;

/** Oldest notices are dropped beyond this. */
export const MAX_NOTICES = 200;

function zeroCounts(): Record<ChartId, number> {
  return Object.fromEntries(CHART_IDS.map((id) => [id, 0])) as Record<ChartId, number>;
}

export function initialState(): ViewState {
  return {
    initialized: false,
    generation: 0,
    run: null,
    status: null,
    series: new Map(),
    steps: emptyVec(),
    chartPoints: zeroCounts(),
    records: 0,
    lastStep: 0,
    snapshot: null,
    snapshotSteps: [],
    historySnapshot: null,
    notices: [],
    nextNoticeId: 1,
    findings: [],
    compareIds: [],
    compare: [],
  };
}

/** Validate a raw message and apply it; a rejected one only adds an error notice. */
export function receive(state: ViewState, raw: unknown): ViewState {
  const parsed = parseHostMessage(raw);
  if (!parsed.ok) return addNotices(state, [{ level: 'error', message: parsed.error }]);
  return apply(state, parsed.message);
}

/** Apply a validated message. */
export function apply(state: ViewState, msg: HostToWebview): ViewState {
  let next = state;
  const handlers: Handlers<HostToWebview> = {
    init: (m) => {
      const fresh = initialState();
      next = appendRecords(
        {
          ...fresh,
          initialized: true,
          generation: state.generation + 1,
          run: m.run,
          status: m.run.status,
          snapshot: m.snapshot ?? null,
          // The slider has the init's snapshot as its one stop until the host's list arrives.
          snapshotSteps: m.snapshot ? [m.snapshot.step] : [],
          nextNoticeId: state.nextNoticeId,
        },
        m.metrics,
      );
      next = addNotices(next, m.warnings.map((w) => ({ level: 'warn' as const, message: w })));
    },
    metrics: (m) => {
      next = appendRecords(state, m.records);
    },
    snapshot: (m) => {
      const steps = state.snapshotSteps;
      const known = steps.length > 0 && steps[steps.length - 1] >= m.snapshot.step ? steps : [...steps, m.snapshot.step];
      next = { ...state, snapshot: m.snapshot, snapshotSteps: known };
    },
    snapshotSteps: (m) => {
      // The list is read from the folder; a live snapshot newer than its last
      // file (forwarded before it was listed) stays the slider's last stop.
      const live = state.snapshot?.step;
      const steps = m.steps;
      const known = live === undefined || (steps.length > 0 && steps[steps.length - 1] >= live) ? steps : [...steps, live];
      next = { ...state, snapshotSteps: known };
    },
    historySnapshot: (m) => {
      next = { ...state, historySnapshot: m.snapshot };
    },
    status: (m) => {
      next = { ...state, status: m.status, run: state.run ? { ...state.run, status: m.status } : null };
    },
    notice: (m) => {
      next = addNotices(state, [{ level: m.level, message: m.message }]);
    },
    diagnosis: (m) => {
      next = { ...state, findings: m.findings };
    },
    compare: (m) => {
      const compare: Series[] = [];
      m.runs.forEach((run, i) => {
        for (const s of appendRecords(initialState(), run.records, run.variant).series.values()) {
          compare.push({ ...s, key: compareKey(i, s.key), label: `${s.label} · ${run.id}` });
        }
      });
      next = { ...state, compareIds: m.runs.map((r) => r.id), compare };
    },
  };
  dispatch(handlers, msg);
  return next;
}

export function addNotices(state: ViewState, items: ReadonlyArray<{ level: NoticeLevel; message: string }>): ViewState {
  if (items.length === 0) return state;
  let id = state.nextNoticeId;
  const added = items.map((n) => ({ id: id++, level: n.level, message: n.message }));
  const notices = [...state.notices, ...added];
  return { ...state, notices: notices.length > MAX_NOTICES ? notices.slice(-MAX_NOTICES) : notices, nextNoticeId: id };
}

interface SeriesWriter {
  readonly series: Series;
  readonly ys: VecWriter;
  /** null while dense. */
  xs: VecWriter | null;
  readonly bit: number;
  gaps: number;
}

/**
 * Append records to the series. A key present with null is a gap (NaN); a key
 * absent from a record adds nothing (a metric logged every k steps is a line,
 * not dots). `variant` (the run's) picks the labels of new series.
 */
export function appendRecords(state: ViewState, records: readonly MetricRecord[], variant = state.run?.variant): ViewState {
  const n = records.length;
  if (n === 0) return state;
  const series = new Map(state.series);
  const writers = new Map<string, SeriesWriter>();
  // A large message (an init) allocates its columns in one piece: the steps
  // and one column per metric of its first record.
  let arena: Arena | undefined;
  if (n >= ARENA_MIN_RECORDS) {
    let columns = 1;
    for (const key in records[0]) if (key !== 'step' && key !== 'time') columns++;
    arena = new Arena(columns * capacityFor(state.steps.length + n));
  }
  const steps = new VecWriter(state.steps, n, arena);
  let extras = 0;
  for (const s of series.values()) if (s.order >= EXTRA_ORDER_BASE) extras++;
  // Per chart, records with a value: counted with one bit per chart.
  const counts = CHART_IDS.map((id) => state.chartPoints[id]);
  let lastStep = state.lastStep;
  let g = state.records; // global index of the record

  for (let i = 0; i < n; i++, g++) {
    const rec = records[i];
    const step = rec.step;
    if (step > lastStep) lastStep = step;
    steps.push(step);
    let hits = 0;
    for (const key in rec) {
      if (key === 'step' || key === 'time') continue;
      const v = rec[key];
      let w = writers.get(key);
      if (w === undefined) {
        let s = series.get(key);
        if (s === undefined) {
          const order = orderOf(key, extras);
          if (order >= EXTRA_ORDER_BASE) extras++;
          const empty = emptyVec();
          const column = { xs: empty.buf, ys: empty.buf, length: 0, gaps: 0 };
          s = { key, label: labelOf(key, variant), chart: chartOf(key), order, ys: empty, xs: null, offset: g, column };
        }
        w = {
          series: s,
          ys: new VecWriter(s.ys, n, arena),
          xs: s.xs === null ? null : new VecWriter(s.xs, n),
          bit: 1 << CHART_IDS.indexOf(s.chart),
          gaps: s.column.gaps,
        };
        writers.set(key, w);
      }
      if (w.xs === null && w.series.offset + w.ys.length !== g) {
        // A record without this key came between: from here on it keeps its own steps.
        const xs = new VecWriter(emptyVec(), w.ys.length + n);
        const from = w.series.offset;
        for (let j = 0; j < w.ys.length; j++) xs.push(steps.buf[from + j]);
        w.xs = xs;
      }
      if (w.xs !== null) w.xs.push(step);
      if (v === null) {
        w.ys.push(NaN);
        w.gaps++;
      } else {
        w.ys.push(v);
        hits |= w.bit;
      }
    }
    if (hits !== 0) for (let c = 0; c < counts.length; c++) if (hits & (1 << c)) counts[c]++;
  }
  const allSteps = steps.finish();
  for (const [key, w] of writers) {
    const ys = w.ys.finish();
    const xs = w.xs?.finish() ?? null;
    const s = w.series;
    const column: Column = { xs: xs ? xs.buf : allSteps.buf.subarray(s.offset), ys: ys.buf, length: ys.length, gaps: w.gaps };
    series.set(key, { ...s, ys, xs, column });
  }
  const chartPoints = Object.fromEntries(CHART_IDS.map((id, i) => [id, counts[i]])) as Record<ChartId, number>;
  return { ...state, series, steps: allSteps, chartPoints, records: state.records + n, lastStep };
}

/** The series of one chart in drawing order. */
export function chartSeries(state: ViewState, chart: ChartId): Series[] {
  const out: Series[] = [];
  for (const s of state.series.values()) if (s.chart === chart) out.push(s);
  out.sort((a, b) => a.order - b.order);
  // Compared runs after this run's own lines, in the same order of metrics.
  return out.concat(state.compare.filter((s) => s.chart === chart).sort((a, b) => a.order - b.order));
}

const COMPARE_PREFIX = /^cmp:\d+:/;

/** The key of metric `key` of compared run number `i`. */
export function compareKey(i: number, key: string): string {
  return `cmp:${i}:${key}`;
}

/** The metric key behind a (possibly compared) series key. */
export function baseKey(key: string): string {
  return key.replace(COMPARE_PREFIX, '');
}

export interface Controls {
  readonly pause: boolean;
  readonly resume: boolean;
  readonly stop: boolean;
  readonly sampleNow: boolean;
}

/**
 * The step the header shows: the status's, or the last metric record's when
 * that is newer (the trainer reports its status less often than it logs
 * metrics, so a status can lag the charts by a few records).
 */
export function shownStep(state: Pick<ViewState, 'status' | 'lastStep'>): number {
  return Math.max(state.status?.step ?? 0, state.lastStep);
}

/**
 * What the header says of a run whose learning rates decay
 * (training.lrDecayStart): the full rates until the decay starts, then the
 * factor on them for the next update; undefined for constant rates.
 */
export function shownLearningRates(state: Pick<ViewState, 'run' | 'status' | 'lastStep'>): string | undefined {
  const start = state.run?.lrDecayStart;
  const total = state.status?.totalSteps;
  if (start === undefined || !total) return undefined;
  const step = shownStep(state);
  if (step < start) return `full until step ${count(start)}, then linear decay to 0`;
  return `× ${learningRateScale(step, total, start).toFixed(2)} (linear decay from step ${count(start)})`;
}

/**
 * The speed the header shows: the status's, or, when the metrics are newer
 * (see shownStep), the steps/s of the last metric record, which the trainer
 * measures for the same step it reports in its status.
 */
export function shownSpeed(state: Pick<ViewState, 'status' | 'lastStep' | 'series'>): number | undefined {
  const speed = state.series.get('stepsPerSec')?.column;
  if (speed && speed.length > 0 && state.lastStep > (state.status?.step ?? -1)) {
    const i = speed.length - 1;
    if (speed.xs[i] === state.lastStep && Number.isFinite(speed.ys[i])) return speed.ys[i];
  }
  return state.status?.stepsPerSec;
}

/** Which control buttons are enabled in a run state (none before a status is known). */
export function controlsFor(state: RunState | undefined): Controls {
  switch (state) {
    case 'running':
      return { pause: true, resume: false, stop: true, sampleNow: true };
    case 'paused':
      return { pause: false, resume: true, stop: true, sampleNow: false };
    case 'starting':
      return { pause: false, resume: false, stop: true, sampleNow: false };
    default:
      return { pause: false, resume: false, stop: false, sampleNow: false };
  }
}
