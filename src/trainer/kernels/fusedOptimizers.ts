/**
 * Optimizer updates of a whole variable in one kernel, on the CPU backends.
 *
 * tfjs's AdamOptimizer spells each variable's update as about a dozen ops
 * (two moment updates, two bias corrections, a square root, a division, a
 * scale and an add), RMSProp's as about eight, each one a kernel call that
 * allocates its output and makes a scalar tensor for its constant. On wasm
 * and cpu, where a kernel call costs microseconds of bookkeeping before any
 * arithmetic, the optimizer of a small MLP GAN spends more time in that
 * bookkeeping than in the arithmetic. Here one kernel reads the value, the
 * gradient and the slots once and writes the three new tensors in one pass.
 *
 * Each pass replays tfjs's float32 roundings op by op, so the kernels are
 * bit for bit what tfjs's ops compute (tested), and a run takes the same
 * path with or without them. The loops are simd/heapPasses.ts's: wasm SIMD
 * on the wasm backend where it runs, JS loops (a double result of one +, −,
 * ×, ÷ or √ on float32 inputs, rounded with Math.fround, is the correctly
 * rounded float32 result) on cpu and as the fallback.
 *
 * FusedAdamOptimizer and FusedRMSPropOptimizer are tfjs's classes with
 * applyGradients replaced: the same slot variables, the same accumulated β
 * powers, the same getWeights/setWeights, so checkpoints and resume are
 * unchanged. On a backend without the kernels (WebGPU, the native bindings)
 * they are tfjs's optimizers, op by op.
 *
 * The moving average of G's weights (generatorAverage.ts) is one more such
 * update, β·Ḡ + (1 − β)·G, three ops per variable as tfjs spells it.
 */
import * as tf from '@tensorflow/tfjs';
import { type AdamConstants, heapPasses, type HeapPasses, jsPasses, type RMSPropConstants } from './simd/heapPasses';
import { heapOutputs, type KernelFunc } from './wasmKernels';

export const FUSED_ADAM = 'GanFusedAdam';
export const FUSED_RMSPROP = 'GanFusedRMSProp';
export const FUSED_AVERAGE = 'GanFusedAverage';

/** Adam's constants, with c1 = 1 − β1ᵗ and c2 = 1 − β2ᵗ as float32 computes them. */
export type FusedAdamAttrs = AdamConstants;

/** RMSProp's constants (tfjs's non-centred form). */
export type FusedRMSPropAttrs = RMSPropConstants;

/** β of a moving-average update. */
export interface FusedAverageAttrs {
  beta: number;
}

/**
 * An update: for the optimizers [value, grad, slot a, slot b] in and
 * [value', a', b'] out; for the average [average, value] in and [average']
 * out; all of one length. The loops are the heap passes' (SIMD on wasm
 * where it runs, JS loops on cpu), bit for bit the same either way.
 */
type Update<A> = (passes: HeapPasses, ins: Float32Array[], outs: Float32Array[], attrs: A) => void;

const adamStep: Update<FusedAdamAttrs> = (p, ins, outs, a) => p.adam(ins, outs, a);
const rmspropStep: Update<FusedRMSPropAttrs> = (p, ins, outs, a) => p.rmsprop(ins, outs, a);
const averageStep: Update<FusedAverageAttrs> = (p, [average, value], [out], a) => p.average(average, value, out, a.beta);

interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

/** Each kernel's named inputs, in the order its update reads them, and how many outputs it writes. */
const SIGNATURES: Record<string, { inputs: readonly string[]; outputs: number }> = {
  [FUSED_ADAM]: { inputs: ['value', 'grad', 'a', 'b'], outputs: 3 },
  [FUSED_RMSPROP]: { inputs: ['value', 'grad', 'a', 'b'], outputs: 3 },
  [FUSED_AVERAGE]: { inputs: ['average', 'value'], outputs: 1 },
};

function inputsOf(name: string, inputs: tf.NamedTensorInfoMap): tf.TensorInfo[] {
  const ins = SIGNATURES[name].inputs.map((k) => inputs[k] as tf.TensorInfo);
  for (const t of ins) {
    if (t.dtype !== 'float32') throw new Error(`${name}: float32 tensors only, got ${t.dtype}`);
    if (t.shape.join(',') !== ins[0].shape.join(',')) throw new Error(`${name}: shapes differ, [${ins[0].shape}] and [${t.shape}]`);
  }
  return ins;
}

/** runKernel hands back an array exactly when the kernel returned one: a one-output kernel returns its tensor. */
const single = (outs: tf.TensorInfo[]): tf.TensorInfo | tf.TensorInfo[] => (outs.length === 1 ? outs[0] : outs);

