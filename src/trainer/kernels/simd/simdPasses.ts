/**
 * The heap passes in 128-bit wasm SIMD (heapPasses.wat), instantiated on
 * tfjs-backend-wasm's own memory so tensors are read where they lie: heap
 * offsets are the pointers, Module._malloc gives scratch.
 */
import { SHARED, UNSHARED } from './heapPassesWasm';
import type { HeapPasses, PassArrays } from './passTypes';

const f = Math.fround;

/** What the SIMD passes need of tfjs-backend-wasm's Emscripten module. */
export interface EmscriptenHeap {
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
  transpose(x: number, rows: number, cols: number, out: number): void;
  leakyRelu(x: number, y: number, n: number, alpha: number): void;
  leakyReluGrad(dy: number, x: number, dx: number, n: number, alpha: number): void;
  adam(value: number, grad: number, m: number, v: number, outValue: number, outM: number, outV: number, n: number, b1: number, b2: number, g1: number, g2: number, c1: number, c2: number, eps: number, negLr: number): void;
  rmsprop(value: number, grad: number, ms: number, mom: number, outValue: number, outMs: number, outMom: number, n: number, rho: number, oneMinusRho: number, mu: number, lr: number, eps: number): void;
  average(avg: number, value: number, out: number, n: number, beta: number, rest: number): void;
}

export function heapMemory(heap: EmscriptenHeap): WebAssembly.Memory | undefined {
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
  const own = (w: PassArrays) => {
    const p = layout.get(w);
    if (!p) throw new Error('the SIMD sums take the arrays of their own workspace() (their scratch lies beside them on the heap)');
    return p;
  };
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
      const p = own(w);
      k.moments(at(x), p.shift, rows, cols, p.blk, p.sum1, p.sum2);
    },
    crossSums(g, x, w, rows, cols) {
      const p = own(w);
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
    transpose(x, rows, cols, out) {
      k.transpose(at(x), rows, cols, at(out));
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

/**
 * `make` run once per tfjs-backend-wasm module (its heap) and remembered:
 * what it returned, or the error it threw (the reason the module cannot
 * run there), for every later call on the same backend.
 */
export function perWasmHeap<T extends object>(make: (heap: EmscriptenHeap) => T): (backend: unknown) => T | Error {
  const made = new WeakMap<object, T | Error>();
  return (backend) => {
    const heap = (backend as { wasm?: EmscriptenHeap }).wasm;
    if (!heap) return new Error('not a wasm backend');
    let got = made.get(heap);
    if (!got) {
      try {
        got = make(heap);
      } catch (e) {
        got = e instanceof Error ? e : new Error(String(e));
      }
      made.set(heap, got);
    }
    return got;
  };
}

/**
 * The SIMD passes for a wasm backend (its module instantiated once per tfjs
 * module), or the reason they are unavailable there.
 */
export const simdPassesFor: (backend: unknown) => HeapPasses | Error = perWasmHeap(simdPasses);
