/**
 * The module that user model files import as 'gan-workbench'. It is the
 * trainer's own code: the compiled user bundle receives this very module (and
 * the trainer's tfjs instance), so tensors and variables never mix copies.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedActivationUsable, fusedLeakyRelu } from './kernels/wasmActivations';

/** A network as the trainer sees it: its trainable variables and a forward pass. */
export interface Module {
  readonly variables: tf.Variable[];
  apply(x: tf.Tensor2D): tf.Tensor2D;
  /**
   * Optional: the trainer calls it (inside a tidy) after every optimizer update
   * of this network, e.g. for spectral normalization's power-iteration step.
   * A wrapper that hides its layers should pass it on (sequential and mlp do).
   */
  afterUpdate?(): void;
  /**
   * Optional: non-trained variables that carry state from one step to the
   * next (spectral normalization's u and v). Checkpoints save and restore
   * them with the weights, so a resumed run continues exactly; a wrapper
   * that hides its layers should pass them on (sequential and mlp do).
   */
  readonly stateVariables?: tf.Variable[];
  /**
   * Optional: the same forward pass with `params` in place of `variables`
   * (same order, same shapes), so a loss can be differentiated through
   * parameters that are not the variables — Unrolled GAN evaluates D after K
   * differentiable optimizer steps this way. applyWith(x, variables) must
   * equal apply(x); dense, sequential, mlp and spectralNorm provide it, and a
   * wrapper should pass it on (templates/toy/model.ts does).
   */
  applyWith?(x: tf.Tensor2D, params: readonly tf.Tensor[]): tf.Tensor2D;
  /**
   * Optional: the activations that feed the output layer (one row per
   * sample). The sliced Wasserstein generator with learned projections
   * compares real and generated batches in this space. sequential and mlp
   * provide it; a wrapper should pass it on.
   */
  features?(x: tf.Tensor2D): tf.Tensor2D;
  /**
   * Optional, for an auto-encoder discriminator: its code for x (the
   * bottleneck, one row per sample). EBGAN's pull-away term is computed on
   * the codes of the generated batch.
   */
  encode?(x: tf.Tensor2D): tf.Tensor2D;
}

/** What the trainer tells the builders. */
export interface ModelContext {
  /** Noise dimension (config model.latentDim). */
  readonly latentDim: number;
  /** Numbers per sample: 2 for toy sets, height × width × channels for images (rows are flat, HWC). */
  readonly dataDim: number;
  /** The image layout of a sample for image data (undefined for toy data): reshape rows to [n, height, width, channels]. */
  readonly image?: { readonly height: number; readonly width: number; readonly channels: 1 | 3 };
  /** config model.hidden and model.depth. */
  readonly hidden: number;
  readonly depth: number;
  /** config model.spectralNorm: wrap D's layers in spectralNorm (mlp does it with { spectralNorm: ctx.spectralNorm }). */
  readonly spectralNorm: boolean;
  /** config model.minibatchStd: feed D's last layer the batch's standard deviation (mlp: { minibatchStd: ctx.minibatchStd }). */
  readonly minibatchStd: boolean;
  /**
   * config model.packing (PacGAN): D receives packs of this many samples,
   * concatenated, so its input has dataDim * packing numbers; 1 = no packing.
   * Build D with mlp(ctx, ctx.dataDim * ctx.packing, 1, …) as the template does.
   */
  readonly packing: number;
  /**
   * Class-conditional runs (config model.conditional): the number of classes
   * (0 when unconditional). G's input is then z followed by the one-hot label
   * (ctx.latentDim + ctx.classes numbers); with 'cgan' D's input is the sample
   * followed by the one-hot label; with 'acgan' D returns 1 + ctx.classes
   * numbers per sample: the adversarial output, then the class logits.
   */
  readonly classes: number;
  readonly conditional: 'none' | 'cgan' | 'acgan';
  /**
   * 'logit': D returns a logit; 'critic': an unbounded score (both one number
   * per sample, shape [n, 1]). 'autoencoder' (EBGAN, BEGAN): D returns its
   * reconstruction of the input, shape [n, dataDim]; the trainer turns it into
   * the energy, the per-sample reconstruction error.
   */
  readonly output: 'logit' | 'critic' | 'autoencoder';
  /** Deterministic seeds derived from config training.seed: use one per initializer. */
  nextSeed(): number;
}

/** tfjs variable names are global to the engine: suffix _1, _2, … when a name is taken. */
export function uniqueName(name: string): string {
  const taken = tf.engine().registeredVariables;
  if (!(name in taken)) return name;
  let i = 1;
  while (`${name}_${i}` in taken) i++;
  return `${name}_${i}`;
}

