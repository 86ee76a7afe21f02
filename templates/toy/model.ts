/**
 * Generator and discriminator for {{variantTitle}} on 2-D toy data.
 *
{{variantAbout}}
 *
 * This file is yours: edit the architectures freely. The trainer compiles it
 * with esbuild when training starts and calls the two builders once.
 * A builder returns { variables, apply }: the trainable tf.Variables and the
 * forward pass. 'gan-workbench' provides small helpers (dense, mlp,
 * activations, spectralNorm); '@tensorflow/tfjs' is the trainer's own tfjs.
 *
 * Hyper-parameters of the networks (gan.config.json "model"; the builders
 * read them from ctx, so you can sweep them without touching this file):
 *   model.latentDim = {{latentDim}}: size of the noise vector z that G maps to a
 *     point (ctx.latentDim). 2 is enough for 2-D data; larger gives G more room.
 *   model.hidden = {{hidden}}: width of every hidden layer of G and D (ctx.hidden).
 *   model.depth = {{depth}}: number of hidden layers of G and D (ctx.depth).
 *
 * Training hyper-parameters of this experiment (gan.config.json, written
 * out with the variant's defaults, or with the settings measured to work on
 * toy data where the project has them; delete a key to fall back to the
 * paper's default, hover a key there for its description):
{{hyperParameters}}
 */
import * as tf from '@tensorflow/tfjs';
import { mlp, relu, type Module, type ModelContext } from 'gan-workbench';

/** G: z ~ N(0, I) of size latentDim → a point in the plane. */
export function buildGenerator(ctx: ModelContext): Module {
  // mlp(ctx, inputs, outputs, name, activation): ctx.depth hidden layers of
  // ctx.hidden units with He-normal weights seeded from training.seed, then a
  // linear output layer. ReLU between layers; the output stays linear because
  // toy data is unbounded (a tanh would cap it at ±1).
  return mlp(ctx, ctx.latentDim, ctx.dataDim, 'G', relu);
}

/**
 * D, the discriminator. For {{variantTitle}} it is {{outputKind}}.
 * A logit or critic D returns one number per point, with no sigmoid here:
 * the loss applies one where the variant needs it. An auto-encoder D
 * (ctx.output === 'autoencoder': EBGAN, BEGAN) returns a point per point.
 */
export function buildDiscriminator(ctx: ModelContext): Module {
  if (ctx.output === 'autoencoder') return buildAutoencoder(ctx);
  // Same MLP shape as G, one output. With model.spectralNorm in gan.config.json
  // every layer's weights are divided by their largest singular value (a
  // 1-Lipschitz D, Miyato et al. 2018). For LeakyReLU, import leakyRelu and
  // pass leakyRelu(0.2) instead of relu (gradient penalties differentiate through it).
  // model.minibatchStd appends the batch's standard deviation before the last layer.
  // model.packing (PacGAN) feeds D packs of ctx.packing samples side by side,
  // hence ctx.dataDim * ctx.packing inputs (ctx.packing is 1 when it is off).
  const net = mlp(ctx, ctx.dataDim * ctx.packing, 1, 'D', relu, { spectralNorm: ctx.spectralNorm, minibatchStd: ctx.minibatchStd });
  return {
    variables: net.variables,
    apply: (x: tf.Tensor2D) => net.apply(x),
    // Runs after each update of D (spectral norm's power-iteration step): keep it when you wrap layers.
    afterUpdate: () => net.afterUpdate?.(),
    stateVariables: net.stateVariables, // spectral norm's u and v, saved in checkpoints
    // Unrolled GAN re-evaluates D with substituted weights: keep applyWith the same function as apply.
    applyWith: (x: tf.Tensor2D, params: readonly tf.Tensor[]) => net.applyWith!(x, params),
    // The sliced Wasserstein generator's learned projections compare samples in D's last hidden layer.
    features: (x: tf.Tensor2D) => net.features!(x),
  };
}

/**
 * The auto-encoder D of the energy-based variants: point → code → point.
 * The trainer scores a point by its reconstruction error, its energy: D
 * learns to reconstruct the data well and generated points badly (EBGAN's
 * margin and BEGAN's k_t push up the energy of generated points).
 * The code, half as wide as the hidden layers, is the bottleneck. On 8
 * Gaussians a one-number code trained worse than this wider one: every
 * point of the curve it reconstructs has low energy, data or not.
 */
function buildAutoencoder(ctx: ModelContext): Module {
  const codeDim = Math.max(1, Math.floor(ctx.hidden / 2));
  // model.spectralNorm applies to the auto-encoder's layers too (it bounds how fast the energy can change).
  const encoder = mlp(ctx, ctx.dataDim, codeDim, 'D/encoder', relu, { spectralNorm: ctx.spectralNorm });
  const decoder = mlp(ctx, codeDim, ctx.dataDim, 'D/decoder', relu, { spectralNorm: ctx.spectralNorm });
  return {
    variables: [...encoder.variables, ...decoder.variables],
    apply: (x: tf.Tensor2D) => decoder.apply(encoder.apply(x)),
    // The code of x: EBGAN's pull-away term (options.pullAwayWeight > 0) spreads out the codes of generated points.
    encode: (x: tf.Tensor2D) => encoder.apply(x),
    afterUpdate: () => {
      encoder.afterUpdate?.();
      decoder.afterUpdate?.();
    },
    stateVariables: [...(encoder.stateVariables ?? []), ...(decoder.stateVariables ?? [])],
  };
}
