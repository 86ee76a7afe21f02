/**
 * What the project's wasm kernels share: the kernel function type, the two
 * heap methods of tfjs-backend-wasm's BackendWasm they use, and the one way
 * they take over a stock kernel.
 */
import * as tf from '@tensorflow/tfjs';

export type KernelFunc = tf.KernelConfig['kernelFunc'];

/** The parts of tfjs-backend-wasm's BackendWasm that kernels writing the heap from JS use. */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/** tfjs's own wasm kernel `name`, or undefined before the wasm backend is loaded. */
export function stockWasmKernel(name: string): KernelFunc | undefined {
  return tf.getKernel(name, 'wasm')?.kernelFunc as KernelFunc | undefined;
}

/**
 * Replace the wasm kernel `name` by `wrap(stock)`, keeping the stock kernel's
 * setup and dispose functions (they bind its C++ entry points, which the
 * replacement calls for the cases it hands back). The kernel must exist.
 */
export function wrapWasmKernel(name: string, wrap: (stock: KernelFunc) => KernelFunc): void {
  const stock = tf.getKernel(name, 'wasm');
  if (!stock) throw new Error(`wasm kernel ${name} is not registered`);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ kernelName: name, backendName: 'wasm', setupFunc: stock.setupFunc, disposeFunc: stock.disposeFunc, kernelFunc: wrap(stock.kernelFunc as KernelFunc) });
}
