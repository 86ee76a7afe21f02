/**
 * One image grid on a canvas: the tiled picture at its own resolution,
 * enlarged by CSS with `image-rendering: pixelated` at a whole number of
 * device pixels per image pixel (render/imageGrid.ts, pixelScale), with the
 * grid's row labels beside its rows and column labels above its columns.
 * A click on a cell reports the cell.
 */
import type { ImageGrid } from '../../../src/protocol/metrics';
import { cellAt, describeCell, gridPicture, pictureSize, pixelScale, type Cell, type Rgba } from '../render/imageGrid';
import { h } from './dom';

export interface GridCanvasOptions {
  id: string;
  /** What the grid shows, for screen readers and the enlarged cell's title. */
  label: string;
  /** Tallest the grid may be drawn, in CSS pixels. */
  maxHeight: number;
  onCell(cell: Cell): void;
}

export class GridCanvas {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly rowLabels = h('div', { className: 'row-labels', attrs: { 'aria-hidden': 'true' } });
  private readonly colLabels = h('div', { className: 'col-labels', attrs: { 'aria-hidden': 'true' } });
  private grid: ImageGrid | null = null;
  private rgba: Rgba | null = null;

  constructor(private readonly opts: GridCanvasOptions) {
    this.canvas = h('canvas', { id: opts.id, className: 'grid-canvas', attrs: { role: 'img', 'aria-label': opts.label } });
    const frame = h('div', { className: 'grid-frame' }, [this.colLabels, this.rowLabels, this.canvas]);
    this.element = h('div', { className: 'grid-box' }, [frame]);
    this.canvas.addEventListener('click', (e) => {
      const cell = this.cellOf(e);
      if (cell) this.opts.onCell(cell);
    });
    this.canvas.addEventListener('mousemove', (e) => {
      const cell = this.cellOf(e);
      this.canvas.title = cell && this.grid ? `${describeCell(this.grid, cell)}: click to enlarge` : '';
    });
    // The box's width decides the scale: follow it (panel resizes, sidebar toggles).
    new ResizeObserver(() => this.layout()).observe(this.element);
    window.addEventListener('resize', () => this.layout());
  }

  /** Show a grid (null: none); `step` goes to data-step. Decodes only when the grid object changes. */
  set(grid: ImageGrid | null, step: number): void {
    if (grid === null) {
      this.grid = null;
      this.rgba = null;
      this.canvas.width = 0;
      this.canvas.height = 0;
      this.canvas.style.width = '';
      this.canvas.style.height = '';
      for (const k of ['step', 'rows', 'cols', 'channels']) delete this.canvas.dataset[k];
      this.rowLabels.replaceChildren();
      this.colLabels.replaceChildren();
      return;
    }
    if (grid === this.grid) {
      this.canvas.dataset.step = String(step);
      return;
    }
    let rgba: Rgba;
    try {
      rgba = gridPicture(grid);
    } catch (e) {
      // Pixels that pass the schema's length check but not decoding (wrong
      // padding): draw nothing rather than the previous picture under a new step.
      this.set(null, step);
      throw e;
    }
    this.canvas.dataset.step = String(step);
    this.grid = grid;
    this.rgba = rgba;
    this.canvas.dataset.rows = String(grid.rows);
    this.canvas.dataset.cols = String(grid.cols);
    this.canvas.dataset.channels = String(grid.channels);
    paint(this.canvas, this.rgba);
    setLabels(this.rowLabels, grid.rowLabels, grid.rows, 'row-label');
    setLabels(this.colLabels, grid.colLabels, grid.cols, 'col-label');
    this.layout();
  }

  /** The shown grid and its decoded picture (the enlarged cell is cut from it). */
  current(): { grid: ImageGrid; picture: Rgba } | null {
    return this.grid && this.rgba ? { grid: this.grid, picture: this.rgba } : null;
  }

  /** Size the canvas for the box it is in. */
  layout(): void {
    const g = this.grid;
    if (!g) return;
    const { width, height } = pictureSize(g);
    // The row labels take their own width out of the box.
    const room = this.element.clientWidth - (g.rowLabels ? this.rowLabels.offsetWidth + 6 : 0);
    if (room <= 0) return;
    fitCanvas(this.canvas, width, height, room, this.opts.maxHeight);
  }

  private cellOf(e: MouseEvent): Cell | null {
    const g = this.grid;
    if (!g) return null;
    const r = this.canvas.getBoundingClientRect();
    return cellAt(e.clientX - r.left, e.clientY - r.top, r.width, r.height, g);
  }
}

/** One label per row (or column), spread evenly along the grid by CSS; none without labels. */
function setLabels(box: HTMLElement, labels: readonly string[] | undefined, n: number, className: string): void {
  box.hidden = !labels;
  if (!labels) {
    box.replaceChildren();
    return;
  }
  const items: HTMLElement[] = [];
  for (let i = 0; i < n; i++) items.push(h('span', { className, text: labels[i] ?? '' }));
  box.replaceChildren(...items);
}

/** Put an RGBA picture on a canvas at its own resolution (CSS enlarges it). */
export function paint(canvas: HTMLCanvasElement, picture: Rgba): void {
  canvas.width = picture.width;
  canvas.height = picture.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const data = ctx.createImageData(picture.width, picture.height);
  data.data.set(picture.data);
  ctx.putImageData(data, 0, 0);
}

/** Give a canvas of width × height pixels the CSS size of its nearest-neighbour scale within maxWidth × maxHeight. */
export function fitCanvas(canvas: HTMLCanvasElement, width: number, height: number, maxWidth: number, maxHeight: number): void {
  const s = pixelScale(width, height, maxWidth, maxHeight, window.devicePixelRatio || 1);
  // CSSOM, not a style attribute: the page's CSP has no 'unsafe-inline', which covers only the latter.
  canvas.style.width = `${s.cssWidth}px`;
  canvas.style.height = `${s.cssHeight}px`;
}
