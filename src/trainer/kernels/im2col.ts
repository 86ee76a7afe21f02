/**
 * Data movement for the convolution gradients in wasmConv.ts, written as
 * loops over Float32Arrays (the wasm heap, seen from JS): cheaper on these
 * shapes than what tfjs-backend-wasm 4.22 offers for the same job (its
 * generic Transpose moves about one element per 10 ns; an XNNPACK
 * convolution whose filter is a fresh tensor re-packs that filter on every
 * call, 28 ms for the 3.2 M-element filter a 1-channel layer's filter
 * gradient would hand it at batch 256). Pure functions, tested against
 * naive index arithmetic.
 */

/** A stride-s convolution's geometry: x [N,H,W,Ci], filter [KH,KW,Ci,·], output [N,OH,OW,·], padding top/left. */
export interface ConvGeometry {
  n: number;
  h: number;
  w: number;
  ci: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
  oh: number;
  ow: number;
}

/**
 * dst[c, p, n] = src[n, p, c] for src [N, P, C]: an NHWC tensor with batch and
 * channels swapped (P = H·W). Each pass over n fills four contiguous runs of
 * dst from four adjacent channels of src (the rows it reads, N of them, stay
 * in L1 for the next four): 4.0 ms for [256, 196, 64], where 16 × 16 tiles
 * took 11.6 and wasm's Transpose 29.9.
 */
export function transposeNPC(src: Float32Array, n: number, p: number, c: number, dst: Float32Array): void {
  const pc = p * c;
  const pn = p * n;
  for (let q = 0; q < p; q++) {
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      const d0 = j * pn + q * n;
      const d1 = d0 + pn;
      const d2 = d1 + pn;
      const d3 = d2 + pn;
      for (let i = 0, s = q * c + j; i < n; i++, s += pc) {
        dst[d0 + i] = src[s];
        dst[d1 + i] = src[s + 1];
        dst[d2 + i] = src[s + 2];
        dst[d3 + i] = src[s + 3];
      }
    }
    for (; j < c; j++) {
      const d = j * pn + q * n;
      for (let i = 0, s = q * c + j; i < n; i++, s += pc) dst[d + i] = src[s];
    }
  }
}

/**
 * The transposed im2col matrix of x: dst[K, M] with K = KH·KW·Ci (rows in
 * the filter's [kh, kw, ci] order) and M = N·OH·OW (columns in the output's
 * [n, oh, ow] order); dst[(kh·KW + kw)·Ci + ci, m] is the input element tap
 * (kh, kw) of output position m reads, 0 where that falls in the padding.
 * Then dFilter[K, Co] = dst · dy[M, Co].
 */
export function im2colT(x: Float32Array, g: ConvGeometry, dst: Float32Array): void {
  const { n, h, w, ci, kh, kw, sh, sw, top, left, oh, ow } = g;
  const m = n * oh * ow;
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const tap = (a * kw + b) * ci;
      for (let c = 0; c < ci; c++) {
        const row = (tap + c) * m;
        let col = 0;
        for (let i = 0; i < n; i++) {
          for (let y = 0; y < oh; y++) {
            const ih = y * sh + a - top;
            if (ih < 0 || ih >= h) {
              dst.fill(0, row + col, row + col + ow);
              col += ow;
              continue;
            }
            const base = (i * h + ih) * w;
            for (let xo = 0; xo < ow; xo++, col++) {
              const iw = xo * sw + b - left;
              dst[row + col] = iw < 0 || iw >= w ? 0 : x[(base + iw) * ci + c];
            }
          }
        }
      }
    }
  }
}

/**
 * The inverse movement, summing: dx[N,H,W,Ci] = Σ over output positions m
 * and taps of cols[m, (kh·KW + kw)·Ci + ci] into the input element that tap
 * reads (taps in the padding are dropped). With cols = dy[M, Co] · filterᵀ
 * [Co, K] this is a convolution's input gradient. dx is overwritten.
 */
export function col2imAdd(cols: Float32Array, g: ConvGeometry, dx: Float32Array): void {
  const { n, h, w, ci, kh, kw, sh, sw, top, left, oh, ow } = g;
  const k = kh * kw * ci;
  dx.fill(0, 0, n * h * w * ci);
  let m = 0;
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++, m++) {
        const src = m * k;
        for (let a = 0; a < kh; a++) {
          const ih = y * sh + a - top;
          if (ih < 0 || ih >= h) continue;
          const rowBase = (i * h + ih) * w;
          for (let b = 0; b < kw; b++) {
            const iw = xo * sw + b - left;
            if (iw < 0 || iw >= w) continue;
            const d = (rowBase + iw) * ci;
            const s = src + (a * kw + b) * ci;
            for (let c = 0; c < ci; c++) dx[d + c] += cols[s + c];
          }
        }
      }
    }
  }
}

/**
 * Interleaves the s_h·s_w output phases of a strided input gradient into dx
 * [N, H, W, C]: dx[n, y·s_h + p, x·s_w + q, :] = phases[p·s_w + q][n, y, x, :]
 * (each phase [N, QH, QW, C]; null for a phase no filter tap reaches, which
 * gets zeros). Rows and columns past H and W are dropped. One pass, copying
 * runs of C floats, instead of a Concat, two Transposes and a Slice.
 */
export function interleavePhases(
  phases: readonly (Float32Array | null)[],
  n: number,
  qh: number,
  qw: number,
  sh: number,
  sw: number,
  c: number,
  h: number,
  w: number,
  dx: Float32Array,
): void {
  for (let p = 0; p < sh; p++) {
    for (let q = 0; q < sw; q++) {
      const src = phases[p * sw + q];
      for (let i = 0; i < n; i++) {
        for (let y = 0; y < qh; y++) {
          const row = y * sh + p;
          if (row >= h) break;
          for (let x = 0; x < qw; x++) {
            const col = x * sw + q;
            if (col >= w) break;
            const d = ((i * h + row) * w + col) * c;
            if (src === null) {
              dx.fill(0, d, d + c);
              continue;
            }
            const s = ((i * qh + y) * qw + x) * c;
            for (let k = 0; k < c; k++) dx[d + k] = src[s + k];
          }
        }
      }
    }
  }
}
