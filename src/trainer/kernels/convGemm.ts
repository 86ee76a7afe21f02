/**
 * An NHWC convolution as one indirect matrix product (gemm.wat's igemm): no
 * im2col matrix is built. Row i of the product is an output position, and
 * for each filter tap a table gives the input pixel that tap meets there
 * (its Ci channels, contiguous in NHWC) or the zero row where it meets
 * padding. The filter, read as [KH·KW·Ci, Co], is packed into 8-column
 * panels first.
 *
 * The tables depend only on the geometry, so each is built once and kept
 * on the heap (a few per layer shape: forward, the input gradient's phases,
 * the filter gradient), up to 64 MiB in all, the least recently used freed after a product.
 */
import * as tf from '@tensorflow/tfjs';
import type { ConvGeometry } from './im2col';
import { heapGemmFor, type HeapGemm } from './simd/gemm';
import type { WasmHeapBackend } from './wasmKernels';

/**
 * Below this many floats per tap row (input channels, or the batch for a
 * filter gradient) a product spends more on finding rows than on summing
 * them, and XNNPACK keeps the convolution. (A 1-channel image layer: 1.)
 */
export const GEMM_MIN_ROW_FLOATS = 8;
/** Indirection tables kept per heap, in bytes (DCGAN's at batch 256: about 3 MiB). */
let tableBudgetBytes = 64 << 20;

/** Sets the bytes of tables kept per heap (the tests make it tight); returns the old budget. */
export function setTableBudget(bytes: number): number {
  const old = tableBudgetBytes;
  tableBudgetBytes = bytes;
  return old;
}

/**
 * out[n, oh, ow, co] = Σ x[n, oh·sh + a·dh − top, ow·sw + b·dw − left, ci] · f[a, b, ci, co]
 * over taps (a, b) < (kh, kw) and ci, input positions outside x counting as 0.
 */
export interface GemmConvGeometry extends ConvGeometry {
  co: number;
  dh: number;
  dw: number;
}

/**
 * Where the filter's rows lie: row (tap t, channel c) of the [KH·KW·Ci, Co]
 * matrix starts at tensor + t·tapStride + c·rowStride bytes. A filter
 * [KH,KW,Ci,Co] has tapStride 4·Ci·Co and rowStride 4·Co; a filter gradient
 * reads dy [N,OH,OW,Co] as its filter with tapStride 4·Co (taps are output
 * positions) and rowStride 4·OH·OW·Co (channels are the batch).
 */
export interface FilterRows {
  tensor: tf.TensorInfo;
  tapStride: number;
  rowStride: number;
}

export function filterRows(filter: tf.TensorInfo): FilterRows {
  const [, , ci, co] = filter.shape;
  return { tensor: filter, tapStride: 4 * ci * co, rowStride: 4 * co };
}

let allowed = true;

/** Whether convolutions and matrix products may take igemm (default yes): the benchmarks and tests turn it off to run XNNPACK in the same kernels. */
export function allowGemm(allow: boolean): void {
  allowed = allow;
}

/** igemm on this backend when it may take a product whose tap rows hold `rowFloats` floats (a convolution's channels, a dense layer's inputs), else null. */
export function gemmFor(backend: unknown, rowFloats: number): HeapGemm | null {
  if (!allowed || rowFloats < GEMM_MIN_ROW_FLOATS) return null;
  const g = heapGemmFor(backend);
  return g instanceof Error ? null : g;
}

interface HeapState {
  tables: Map<string, { ptr: number; bytes: number }>;
  tableBytes: number;
  zero: { ptr: number; floats: number };
}
const states = new WeakMap<HeapGemm, HeapState>();

function stateOf(gemm: HeapGemm): HeapState {
  let s = states.get(gemm);
  if (!s) {
    s = { tables: new Map(), tableBytes: 0, zero: { ptr: 0, floats: 0 } };
    states.set(gemm, s);
  }
  return s;
}

/**
 * The table [N·OH·OW, KH·KW] of byte offsets into x (−1 for padding),
 * built in JS once per geometry. Exported for the tests.
 */
export function indirectionTable(g: GemmConvGeometry): Int32Array {
  const taps = g.kh * g.kw;
  const t = new Int32Array(g.n * g.oh * g.ow * taps);
  let i = 0;
  for (let b = 0; b < g.n; b++) {
    for (let y = 0; y < g.oh; y++) {
      for (let x = 0; x < g.ow; x++) {
        for (let a = 0; a < g.kh; a++) {
          const iy = y * g.sh + a * g.dh - g.top;
          for (let c = 0; c < g.kw; c++) {
            const ix = x * g.sw + c * g.dw - g.left;
            t[i++] = iy < 0 || iy >= g.h || ix < 0 || ix >= g.w ? -1 : ((b * g.h + iy) * g.w + ix) * g.ci * 4;
          }
        }
      }
    }
  }
  return t;
}

/**
 * A table kept on the heap under `key`, built by `build` when absent. Nothing
 * is freed here: a product takes two tables, and making room for the second
 * must not free the first while it is in use (trimTables runs after).
 */
