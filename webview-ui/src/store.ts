/**
 * Append-only numeric columns (x = step, y = value, NaN = gap) that keep a
 * whole series — 10^6 points and more — in typed arrays.
 *
 * A Column is an immutable view: (buffers, length). Appending writes past the
 * end of the shared buffers and returns a new, longer view; older views keep
 * reading only their own prefix, so states that hold them stay valid. Should
 * someone append to an older view again (a branch), its prefix is copied
 * first. Appends are O(1) amortised and a reducer that uses them stays pure
 * in what it returns.
 */
export interface Column {
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  readonly length: number;
  /** Shared by every view of the same buffers: how far they have been written. */
  readonly owner: { used: number };
}

export function emptyColumn(): Column {
  return { xs: new Float64Array(0), ys: new Float64Array(0), length: 0, owner: { used: 0 } };
}

/** Collects appends to one column during one message; `finish` returns the new view. */
export class ColumnWriter {
  private xs: Float64Array;
  private ys: Float64Array;
  private n: number;
  private owner: { used: number };

  constructor(col: Column, expected = 0) {
    const need = col.length + expected;
    if (col.owner.used === col.length && col.xs.length >= need) {
      this.xs = col.xs;
      this.ys = col.ys;
      this.owner = col.owner;
    } else {
      // Branch or too small: copy our prefix into fresh buffers.
      const cap = Math.max(1024, Math.ceil(need * 1.25), Math.ceil(col.length * 1.5));
      this.xs = new Float64Array(cap);
      this.ys = new Float64Array(cap);
      this.xs.set(col.xs.subarray(0, col.length));
      this.ys.set(col.ys.subarray(0, col.length));
      this.owner = { used: col.length };
    }
    this.n = col.length;
  }

  push(x: number, y: number): void {
    if (this.n === this.xs.length) this.grow();
    this.xs[this.n] = x;
    this.ys[this.n] = y;
    this.n++;
  }

  finish(): Column {
    this.owner.used = this.n;
    return { xs: this.xs, ys: this.ys, length: this.n, owner: this.owner };
  }

  private grow(): void {
    const cap = Math.max(1024, Math.ceil(this.xs.length * 1.5));
    const xs = new Float64Array(cap);
    const ys = new Float64Array(cap);
    xs.set(this.xs.subarray(0, this.n));
    ys.set(this.ys.subarray(0, this.n));
    this.xs = xs;
    this.ys = ys;
    // The old buffers now belong to older views only.
    this.owner = { used: this.n };
  }
}

export function columnFrom(points: readonly (readonly [number, number | null])[]): Column {
  const w = new ColumnWriter(emptyColumn(), points.length);
  for (const [x, y] of points) w.push(x, y === null ? NaN : y);
  return w.finish();
}
