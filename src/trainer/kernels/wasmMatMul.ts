/**
 * tfjs-backend-wasm 4.22 runs BatchMatMul through XNNPACK only when neither
 * operand is transposed; with a transpose flag it falls back to a naive loop.
 * Every dense layer's gradient asks for a transpose, so training spends most
 * of its time there. This re-registers the kernel: transposed operands are
 * materialised (O(n·m), by the heap passes' SIMD transpose) and the product
 * goes through the fast path.
 *
 * One case skips both: xᵀ·dy for a layer with a single output (a
 * discriminator's last dense layer), which is a weighted column sum of x.
 * Profiled at batch 256 on D's [256, 6272] features, the transpose and the
 * product took 29.0 ms for the step's two calls; the SIMD pass
 * (simd/heapPasses.wat) reads x once: 1.5 ms.
 *
 * The product itself, transposed operands materialised or not, runs on the
 * project's igemm (simd/gemm.wat, as a 1×1 convolution over a's rows) when
 * a's rows hold enough floats. XNNPACK packs b into panels on every call
 * whose b it has not seen (in training: every call, weights and gradients
 * being new tensors each step) and its packing is slower than packB. Both
 * sum each output over k in order with a multiply then an add, so the
 * results are the same to the bit and every recorded result stands.
 */
import * as tf from '@tensorflow/tfjs';
import { convGemm, gemmFor } from './convGemm';
import { heapPasses } from './simd/heapPasses';
import { heapOutputs, stockWasmKernel, wrapWasmKernel, type KernelFunc } from './wasmKernels';

/**
 * Smallest x (rows × cols) that takes the weighted-column-sum path. Its sums
 * round differently from XNNPACK's; the toy models' layers (at most 256 × 512)
 * stay below it, so every recorded toy result keeps the rounding it was made
 * with, and at their size the transpose costs under a millisecond anyway.
 */
export const ONE_OUTPUT_MIN_ELEMENTS = 1 << 18;

/**
 * xᵀ·w as [cols, 1] (or [1, cols, 1]) when a is x [rows, cols] transposed and
 * b is w [rows, 1], either without batch dimensions or with one of size 1;
 * undefined for any other product.
 */
function oneOutputGradient(inputs: tf.NamedTensorInfoMap, backend: unknown, transposeA: boolean, transposeB: boolean): tf.TensorInfo | undefined {
  const a = inputs.a as tf.TensorInfo;
  const b = inputs.b as tf.TensorInfo;
  const rank = a.shape.length;
  if (!transposeA || transposeB || a.dtype !== 'float32' || b.dtype !== 'float32' || b.shape.length !== rank || (rank !== 2 && rank !== 3)) return undefined;
  if (rank === 3 && (a.shape[0] !== 1 || b.shape[0] !== 1)) return undefined;
  const [rows, cols] = a.shape.slice(-2);
  if (b.shape[rank - 2] !== rows || b.shape[rank - 1] !== 1 || rows * cols < ONE_OUTPUT_MIN_ELEMENTS) return undefined;
  const shape = rank === 2 ? [cols, 1] : [1, cols, 1];
  const [out] = heapOutputs(backend, [shape], ([o], view) => heapPasses(backend, cols).weightedColumnSums(view(a), view(b), rows, cols, o));
  return out;
}

/**
 * Floats per row of a (k) and columns of b (n) below which XNNPACK keeps the
 * product. Measured on the 2-core VM, b new each call, µs on XNNPACK against
 * igemm: one thread, [256, 8]·[8, 128] 30 against 50, [256, 32]·[32, 128]
 * 92 and 86, [256, 64]·[64, 64] 96–151 and 80–103, [256, 128]·[128, 128]
 * 254–333 and 259–278; two threads, [256, 32]·[32, 128] 55 and 87 (too little
 * work to split, so igemm runs on one), [256, 48]·[48, 64] 70 and 59;
 * [256, 6272]·[6272, 1] (D's last layer at batch 256) 461 and 627, one
 * output column filling an eighth of igemm's 8-column panel.
 */
