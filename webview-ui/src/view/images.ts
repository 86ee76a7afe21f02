/**
 * The image view, shown instead of the 2-D view when the run's snapshots are
 * images: the generated grid beside the real one, a history strip to scrub
 * back through training (older snapshots are asked of the host), the latent
 * panel (interpolations between z vectors, z-dimension sweeps as sliders),
 * and any cell enlarged on click.
 */
import type { ImageGrid, ImageSnapshot, Snapshot } from '../../../src/protocol/metrics';
import { FOLLOW_LIVE, LatestRequest, pickSnapshot, selectIndex, sliderPosition, type Selection } from '../history';
import { cropCell, describeCell, inGrid, type Cell, type Rgba } from '../render/imageGrid';
import type { ViewState } from '../state';
import { CellView, type GridName } from './cellView';
import { h, setText } from './dom';
import { GridCanvas } from './gridCanvas';
import { HistoryStrip } from './historyStrip';
import { SweepsView } from './sweeps';

/** The slider asks for the step it rests on after this long (dragging asks for nothing in between). */
const REQUEST_DELAY_MS = 120;

const GRID_TITLES: Record<GridName, string> = { fake: 'Generated', real: 'Real', interp: 'Interpolation', sweeps: 'z sweep' };

export interface ImagesOptions {
  /** Ask the host for the snapshot saved at `step` (answered by a historySnapshot). */
  onRequestSnapshot(step: number): void;
}

export class ImagesView {
  readonly element: HTMLElement;
  /** The enlarged cell's overlay: the page puts it at the end of the document. */
  readonly cellView = new CellView();
  private readonly fake = new GridCanvas({ id: 'grid-fake', label: 'generated images', maxHeight: 520, onCell: (c) => this.openCell('fake', c) });
  private readonly real = new GridCanvas({ id: 'grid-real', label: 'real images', maxHeight: 520, onCell: (c) => this.openCell('real', c) });
  private readonly interp = new GridCanvas({ id: 'grid-interp', label: 'interpolations between z vectors', maxHeight: 320, onCell: (c) => this.openCell('interp', c) });
  private readonly interpPanel: HTMLElement;
  private readonly sweeps = new SweepsView((c) => this.openCell('sweeps', c));
  private readonly latent: HTMLElement;
  private readonly history: HistoryStrip;
  private readonly stepLabel = h('span', { id: 'images-step', className: 'snap-step' });
  private readonly historyBadge = h('span', { className: 'history-badge', text: 'history', title: 'An older snapshot: press Live to follow the run again' });
  private readonly requests: LatestRequest;
  private sel: Selection = FOLLOW_LIVE;
  private generation = -1;
  private state: ViewState | null = null;
  private drawn: ImageSnapshot | null = null;

  constructor(opts: ImagesOptions) {
    this.requests = new LatestRequest((step) => opts.onRequestSnapshot(step), REQUEST_DELAY_MS);
    this.history = new HistoryStrip(
      (index) => this.select(selectIndex(this.state?.snapshotSteps ?? [], index)),
      () => this.select(FOLLOW_LIVE),
    );
    this.historyBadge.hidden = true;
    this.interpPanel = h('section', { id: 'interp', className: 'latent-panel', attrs: { hidden: '' } }, [
      h('h3', { text: 'Interpolation' }),
      h('p', { className: 'subtitle', text: 'Each row: a straight line in z between two latent vectors, left to right.' }),
      this.interp.element,
    ]);
    this.latent = h('div', { className: 'latent' }, [this.interpPanel, this.sweeps.element]);
    this.element = h('section', { id: 'images', className: 'card images-card', attrs: { hidden: '' } }, [
      h('div', { className: 'card-head' }, [h('h2', { text: 'Samples' }), this.historyBadge, this.stepLabel]),
      h('div', { className: 'image-pair' }, [figure('generated', this.fake), figure('real', this.real)]),
      this.history.element,
      this.latent,
    ]);
  }

  /** Whether the page shows images (then the 2-D view hides). */
  get active(): boolean {
    return !this.element.hidden;
  }

