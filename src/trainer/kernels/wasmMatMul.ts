/**
 * tfjs-backend-wasm 4.22 runs BatchMatMul through XNNPACK only when neither
 * operand is transposed; with a transpose flag it falls back to a naive loop.
 * Every dense layer's gradient asks for a transpose, so training spends most
 * of its time there. This re-registers the kernel: transposed operands are
 * materialised with the wasm Transpose kernel (cheap, O(n·m)) and the
 * product goes through the fast path.
 *
 * One case skips both: xᵀ·dy for a layer with a single output (a
 * discriminator's last dense layer), which is a weighted column sum of x.
 * Profiled at batch 256 on D's [256, 6272] features, the transpose and the
 * product took 29.0 ms for the step's two calls; the SIMD pass
 * (simd/heapPasses.wat) reads x once: 1.5 ms.
 */
import * as tf from '@tensorflow/tfjs';
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

let installed = false;

export function installWasmMatMul(): void {
  if (installed) return;
  const transposeFunc = stockWasmKernel('Transpose');
  if (!transposeFunc || !stockWasmKernel('BatchMatMul')) return; // wasm backend not loaded

  wrapWasmKernel('BatchMatMul', (origFunc): KernelFunc => ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return origFunc({ inputs, backend, attrs });
    const oneOutput = oneOutputGradient(inputs, backend, transposeA, transposeB);
    if (oneOutput) return oneOutput;
    const temps: tf.TensorInfo[] = [];
    const materialise = (x: tf.TensorInfo): tf.TensorInfo => {
      const r = x.shape.length;
      const perm = [...Array(r - 2).keys(), r - 1, r - 2];
      const t = transposeFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
      temps.push(t);
      return t;
    };
    const a = transposeA ? materialise(inputs.a as tf.TensorInfo) : inputs.a;
    const b = transposeB ? materialise(inputs.b as tf.TensorInfo) : inputs.b;
    const out = origFunc({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    for (const t of temps) (backend as tf.KernelBackend).disposeData(t.dataId);
    return out;
  });
  installed = true;
}
