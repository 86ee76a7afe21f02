/**
 * Which chart draws which metric, and under which label. Pure; derived from
 * the shared METRICS table so the dashboard follows the protocol.
 */
import { CHARTS as CHART_ORDER, METRICS, type ChartId } from '../../src/protocol/metrics';
import { VARIANTS, type DiscriminatorOutput } from '../../src/protocol/variants';

export type { ChartId };

export interface ChartInfo {
  readonly id: ChartId;
  readonly title: string;
  /** The y axis may be switched to a log scale (norms span decades). */
  readonly logToggle: boolean;
}

// A Record over ChartId: a chart added to the protocol without a title here is a type error.
const INFO: Record<ChartId, Omit<ChartInfo, 'id'>> = {
  losses: { title: 'Losses', logToggle: false },
  distance: { title: 'Distance estimates', logToggle: false },
  gradients: { title: 'Gradient norms', logToggle: true },
  outputs: { title: 'Discriminator outputs', logToggle: false },
  quality: { title: 'Sample quality', logToggle: false },
  images: { title: 'Image quality', logToggle: true },
  speed: { title: 'Speed', logToggle: false },
};

/** The dashboard's charts in display order (the protocol's order). */
export const CHARTS: readonly ChartInfo[] = CHART_ORDER.map((id) => ({ id, ...INFO[id] }));

export const CHART_IDS: readonly ChartId[] = CHART_ORDER;

const byKey = new Map(METRICS.map((m) => [m.key, m]));

/** The chart of a metric key; keys not in METRICS (variant extras) go on the losses chart. */
export function chartOf(key: string): ChartId {
  return byKey.get(key)?.chart ?? 'losses';
}

const outputOf = new Map<string, DiscriminatorOutput>(VARIANTS.map((v) => [v.id, v.output]));

/** A metric's label; `variant` (the run's) picks the label for its kind of discriminator where one is given. */
export function labelOf(key: string, variant?: string): string {
  const m = byKey.get(key);
  if (!m) return key;
  const output = variant === undefined ? undefined : outputOf.get(variant);
  return (output && m.labelByOutput?.[output]) ?? m.label;
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

/**
 * A series' colour slot within its chart, stable as metrics appear: known
 * metrics by their place among their chart's METRICS (so the D-side metric
 * is the first colour and the G side the second on every chart), extras after.
 */
export function paletteIndex(key: string, chart: ChartId, order: number): number {
  const known = METRICS.filter((m) => m.chart === chart);
  const i = known.findIndex((m) => m.key === key);
  return i >= 0 ? i : known.length + Math.max(0, order - EXTRA_ORDER_BASE);
}

/** A chart title's tooltip: each metric it can draw, under every label it can be drawn with. */
export function chartDescription(chart: ChartId): string {
  return METRICS.filter((m) => m.chart === chart)
    .map((m) => `${[m.label, ...new Set(Object.values(m.labelByOutput ?? {}))].join(' / ')}: ${m.description}`)
    .join('\n');
}
