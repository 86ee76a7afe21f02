/**
 * Append-only numeric vectors that keep whole series — 10^6 points and more —
 * in typed arrays.
 *
 * A Vec is an immutable view: (buffer, length). Appending writes past the end
 * of the shared buffer and returns a new, longer view; older views keep
 * reading only their own prefix, so states that hold them stay valid. Should
 * someone append to an older view again (a branch), its prefix is copied
 * first. Appends are O(1) amortised, and a reducer built on them stays pure
 * in what it returns.
 */
export interface Vec {
  readonly buf: Float64Array;
  readonly length: number;
  /** Shared by every view of the same buffer: how far it has been written. */
  readonly owner: { used: number };
}

/** A series as drawn: x (step) and y (value, NaN = gap) views, `length` entries each. */
export interface Column {
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  readonly length: number;
  /** How many of the y values are NaN (gaps); 0 lets decimation skip looking for them. */
  readonly gaps: number;
}

/**
 * Hands out Float64Array views of one ArrayBuffer allocated on first use.
 * Allocating the vectors of a large message in one piece matters: the engine
 * answers each large external allocation with a full garbage collection, which
 * costs hundreds of milliseconds while an init's 10^6 record objects are live.
 * Requests beyond its size get their own buffer.
 */
export class Arena {
  private buf: ArrayBuffer | null = null;
  private offset = 0;

  constructor(private readonly elements: number) {}

  alloc(length: number): Float64Array {
    if (this.offset + length > this.elements) return new Float64Array(length);
    this.buf ??= new ArrayBuffer(this.elements * 8);
    const view = new Float64Array(this.buf, this.offset * 8, length);
    this.offset += length;
    return view;
  }
}

/** Capacity for `need` entries, with room to grow. */
export function capacityFor(need: number, current = 0): number {
  return Math.max(1024, Math.ceil(need * 1.25), Math.ceil(current * 1.5));
}

export function emptyVec(): Vec {
  return { buf: new Float64Array(0), length: 0, owner: { used: 0 } };
}

/** Collects appends to one Vec during one message; `finish` returns the new view. */
export class VecWriter {
  /** The buffer being written; entries [0, length) are valid. */
  buf: Float64Array;
  length: number;
  private owner: { used: number };

  constructor(v: Vec, expected = 0, arena?: Arena) {
    const need = v.length + expected;
    if (v.owner.used === v.length && v.buf.length >= need) {
      this.buf = v.buf;
      this.owner = v.owner;
    } else {
      // A branch, or too small: copy our prefix into a fresh buffer.
      const cap = capacityFor(need, v.length);
      this.buf = arena ? arena.alloc(cap) : new Float64Array(cap);
      this.buf.set(v.buf.subarray(0, v.length));
      this.owner = { used: v.length };
    }
    this.length = v.length;
  }

  push(x: number): void {
    if (this.length === this.buf.length) this.grow();
    this.buf[this.length++] = x;
  }

  finish(): Vec {
    this.owner.used = this.length;
    return { buf: this.buf, length: this.length, owner: this.owner };
  }

  private grow(): void {
    const buf = new Float64Array(capacityFor(0, this.buf.length));
    buf.set(this.buf.subarray(0, this.length));
    this.buf = buf;
    // The old buffer now belongs to older views only.
    this.owner = { used: this.length };
  }
}

export function vecFrom(values: ArrayLike<number>): Vec {
  const w = new VecWriter(emptyVec(), values.length);
  for (let i = 0; i < values.length; i++) w.push(values[i]);
  return w.finish();
}
