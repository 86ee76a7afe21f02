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
 * 1,947 ms. As JS loops over the heap (about 2 ns per element per pass) the
 * three kernels still took 285 ms a step; their passes now run in wasm SIMD
 * (simd/heapPasses.ts): 52 ms.
 *
 * The kernels have no gradients of their own, so imageLayers.batchNorm uses
 * them only where nothing differentiates their gradient: when the forward
 * pass runs under at most one gradient tape (see fusedBatchNormUsable).
 * Inside a gradient penalty's or Unrolled GAN's inner gradient it builds the
 * same function from tfjs ops, which every order of gradient can go through.
 */
import * as tf from '@tensorflow/tfjs';
import { heapPasses, type HeapPasses, type PassArrays, type Workspace } from './simd/heapPasses';
import { firstOrderKernelUsable, heapOutputs, type KernelFunc } from './wasmKernels';

export const BATCH_NORM = 'GanBatchNorm';
const BATCH_NORM_GRAD_X = 'GanBatchNormGradX';
const BATCH_NORM_GRAD_GAMMA = 'GanBatchNormGradGamma';

type Info = tf.TensorInfo;

function rowsCols(x: Info): [number, number] {
  const cols = x.shape[x.shape.length - 1];
  return [x.shape.reduce((p, d) => p * d, 1) / cols, cols];
}

/**
 * Runs `body` with the passes for x's column count and a workspace that is
 * released afterwards. The workspace is reserved before `body` allocates the
 * outputs; its arrays are viewed only inside the fill, after every allocation.
 */
function withPasses<T>(backend: unknown, cols: number, body: (passes: HeapPasses, ws: Workspace) => T): T {
  const passes = heapPasses(backend, cols);
  const ws = passes.workspace(cols);
  try {
    return body(passes, ws);
  } finally {
    ws.release();
  }
}

/**
 * Per-channel mean and 1/√(σ² + ε) of x seen as [rows, cols], σ² the
 * population variance (as tf.moments). One pass over x shifted by its first
 * row, summed in float64 (the SIMD pass sums blocks of rows in float32
 * first): E[d²] − E[d]² then only loses what the spread of a channel around
 * its first value costs, not what its mean does.
 */
function channelStats(p: HeapPasses, w: PassArrays, x: Float32Array, rows: number, cols: number, epsilon: number, mean: Float32Array, invStd: Float32Array): void {
  w.shift.set(x.subarray(0, cols));
  p.moments(x, w, rows, cols);
  for (let c = 0; c < cols; c++) {
    const m = w.sum1[c] / rows;
    mean[c] = w.shift[c] + m;
    invStd[c] = 1 / Math.sqrt(Math.max(0, w.sum2[c] / rows - m * m) + epsilon);
  }
}

/**
 * Σ dy and Σ dy·x̂ per channel (x̂ = (x − μ)·invStd), left in w.sum1 and
 * w.sum2: the gradients of β and γ, and the two sums the gradient of x needs.
 * One pass: Σ dy·(x − μ) is Σ dy·(x − x₀) − (μ − x₀)·Σ dy, x₀ the first row
 * (as in channelStats).
 */
function gradSums(p: HeapPasses, w: PassArrays, dy: Float32Array, x: Float32Array, rows: number, cols: number, mean: Float32Array, invStd: Float32Array): void {
  w.shift.set(x.subarray(0, cols));
  p.crossSums(dy, x, w, rows, cols);
  for (let c = 0; c < cols; c++) w.sum2[c] = (w.sum2[c] - (mean[c] - w.shift[c]) * w.sum1[c]) * invStd[c];
}

const forward: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, gamma, beta } = inputs as { x: Info; gamma: Info; beta: Info };
  const { epsilon } = attrs as unknown as { epsilon: number };
  const [rows, cols] = rowsCols(x);
  return withPasses(backend, cols, (p, ws) =>
    heapOutputs(backend, [[...x.shape], [cols], [cols]], ([y, mean, invStd], view) => {
      const w = ws.arrays();
      const xv = view(x);
      channelStats(p, w, xv, rows, cols, epsilon, mean, invStd);
      // y = γ·(x − μ)·invStd + β
      const g = view(gamma);
      w.s.set(mean);
      for (let c = 0; c < cols; c++) w.a[c] = g[c] * invStd[c];
      w.b.set(view(beta));
      p.affine(xv, w, y, rows, cols);
    }),
  );
};

const backwardX: KernelFunc = ({ inputs, backend }) => {
  const { dy, x, gamma, mean, invStd } = inputs as Record<'dy' | 'x' | 'gamma' | 'mean' | 'invStd', Info>;
  const [rows, cols] = rowsCols(x);
  const [dx] = withPasses(backend, cols, (p, ws) =>
    heapOutputs(backend, [[...x.shape]], ([out], view) => {
      const w = ws.arrays();
      const [dyv, xv, mu, inv, g] = [dy, x, mean, invStd, gamma].map(view);
      gradSums(p, w, dyv, xv, rows, cols, mu, inv);
      // dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)) = a·dy + b·(x − μ) + k per channel,
      // with a = γ·invStd, b = −a·invStd·mean(dy·x̂), k = −a·mean(dy).
      for (let c = 0; c < cols; c++) {
        const a = g[c] * inv[c];
        w.a[c] = a;
        w.b[c] = (-a * inv[c] * w.sum2[c]) / rows;
        w.k[c] = (-a * w.sum1[c]) / rows;
      }
      w.s.set(mu);
      p.affine2(dyv, xv, w, out, rows, cols);
    }),
  );
  return dx;
};

const backwardGamma: KernelFunc = ({ inputs, backend }) => {
  const { dy, x, mean, invStd } = inputs as Record<'dy' | 'x' | 'mean' | 'invStd', Info>;
  const [rows, cols] = rowsCols(x);
  const [dGamma] = withPasses(backend, cols, (p, ws) =>
    heapOutputs(backend, [[cols]], ([out], view) => {
      const w = ws.arrays();
      gradSums(p, w, view(dy), view(x), rows, cols, view(mean), view(invStd));
      out.set(w.sum2);
    }),
  );
  return dGamma;
};

/**
 * Whether imageLayers.batchNorm may use the fused kernels now: registered for
 * the active backend, and the forward pass under at most one gradient tape,
 * so that their gradient is computed (at tape depth 0) and never itself
 * differentiated.
 */
export function fusedBatchNormUsable(): boolean {
  return firstOrderKernelUsable(BATCH_NORM);
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
