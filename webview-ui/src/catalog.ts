/**
 * Which chart draws which metric, and under which label. Pure; derived from
 * the shared METRICS table so the dashboard follows the protocol.
 */
import { METRICS, type MetricInfo } from '../../src/protocol/metrics';

export type ChartId = MetricInfo['chart'];

export interface ChartInfo {
  readonly id: ChartId;
  readonly title: string;
  /** The y axis may be switched to a log scale (norms span decades). */
  readonly logToggle: boolean;
}

export const CHARTS: readonly ChartInfo[] = [
  { id: 'losses', title: 'Losses', logToggle: false },
  { id: 'distance', title: 'Distance estimates', logToggle: false },
  { id: 'gradients', title: 'Gradient norms', logToggle: true },
  { id: 'outputs', title: 'Discriminator outputs', logToggle: false },
  { id: 'speed', title: 'Speed', logToggle: false },
];

export const CHART_IDS: readonly ChartId[] = CHARTS.map((c) => c.id);

/** Record fields that are not metrics. */
export const NON_METRIC_KEYS: ReadonlySet<string> = new Set(['step', 'time']);

const byKey = new Map(METRICS.map((m) => [m.key, m]));

/** The chart of a metric key; keys not in METRICS (variant extras) go on the losses chart. */
export function chartOf(key: string): ChartId {
  return byKey.get(key)?.chart ?? 'losses';
}

export function labelOf(key: string): string {
  return byKey.get(key)?.label ?? key;
}

export function descriptionOf(key: string): string | undefined {
  return byKey.get(key)?.description;
}

/** Orders from here up belong to metrics not in METRICS. */
export const EXTRA_ORDER_BASE = 1000;

/**
 * Stable drawing order within a chart (and so colour): known metrics in
 * METRICS order, then extras in order of first appearance (`extrasSeen`
 * counts the extras met before this one).
 */
export function orderOf(key: string, extrasSeen: number): number {
  const i = METRICS.findIndex((m) => m.key === key);
  return i >= 0 ? i : EXTRA_ORDER_BASE + extrasSeen;
}
