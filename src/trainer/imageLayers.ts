/**
 * Building blocks for convolutional models (DCGAN and friends), part of the
 * 'gan-workbench' module that model files import.
 *
 * A Layer is a pure function of its input and its parameter tensors:
 * call(x, params). network() chains layers into a Module whose apply(x) calls
 * them with their variables and whose applyWith(x, params) with substituted
 * tensors, so every variant works with convolutional models too, Unrolled GAN
 * (which differentiates through substituted parameters) included.
 *
 * Images are NHWC. The trainer holds samples as flat rows (a batch is
 * [n, height·width·channels]); toImages/flatten convert at the ends of a
 * network, so the losses, penalties and packing code see the same 2-D
 * tensors as for toy data.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedBatchNorm, fusedBatchNormUsable } from './kernels/wasmBatchNorm';
import type { Activation, Module, ModelContext } from './userApi';
import { newVariable } from './userApi';

export interface Layer {
  /** Trainable variables, in the order call() takes their tensors. */
  readonly variables: tf.Variable[];
  /** Non-trained state saved in checkpoints (spectral normalization's u, v). */
  readonly stateVariables?: tf.Variable[];
  /** Runs after each optimizer update (spectral normalization's power step). */
  afterUpdate?(): void;
  call(x: tf.Tensor, params: readonly tf.Tensor[]): tf.Tensor;
}

/** A layer without parameters: an activation, a reshape. */
export function fn(f: (x: tf.Tensor) => tf.Tensor): Layer {
  return { variables: [], call: (x) => f(x) };
}

/** An activation from userApi (relu, leakyRelu(0.2), tanh, …) as a layer, for any rank. */
export function activation(act: Activation): Layer {
  return fn((x) => act(x as tf.Tensor2D));
}

/** Rows [n, h·w·c] → images [n, h, w, c]. */
export function toImages(height: number, width: number, channels: number): Layer {
  return fn((x) => tf.reshape(x, [-1, height, width, channels]));
}

/** Anything [n, …] → rows [n, k]. */
export const flatten: Layer = fn((x) => tf.reshape(x, [x.shape[0], -1]));

/**
 * PacGAN packs of images: rows [b, m·h·w·c] (m images side by side, as the
 * trainer packs them) → [b, h, w, m·c], the m images stacked along the
 * channels, which is how the PacGAN paper feeds packs to a convolutional D.
 */
export function unpackImages(height: number, width: number, channels: number, packing: number): Layer {
  if (packing === 1) return toImages(height, width, channels);
  return fn((x) => {
    const five = tf.reshape(x, [-1, packing, height, width, channels]);
    return tf.reshape(tf.transpose(five, [0, 2, 3, 1, 4]), [-1, height, width, packing * channels]);
  });
}

/** Spectral normalization of any weight tensor seen as a matrix [prod(shape[:-1]), shape[-1]] (Miyato et al. 2018, as for convolutions). */
function spectralNormalizer(ctx: ModelContext, w: tf.Variable) {
  const units = w.shape[w.shape.length - 1];
  const inputs = w.size / units;
  const normalize = (x: tf.Tensor) => tf.div(x, tf.add(tf.norm(x), 1e-12));
  const u = newVariable(`${w.name}/sn_u`, false, () => normalize(tf.randomNormal([units, 1], 0, 1, 'float32', ctx.nextSeed())));
  const v = newVariable(`${w.name}/sn_v`, false, () => tf.zeros([inputs, 1]));
  const sigmaOf = (pw: tf.Tensor) => tf.sum(tf.mul(v, tf.matMul(tf.reshape(pw, [inputs, units]), u))) as tf.Scalar;
  const powerStep = () =>
    tf.tidy(() => {
      const m = tf.reshape(w, [inputs, units]) as tf.Tensor2D;
      const vNew = normalize(tf.matMul(m, u));
      v.assign(vNew);
      u.assign(normalize(tf.matMul(m, vNew, true)));
    });
  powerStep();
  return { u, v, sigmaOf, powerStep };
}

export interface ConvOptions {
  /** Kernel side (DCGAN: 5; 4 is also common). */
  kernel?: number;
  /** 2 halves (conv2d) or doubles (conv2dTranspose) the resolution; 1 keeps it. */
  stride?: number;
  /** Divide the kernel by its largest singular value (for discriminators). */
  spectralNorm?: boolean;
  /**
   * No bias: for a layer followed by batch norm, which subtracts every
   * per-channel constant, so a bias there would never move the output (its
   * gradient is zero, and only float noise would train it).
   */
  noBias?: boolean;
}

/**
 * The parameters of a weighted layer: w ~ N(0, 0.02²) (the DCGAN paper's
 * initialisation) of `shape`, a zero bias of the last dimension unless
 * noBias, and spectral normalization of w when asked; kernel(pw) is the
 * weight the forward pass uses (pw / σ(pw) under spectral normalization).
 */