/**
 * A variable named `name` (made unique) holding init()'s value. Made inside
 * tf.tidy: tf.variable keeps the tensor it was made from alive, which would
 * hold a stale copy of the weight once an optimizer has replaced its value.
 */
export function newVariable(name: string, trainable: boolean, init: () => tf.Tensor): tf.Variable {
  return tf.tidy(() => tf.variable(init(), trainable, uniqueName(name)));
}

/** A fully connected layer with He-normal weights (seeded) and zero bias. */
export function dense(ctx: ModelContext, inputs: number, units: number, name: string, gain = 2): Module & { w: tf.Variable; b: tf.Variable } {
  const w = newVariable(`${name}/w`, true, () => tf.randomNormal([inputs, units], 0, Math.sqrt(gain / inputs), 'float32', ctx.nextSeed()));
  const b = newVariable(`${name}/b`, true, () => tf.zeros([units]));
  return {
    w,
    b,
    variables: [w, b],
    apply: (x) => tf.add(tf.matMul(x, w), b) as tf.Tensor2D,
    applyWith: (x, [pw, pb]) => tf.add(tf.matMul(x, pw as tf.Tensor2D), pb) as tf.Tensor2D,
  };
}

export type Activation = (x: tf.Tensor2D) => tf.Tensor2D;
/** ReLU: one kernel each way on wasm where nothing differentiates twice (kernels/wasmActivations.ts), the same numbers. */
export const relu: Activation = (x) => (fusedActivationUsable() ? fusedLeakyRelu(x, 0) : tf.relu(x));
/**
 * LeakyReLU written as αx + (1 − α)·relu(x): tf.leakyRelu's gradient has no
 * gradient of its own in tfjs, so penalties that differentiate ∇ₓD (WGAN-GP,
 * DRAGAN, R1) would fail with it; relu's gradient is differentiable. On wasm,
 * where nothing differentiates twice, one kernel each way instead.
 */
export const leakyRelu =
  (alpha = 0.2): Activation =>
  (x) => (fusedActivationUsable() ? fusedLeakyRelu(x, alpha) : (tf.add(tf.mul(alpha, x), tf.mul(1 - alpha, tf.relu(x))) as tf.Tensor2D));
/**
 * tanh with its gradient computed from the input: 1 − tanh(x)². tf.tanh's
 * kernel saves its output for the gradient, and in tfjs 4.22 a saved output
 * is copied onto the tape before the op that makes it, so a second-order
 * pass (gradient penalties, Unrolled GAN) visits the copy too late and drops
 * that path: measured against finite differences, unrolled gradients were off
 * by up to 40 %. A gradient written in terms of the saved input has no such
 * problem (relu's and softplus's are, which is why they were right).
 */
const tanhFromInput = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return { value: tf.tanh(x), gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => tf.mul(dy, tf.sub(1, tf.square(tf.tanh(xs)))) };
}) as Parameters<typeof tf.customGrad>[0]);
export const tanh: Activation = (x) => tanhFromInput(x) as tf.Tensor2D;

/**
 * Layers applied in order, with `act` between them (not after the last).
 * applyWith is offered when every layer offers it; features(x) is the input
 * of the last layer (the activations of the last hidden layer).
 */
export function sequential(layers: Module[], act: Activation): Module {
  const run = (x: tf.Tensor2D, through: number, layerApply: (l: Module, i: number, y: tf.Tensor2D) => tf.Tensor2D): tf.Tensor2D => {
    let y = x;
    for (let i = 0; i < through; i++) {
      y = layerApply(layers[i], i, y);
      if (i < layers.length - 1) y = act(y);
    }
    return y;
  };
  // Where each layer's parameters start in the flat `variables` list.
  const offsets: number[] = [];
  layers.reduce((o, l) => (offsets.push(o), o + l.variables.length), 0);
  const total = layers.reduce((n, l) => n + l.variables.length, 0);
  const functional = layers.every((l) => typeof l.applyWith === 'function');
  return {
    variables: layers.flatMap((l) => l.variables),
    stateVariables: layers.flatMap((l) => l.stateVariables ?? []),
    afterUpdate: () => layers.forEach((l) => l.afterUpdate?.()),
    apply: (x) => run(x, layers.length, (l, _i, y) => l.apply(y)),
    ...(functional
      ? {
          applyWith: (x: tf.Tensor2D, params: readonly tf.Tensor[]) => {
            if (params.length !== total) throw new Error(`applyWith: expected ${total} parameter tensors (one per variable), got ${params.length}`);
            return run(x, layers.length, (l, i, y) => l.applyWith!(y, params.slice(offsets[i], offsets[i] + l.variables.length)));
          },
        }
      : {}),
    features: (x) => run(x, layers.length - 1, (l, _i, y) => l.apply(y)),
  };
}

