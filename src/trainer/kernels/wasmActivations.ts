/**
 * ReLU and LeakyReLU as one wasm kernel each way (simd/heapPasses.wat).
 *
 * userApi's leakyRelu is αx + (1 − α)·relu(x) in tfjs ops, because tfjs's
 * own LeakyRelu gradient cannot be differentiated again (gradient penalties
 * do): four passes over the activation forward and five back. ReLU's
 * gradient is dy·step(x): two. Here each is one pass, and one output.
 *
 * Like the fused batch norm (wasmBatchNorm.ts), these kernels have no
 * gradient of their own, so the activations use them only where nothing
 * differentiates their gradient: under at most one gradient tape
 * (fusedActivationUsable). Inside a gradient penalty's inner gradient they
 * stay tfjs ops.
 *
 * ReLU's results are tfjs's, bit for bit (max(x, 0), and dy or dy·0);
 * LeakyReLU's are exact where the op form rounds αx + (1 − α)x.
 */
import * as tf from '@tensorflow/tfjs';
import { heapPasses, simdPassesActive } from './simd/heapPasses';
import { firstOrderKernelUsable, heapOutputs, type KernelFunc } from './wasmKernels';

export const LEAKY_RELU = 'GanLeakyRelu';
const LEAKY_RELU_GRAD = 'GanLeakyReluGrad';

type Info = tf.TensorInfo;
const alphaOf = (attrs: unknown) => (attrs as { alpha: number }).alpha;

const forward: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x as Info;
  const [y] = heapOutputs(backend, [[...x.shape]], ([out], view) => heapPasses(backend).leakyRelu(view(x), out, alphaOf(attrs)));
  return y;
};

const backward: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, x } = inputs as { dy: Info; x: Info };
  const [dx] = heapOutputs(backend, [[...x.shape]], ([out], view) => heapPasses(backend).leakyReluGrad(view(dy), view(x), out, alphaOf(attrs)));
  return dx;
};

/**
 * Whether the activations may use the fused kernels now: registered for the
 * active backend, under at most one gradient tape, and with the SIMD passes
 * there. As JS loops the two kernels took twice as long as the ops they
 * replace (bench/heap-passes.ts: 42.8 against 21.0 ms for LeakyReLU at
 * [256, 14, 14, 64]), so without SIMD the ops stay.
 */
export function fusedActivationUsable(): boolean {
  return firstOrderKernelUsable(LEAKY_RELU) && simdPassesActive(tf.backend());
}

/** max(x, 0) + min(x, 0)·α in one kernel (ReLU with α = 0); see fusedActivationUsable. */
export function fusedLeakyRelu<T extends tf.Tensor>(x: T, alpha: number): T {
  return tf.engine().runKernel(LEAKY_RELU, { x: x.dtype === 'float32' ? x : tf.cast(x, 'float32') }, { alpha } as unknown as tf.NamedAttrMap) as T;
}

let installed = false;

/** Registers the kernels for wasm and their gradient (once per process; a no-op before the wasm backend is loaded). */
export function installWasmActivations(): void {
  if (installed || !tf.getKernel('Relu', 'wasm')) return;
  tf.registerKernel({ kernelName: LEAKY_RELU, backendName: 'wasm', kernelFunc: forward });
  tf.registerKernel({ kernelName: LEAKY_RELU_GRAD, backendName: 'wasm', kernelFunc: backward });
  tf.registerGradient({
    kernelName: LEAKY_RELU,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => tf.engine().runKernel(LEAKY_RELU_GRAD, { dy: dy as tf.Tensor, x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor,
    }),
  });
  installed = true;
}