  render(state: ViewState): void {
    if (state.generation !== this.generation) {
      // A new init (a reload of the run): follow it live from the start.
      this.generation = state.generation;
      this.sel = FOLLOW_LIVE;
      this.requests.reset();
      this.cellView.close();
    }
    this.state = state;
    this.update();
  }

  private select(sel: Selection): void {
    this.sel = sel;
    if (sel.follow) this.requests.reset();
    this.update();
  }

  private update(): void {
    const state = this.state;
    if (!state) return;
    const live = images(state.snapshot);
    const shown = pickSnapshot(live, images(state.historySnapshot), this.sel);
    if (shown.waiting) this.requests.request(this.sel.step);
    // While the picked snapshot is on its way, the previous picture stays.
    const snap = shown.waiting ? (this.drawn ?? live) : shown.snapshot;
    this.element.hidden = snap === null;
    this.historyBadge.hidden = snap === null || snap === live;
    setText(this.stepLabel, snap ? `step ${snap.step}` : '');
    const steps = state.snapshotSteps;
    const pos = sliderPosition(steps, this.sel);
    this.history.render({ steps, max: pos.max, index: pos.index, selection: this.sel, shownStep: snap?.step ?? null, loading: shown.waiting });
    // Last: a grid that cannot be drawn throws, and must not leave the rest stale.
    if (snap !== this.drawn) this.draw(snap);
  }

  private draw(snap: ImageSnapshot | null): void {
    this.drawn = snap;
    const step = snap?.step ?? 0;
    // Each grid on its own: one that cannot be decoded leaves the others drawn,
    // and the error (thrown at the end) becomes a notice (main.ts).
    const errors: string[] = [];
    const each = (name: string, f: () => void) => {
      try {
        f();
      } catch (e) {
        errors.push(`${name}: ${(e as Error).message}`);
      }
    };
    each('generated', () => this.fake.set(snap?.fake ?? null, step));
    each('real', () => this.real.set(snap?.real ?? null, step));
    each('interpolation', () => this.interp.set(snap?.interpolation ?? null, step));
    each('sweeps', () => this.sweeps.set(snap?.sweeps ?? null));
    this.interpPanel.hidden = !snap?.interpolation;
    this.latent.hidden = !snap?.interpolation && !snap?.sweeps;
    const target = this.cellView.target;
    if (target) this.openCell(target.grid, target);
    if (errors.length) throw new Error(`step ${step} images: ${errors.join('; ')}`);
  }

  /** Enlarge a cell of the drawn snapshot (or follow an open one to a new snapshot; closes if it is gone). */
  private openCell(grid: GridName, cell: Cell): void {
    const snap = this.drawn;
    const source = grid === 'sweeps' ? this.sweeps.current() : this.canvasOf(grid).current();
    if (!snap || !source || !inGrid(source.grid, cell.row, cell.col)) {
      this.cellView.close();
      return;
    }
    const picture: Rgba = cropCell(source.picture, source.grid, cell.row, cell.col);
    this.cellView.show(
      { grid, row: cell.row, col: cell.col },
      picture,
      `${GRID_TITLES[grid]} · ${describeCell(source.grid, cell)}`,
      `step ${snap.step} · ${picture.width}×${picture.height} ${kindOf(source.grid)}${snap !== images(this.state?.snapshot ?? null) ? ' · from the history' : ''}`,
      snap.step,
    );
  }

  private canvasOf(grid: Exclude<GridName, 'sweeps'>): GridCanvas {
    return grid === 'fake' ? this.fake : grid === 'real' ? this.real : this.interp;
  }
}

function images(s: Snapshot | null): ImageSnapshot | null {
  return s?.kind === 'images' ? s : null;
}

function kindOf(g: ImageGrid): string {
  return g.channels === 1 ? 'grey' : 'RGB';
}

function figure(caption: string, grid: GridCanvas): HTMLElement {
  return h('figure', { className: 'image-figure' }, [h('figcaption', { text: caption }), grid.element]);
}