/**
 * An MLP: `depth` hidden layers of width `hidden`, then a linear output layer.
 * `spectralNorm: true` wraps every layer in spectralNorm (for discriminators).
 */
export function mlp(
  ctx: ModelContext,
  inputs: number,
  outputs: number,
  name: string,
  act: Activation = relu,
  opts: { spectralNorm?: boolean; minibatchStd?: boolean } = {},
): Module {
  const wrap = (l: DenseLayer): Module => (opts.spectralNorm ? spectralNorm(ctx, l) : l);
  const layers: Module[] = [];
  let d = inputs;
  for (let i = 0; i < ctx.depth; i++) {
    layers.push(wrap(dense(ctx, d, ctx.hidden, `${name}/hidden${i}`)));
    d = ctx.hidden;
  }
  const out = wrap(dense(ctx, opts.minibatchStd ? d + 1 : d, outputs, `${name}/out`, 1));
  layers.push(opts.minibatchStd ? withMinibatchStd(out) : out);
  return sequential(layers, act);
}

/**
 * The batch's mean standard deviation appended to every sample as one more
 * feature: mean over features of sqrt(Var over the batch + 1e-8) (Karras et
 * al., Progressive Growing of GANs, 2018). D then sees how varied the batch
 * is, so a collapsed generator's batches are easy to tell from real ones.
 */
export function minibatchStd(x: tf.Tensor2D): tf.Tensor2D {
  const { variance } = tf.moments(x, 0);
  const s = tf.mean(tf.sqrt(tf.add(variance, 1e-8)));
  return tf.concat([x, tf.mul(tf.onesLike(tf.slice(x, [0, 0], [-1, 1])), s)], 1) as tf.Tensor2D;
}

/** A layer fed its input with the minibatch standard deviation appended (see minibatchStd). */
function withMinibatchStd(layer: Module): Module {
  return {
    variables: layer.variables,
    stateVariables: layer.stateVariables,
    afterUpdate: () => layer.afterUpdate?.(),
    apply: (x) => layer.apply(minibatchStd(x)),
    ...(layer.applyWith ? { applyWith: (x: tf.Tensor2D, p: readonly tf.Tensor[]) => layer.applyWith!(minibatchStd(x), p) } : {}),
  };
}

export type DenseLayer = Module & { w: tf.Variable; b: tf.Variable };

function normalize(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.add(tf.norm(x), 1e-12));
}

/**
 * Spectral normalization (Miyato et al., ICLR 2018) of a dense layer: the
 * forward pass uses w/σ(w), where σ is the largest singular value estimated
 * by power iteration with a persistent vector u (not trained). One
 * power-iteration step runs after every optimizer update (afterUpdate, which
 * the trainer calls); σ = vᵀ·w·u with u, v held fixed inside the step, so the
 * gradient flows through w only, as in the paper.
 * The vectors are not trained (not in `variables`); they are `stateVariables`,
 * which checkpoints save, so a resumed run continues with the same u and v.
 */
export function spectralNorm(ctx: ModelContext, layer: DenseLayer): DenseLayer & { u: tf.Variable; v: tf.Variable; sigma(): tf.Scalar } {
  const [inputs, units] = layer.w.shape;
  const u = newVariable(`${layer.w.name}/sn_u`, false, () => normalize(tf.randomNormal([units, 1], 0, 1, 'float32', ctx.nextSeed())));
  const v = newVariable(`${layer.w.name}/sn_v`, false, () => tf.zeros([inputs, 1]));
  const powerStep = () =>
    tf.tidy(() => {
      const vNew = normalize(tf.matMul(layer.w, u)); // w·u ∈ R^inputs
      v.assign(vNew);
      u.assign(normalize(tf.matMul(layer.w, vNew, true))); // wᵀ·v ∈ R^units
    });
  powerStep();
  const sigma = () => tf.sum(tf.mul(v, tf.matMul(layer.w, u))) as tf.Scalar;
  return {
    w: layer.w,
    b: layer.b,
    u,
    v,
    sigma,
    variables: layer.variables,
    stateVariables: [...(layer.stateVariables ?? []), u, v],
    apply: (x) => tf.add(tf.matMul(x, tf.div(layer.w, sigma())), layer.b) as tf.Tensor2D,
    // σ of the substituted weight with the same fixed u, v: what apply's gradient sees.
    applyWith: (x, [pw, pb]) => tf.add(tf.matMul(x, tf.div(pw, tf.sum(tf.mul(v, tf.matMul(pw as tf.Tensor2D, u))))), pb) as tf.Tensor2D,
    afterUpdate: () => {
      layer.afterUpdate?.();
      powerStep();
    },
  };
}
export * from './imageLayers';