export const GEMM_MIN_K = 48;
export const GEMM_MIN_N = 4;

/**
 * a·b (neither transposed) through igemm: both float32 of rank 2, or of rank
 * 3 with batches of 1, the products XNNPACK runs; undefined for any other
 * product (tfjs sums a batched one in its own loop, in another order), or
 * where igemm cannot run.
 */
function gemmProduct(a: tf.TensorInfo, b: tf.TensorInfo, backend: unknown): tf.TensorInfo | undefined {
  const rank = a.shape.length;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || b.shape.length !== rank || (rank !== 2 && rank !== 3)) return undefined;
  if (rank === 3 && (a.shape[0] !== 1 || b.shape[0] !== 1)) return undefined;
  const k = a.shape[rank - 1];
  const n = b.shape[rank - 1];
  if (b.shape[rank - 2] !== k || k < GEMM_MIN_K || n < GEMM_MIN_N) return undefined;
  const gemm = gemmFor(backend, k);
  if (!gemm) return undefined;
  const rows = a.shape[rank - 2];
  // One pixel per row of a, one tap: row i of the product is a's row i times b.
  const geometry = { n: 1, h: 1, w: rows, ci: k, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, top: 0, left: 0, oh: 1, ow: rows, co: n };
  return convGemm(backend as tf.KernelBackend, gemm, a, { tensor: b, tapStride: 4 * k * n, rowStride: 4 * n }, geometry, [...a.shape.slice(0, -1), n]);
}

/**
 * xᵀ of a float32 matrix (rank 2, or rank 3 with a batch of 1) by the heap
 * passes' transpose; undefined for anything else, which keeps tfjs's kernel.
 * tfjs's wasm Transpose moved about 1 GB/s on the grid model's [256, 256]
 * operands, 7.5 % of its step (docs/measured.md).
 */
function heapTranspose(x: tf.TensorInfo, backend: unknown): tf.TensorInfo | undefined {
  const r = x.shape.length;
  if (x.dtype !== 'float32' || (r !== 2 && r !== 3) || (r === 3 && x.shape[0] !== 1)) return undefined;
  const [rows, cols] = x.shape.slice(-2);
  const shape = r === 2 ? [cols, rows] : [1, cols, rows];
  const [out] = heapOutputs(backend, [shape], ([o], view) => heapPasses(backend).transpose(view(x), rows, cols, o));
  return out;
}

let installed = false;

export function installWasmMatMul(): void {
  if (installed) return;
  const transposeFunc = stockWasmKernel('Transpose');
  if (!transposeFunc || !stockWasmKernel('BatchMatMul')) return; // wasm backend not loaded

  wrapWasmKernel('BatchMatMul', (origFunc): KernelFunc => ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return gemmProduct(inputs.a as tf.TensorInfo, inputs.b as tf.TensorInfo, backend) ?? origFunc({ inputs, backend, attrs });
    const oneOutput = oneOutputGradient(inputs, backend, transposeA, transposeB);
    if (oneOutput) return oneOutput;
    const temps: tf.TensorInfo[] = [];
    const tfjsTranspose = (x: tf.TensorInfo): tf.TensorInfo => {
      const r = x.shape.length;
      const perm = [...Array(r - 2).keys(), r - 1, r - 2];
      return transposeFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
    };
    const materialise = (x: tf.TensorInfo): tf.TensorInfo => {
      const t = heapTranspose(x, backend) ?? tfjsTranspose(x);
      temps.push(t);
      return t;
    };
    try {
      const a = transposeA ? materialise(inputs.a as tf.TensorInfo) : (inputs.a as tf.TensorInfo);
      const b = transposeB ? materialise(inputs.b as tf.TensorInfo) : (inputs.b as tf.TensorInfo);
      return gemmProduct(a, b, backend) ?? origFunc({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    } finally {
      for (const t of temps) (backend as tf.KernelBackend).disposeData(t.dataId);
    }
  });
  installed = true;
}
