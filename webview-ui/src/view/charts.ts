/**
 * One chart.js line chart per dashboard chart. A chart is created once; new
 * metrics add datasets and appends replace their (decimated) data, so an
 * append never re-creates a chart. Only what `update` is given is drawn.
 */
import {
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
  type ChartOptions,
} from 'chart.js';
import { chartDescription, paletteIndex, type ChartInfo } from '../catalog';
import { formatStep } from '../render/format';
import { emptyLine, refreshLine, type Line, type Point } from '../render/series';
import { baseKey, type Series } from '../state';
import type { Column } from '../store';
import { h } from './dom';
import type { Theme } from './theme';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip, Legend);

type LineDataset = ChartDataset<'line', Point[]>;

interface Drawn {
  readonly dataset: LineDataset;
  readonly slot: number;
  /** The column drawn so far (null: nothing yet). */
  column: Column | null;
  readonly line: Line;
}

/** Shared by all charts during one frame. */
export interface FrameBudget {
  /** performance.now() after which only the first full decimation still runs. */
  readonly deadline: number;
  fullDone: number;
}

/** Metrics with their own scale on the right (a percentage next to a count). */
const RIGHT_AXIS = new Set(['hqPercent', 'diversity']);

export class ChartPanel {
  readonly element: HTMLElement;
  /** `#chart-<id>`: holds the canvas and the data-points attribute. */
  readonly box: HTMLElement;
  private readonly chart: Chart<'line', Point[]>;
  private readonly empty: HTMLElement;
  private readonly logButton: HTMLButtonElement | null = null;
  /** Per metric key: its dataset and the column it was last decimated from. */
  private readonly drawn = new Map<string, Drawn>();
  private theme: Theme;
  private log: boolean;
  /** Step range shaded behind the lines (a doctor finding's evidence), if any. */
  private band: readonly [number, number] | undefined;

