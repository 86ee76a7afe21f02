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

type KernelFunc = tf.KernelConfig['kernelFunc'];

let installed = false;

function share(backend: tf.KernelBackend, x: tf.TensorInfo): tf.TensorInfo {
  (backend as tf.KernelBackend & { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function installWasmIdentity(): void {
  if (installed) return;
  const identity = tf.getKernel('Identity', 'wasm');
  const cast = tf.getKernel('Cast', 'wasm');
  if (!identity || !cast) return; // wasm backend not loaded
  const identityFunc = identity.kernelFunc as KernelFunc;
  const castFunc = cast.kernelFunc as KernelFunc;
  const kernels: [string, tf.KernelConfig, KernelFunc][] = [
    ['Identity', identity, (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      return x.dtype === 'string' ? identityFunc(args) : share(args.backend as tf.KernelBackend, x);
    }],
    ['Cast', cast, (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
      return x.dtype === 'string' || x.dtype !== dtype ? castFunc(args) : share(args.backend as tf.KernelBackend, x);
    }],
  ];
  for (const [kernelName, orig, kernelFunc] of kernels) {
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', setupFunc: orig.setupFunc, disposeFunc: orig.disposeFunc, kernelFunc });
  }
  installed = true;
}
