/**
 * Passes over float32 tensors on the wasm heap: per-channel ones over a
 * [rows, cols] matrix (the loops of batch norm, column sums, a one-output
 * weight gradient) and the activations' elementwise ones, in two
 * implementations with one interface:
 *  - wasm SIMD (heapPasses.wat), run on tfjs-backend-wasm's own memory,
 *    so the matrices are read where they lie, without a copy;
 *  - JS loops over heap views, for any cols and wherever the SIMD module
 *    cannot be instantiated.
 * Measured on the 2-core VM (an affine map over [50176, 64], 3.2 M floats):
 * the JS loop 9.7–12.4 ms, the SIMD loop 1.9–2.8 ms.
 */
import { SHARED, UNSHARED } from './heapPassesWasm';

/** The per-channel arrays a pass reads or writes besides the matrices. */
export interface PassArrays {
  /** Subtracted from x before the sums (moments, crossSums). */
  shift: Float32Array;
  /** Σ of the first and second kind (moments: d and d², crossSums: g and g·d; d = x − shift). */
  sum1: Float64Array;
  sum2: Float64Array;
  /** Coefficients of the maps: affine y = (x − s)·a + b; affine2 out = g·a + (x − s)·b + k. */
  s: Float32Array;
  a: Float32Array;
  b: Float32Array;
  k: Float32Array;
}

/** Adam's constants, with c1 = 1 − β1ᵗ and c2 = 1 − β2ᵗ as float32 computes them. */
export interface AdamConstants {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  c1: number;
  c2: number;
}

/** RMSProp's constants (tfjs's non-centred form). */
export interface RMSPropConstants {
  lr: number;
  decay: number;
  momentum: number;
  epsilon: number;
}

export interface Workspace {
  /** The arrays. A heap workspace's views are taken here, so call it after the kernel's last allocation. */
  arrays(): PassArrays;
  release(): void;
}

export interface HeapPasses {
  readonly kind: 'simd' | 'js';
  workspace(cols: number): Workspace;
  /** sum1 = Σ (x − shift), sum2 = Σ (x − shift)² per column. */
  moments(x: Float32Array, w: PassArrays, rows: number, cols: number): void;
  /** sum1 = Σ g, sum2 = Σ g·(x − shift) per column. */
  crossSums(g: Float32Array, x: Float32Array, w: PassArrays, rows: number, cols: number): void;
  /** y = (x − s)·a + b per column; y may be x. */
  affine(x: Float32Array, w: PassArrays, y: Float32Array, rows: number, cols: number): void;
  /** out = g·a + (x − s)·b + k per column. */
  affine2(g: Float32Array, x: Float32Array, w: PassArrays, out: Float32Array, rows: number, cols: number): void;
  /**
   * out = Σ_r x[r, ·], added up in float32 from row 0 to the last: the order
   * and rounding of tfjs's own Sum kernel over the transposed input, so the
   * results are bit for bit the same. out must be on the heap for SIMD.
   */
  columnSums(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
  /** out = xᵀ·w (w: rows values), each column added up in float32 row by row. out must be on the heap for SIMD. */
  weightedColumnSums(x: Float32Array, w: Float32Array, rows: number, cols: number, out: Float32Array): void;
  /** y = max(x, 0) + min(x, 0)·α elementwise (LeakyReLU; ReLU with α = 0). Any length; y may be x. */
  leakyRelu(x: Float32Array, y: Float32Array, alpha: number): void;
  /** dx = x > 0 ? dy : dy·α elementwise. */
  leakyReluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, alpha: number): void;
  /**
   * The fused optimizers' updates (kernels/fusedOptimizers.ts), [value,
   * grad, slot a, slot b] in, [value', a', b'] out. Each replays tfjs's
   * float32 roundings op by op, so both implementations give tfjs's numbers
   * bit for bit.
   * Adam: m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g², θ' = θ − lr·(m'/c1)/(√(v'/c2) + ε).
   */
  adam(ins: Float32Array[], outs: Float32Array[], k: AdamConstants): void;
  /** RMSProp: ms' = ρ·ms + (1−ρ)·g², mom' = μ·mom + lr·g/√(ms' + ε), θ' = θ − mom'. */
  rmsprop(ins: Float32Array[], outs: Float32Array[], k: RMSPropConstants): void;
  /** Ḡ' = β·Ḡ + (1−β)·θ, as tf.add(tf.mul(Ḡ, β), tf.mul(θ, 1 − β)) rounds it. */
  average(average: Float32Array, value: Float32Array, out: Float32Array, beta: number): void;
}

