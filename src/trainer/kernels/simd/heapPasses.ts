/**
 * Passes over float32 tensors on the wasm heap: per-channel ones over a
 * [rows, cols] matrix (the loops of batch norm, column sums, a one-output
 * weight gradient) and elementwise ones (the activations, the optimizer
 * updates), in two implementations of one interface (passTypes.ts):
 *  - wasm SIMD (simdPasses.ts, heapPasses.wat), run on tfjs-backend-wasm's
 *    own memory, so tensors are read where they lie, without a copy;
 *  - JS loops over heap views (jsPasses.ts), for any column count and
 *    wherever the SIMD module cannot be instantiated.
 * Measured on the 2-core VM (an affine map over [50176, 64], 3.2 M floats):
 * the JS loop 9.7–12.4 ms, the SIMD loop 1.9–2.8 ms.
 */
import { jsPasses } from './jsPasses';
import type { HeapPasses } from './passTypes';
import { simdPassesFor } from './simdPasses';

export type { AdamConstants, HeapPasses, PassArrays, RMSPropConstants, Workspace } from './passTypes';
export { jsPasses, simdPassesFor };

let simdAllowed = true;

/** Whether kernels may use the SIMD passes (default yes): bench/heap-passes.ts turns them off to time the JS loops in the same kernels. */
export function allowSimdPasses(allowed: boolean): void {
  simdAllowed = allowed;
}

/** Whether heapPasses gives this backend the SIMD passes (where SIMD is allowed and its module runs). */
export function simdPassesActive(backend: unknown): boolean {
  return simdAllowed && !(simdPassesFor(backend) instanceof Error);
}

/**
 * The passes to use on this backend: SIMD where it can run them, else JS
 * loops. `cols`, for the per-channel passes, is the matrices' column count,
 * which SIMD needs to be a multiple of 4; the elementwise passes leave it out.
 */
export function heapPasses(backend: unknown, cols = 4): HeapPasses {
  if (cols % 4 !== 0 || !simdAllowed) return jsPasses;
  const simd = simdPassesFor(backend);
  return simd instanceof Error ? jsPasses : simd;
}
