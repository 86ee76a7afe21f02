/**
 * tfjs-backend-wasm 4.22 runs BatchMatMul through XNNPACK only when neither
 * operand is transposed; with a transpose flag it falls back to a naive loop.
 * Every dense layer's gradient asks for a transpose, so training spends most
 * of its time there. This re-registers the kernel: transposed operands are
 * materialised with the wasm Transpose kernel (cheap, O(n·m)) and the
 * product goes through the fast path.
 */
import * as tf from '@tensorflow/tfjs';
import { stockWasmKernel, wrapWasmKernel, type KernelFunc } from './wasmKernels';

let installed = false;

export function installWasmMatMul(): void {
  if (installed) return;
  const transposeFunc = stockWasmKernel('Transpose');
  if (!transposeFunc || !stockWasmKernel('BatchMatMul')) return; // wasm backend not loaded

  wrapWasmKernel('BatchMatMul', (origFunc): KernelFunc => ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return origFunc({ inputs, backend, attrs });
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
