/**
 * Adam's update of a whole variable in one kernel, on the CPU backends.
 *
 * tfjs's AdamOptimizer spells each variable's update as about a dozen ops
 * (two moment updates, two bias corrections, a square root, a division, a
 * scale and an add), each one a kernel call that allocates its output and
 * makes a scalar tensor for its constant. On wasm and cpu, where a kernel
 * call costs microseconds of bookkeeping before any arithmetic, the
 * optimizer of a small MLP GAN spends more time in that bookkeeping than in
 * the arithmetic. Here one kernel reads the value, the gradient and both
 * moments once and writes the three new tensors in one pass.
 *
 * FusedAdam is an AdamOptimizer: the same slot variables (m, v), the same
 * accumulated β powers and the same getWeights/setWeights, so checkpoints
 * and resume are unchanged. On a backend without the kernel (WebGPU, the
 * native bindings) it is tfjs's Adam, op by op.
 */
import * as tf from '@tensorflow/tfjs';

export const FUSED_ADAM = 'GanFusedAdam';

/** The kernel's attributes: the update's constants, with c1 = 1 − β1ᵗ and c2 = 1 − β2ᵗ (as float32 computes them). */
export interface FusedAdamAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  c1: number;
  c2: number;
}

/**
 * One Adam step, rounded exactly as tfjs's AdamOptimizer rounds it, op by op
 * in float32: m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g²,
 * θ' = θ − lr·(m'/c1)/(√(v'/c2) + ε), with every constant a float32 scalar
 * and every intermediate rounded to float32 (`f`). A double result of one
 * +, −, ×, ÷ or √ on float32 inputs rounds to the correctly rounded float32
 * result, so this is bit for bit what the dozen kernels compute, and a
 * training run takes the same path with or without the fused kernel.
 */
export function adamStep(
  value: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  outValue: Float32Array,
  outM: Float32Array,
  outV: Float32Array,
  a: FusedAdamAttrs,
): void {
  const f = Math.fround;
  const b1 = f(a.beta1);
  const b2 = f(a.beta2);
  const g1 = f(1 - a.beta1);
  const g2 = f(1 - a.beta2);
  const c1 = f(a.c1);
  const c2 = f(a.c2);
  const eps = f(a.epsilon);
  const negLr = f(-a.lr);
  for (let i = 0; i < value.length; i++) {
    const g = grad[i];
    const mi = f(f(m[i] * b1) + f(g * g1));
    const vi = f(f(v[i] * b2) + f(f(g * g) * g2));
    outM[i] = mi;
    outV[i] = vi;
    const step = f(f(f(mi / c1) / f(f(Math.sqrt(f(vi / c2))) + eps)) * negLr);
    outValue[i] = step + value[i];
  }
}

type KernelFunc = tf.KernelConfig['kernelFunc'];

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function inputsOf(inputs: tf.NamedTensorInfoMap): [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo] {
  const { value, grad, m, v } = inputs as Record<string, tf.TensorInfo>;
  for (const t of [value, grad, m, v]) {
    if (t.dtype !== 'float32') throw new Error(`${FUSED_ADAM}: float32 tensors only, got ${t.dtype}`);
    if (t.shape.join(',') !== value.shape.join(',')) throw new Error(`${FUSED_ADAM}: shapes differ, [${value.shape}] and [${t.shape}]`);
  }
  return [value, grad, m, v];
}

const wasmKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const ins = inputsOf(inputs);
  const b = backend as unknown as WasmHeapBackend;
  const outs = [0, 1, 2].map(() => b.makeOutput([...ins[0].shape], 'float32'));
  // Views after every makeOutput: an allocation may grow the heap, which detaches older views.
  const [value, grad, m, v] = ins.map((t) => b.typedArrayFromHeap(t));
  const [ov, om, ovv] = outs.map((t) => b.typedArrayFromHeap(t));
  adamStep(value, grad, m, v, ov, om, ovv, attrs as unknown as FusedAdamAttrs);
  return outs;
};

const cpuKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const ins = inputsOf(inputs);
  const b = backend as unknown as CpuBackend;
  const [value, grad, m, v] = ins.map((t) => b.data.get(t.dataId).values);
  const n = value.length;
  const [ov, om, ovv] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  adamStep(value, grad, m, v, ov, om, ovv, attrs as unknown as FusedAdamAttrs);
  return [ov, om, ovv].map((a) => b.makeTensorInfo([...ins[0].shape], 'float32', a));
};

/** Register the kernel for the backends that have it here (call after the backend is loaded). */
export function installFusedAdam(backendName: 'wasm' | 'cpu'): void {
  if (tf.getKernel(FUSED_ADAM, backendName)) return;
  tf.registerKernel({ kernelName: FUSED_ADAM, backendName, kernelFunc: backendName === 'wasm' ? wasmKernel : cpuKernel });
}

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** The AdamOptimizer fields this subclass drives (public in tfjs's JavaScript, protected in its types). */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
  incrementIterations(): void;
}

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (!tf.getKernel(FUSED_ADAM, tf.getBackend())) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamInternals;
    const list = Array.isArray(variableGradients)
      ? variableGradients.map((v) => ({ name: v.name, grad: v.tensor }))
      : Object.keys(variableGradients).map((name) => ({ name, grad: variableGradients[name] as tf.Tensor }));
    // Scalars read back: cheap on the CPU backends, the only ones that run this path.
    const c1 = Math.fround(1 - self.accBeta1.dataSync()[0]);
    const c2 = Math.fround(1 - self.accBeta2.dataSync()[0]);
    const attrs: FusedAdamAttrs = { lr: self.learningRate, beta1: self.beta1, beta2: self.beta2, epsilon: self.epsilon, c1, c2 };
    tf.tidy(() => {
      list.forEach(({ name, grad }, i) => {
        const value = tf.engine().registeredVariables[name];
        self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        if (grad == null) return;
        const m = self.accumulatedFirstMoment[i].variable;
        const v = self.accumulatedSecondMoment[i].variable;
        const [newValue, newM, newV] = tf.engine().runKernel(FUSED_ADAM, { value, grad, m, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        m.assign(newM);
        v.assign(newV);
        value.assign(newValue);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  }
}
