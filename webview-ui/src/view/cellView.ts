/**
 * One cell of an image grid, enlarged, over the page: which grid, its
 * position and the step. It follows the snapshot shown (the same z at a
 * later step is the same cell), so it can stay open while the run trains or
 * the history slider moves. Escape, the Close button or a click beside the
 * dialog closes it.
 */
import type { Rgba } from '../render/imageGrid';
import { fitCanvas, paint } from './gridCanvas';
import { h, setText } from './dom';

export type GridName = 'fake' | 'real' | 'interp' | 'sweeps';

export interface CellTarget {
  readonly grid: GridName;
  readonly row: number;
  readonly col: number;
}

/** Largest the enlarged cell is drawn, in CSS pixels. */
const CELL_MAX_CSS = 336;

export class CellView {
  readonly element: HTMLElement;
  private readonly canvas = h('canvas', { id: 'cell-canvas', className: 'cell-canvas', attrs: { role: 'img' } });
  private readonly title = h('h3', { id: 'cell-title' });
  private readonly caption = h('p', { id: 'cell-caption', className: 'cell-caption' });
  private readonly closeButton = h('button', { id: 'cell-close', text: 'Close', title: 'Close (Escape)' });
  private shown: CellTarget | null = null;
  private returnFocus: HTMLElement | null = null;

  constructor() {
    this.closeButton.type = 'button';
    const dialog = h('div', { className: 'cell-dialog' }, [
      h('div', { className: 'card-head' }, [this.title, this.closeButton]),
      h('div', { className: 'cell-canvas-box' }, [this.canvas]),
      this.caption,
    ]);
    this.element = h('div', { id: 'cell-view', className: 'cell-overlay', attrs: { role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'cell-title', hidden: '' } }, [dialog]);
    this.closeButton.addEventListener('click', () => this.close());
    this.element.addEventListener('click', (e) => {
      if (e.target === this.element) this.close();
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.shown) {
        e.preventDefault();
        this.close();
      }
    });
  }

  /** The cell shown, or null when closed. */
  get target(): CellTarget | null {
    return this.shown;
  }

  /** Show (or update) the enlarged cell. */
  show(target: CellTarget, cell: Rgba, title: string, caption: string, step: number): void {
    const opening = this.shown === null;
    this.shown = target;
    const d = this.element.dataset;
    d.grid = target.grid;
    d.row = String(target.row);
    d.col = String(target.col);
    d.step = String(step);
    setText(this.title, title);
    setText(this.caption, caption);
    this.canvas.setAttribute('aria-label', `${title}, ${caption}`);
    paint(this.canvas, cell);
    fitCanvas(this.canvas, cell.width, cell.height, CELL_MAX_CSS, CELL_MAX_CSS);
    if (opening) {
      this.returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      this.element.hidden = false;
      this.closeButton.focus();
    }
  }

  close(): void {
    if (!this.shown) return;
    this.shown = null;
    this.element.hidden = true;
    for (const k of ['grid', 'row', 'col', 'step']) delete this.element.dataset[k];
    this.returnFocus?.focus();
    this.returnFocus = null;
  }
}
