/**
 * The whole page: header and buttons on top, the 2-D view (or, for an image
 * model, the image view) and the charts in a responsive grid, notices at the
 * bottom. `render` takes a view state and draws it: the cheap parts at once,
 * the charts at most once per animation frame, with all appends since the
 * last frame coalesced, and with the expensive part (re-decimating long
 * series) spread over frames.
 */

/** Chart work per frame after which further full decimations wait for the next frame. */
const FRAME_BUDGET_MS = 12;
import type { ControlAction } from '../../../src/protocol/messages';
import { CHARTS, chartOf, type ChartId } from '../catalog';
import { chartSeries, type ViewState } from '../state';
import { ChartPanel, type FrameBudget } from './charts';
import { DiagnosisView } from './diagnosis';
import { h } from './dom';
import { HeaderView } from './header';
import { ImagesView } from './images';
import { NoticesView } from './notices';
import { ScatterView } from './scatter';
import { onThemeChange, readTheme } from './theme';

export interface Preferences {
  logCharts?: ChartId[];
}

export interface DashboardOptions {
  onControl(action: ControlAction): void;
  /** Apply fix number `fix` of the finding of `detector` (the host starts the fixed run). */
  onApplyFix(detector: string, fix: number): void;
  /** The history slider wants the snapshot saved at `step`. */
  onRequestSnapshot(step: number): void;
  preferences: Preferences;
  savePreferences(p: Preferences): void;
}

/** Dispatched on document after charts were redrawn; detail: { ms, generation, complete }. */
export const CHARTS_DRAWN_EVENT = 'gan-dashboard:charts-drawn';

export class DashboardView {
  private readonly header: HeaderView;
  private readonly scatter: ScatterView;
  private readonly images: ImagesView;
  private readonly notices: NoticesView;
  private readonly diagnosis: DiagnosisView;
  private readonly compareLine = h('p', { id: 'compare', className: 'compare-line', attrs: { hidden: '' } });
  private readonly panels = new Map<ChartId, ChartPanel>();
  private generation = -1;
  private pending: ViewState | null = null;
  private frame = 0;
  private prefs: Preferences;

  constructor(root: HTMLElement, private readonly opts: DashboardOptions) {
    let theme = readTheme();
    this.prefs = { ...opts.preferences };
    this.header = new HeaderView(opts.onControl);
    this.scatter = new ScatterView(theme);
    this.images = new ImagesView({ onRequestSnapshot: (step) => opts.onRequestSnapshot(step) });
    this.notices = new NoticesView();
    this.diagnosis = new DiagnosisView({
      onApplyFix: (detector, fix) => opts.onApplyFix(detector, fix),
      onHighlight: (e) => {
        const target = e ? chartOf(e.metric) : undefined;
        for (const [id, p] of this.panels) p.highlight(id === target && e ? [e.fromStep, e.toStep] : undefined);
      },
    });
    const grid = h('main', { className: 'panels' }, [this.images.element, this.scatter.element]);
    for (const info of CHARTS) {
      const panel = new ChartPanel(info, theme, {
        log: this.prefs.logCharts?.includes(info.id) ?? false,
        onLogChange: (log) => {
          const set = new Set(this.prefs.logCharts ?? []);
          if (log) set.add(info.id);
          else set.delete(info.id);
          this.prefs = { ...this.prefs, logCharts: [...set] };
          this.opts.savePreferences(this.prefs);
        },
      });
      this.panels.set(info.id, panel);
      grid.append(panel.element);
    }
    root.replaceChildren(
      h('div', { className: 'dashboard' }, [this.header.element, this.compareLine, this.diagnosis.element, grid, this.notices.element]),
      this.images.cellView.element,
    );
    onThemeChange(() => {
      theme = readTheme();
      for (const p of this.panels.values()) p.setTheme(theme);
      this.scatter.setTheme(theme);
    });
  }

  render(state: ViewState): void {
    if (state.generation !== this.generation) {
      this.generation = state.generation;
      for (const p of this.panels.values()) p.reset();
    }
    this.header.render(state);
    this.notices.render(state.notices);
    this.diagnosis.render(state.findings);
    const ids = state.compareIds.join(', ');
    if (this.compareLine.dataset.runs !== ids) {
      this.compareLine.dataset.runs = ids;
      this.compareLine.hidden = !ids;
      this.compareLine.textContent = ids ? `Compared with ${ids}: their curves are the dashed lines.` : '';
    }
    this.scatter.setSnapshot(state.snapshot?.kind === 'toy2d' ? state.snapshot : null);
    this.images.render(state);
    // An image run has no 2-D view: its card would only say there is no 2-D snapshot.
    this.scatter.element.hidden = this.images.active;
    for (const [id, p] of this.panels) p.setCount(state.chartPoints[id]);
    // Image metrics exist for image runs only: a toy run would show an empty card.
    this.panels.get('images')!.element.hidden = state.chartPoints.images === 0 && !this.images.active;
    if (state.initialized) document.body.dataset.ready = 'true';
    this.pending = state;
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  /** Redraw the charts from the latest state (coalesces every append since the last frame). */
  private flush(): void {
    this.frame = 0;
    const state = this.pending;
    if (!state) return;
    const start = performance.now();
    const budget: FrameBudget = { deadline: start + FRAME_BUDGET_MS, fullDone: 0 };
    let changed = false;
    let pending = false;
    for (const [id, panel] of this.panels) {
      const r = panel.update(chartSeries(state, id), budget);
      changed ||= r.changed;
      pending ||= r.pending;
    }
    const ms = performance.now() - start;
    if (pending) {
      // Some lines still wait for a full decimation: carry on next frame.
      this.frame = requestAnimationFrame(() => this.flush());
    } else {
      this.pending = null;
    }
    if (changed) {
      const detail = { ms, generation: state.generation, complete: !pending };
      document.dispatchEvent(new CustomEvent(CHARTS_DRAWN_EVENT, { detail }));
    }
  }

  /** Points drawn per chart and dataset (for measurements). */
  drawnPoints(): Record<string, number[]> {
    return Object.fromEntries([...this.panels].map(([id, p]) => [id, p.drawnPoints()]));
  }
}