function weights(ctx: ModelContext, shape: number[], biasSize: number, name: string, o: { spectralNorm?: boolean; noBias?: boolean }) {
  const w = newVariable(`${name}/w`, true, () => tf.randomNormal(shape, 0, 0.02, 'float32', ctx.nextSeed()));
  const b = o.noBias ? undefined : newVariable(`${name}/b`, true, () => tf.zeros([biasSize]));
  const sn = o.spectralNorm ? spectralNormalizer(ctx, w) : undefined;
  return {
    variables: b ? [w, b] : [w],
    stateVariables: sn ? [sn.u, sn.v] : [],
    afterUpdate: sn ? () => sn.powerStep() : undefined,
    kernel: (pw: tf.Tensor) => (sn ? tf.div(pw, sn.sigmaOf(pw)) : pw),
    addBias: (y: tf.Tensor, pb: tf.Tensor | undefined) => (pb ? tf.add(y, pb) : y),
  };
}

/** A convolution with 'same' padding (weights as in weights()). */
export function conv2d(ctx: ModelContext, inChannels: number, filters: number, name: string, o: ConvOptions = {}): Layer {
  const k = o.kernel ?? 5;
  const stride = o.stride ?? 2;
  const p = weights(ctx, [k, k, inChannels, filters], filters, name, o);
  return {
    variables: p.variables,
    stateVariables: p.stateVariables,
    afterUpdate: p.afterUpdate,
    call: (x, [pw, pb]) => p.addBias(tf.conv2d(x as tf.Tensor4D, p.kernel(pw) as tf.Tensor4D, stride, 'same'), pb),
  };
}

/**
 * A transposed convolution with 'same' padding: the output is `stride` times
 * the input's height and width (DCGAN's generator upsamples with these).
 */
export function conv2dTranspose(ctx: ModelContext, inChannels: number, filters: number, name: string, o: ConvOptions = {}): Layer {
  const k = o.kernel ?? 5;
  const stride = o.stride ?? 2;
  // tfjs's filter layout for conv2dTranspose: [k, k, outChannels, inChannels]. (A generator's layer: no spectral normalization.)
  const p = weights(ctx, [k, k, filters, inChannels], filters, name, { noBias: o.noBias });
  return {
    variables: p.variables,
    call: (x, [pw, pb]) => {
      const [n, h, wd] = x.shape;
      return p.addBias(tf.conv2dTranspose(x as tf.Tensor4D, pw as tf.Tensor4D, [n, h * stride, wd * stride, filters], stride, 'same'), pb);
    },
  };
}

/** A fully connected layer on rows (weights as in weights()). */
export function linear(ctx: ModelContext, inputs: number, units: number, name: string, o: { spectralNorm?: boolean; noBias?: boolean } = {}): Layer {
  const p = weights(ctx, [inputs, units], units, name, o);
  return {
    variables: p.variables,
    stateVariables: p.stateVariables,
    afterUpdate: p.afterUpdate,
    call: (x, [pw, pb]) => p.addBias(tf.matMul(x as tf.Tensor2D, p.kernel(pw) as tf.Tensor2D), pb),
  };
}

/**
 * Batch normalization with the statistics of the batch it is given, over
 * every axis but the channels (the last): γ·(x − μ)/√(σ² + ε) + β. There are
 * no running averages: a GAN's generator is evaluated on large batches (the
 * snapshots' 1,024 samples), where the batch statistics are the population's,
 * and keeping them would be state that differs between training and evaluation.
 */
export function batchNorm(channels: number, name: string, epsilon = 1e-5): Layer {
  const gamma = newVariable(`${name}/gamma`, true, () => tf.ones([channels]));
  const beta = newVariable(`${name}/beta`, true, () => tf.zeros([channels]));
  return {
    variables: [gamma, beta],
    call: (x, [g, bt]) => {
      // One kernel each way on wasm (kernels/wasmBatchNorm.ts), where nothing differentiates twice.
      if (fusedBatchNormUsable()) return fusedBatchNorm(x, g, bt, epsilon);
      const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
      const { mean, variance } = tf.moments(x, axes);
      return tf.add(tf.mul(g, tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon)))), bt);
    },
  };
}

/** A Module (the interface the trainer calls: rows in, rows out) that chains `layers`. */
export function network(layers: Layer[]): Module & { layers: Layer[] } {
  const offsets: number[] = [];
  const total = layers.reduce((o, l) => (offsets.push(o), o + l.variables.length), 0);
  const run = (x: tf.Tensor, params: readonly tf.Tensor[], through = layers.length): tf.Tensor =>
    layers.slice(0, through).reduce((y, l, i) => l.call(y, params.slice(offsets[i], offsets[i] + l.variables.length)), x);
  const variables = layers.flatMap((l) => l.variables);
  // features(x): the input of the last layer that has parameters (D's last hidden activations, flattened).
  const lastWithParams = layers.map((l) => l.variables.length > 0).lastIndexOf(true);
  return {
    layers,
    variables,
    stateVariables: layers.flatMap((l) => l.stateVariables ?? []),
    afterUpdate: () => layers.forEach((l) => l.afterUpdate?.()),
    apply: (x) => run(x, variables) as tf.Tensor2D,
    applyWith: (x, params) => {
      if (params.length !== total) throw new Error(`applyWith: expected ${total} parameter tensors (one per variable), got ${params.length}`);
      return run(x, params) as tf.Tensor2D;
    },
    features: (x) => {
      const f = run(x, variables, Math.max(0, lastWithParams));
      return tf.reshape(f, [f.shape[0], -1]) as tf.Tensor2D;
    },
  };
}