  constructor(
    readonly info: ChartInfo,
    theme: Theme,
    opts: { log?: boolean; onLogChange?: (log: boolean) => void } = {},
  ) {
    this.theme = theme;
    this.log = info.logToggle && (opts.log ?? false);
    const canvas = h('canvas', { attrs: { role: 'img', 'aria-label': `${info.title} chart` } });
    this.empty = h('div', { className: 'chart-empty', text: 'no data yet' });
    this.box = h('div', { id: `chart-${info.id}`, className: 'chart-box', dataset: { points: '0' } }, [canvas, this.empty]);
    const head = h('div', { className: 'card-head' }, [h('h2', { text: info.title, title: chartDescription(info.id) })]);
    if (info.logToggle) {
      const btn = h('button', { className: 'toggle', text: 'log', title: 'Logarithmic y axis' });
      btn.type = 'button';
      btn.setAttribute('aria-pressed', String(this.log));
      btn.addEventListener('click', () => {
        this.setLog(!this.log);
        opts.onLogChange?.(this.log);
      });
      head.append(btn);
      this.logButton = btn;
    }
    this.element = h('section', { className: `card chart-card chart-card-${info.id}` }, [head, this.box]);
    this.chart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: this.options(),
      plugins: [
        {
          id: 'evidenceBand',
          beforeDatasetsDraw: (chart) => {
            if (!this.band) return;
            const { ctx, chartArea, scales } = chart;
            const x0 = Math.max(chartArea.left, scales.x.getPixelForValue(this.band[0]));
            const x1 = Math.min(chartArea.right, scales.x.getPixelForValue(this.band[1]));
            ctx.save();
            ctx.fillStyle = this.theme.highlight;
            ctx.fillRect(x0, chartArea.top, Math.max(2, x1 - x0), chartArea.bottom - chartArea.top);
            ctx.restore();
          },
        },
      ],
    });
  }

  /** Shade a step range (a finding's evidence), or clear it with undefined. */
  highlight(range: readonly [number, number] | undefined): void {
    this.band = range;
    if (range) this.box.dataset.highlight = `${range[0]}-${range[1]}`;
    else delete this.box.dataset.highlight;
    this.chart.update('none');
  }

  /** Records that have a value for a metric of this chart (the DOM contract's data-points). */
  setCount(n: number): void {
    const v = String(n);
    if (this.box.dataset.points !== v) this.box.dataset.points = v;
  }

  /**
   * Draw these series (in drawing order). A series whose column changed gets
   * its new points: appended as they are while the line stays near the point
   * budget, else re-decimated in full. Full decimations after the first one
   * of a frame wait for a later frame once `budget.deadline` has passed (the
   * new points are drawn raw meanwhile), so a frame stays short even when many
   * 10^6-point series need one. Lines with nothing drawn yet are decimated at
   * once. Returns whether anything changed and whether work was left for
   * another frame.
   */
  update(series: readonly Series[], budget: FrameBudget): { changed: boolean; pending: boolean } {
    let changed = false;
    let pending = false;
    for (const s of series) {
      let d = this.drawn.get(s.key);
      if (!d) {
        const dataset: LineDataset = {
          label: s.label,
          data: [],
          yAxisID: RIGHT_AXIS.has(s.key) ? 'y1' : 'y',
          borderColor: '',
          backgroundColor: '',
        };
        // A compared run's line: the colour of the same metric of this run, dashed.
        if (s.key !== baseKey(s.key)) dataset.borderDash = [6, 4];
        d = { dataset, column: null, slot: paletteIndex(baseKey(s.key), s.chart, s.order), line: emptyLine() };
        this.drawn.set(s.key, d);
        this.chart.data.datasets.push(dataset);
        changed = true;
      }
      if (d.column === s.column && !d.line.stale) continue;
      // A line with nothing drawn yet (after an init) is decimated at once: it
      // has no raw points to show meanwhile, and the first picture matters most.
      const fullAllowed = d.line.length === 0 || budget.fullDone === 0 || performance.now() < budget.deadline;
      if (refreshLine(d.line, s.column, fullAllowed)) budget.fullDone++;
      d.dataset.data = d.line.data;
      d.column = s.column;
      changed = true;
      pending ||= d.line.stale;
    }
    // A series that went away (a comparison replaced or cleared): drop its line.
    if (this.drawn.size > series.length) {
      const keep = new Set(series.map((s) => s.key));
      for (const [key, d] of this.drawn) {
        if (keep.has(key)) continue;
        this.drawn.delete(key);
        this.chart.data.datasets = this.chart.data.datasets.filter((ds) => ds !== d.dataset);
        changed = true;
      }
    }
    if (changed) {
      const compared = series.filter((x) => x.key !== baseKey(x.key)).length;
      if (this.box.dataset.compareLines !== String(compared)) this.box.dataset.compareLines = String(compared);
      this.colour();
      this.empty.hidden = series.some((s) => s.column.length > 0);
      this.chart.update('none');
    }
    return { changed, pending };
  }

  /** Forget every dataset (a new `init`). */
  reset(): void {
    this.drawn.clear();
    this.chart.data.datasets = [];
    this.chart.update('none');
    this.empty.hidden = false;
    this.setCount(0);
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.chart.options = this.options();
    this.colour();
    this.chart.update('none');
  }

  setLog(log: boolean): void {
    if (!this.info.logToggle || log === this.log) return;
    this.log = log;
    this.logButton?.setAttribute('aria-pressed', String(log));
    this.chart.options = this.options();
    this.chart.update('none');
  }

  private colour(): void {
    const p = this.theme.palette;
    for (const d of this.drawn.values()) {
      d.dataset.borderColor = p[d.slot % p.length];
      d.dataset.backgroundColor = p[d.slot % p.length];
    }
    // Keep the legend in drawing order when a metric appears late.
    this.chart.data.datasets.sort((a, b) => slotOf(this.drawn, a) - slotOf(this.drawn, b));
  }

  /** Points currently drawn per dataset (for measurements). */
  drawnPoints(): number[] {
    return this.chart.data.datasets.map((d) => d.data.length);
  }

  private options(): ChartOptions<'line'> {
    const t = this.theme;
    const grid = { color: t.border, drawTicks: false };
    const ticks = { color: t.muted, padding: 4, maxTicksLimit: 6 };
    const y = this.log
      ? { type: 'logarithmic' as const, grid, border: { display: false }, ticks: { ...ticks, callback: logTick } }
      : { type: 'linear' as const, grid, border: { display: false }, ticks };
    return {
      animation: false,
      parsing: false,
      normalized: true,
      spanGaps: false,
      responsive: true,
      maintainAspectRatio: false,
      font: { family: t.fontFamily, size: Math.max(10, t.fontSize - 2) },
      color: t.foreground,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      elements: {
        point: { radius: 0, hoverRadius: 3, hitRadius: 6 },
        line: { borderWidth: 1.5, tension: 0 },
      },
      scales: {
        x: {
          type: 'linear',
          // The line reaches the right edge instead of a rounded-up tick.
          bounds: 'data',
          grid,
          border: { color: t.border },
          ticks: { ...ticks, maxTicksLimit: 7, includeBounds: false, maxRotation: 0, callback: (v) => formatStep(Number(v)) },
          title: { display: true, text: 'step', color: t.muted, padding: 0 },
        },
        y,
        y1: {
          type: 'linear',
          position: 'right',
          display: 'auto',
          grid: { drawOnChartArea: false },
          border: { display: false },
          ticks,
        },
      },
      plugins: {
        legend: {
          position: 'top',
          align: 'start',
          labels: { color: t.foreground, boxWidth: 10, boxHeight: 2, padding: 8 },
        },
        tooltip: {
          backgroundColor: t.background,
          titleColor: t.foreground,
          bodyColor: t.foreground,
          borderColor: t.border,
          borderWidth: 1,
          callbacks: { title: (items) => (items.length ? `step ${items[0].parsed.x}` : '') },
        },
      },
    };
  }
}

function slotOf(drawn: Map<string, Drawn>, ds: LineDataset): number {
  for (const d of drawn.values()) if (d.dataset === ds) return d.slot;
  return Number.MAX_SAFE_INTEGER;
}

/** Log-axis labels only at 1, 2 and 5 × 10^k, compactly. */
function logTick(value: string | number): string {
  const v = Number(value);
  if (!(v > 0)) return '';
  const m = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
  if (![1, 2, 5].some((k) => Math.abs(m - k) < 1e-6)) return '';
  return v >= 1e4 || v < 1e-3 ? v.toExponential(0) : String(Number(v.toPrecision(3)));
}