const f = Math.fround;

export const jsPasses: HeapPasses = {
  kind: 'js',
  workspace: (cols) => {
    const f32 = () => new Float32Array(cols);
    const w: PassArrays = { shift: f32(), sum1: new Float64Array(cols), sum2: new Float64Array(cols), s: f32(), a: f32(), b: f32(), k: f32() };
    return { arrays: () => w, release: () => undefined };
  },
  moments(x, { shift, sum1, sum2 }, rows, cols) {
    sum1.fill(0);
    sum2.fill(0);
    for (let r = 0, i = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++, i++) {
        const d = x[i] - shift[c];
        sum1[c] += d;
        sum2[c] += d * d;
      }
    }
  },
  crossSums(g, x, { shift, sum1, sum2 }, rows, cols) {
    sum1.fill(0);
    sum2.fill(0);
    for (let r = 0, i = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++, i++) {
        sum1[c] += g[i];
        sum2[c] += g[i] * (x[i] - shift[c]);
      }
    }
  },
  affine(x, { s, a, b }, y, rows, cols) {
    for (let r = 0, i = 0; r < rows; r++) for (let c = 0; c < cols; c++, i++) y[i] = (x[i] - s[c]) * a[c] + b[c];
  },
  affine2(g, x, { s, a, b, k }, out, rows, cols) {
    for (let r = 0, i = 0; r < rows; r++) for (let c = 0; c < cols; c++, i++) out[i] = g[i] * a[c] + (x[i] - s[c]) * b[c] + k[c];
  },
  columnSums(x, rows, cols, out) {
    // Four rows per pass over the accumulators keep their loads and stores to a quarter; each addition is still rounded in turn.
    const f = Math.fround;
    const acc = new Float32Array(cols);
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const b0 = r * cols;
      const b1 = b0 + cols;
      const b2 = b1 + cols;
      const b3 = b2 + cols;
      for (let c = 0; c < cols; c++) acc[c] = f(f(f(f(acc[c] + x[b0 + c]) + x[b1 + c]) + x[b2 + c]) + x[b3 + c]);
    }
    for (; r < rows; r++) {
      const b = r * cols;
      for (let c = 0; c < cols; c++) acc[c] += x[b + c];
    }
    out.set(acc);
  },
  weightedColumnSums(x, w, rows, cols, out) {
    const acc = new Float32Array(cols);
    for (let r = 0, i = 0; r < rows; r++) {
      const wr = w[r];
      for (let c = 0; c < cols; c++, i++) acc[c] += Math.fround(x[i] * wr);
    }
    out.set(acc);
  },
  leakyRelu(x, y, alpha) {
    const a = Math.fround(alpha);
    // v + 0 turns −0 into +0 and keeps NaN, as the SIMD pass does.
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      y[i] = v < 0 ? v * a : v + 0;
    }
  },
  leakyReluGrad(dy, x, dx, alpha) {
    const a = Math.fround(alpha);
    for (let i = 0; i < x.length; i++) dx[i] = x[i] > 0 ? dy[i] : dy[i] * a;
  },
  // A double result of one +, −, ×, ÷ or √ on float32 inputs rounds (f) to the correctly rounded float32 result.
  adam([value, grad, m, v], [outValue, outM, outV], k) {
    const [b1, b2, g1, g2, c1, c2, eps, negLr] = [k.beta1, k.beta2, 1 - k.beta1, 1 - k.beta2, k.c1, k.c2, k.epsilon, -k.lr].map(f);
    for (let i = 0; i < value.length; i++) {
      const g = grad[i];
      const mi = f(f(m[i] * b1) + f(g * g1));
      const vi = f(f(v[i] * b2) + f(f(g * g) * g2));
      outM[i] = mi;
      outV[i] = vi;
      outValue[i] = f(f(f(mi / c1) / f(f(Math.sqrt(f(vi / c2))) + eps)) * negLr) + value[i];
    }
  },
  rmsprop([value, grad, ms, mom], [outValue, outMs, outMom], k) {
    const [rho, oneMinusRho, mu, lr, eps] = [k.decay, 1 - k.decay, k.momentum, k.lr, k.epsilon].map(f);
    for (let i = 0; i < value.length; i++) {
      const g = grad[i];
      const si = f(f(ms[i] * rho) + f(f(g * g) * oneMinusRho));
      const mi = f(f(mom[i] * mu) + f(f(g * lr) / f(Math.sqrt(f(si + eps)))));
      outMs[i] = si;
      outMom[i] = mi;
      outValue[i] = value[i] - mi;
    }
  },
  average(average, value, out, beta) {
    const [b, rest] = [beta, 1 - beta].map(f);
    for (let i = 0; i < value.length; i++) out[i] = f(f(average[i] * b) + f(value[i] * rest));
  },
};

