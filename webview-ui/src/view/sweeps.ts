/**
 * The z-sweep grid as sliders: one range input per swept z dimension (a row
 * of the grid, labelled like 'z[3]'), whose position picks a column (a value
 * of that dimension, its colLabel) and shows that cell. The images are all
 * precomputed in the snapshot; the slider only scrubs through them.
 */
import type { ImageGrid } from '../../../src/protocol/metrics';
import { cropCell, gridPicture, type Cell, type Rgba } from '../render/imageGrid';
import { h, setText } from './dom';
import { fitCanvas, paint } from './gridCanvas';

/** Largest a swept cell is drawn, in CSS pixels. */
const CELL_CSS = 72;

interface Row {
  readonly element: HTMLElement;
  readonly input: HTMLInputElement;
  readonly value: HTMLOutputElement;
  readonly canvas: HTMLCanvasElement;
}

export class SweepsView {
  readonly element: HTMLElement;
  private readonly list = h('div', { className: 'sweep-rows' });
  private grid: ImageGrid | null = null;
  private picture: Rgba | null = null;
  private rows: Row[] = [];
  /** Column picked per row, kept across snapshots so a live update does not move the sliders. */
  private picked: number[] = [];
  private shape = '';

  constructor(private readonly onCell: (cell: Cell) => void) {
    this.element = h('section', { id: 'sweeps', className: 'latent-panel', attrs: { hidden: '' } }, [
      h('h3', { text: 'z sweeps' }),
      h('p', { className: 'subtitle', text: 'One z, one dimension moved at a time: drag a slider to scrub through its values.' }),
      this.list,
    ]);
  }

  /** The sweeps grid of the snapshot shown (null: none, the panel hides). */
  set(grid: ImageGrid | null): void {
    this.element.hidden = grid === null;
    if (grid === this.grid) return;
    let picture: Rgba | null;
    try {
      picture = grid ? gridPicture(grid) : null;
    } catch (e) {
      this.set(null);
      throw e;
    }
    this.grid = grid;
    this.picture = picture;
    if (!grid) {
      this.rows = [];
      this.shape = '';
      this.list.replaceChildren();
      return;
    }
    // Same dimensions and values as before: keep the sliders where the user left them.
    const shape = JSON.stringify([grid.rows, grid.cols, grid.rowLabels ?? null, grid.colLabels ?? null]);
    if (shape !== this.shape) {
      this.shape = shape;
      this.build(grid);
    }
    for (let r = 0; r < this.rows.length; r++) this.drawRow(r);
  }

  /** The shown grid and its decoded picture (the enlarged cell is cut from it). */
  current(): { grid: ImageGrid; picture: Rgba } | null {
    return this.grid && this.picture ? { grid: this.grid, picture: this.picture } : null;
  }

  private build(grid: ImageGrid): void {
    const middle = Math.floor((grid.cols - 1) / 2);
    this.picked = Array.from({ length: grid.rows }, () => middle);
    this.rows = [];
    for (let r = 0; r < grid.rows; r++) {
      const name = grid.rowLabels?.[r] || `row ${r + 1}`;
      const id = `sweep-${r}`;
      const input = h('input', { id, className: 'sweep-slider', attrs: { type: 'range', min: '0', max: String(grid.cols - 1), step: '1' }, dataset: { row: String(r), dim: name } });
      input.value = String(middle);
      input.setAttribute('aria-label', `value of ${name}`);
      const value = h('output', { className: 'sweep-value', attrs: { for: id } });
      const canvas = h('canvas', { className: 'sweep-cell grid-canvas', title: 'click to enlarge', attrs: { role: 'img' } });
      input.addEventListener('input', () => {
        this.picked[r] = Number(input.value);
        this.drawRow(r);
      });
      canvas.addEventListener('click', () => this.onCell({ row: r, col: this.picked[r] }));
      const element = h('div', { className: 'sweep-row', dataset: { row: String(r) } }, [
        canvas,
        h('label', { className: 'sweep-label', text: name, attrs: { for: id } }),
        input,
        value,
      ]);
      this.rows.push({ element, input, value, canvas });
    }
    this.list.replaceChildren(...this.rows.map((x) => x.element));
  }

  private drawRow(r: number): void {
    const grid = this.grid;
    const picture = this.picture;
    const row = this.rows[r];
    if (!grid || !picture || !row) return;
    const col = this.picked[r];
    const label = grid.colLabels?.[col];
    setText(row.value, label === undefined || label === '' ? `${col + 1} of ${grid.cols}` : label);
    row.input.setAttribute('aria-valuetext', row.value.textContent ?? '');
    const cell = cropCell(picture, grid, r, col);
    row.canvas.dataset.col = String(col);
    row.canvas.setAttribute('aria-label', `${row.input.dataset.dim} = ${row.value.textContent}`);
    paint(row.canvas, cell);
    fitCanvas(row.canvas, cell.width, cell.height, CELL_CSS, CELL_CSS);
  }
}
