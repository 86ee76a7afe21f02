/**
 * Identity, and Cast to the dtype a tensor already has, on wasm without a copy.
 *
 * tfjs's engine clones every tensor a gradient will need (the tape's saved
 * inputs and outputs), and a clone runs the Identity kernel. The cpu backend's
 * Identity hands back the same buffer with its reference count raised; wasm's
 * copies it. Profiled on the DCGAN step (batch 64): 201 copies, 29 of 576 ms.
 * Cast is the same story: tf.moments and the gradients of relu and of
 * batch norm cast float32 tensors to float32, and wasm copies each one (61
 * casts, 9 ms of a 516 ms step); the cpu backend shares here too.
 * tfjs kernels never write into their inputs and a variable's assign swaps
 * buffers rather than writing into one, so sharing is what Reshape on wasm
 * already does. Strings, and casts that change the dtype, keep tfjs's kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { stockWasmKernel, wrapWasmKernel } from './wasmKernels';

let installed = false;

function share(backend: tf.KernelBackend, x: tf.TensorInfo): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function installWasmIdentity(): void {
  if (installed) return;
  if (!stockWasmKernel('Identity') || !stockWasmKernel('Cast')) return; // wasm backend not loaded
  wrapWasmKernel('Identity', (identity) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    return x.dtype === 'string' ? identity(args) : share(args.backend as tf.KernelBackend, x);
  });
  wrapWasmKernel('Cast', (cast) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
    return x.dtype === 'string' || x.dtype !== dtype ? cast(args) : share(args.backend as tf.KernelBackend, x);
  });
  installed = true;
}
