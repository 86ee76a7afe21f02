/**
 * Dot products between two blocks of rows — the inner loop of KID's
 * kernel sums, the precision/recall distances and MS-SWD's projections.
 *
 * Rows are taken four by four so that each loaded value feeds four products
 * (16 running sums per step instead of 1); in V8 that runs about 2.5× faster
 * than one dot product at a time. Every sum still adds its terms in index
 * order 0..d−1, like a plain loop, so x·x here is bit-identical to the
 * plain-loop ‖x‖² (rowNorms2); callers that form ‖x‖² + ‖y‖² − 2x·y rely on
 * that to get exactly 0 for identical rows.
 */

/** out[a·nj + b] = x[i0 + a] · y[j0 + b] for a < ni, b < nj (row-major, row length d). */
export function rowDots(x: Float64Array, i0: number, ni: number, y: Float64Array, j0: number, nj: number, d: number, out: Float64Array): void {
  const ni4 = ni - (ni % 4);
  const nj4 = nj - (nj % 4);
  for (let a = 0; a < ni4; a += 4) {
    const a0 = (i0 + a) * d;
    const a1 = a0 + d;
    const a2 = a1 + d;
    const a3 = a2 + d;
    for (let b = 0; b < nj4; b += 4) {
      const b0 = (j0 + b) * d;
      const b1 = b0 + d;
      const b2 = b1 + d;
      const b3 = b2 + d;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let k = 0; k < d; k++) {
        const x0 = x[a0 + k], x1 = x[a1 + k], x2 = x[a2 + k], x3 = x[a3 + k];
        const y0 = y[b0 + k], y1 = y[b1 + k], y2 = y[b2 + k], y3 = y[b3 + k];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      const o = a * nj + b;
      out[o] = s00; out[o + 1] = s01; out[o + 2] = s02; out[o + 3] = s03;
      out[o + nj] = s10; out[o + nj + 1] = s11; out[o + nj + 2] = s12; out[o + nj + 3] = s13;
      out[o + 2 * nj] = s20; out[o + 2 * nj + 1] = s21; out[o + 2 * nj + 2] = s22; out[o + 2 * nj + 3] = s23;
      out[o + 3 * nj] = s30; out[o + 3 * nj + 1] = s31; out[o + 3 * nj + 2] = s32; out[o + 3 * nj + 3] = s33;
    }
  }
  // The ragged edge (row or column index past the last full group of four).
  for (let a = 0; a < ni; a++) {
    for (let b = a < ni4 ? nj4 : 0; b < nj; b++) {
      const xa = (i0 + a) * d;
      const yb = (j0 + b) * d;
      let s = 0;
      for (let k = 0; k < d; k++) s += x[xa + k] * y[yb + k];
      out[a * nj + b] = s;
    }
  }
}

/** Squared norms of the n rows, summed in the same order as rowDots. */
export function rowNorms2(x: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[i * d + k] * x[i * d + k];
    out[i] = s;
  }
  return out;
}
