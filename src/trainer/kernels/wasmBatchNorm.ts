/**
 * Batch normalization over every axis but the last, as three wasm kernels
 * written as loops over the heap: the forward pass, and the gradients with
 * respect to x and γ (β's is a column sum, which wasmColumnReduce.ts already
 * does in one pass).
 *
 * Written with tfjs ops, a batch norm is about 20 kernel calls each way,
 * nearly every one a pass over the activation: in a wasm DCGAN step at batch
 * 256 (2,045 ms, 790 kernel calls) they took about 260 ms. Fused, the forward
 * pass is two passes (statistics, then normalising) and the backward three
 * (the sums, dx, dγ; dβ is a column sum), and the step made 437 calls in
 * 1,947 ms. JS loops over the heap run at about 2 ns per element per pass,
 * no faster than tfjs's own wasm loops: the gain is in calls and passes.
 *
 * The kernels have no gradients of their own, so imageLayers.batchNorm uses
 * them only where nothing differentiates their gradient: when the forward
 * pass runs under at most one gradient tape (see fusedBatchNormUsable).
 * Inside a gradient penalty's or Unrolled GAN's inner gradient it builds the
 * same function from tfjs ops, which every order of gradient can go through.
 */
import * as tf from '@tensorflow/tfjs';
import { heapOutputs, type KernelFunc } from './wasmKernels';

export const BATCH_NORM = 'GanBatchNorm';
const BATCH_NORM_GRAD_X = 'GanBatchNormGradX';
const BATCH_NORM_GRAD_GAMMA = 'GanBatchNormGradGamma';

/**
 * Per-channel mean and 1/√(σ² + ε) of x seen as [rows, cols], σ² the
 * population variance (as tf.moments). One pass, in float64, over x shifted
 * by its first row: E[d²] − E[d]² then only loses what the spread of a
 * channel around its first value costs, not what its mean does.
 */
export function channelStats(x: Float32Array, rows: number, cols: number, epsilon: number, mean: Float32Array, invStd: Float32Array): void {
  const shift = Float64Array.from(x.subarray(0, cols));
  const s1 = new Float64Array(cols);
  const s2 = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const b = r * cols;
    for (let c = 0; c < cols; c++) {
      const d = x[b + c] - shift[c];
      s1[c] += d;
      s2[c] += d * d;
    }
  }
  for (let c = 0; c < cols; c++) {
    const m = s1[c] / rows;
    mean[c] = shift[c] + m;
    invStd[c] = 1 / Math.sqrt(Math.max(0, s2[c] / rows - m * m) + epsilon);
  }
}

/** y = γ·(x − μ)·invStd + β, per channel (the last axis). */
export function normalize(x: Float32Array, rows: number, cols: number, mean: Float32Array, invStd: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array): void {
  const scale = new Float64Array(cols);
  const shift = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    scale[c] = gamma[c] * invStd[c];
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  for (let r = 0; r < rows; r++) {
    const b = r * cols;
    for (let c = 0; c < cols; c++) y[b + c] = x[b + c] * scale[c] + shift[c];
  }
}

/**
 * Σ dy and Σ dy·x̂ per channel (x̂ = (x − μ)·invStd): the gradients of β and γ,
 * and the two sums the gradient of x needs. One pass: Σ dy·(x − μ) is
 * Σ dy·(x − x₀) − (μ − x₀)·Σ dy, x₀ the first row (as in channelStats).
 */
export function gradSums(dy: Float32Array, x: Float32Array, rows: number, cols: number, mean: Float32Array, invStd: Float32Array, sumDy: Float64Array, sumDyXhat: Float64Array): void {
  const shift = Float64Array.from(x.subarray(0, cols));
  sumDy.fill(0);
  sumDyXhat.fill(0);
  for (let r = 0; r < rows; r++) {
    const b = r * cols;
    for (let c = 0; c < cols; c++) {
      const g = dy[b + c];
      sumDy[c] += g;
      sumDyXhat[c] += g * (x[b + c] - shift[c]);
    }
  }
  for (let c = 0; c < cols; c++) sumDyXhat[c] = (sumDyXhat[c] - (mean[c] - shift[c]) * sumDy[c]) * invStd[c];
}

/** dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)): the gradient of batch norm with respect to its input. */
export function gradX(dy: Float32Array, x: Float32Array, rows: number, cols: number, mean: Float32Array, invStd: Float32Array, gamma: Float32Array, dx: Float32Array): void {
  const sumDy = new Float64Array(cols);
  const sumDyXhat = new Float64Array(cols);
  gradSums(dy, x, rows, cols, mean, invStd, sumDy, sumDyXhat);
  // dx = a·dy + b·x + c per channel, with a = γ·invStd, b = −a·invStd·mean(dy·x̂), c = −a·mean(dy) − b·μ.
  const a = new Float64Array(cols);
  const bx = new Float64Array(cols);
  const k = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    a[c] = gamma[c] * invStd[c];
    bx[c] = (-a[c] * invStd[c] * sumDyXhat[c]) / rows;
    k[c] = (-a[c] * sumDy[c]) / rows - bx[c] * mean[c];
  }
  for (let r = 0; r < rows; r++) {
    const b = r * cols;
    for (let c = 0; c < cols; c++) dx[b + c] = a[c] * dy[b + c] + bx[c] * x[b + c] + k[c];
  }
}

type Info = tf.TensorInfo;

function rowsCols(x: Info): [number, number] {
  const cols = x.shape[x.shape.length - 1];
  return [x.shape.reduce((p, d) => p * d, 1) / cols, cols];
}

const forward: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, gamma, beta } = inputs as { x: Info; gamma: Info; beta: Info };
  const { epsilon } = attrs as unknown as { epsilon: number };
  const [rows, cols] = rowsCols(x);
  return heapOutputs(backend, [[...x.shape], [cols], [cols]], ([y, mean, invStd], view) => {
    channelStats(view(x), rows, cols, epsilon, mean, invStd);
    normalize(view(x), rows, cols, mean, invStd, view(gamma), view(beta), y);
  });
};

const backwardX: KernelFunc = ({ inputs, backend }) => {
  const { dy, x, gamma, mean, invStd } = inputs as Record<'dy' | 'x' | 'gamma' | 'mean' | 'invStd', Info>;
  const [rows, cols] = rowsCols(x);
  const [dx] = heapOutputs(backend, [[...x.shape]], ([out], view) => gradX(view(dy), view(x), rows, cols, view(mean), view(invStd), view(gamma), out));
  return dx;
};

const backwardGamma: KernelFunc = ({ inputs, backend }) => {
  const { dy, x, mean, invStd } = inputs as Record<'dy' | 'x' | 'mean' | 'invStd', Info>;
  const [rows, cols] = rowsCols(x);
  const [dGamma] = heapOutputs(backend, [[cols]], ([out], view) => {
    const sumDyXhat = new Float64Array(cols);
    gradSums(view(dy), view(x), rows, cols, view(mean), view(invStd), new Float64Array(cols), sumDyXhat);
    out.set(sumDyXhat);
  });
  return dGamma;
};

/**
 * Whether imageLayers.batchNorm may use the fused kernels now: registered for
 * the active backend, and the forward pass under at most one gradient tape,
 * so that their gradient is computed (at tape depth 0) and never itself
 * differentiated.
 */
export function fusedBatchNormUsable(): boolean {
  return tf.getKernel(BATCH_NORM, tf.getBackend()) !== undefined && tf.engine().state.gradientDepth <= 1;
}

/** Fused batch norm of x (channels last) with per-channel γ and β; see fusedBatchNormUsable. */
export function fusedBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const [y] = tf.engine().runKernel(BATCH_NORM, { x, gamma, beta }, { epsilon } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return y;
}

let installed = false;

/** Registers the kernels for wasm and their gradient (once per process; a no-op before the wasm backend is loaded). */
export function installWasmBatchNorm(): void {
  if (installed || !tf.getKernel('Sum', 'wasm')) return;
  tf.registerKernel({ kernelName: BATCH_NORM, backendName: 'wasm', kernelFunc: forward });
  tf.registerKernel({ kernelName: BATCH_NORM_GRAD_X, backendName: 'wasm', kernelFunc: backwardX });
  tf.registerKernel({ kernelName: BATCH_NORM_GRAD_GAMMA, backendName: 'wasm', kernelFunc: backwardGamma });
  tf.registerGradient({
    kernelName: BATCH_NORM,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true, true],
    gradFunc: (dys, saved) => {
      const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
      const [x, gamma, mean, invStd] = saved;
      const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
      return {
        x: () => tf.engine().runKernel(BATCH_NORM_GRAD_X, { dy, x, gamma, mean, invStd }) as tf.Tensor,
        gamma: () => tf.engine().runKernel(BATCH_NORM_GRAD_GAMMA, { dy, x, mean, invStd }) as tf.Tensor,
        beta: () => tf.sum(dy, axes),
      };
    },
  });
  installed = true;
}
