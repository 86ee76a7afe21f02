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

/**
 * Float32 outputs of the given shapes on the wasm heap, written by `fill`,
 * which gets their heap views and `view` for any other tensor (the inputs).
 * Every view is taken after every allocation: an allocation may grow the
 * heap, which detaches views made before it. If `fill` throws, the outputs
 * are freed.
 */
export function heapOutputs(
  backend: unknown,
  shapes: number[][],
  fill: (outs: Float32Array[], view: (t: tf.TensorInfo) => Float32Array) => void,
): tf.TensorInfo[] {
  const b = backend as WasmHeapBackend & tf.KernelBackend;
  const outs = shapes.map((s) => b.makeOutput(s, 'float32'));
  const view = (t: tf.TensorInfo) => b.typedArrayFromHeap(t);
  try {
    fill(outs.map(view), view);
  } catch (e) {
    for (const t of outs) b.disposeData(t.dataId);
    throw e;
  }
  return outs;
}

/**
 * Whether a project kernel that has no gradient of its own may run now: it is
 * registered for the active backend, and the op runs under at most one
 * gradient tape (tfjs's gradientDepth), so the kernel's gradient is computed
 * but never itself differentiated. A gradient penalty's or Unrolled GAN's
 * inner gradient runs at depth 2 and keeps tfjs ops.
 */
export function firstOrderKernelUsable(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined && tf.engine().state.gradientDepth <= 1;
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