function cachedTable(gemm: HeapGemm, memory: () => ArrayBufferLike, key: string, build: () => Int32Array): number {
  const s = stateOf(gemm);
  const hit = s.tables.get(key);
  if (hit) {
    s.tables.delete(key); // re-inserted: Map order is the eviction order
    s.tables.set(key, hit);
    return hit.ptr;
  }
  const values = build();
  const ptr = gemm.malloc(Math.max(4, values.byteLength));
  new Int32Array(memory(), ptr, values.length).set(values);
  s.tables.set(key, { ptr, bytes: values.byteLength });
  s.tableBytes += values.byteLength;
  return ptr;
}

/** Frees the least recently used tables until the rest fit the budget (a table larger than it goes too). */
function trimTables(gemm: HeapGemm): void {
  const s = stateOf(gemm);
  for (const [key, t] of s.tables) {
    if (s.tableBytes <= tableBudgetBytes) break;
    gemm.free(t.ptr);
    s.tableBytes -= t.bytes;
    s.tables.delete(key);
  }
}

const geometryKey = (g: GemmConvGeometry) => [g.n, g.h, g.w, g.ci, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.top, g.left, g.oh, g.ow].join(',');

function zeroRow(gemm: HeapGemm, memory: () => ArrayBufferLike, floats: number): number {
  const z = stateOf(gemm).zero;
  if (z.floats < floats) {
    if (z.ptr) gemm.free(z.ptr);
    z.ptr = gemm.malloc(4 * floats);
    z.floats = floats;
    new Float32Array(memory(), z.ptr, floats).fill(0);
  }
  return z.ptr;
}

/**
 * The rows of phase (p, q) of a stride (sh, sw) input gradient, [N, QH, QW]
 * in order, as byte offsets into dx [N,H,W,C]: row (b, y, x) is pixel
 * (y·sh + p, x·sw + q), −1 past the image's edge.
 */
export function phaseRows(n: number, qh: number, qw: number, sh: number, sw: number, p: number, q: number, h: number, w: number, c: number): Int32Array {
  const out = new Int32Array(n * qh * qw);
  let i = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < qh; y++) {
      const row = y * sh + p;
      for (let x = 0; x < qw; x++) {
        const col = x * sw + q;
        out[i++] = row >= h || col >= w ? -1 : ((b * h + row) * w + col) * c * 4;
      }
    }
  }
  return out;
}

/**
 * Where each output row (n, oh, ow) goes instead of its own place: a byte
 * offset into the output tensor, or −1 to drop it; `key` names the table
 * for the cache.
 */
export interface RowScatter {
  key: string;
  offsets: () => Int32Array;
}

/**
 * The convolution of x [N,H,W,Ci] by the filter rows, as a new tensor
 * [N,OH,OW,Co] on the heap, or of `shape` (the same number of floats: a
 * dense layer's [M, N]). Caller checks gemmFor first.
 */
export function convGemm(backend: tf.KernelBackend, gemm: HeapGemm, x: tf.TensorInfo, filter: FilterRows, g: GemmConvGeometry, shape = [g.n, g.oh, g.ow, g.co]): tf.TensorInfo {
  const b = backend as unknown as WasmHeapBackend & tf.KernelBackend;
  const out = b.makeOutput(shape, 'float32');
  try {
    convGemmInto(backend, gemm, x, filter, g, out);
  } catch (e) {
    b.disposeData(out.dataId);
    throw e;
  }
  return out;
}

/**
 * The same convolution written into `out`: its rows in order, Co floats
 * apart, or where `scatter` puts them (the rest of `out` untouched).
 */
export function convGemmInto(backend: tf.KernelBackend, gemm: HeapGemm, x: tf.TensorInfo, filter: FilterRows, g: GemmConvGeometry, out: tf.TensorInfo, scatter?: RowScatter): void {
  const b = backend as unknown as WasmHeapBackend & tf.KernelBackend;
  const taps = g.kh * g.kw;
  const k = taps * g.ci;
  const rows = g.n * g.oh * g.ow;
  if (rows === 0 || g.co === 0) return;
  const panels = Math.ceil(g.co / 8);
  let packed = 0;
  try {
    // Every allocation first: one may grow the heap, and views and offsets are taken after.
    const memory = () => b.typedArrayFromHeap(out).buffer;
    const table = cachedTable(gemm, memory, geometryKey(g), () => indirectionTable(g));
    const crow = scatter ? cachedTable(gemm, memory, `rows ${scatter.key}`, scatter.offsets) : 0;
    const zero = zeroRow(gemm, memory, g.ci);
    packed = gemm.malloc(4 * 8 * panels * k);
    const at = (t: tf.TensorInfo) => b.typedArrayFromHeap(t).byteOffset;
    gemm.packB({ src: at(filter.tensor), taps, kc: g.ci, tapStride: filter.tapStride, rowStride: filter.rowStride, n: g.co, dst: packed });
    gemm.igemm({ rows, ind: table, taps, xb: at(x), zero, kc: g.ci, b: packed, panelStride: 32 * k, n: g.co, c: at(out), ldc: 4 * g.co, crow });
  } finally {
    if (packed) gemm.free(packed);
    trimTables(gemm);
  }
}