function kernelFor<A>(name: string, update: Update<A>, backendName: 'wasm' | 'cpu'): KernelFunc {
  const outputs = Array.from({ length: SIGNATURES[name].outputs }, (_, i) => i);
  if (backendName === 'wasm') {
    return ({ inputs, backend, attrs }) => {
      const ins = inputsOf(name, inputs);
      const outs = heapOutputs(
        backend,
        outputs.map(() => [...ins[0].shape]),
        (o, view) => update(heapPasses(backend), ins.map(view), o, attrs as unknown as A),
      );
      return single(outs);
    };
  }
  return ({ inputs, backend, attrs }) => {
    const ins = inputsOf(name, inputs);
    const b = backend as unknown as CpuBackend;
    const n = ins[0].shape.reduce((p, d) => p * d, 1);
    const outs = outputs.map(() => new Float32Array(n));
    update(jsPasses, ins.map((t) => b.data.get(t.dataId).values), outs, attrs as unknown as A);
    return single(outs.map((o) => b.makeTensorInfo([...ins[0].shape], 'float32', o)));
  };
}

/** Register the three kernels for a backend that has them here (call after the backend is loaded). */
export function installFusedOptimizers(backendName: 'wasm' | 'cpu'): void {
  for (const [name, update] of [[FUSED_ADAM, adamStep], [FUSED_RMSPROP, rmspropStep], [FUSED_AVERAGE, averageStep]] as [string, Update<never>][]) {
    if (!tf.getKernel(name, backendName)) tf.registerKernel({ kernelName: name, backendName, kernelFunc: kernelFor(name, update, backendName) });
  }
}

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

type Gradients = Parameters<tf.Optimizer['applyGradients']>[0];

/** The gradients by variable, in the order tfjs's optimizers number their slots. */
function listOf(variableGradients: Gradients): { value: tf.Variable; grad: tf.Tensor | null }[] {
  const named = Array.isArray(variableGradients)
    ? variableGradients.map((v) => ({ name: v.name, grad: v.tensor }))
    : Object.keys(variableGradients).map((name) => ({ name, grad: variableGradients[name] }));
  return named.map(({ name, grad }) => ({ value: tf.engine().registeredVariables[name], grad }));
}

/** A slot variable of zeros named as tfjs names it, made on first use. */
function slot(slots: Slot[], i: number, value: tf.Variable, suffix: string): tf.Variable {
  slots[i] ??= { originalName: `${value.name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
  return slots[i].variable;
}

/** Run one fused update kernel and move its three outputs into the variables. */
function fusedUpdate(name: string, value: tf.Variable, grad: tf.Tensor, a: tf.Variable, b: tf.Variable, attrs: object): void {
  const [newValue, newA, newB] = tf.engine().runKernel(name, { value, grad, a, b }, attrs as tf.NamedAttrMap) as tf.Tensor[];
  a.assign(newA);
  b.assign(newB);
  value.assign(newValue);
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
    // Scalars read back: cheap on the CPU backends, the only ones that run this path.
    const c1 = Math.fround(1 - self.accBeta1.dataSync()[0]);
    const c2 = Math.fround(1 - self.accBeta2.dataSync()[0]);
    const attrs: FusedAdamAttrs = { lr: self.learningRate, beta1: self.beta1, beta2: self.beta2, epsilon: self.epsilon, c1, c2 };
    tf.tidy(() => {
      listOf(variableGradients).forEach(({ value, grad }, i) => {
        const m = slot(self.accumulatedFirstMoment, i, value, 'm');
        const v = slot(self.accumulatedSecondMoment, i, value, 'v');
        if (grad != null) fusedUpdate(FUSED_ADAM, value, grad, m, v, attrs);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  }
}

/** The RMSPropOptimizer fields this subclass drives. */
interface RMSPropInternals {
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
  accumulatedMeanSquares: Slot[];
  accumulatedMoments: Slot[];
  incrementIterations(): void;
}

export class FusedRMSPropOptimizer extends tf.RMSPropOptimizer {
  override applyGradients(variableGradients: Parameters<tf.RMSPropOptimizer['applyGradients']>[0]): void {
    const self = this as unknown as RMSPropInternals;
    if (self.centered || !tf.getKernel(FUSED_RMSPROP, tf.getBackend())) {
      super.applyGradients(variableGradients);
      return;
    }
    const attrs: FusedRMSPropAttrs = { lr: self.learningRate, decay: self.decay, momentum: self.momentum, epsilon: self.epsilon };
    tf.tidy(() => {
      listOf(variableGradients).forEach(({ value, grad }, i) => {
        const ms = slot(self.accumulatedMeanSquares, i, value, 'rms');
        const mom = slot(self.accumulatedMoments, i, value, 'momentum');
        if (grad != null) fusedUpdate(FUSED_RMSPROP, value, grad, ms, mom, attrs);
      });
    });
    self.incrementIterations();
  }
}
