/**
 * The matrix products of gemm.wat on tfjs-backend-wasm's own memory, on as
 * many threads as tfjs's pool has. The threaded build's memory is shared, so
 * worker threads instantiate the same module on it and each takes a range of
 * output rows: the calling thread posts the ranges through a small shared
 * control block (Atomics.notify), computes its own range, then waits for
 * the others (Atomics.wait; the trainer is a Node process, where the main
 * thread may block). XNNPACK's pool sleeps meanwhile, so the cores are ours.
 *
 * Why not XNNPACK: on the 2-core VM its convolution runs DCGAN's 64→128
 * layer (batch 256) at 28 GFLOP/s on one thread and 56 on two; gemm.wat's
 * igemm runs the same convolution at 41 on one (bench/conv-gemm.ts).
 */
import { SHARED, UNSHARED } from './gemmWasm';
import { heapMemory, perWasmHeap, type EmscriptenHeap } from './simdPasses';

/** igemm's arguments (gemm.wat), row range excluded: all byte addresses on the heap. */
export interface IgemmArgs {
  /** Output rows M. */
  rows: number;
  /** The indirection table [M, T] of byte offsets from xb (−1: the zero row). */
  ind: number;
  taps: number;
  xb: number;
  zero: number;
  /** Floats per tap row of A (a convolution's input channels). */
  kc: number;
  /** B packed by packB, panels panelStride bytes apart. */
  b: number;
  panelStride: number;
  /** Output columns N. */
  n: number;
  c: number;
  ldc: number;
  /** A row table (i32 byte offsets from c, negative: row dropped) instead of rows ldc apart; 0 or absent: none. */
  crow?: number;
}

/** packB's arguments (gemm.wat). */
export interface PackArgs {
  src: number;
  taps: number;
  kc: number;
  tapStride: number;
  rowStride: number;
  n: number;
  dst: number;
}

export interface HeapGemm {
  /** Threads that share each product (1: the calling thread alone); a worker that has exited no longer counts. */
  readonly threads: number;
  igemm(a: IgemmArgs): void;
  packB(a: PackArgs): void;
  malloc(bytes: number): number;
  free(ptr: number): void;
  /** Ends the worker threads; products then run on the calling thread alone. Resolves once they have exited. */
  stopWorkers(): Promise<void>;
}

interface GemmExports {
  igemm(r0: number, r1: number, ind: number, T: number, xb: number, zero: number, kc: number, b: number, ps: number, n: number, c: number, ldc: number, crow: number): void;
  packB(src: number, T: number, kc: number, st: number, sk: number, n: number, dst: number): void;
}

/** Control block per worker (Int32 slots): job number posted, job number done, failed, then igemm's 13 arguments. */
const SEQ = 0;
const DONE = 1;
const FAILED = 2;
const ARGS = 3;
const SLOTS = ARGS + 13;
/** Bytes kept for a worker's error message. */
const ERROR_BYTES = 256;
/**
 * Multiply-adds below which a product is not split further: handing rows to a
 * worker and waiting for it costs about 44 µs, which the product's own rate
 * (40 GFLOP/s a thread) turns into about a million multiply-adds. Measured
 * on the 2-core VM: a [256, 128]·[128, 16] product (half a million) took
 * 95 µs split over two threads and 34–36 on one.
 */
let minWorkPerThread = 1 << 20;

/** Sets the multiply-adds a thread must get before a product is split (the tests split tiny ones with 0); returns the old value. */
export function setMinWorkPerThread(macs: number): number {
  const old = minWorkPerThread;
  minWorkPerThread = macs;
  return old;
}

/** How long a product may wait for a worker before the run is stopped with an error (a worker that died). */
const WORKER_TIMEOUT_MS = 120_000;