/** What the SIMD passes need of tfjs-backend-wasm's Emscripten module. */
interface EmscriptenHeap {
  /** The threaded build's (shared) memory. */
  wasmMemory?: WebAssembly.Memory;
  /** The single-thread build's exports, its memory among them. */
  asm?: Record<string, unknown>;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

interface SimdExports {
  moments(x: number, shift: number, rows: number, cols: number, blk: number, s1: number, s2: number): void;
  crossSums(g: number, x: number, shift: number, rows: number, cols: number, blk: number, s1: number, s2: number): void;
  affine(x: number, s: number, a: number, b: number, y: number, rows: number, cols: number): void;
  affine2(g: number, x: number, s: number, a: number, b: number, k: number, out: number, rows: number, cols: number): void;
  columnSums(x: number, rows: number, cols: number, acc: number): void;
  weightedColumnSums(x: number, w: number, rows: number, cols: number, acc: number): void;
  leakyRelu(x: number, y: number, n: number, alpha: number): void;
  leakyReluGrad(dy: number, x: number, dx: number, n: number, alpha: number): void;
  adam(value: number, grad: number, m: number, v: number, outValue: number, outM: number, outV: number, n: number, b1: number, b2: number, g1: number, g2: number, c1: number, c2: number, eps: number, negLr: number): void;
  rmsprop(value: number, grad: number, ms: number, mom: number, outValue: number, outMs: number, outMom: number, n: number, rho: number, oneMinusRho: number, mu: number, lr: number, eps: number): void;
  average(avg: number, value: number, out: number, n: number, beta: number, rest: number): void;
}

function heapMemory(heap: EmscriptenHeap): WebAssembly.Memory | undefined {
  if (heap.wasmMemory instanceof WebAssembly.Memory) return heap.wasmMemory;
  return Object.values(heap.asm ?? {}).find((v): v is WebAssembly.Memory => v instanceof WebAssembly.Memory);
}

function simdPasses(heap: EmscriptenHeap): HeapPasses {
  const memory = heapMemory(heap);
  if (!memory) throw new Error('no WebAssembly.Memory on the wasm backend module');
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  // atob, not Buffer: this module is in the import closure of userApi.ts, which scaffolded
  // experiments type-check against without Node's types.
  const bytes = Uint8Array.from(atob(shared ? SHARED : UNSHARED), (c) => c.charCodeAt(0));
  const k = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as SimdExports;
  // The workspace's own pointers: float64 sums first (8-byte aligned), then float32
  // shift, s, a, b, k and the sums' two float32 blocks.
  const layout = new WeakMap<PassArrays, { shift: number; blk: number; sum1: number; sum2: number }>();
  const at = (a: Float32Array | Float64Array) => a.byteOffset;
  return {
    kind: 'simd',
    workspace(cols) {
      const ptr = heap._malloc(16 * cols + 4 * 7 * cols);
      if (!ptr) throw new Error(`the wasm heap could not allocate ${44 * cols} bytes`);
      let released = false;
      return {
        arrays() {
          const f64 = (i: number) => new Float64Array(memory.buffer, ptr + 8 * cols * i, cols);
          const f32 = (i: number) => new Float32Array(memory.buffer, ptr + 16 * cols + 4 * cols * i, cols);
          const w: PassArrays = { sum1: f64(0), sum2: f64(1), shift: f32(0), s: f32(1), a: f32(2), b: f32(3), k: f32(4) };
          layout.set(w, { shift: at(w.shift), blk: ptr + 16 * cols + 4 * cols * 5, sum1: at(w.sum1), sum2: at(w.sum2) });
          return w;
        },
        release() {
          if (!released) heap._free(ptr);
          released = true;
        },
      };
    },
    moments(x, w, rows, cols) {
      const p = layout.get(w)!;
      k.moments(at(x), p.shift, rows, cols, p.blk, p.sum1, p.sum2);
    },
    crossSums(g, x, w, rows, cols) {
      const p = layout.get(w)!;
      k.crossSums(at(g), at(x), p.shift, rows, cols, p.blk, p.sum1, p.sum2);
    },
    affine(x, w, y, rows, cols) {
      k.affine(at(x), at(w.s), at(w.a), at(w.b), at(y), rows, cols);
    },
    affine2(g, x, w, out, rows, cols) {
      k.affine2(at(g), at(x), at(w.s), at(w.a), at(w.b), at(w.k), at(out), rows, cols);
    },
    columnSums(x, rows, cols, out) {
      k.columnSums(at(x), rows, cols, at(out));
    },
    weightedColumnSums(x, w, rows, cols, out) {
      k.weightedColumnSums(at(x), at(w), rows, cols, at(out));
    },
    leakyRelu(x, y, alpha) {
      k.leakyRelu(at(x), at(y), x.length, alpha);
    },
    leakyReluGrad(dy, x, dx, alpha) {
      k.leakyReluGrad(at(dy), at(x), at(dx), x.length, alpha);
    },
    // f32 parameters: wasm rounds each constant to float32 as the JS loops do with f.
    adam([value, grad, m, v], [outValue, outM, outV], c) {
      k.adam(at(value), at(grad), at(m), at(v), at(outValue), at(outM), at(outV), value.length, c.beta1, c.beta2, f(1 - c.beta1), f(1 - c.beta2), c.c1, c.c2, c.epsilon, -c.lr);
    },
    rmsprop([value, grad, ms, mom], [outValue, outMs, outMom], c) {
      k.rmsprop(at(value), at(grad), at(ms), at(mom), at(outValue), at(outMs), at(outMom), value.length, c.decay, f(1 - c.decay), c.momentum, c.lr, c.epsilon);
    },
    average(average, value, out, beta) {
      k.average(at(average), at(value), at(out), value.length, beta, f(1 - beta));
    },
  };
}

const instances = new WeakMap<object, HeapPasses | Error>();

/**
 * The SIMD passes for a wasm backend (its module instantiated once per tfjs
 * module), or the reason they are unavailable there. Exported for tests.
 */
export function simdPassesFor(backend: unknown): HeapPasses | Error {
  const heap = (backend as { wasm?: EmscriptenHeap }).wasm;
  if (!heap) return new Error('not a wasm backend');
  let got = instances.get(heap);
  if (!got) {
    try {
      got = simdPasses(heap);
    } catch (e) {
      got = e instanceof Error ? e : new Error(String(e));
    }
    instances.set(heap, got);
  }
  return got;
}

/**
 * The passes to use on this backend: SIMD where it can run them, else JS
 * loops. `cols`, for the per-channel passes, is the matrices' column count,
 * which SIMD needs to be a multiple of 4; the elementwise passes leave it out.
 */
export function heapPasses(backend: unknown, cols = 4): HeapPasses {
  if (cols % 4 !== 0) return jsPasses;
  const simd = simdPassesFor(backend);
  return simd instanceof Error ? jsPasses : simd;
}