// The worker's whole program: wait for a job, run igemm on its rows, say done.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctl, text } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  try {
    k.igemm(...Array.from(ctl.subarray(${ARGS}, ${SLOTS})));
  } catch (e) {
    const bytes = new TextEncoder().encode(String((e && e.message) || e)).subarray(0, text.length - 1);
    text.fill(0);
    text.set(bytes);
    Atomics.store(ctl, ${FAILED}, 1);
  }
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}`;

interface Helper {
  worker: import('node:worker_threads').Worker;
  ctl: Int32Array;
  /** The worker's last error message, UTF-8, zero-terminated. */
  text: Uint8Array;
  seq: number;
}

/**
 * The live workers. One that exits (its 'exit' event, delivered between
 * steps, when the trainer's event loop turns) leaves the array, so no product
 * is posted to it again: a dead worker costs its thread, not
 * WORKER_TIMEOUT_MS a product.
 */
function startHelpers(count: number, module: WebAssembly.Module, memory: WebAssembly.Memory): Helper[] {
  // Required, not imported: this file stays loadable where worker_threads is absent (it then runs on one thread).
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  const helpers: Helper[] = [];
  for (let i = 0; i < count; i++) {
    const ctl = new Int32Array(new SharedArrayBuffer(4 * SLOTS));
    const text = new Uint8Array(new SharedArrayBuffer(ERROR_BYTES));
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, ctl, text } });
    worker.unref(); // blocked in Atomics.wait between jobs; never keeps the trainer alive
    const h: Helper = { worker, ctl, text, seq: 0 };
    const drop = () => {
      const i = helpers.indexOf(h);
      if (i >= 0) helpers.splice(i, 1);
    };
    // Without an 'error' listener, a worker's uncaught error (its module failing to instantiate, say)
    // would be rethrown on the trainer's main thread and end the run; here it only ends that worker.
    worker.on('error', drop);
    worker.on('exit', drop);
    helpers.push(h);
  }
  return helpers;
}

function heapGemm(heap: EmscriptenHeap, threadsWanted: number): HeapGemm {
  const memory = heapMemory(heap);
  if (!memory) throw new Error('no WebAssembly.Memory on the wasm backend module');
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = Uint8Array.from(atob(shared ? SHARED : UNSHARED), (c) => c.charCodeAt(0));
  const module = new WebAssembly.Module(bytes);
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as GemmExports;
  let helpers: Helper[] = [];
  if (shared && threadsWanted > 1) {
    try {
      helpers = startHelpers(threadsWanted - 1, module, memory);
    } catch {
      helpers = []; // no worker threads here: one thread
    }
  }
  return {
    get threads() {
      return helpers.length + 1;
    },
    igemm(a) {
      const rest = [a.ind, a.taps, a.xb, a.zero, a.kc, a.b, a.panelStride, a.n, a.c, a.ldc, a.crow ?? 0] as const;
      if (a.rows <= 0 || a.n <= 0) return;
      if (a.taps <= 0 || a.kc <= 0) throw new Error('igemm needs at least one tap and one float per tap row');
      // Ranges of whole 4-row blocks, the calling thread's first.
      const blocks = Math.ceil(a.rows / 4);
      const work = a.rows * a.taps * a.kc * a.n;
      const parts = Math.max(1, Math.min(helpers.length + 1, blocks, Math.floor(work / Math.max(1, minWorkPerThread))));
      const edge = (p: number) => Math.min(a.rows, 4 * Math.round((blocks * p) / parts));
      const posted: Helper[] = [];
      for (let p = 1; p < parts; p++) {
        const h = helpers[p - 1];
        h.ctl.set([edge(p), edge(p + 1), ...rest], ARGS);
        h.seq = (h.seq + 1) | 0 || 1;
        Atomics.store(h.ctl, SEQ, h.seq);
        Atomics.notify(h.ctl, SEQ);
        posted.push(h);
      }
      let ownError: unknown;
      try {
        k.igemm(0, edge(1), ...rest);
      } catch (e) {
        ownError = e ?? new Error('igemm failed');
      }
      // Waited for even when this thread's rows failed: the caller frees the product's buffers next.
      const deadline = Date.now() + WORKER_TIMEOUT_MS;
      for (const h of posted) {
        while (Atomics.load(h.ctl, DONE) !== h.seq) {
          if (Date.now() > deadline) throw new Error(`a matrix-product worker thread did not answer within ${WORKER_TIMEOUT_MS / 1000} s: restart the run, or set GAN_WASM_THREADS=1`);
          Atomics.wait(h.ctl, DONE, Atomics.load(h.ctl, DONE), 1000);
        }
      }
      const failures = posted.filter((h) => Atomics.exchange(h.ctl, FAILED, 0) !== 0).map((h) => new TextDecoder().decode(h.text.slice(0, Math.max(0, h.text.indexOf(0)))));
      if (ownError !== undefined) throw ownError;
      if (failures.length) throw new Error(`a matrix-product worker thread failed: ${failures[0] || 'no message'}`);
    },
    packB(a) {
      if (a.taps > 0 && a.kc > 0 && a.n > 0) k.packB(a.src, a.taps, a.kc, a.tapStride, a.rowStride, a.n, a.dst);
    },
    malloc(n) {
      const p = heap._malloc(n);
      if (!p) throw new Error(`the wasm heap could not allocate ${n} bytes`);
      return p;
    },
    free(p) {
      heap._free(p);
    },
    async stopWorkers() {
      // Each worker's 'exit' listener (startHelpers) takes it out of `helpers` before its terminate() resolves.
      await Promise.all([...helpers].map((h) => h.worker.terminate()));
    },
  };
}

/** How many threads tfjs's pool runs (the threaded build's bridge, wasmThreads.ts), else 1. */
function poolThreads(heap: EmscriptenHeap): number {
  const n = (heap as { tfjs?: { getThreadsCount?: () => number } }).tfjs?.getThreadsCount?.();
  return typeof n === 'number' && n >= 1 ? n : 1;
}

/** gemm.wat on a wasm backend (instantiated once per tfjs module), or why it cannot run there. */
export const heapGemmFor: (backend: unknown) => HeapGemm | Error = perWasmHeap((heap) => heapGemm(heap, poolThreads(heap)));
