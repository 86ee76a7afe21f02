/**
 * DCGAN generator and discriminator for {{variantTitle}} on images.
 *
{{variantAbout}}
 *
 * This file is yours: edit the architectures freely. The trainer compiles it
 * with esbuild when training starts and calls the two builders once. The
 * networks follow Radford et al. 2016 (DCGAN): a generator of transposed
 * convolutions with batch norm and ReLU and a tanh output, a discriminator of
 * strided convolutions with LeakyReLU(0.2), weights ~ N(0, 0.02²).
 *
 * Samples reach the networks as flat rows (height × width × channels numbers
 * in [−1, 1], HWC); toImages/unpackImages turn rows into NHWC images and
 * flatten turns them back. 'gan-workbench' provides the layers (conv2d,
 * conv2dTranspose, linear, batchNorm, activations) and network(), which
 * chains them into what the trainer calls (apply, and applyWith for Unrolled GAN).
 *
 * Hyper-parameters of the networks (gan.config.json "model"; the builders
 * read them from ctx, so you can sweep them without touching this file):
 *   model.latentDim = {{latentDim}}: size of the noise vector z (ctx.latentDim).
 *   model.depth = {{depth}}: number of resolution doublings in G (and halvings in D)
 *     (ctx.depth). The image side must be a multiple of 2^depth: 28 × 28
 *     MNIST takes depth 2 (7 → 14 → 28), 32 × 32 depth 3, 64 × 64 depth 4.
 *   model.hidden = {{hidden}}: channels of G's last hidden layer and of D's first
 *     (ctx.hidden); each step towards the small end doubles them (DCGAN's
 *     64 → 128 → 256 → 512).
 *
 * Training hyper-parameters of this experiment (gan.config.json, written
 * out with the variant's defaults; delete a key to fall back to the default,
 * hover a key there for its description):
{{hyperParameters}}
 */
import * as tf from '@tensorflow/tfjs';
import {
  batchNorm, conv2d, conv2dTranspose, flatten, fn, leakyRelu, linear, minibatchStd, network, relu, tanh, toImages, unpackImages,
  activation, type Layer, type Module, type ModelContext,
} from 'gan-workbench';

/** The smallest feature map, where G starts and D ends: the image side halved ctx.depth times. */
function startSide(ctx: ModelContext): { height: number; width: number } {
  const img = ctx.image!;
  const f = 2 ** ctx.depth;
  if (img.height % f || img.width % f) {
    throw new Error(
      `model.depth ${ctx.depth} halves the image ${ctx.depth} times, but ${img.height}×${img.width} is not a multiple of ${f}: ` +
        `use a model.depth whose 2^depth divides the image side (28 → 2, 32 → 3 or less, 64 → 4 or less)`,
    );
  }
  return { height: img.height / f, width: img.width / f };
}

/** Channels of block i, counting from the small end (i = 0) to the image (i = depth − 1). */
const channelsAt = (ctx: ModelContext, i: number) => ctx.hidden * 2 ** (ctx.depth - 1 - i);

/** G: z → a linear projection to the smallest feature map, then ctx.depth upsampling blocks; tanh puts pixels in [−1, 1]. */
export function buildGenerator(ctx: ModelContext): Module {
  if (!ctx.image) throw new Error('this model.ts is for image data (data.kind "mnist" or "folder"); for 2-D toy data scaffold a toy experiment');
  const s = startSide(ctx);
  const c0 = channelsAt(ctx, 0);
  const layers: Layer[] = [
    // No bias where batch norm follows: it would subtract it again.
    // model.conditional: z arrives with the one-hot label after it (ctx.classes numbers; 0 when unconditional).
    linear(ctx, ctx.latentDim + ctx.classes, s.height * s.width * c0, 'G/project', { noBias: true }),
    toImages(s.height, s.width, c0),
    batchNorm(c0, 'G/bn0'),
    activation(relu),
  ];
  for (let i = 0; i < ctx.depth; i++) {
    const last = i === ctx.depth - 1;
    const out = last ? ctx.image.channels : channelsAt(ctx, i + 1);
    layers.push(conv2dTranspose(ctx, channelsAt(ctx, i), out, `G/up${i}`, { kernel: 5, stride: 2, noBias: !last }));
    if (!last) layers.push(batchNorm(out, `G/bn${i + 1}`), activation(relu));
  }
  layers.push(activation(tanh), flatten);
  return network(layers);
}

/**
 * D, the discriminator. For {{variantTitle}} it is {{outputKind}}.
 * ctx.depth strided convolutions, then one linear output. Batch norm follows
 * every convolution but the first for logit variants (as in DCGAN); critics
 * (the Wasserstein family) and auto-encoders go without it, because a
 * gradient penalty or a critic score is meant per sample and batch norm
 * mixes the samples of a batch (Gulrajani et al. 2017, section 4).
 */
export function buildDiscriminator(ctx: ModelContext): Module {
  if (!ctx.image) throw new Error('this model.ts is for image data (data.kind "mnist" or "folder"); for 2-D toy data scaffold a toy experiment');
  if (ctx.output === 'autoencoder') return buildAutoencoder(ctx);
  const img = ctx.image;
  const s = startSide(ctx);
  const useBatchNorm = ctx.output === 'logit';
  const sn = { spectralNorm: ctx.spectralNorm }; // model.spectralNorm: every layer's weights divided by their largest singular value
  // model.packing (PacGAN): D sees ctx.packing images stacked along the channels.
  // model.conditional 'cgan': the one-hot label follows the image; it becomes ctx.classes constant planes beside the image's channels.
  const cgan = ctx.conditional === 'cgan';
  const layers: Layer[] = [cgan ? imageWithLabelPlanes(img.height, img.width, img.channels, ctx.classes) : unpackImages(img.height, img.width, img.channels, ctx.packing)];
  let channels = cgan ? img.channels + ctx.classes : img.channels * ctx.packing;
  for (let i = 0; i < ctx.depth; i++) {
    const out = channelsAt(ctx, ctx.depth - 1 - i);
    const normed = useBatchNorm && i > 0;
    layers.push(conv2d(ctx, channels, out, `D/down${i}`, { kernel: 5, stride: 2, noBias: normed, ...sn }));
    if (normed) layers.push(batchNorm(out, `D/bn${i}`));
    layers.push(activation(leakyRelu(0.2)));
    channels = out;
  }
  const features = s.height * s.width * channels;
  layers.push(flatten);
  // model.minibatchStd: the batch's standard deviation as one more input of the last layer.
  if (ctx.minibatchStd) layers.push(fn((x) => minibatchStd(x as tf.Tensor2D)));
  // model.conditional 'acgan': besides the adversarial output, one logit per class (the auxiliary classifier).
  const outputs = ctx.conditional === 'acgan' ? 1 + ctx.classes : 1;
  layers.push(linear(ctx, features + (ctx.minibatchStd ? 1 : 0), outputs, 'D/out', sn));
  return network(layers);
}

/** Rows [n, h·w·c + K] (an image, then its one-hot label) → [n, h, w, c + K]: the label as K constant planes. */
function imageWithLabelPlanes(height: number, width: number, channels: number, classes: number): Layer {
  return fn((x) => {
    const pixels = height * width * channels;
    const image = tf.reshape(tf.slice(x, [0, 0], [-1, pixels]), [-1, height, width, channels]);
    const label = tf.reshape(tf.slice(x, [0, pixels], [-1, classes]), [-1, 1, 1, classes]);
    return tf.concat([image, tf.tile(label, [1, height, width, 1])], 3);
  });
}

/**
 * The auto-encoder D of the energy-based variants (EBGAN, BEGAN): an encoder
 * like D above down to a code of ctx.hidden numbers, and a decoder like G back
 * to the image. The trainer scores an image by its reconstruction error.
 */
function buildAutoencoder(ctx: ModelContext): Module {
  const img = ctx.image!;
  const s = startSide(ctx);
  const layers: Layer[] = [toImages(img.height, img.width, img.channels)];
  let channels: number = img.channels;
  for (let i = 0; i < ctx.depth; i++) {
    const out = channelsAt(ctx, ctx.depth - 1 - i);
    layers.push(conv2d(ctx, channels, out, `D/enc${i}`, { kernel: 5, stride: 2 }), activation(leakyRelu(0.2)));
    channels = out;
  }
  const codeDim = ctx.hidden;
  layers.push(flatten, linear(ctx, s.height * s.width * channels, codeDim, 'D/code'));
  const encoderLength = layers.length;
  layers.push(linear(ctx, codeDim, s.height * s.width * channels, 'D/decode'), toImages(s.height, s.width, channels), activation(relu));
  for (let i = 0; i < ctx.depth; i++) {
    const last = i === ctx.depth - 1;
    const out = last ? img.channels : channelsAt(ctx, i + 1);
    layers.push(conv2dTranspose(ctx, channelsAt(ctx, i), out, `D/dec${i}`, { kernel: 5, stride: 2 }));
    if (!last) layers.push(activation(relu));
  }
  layers.push(activation(tanh), flatten);
  const net = network(layers);
  const encoder = network(layers.slice(0, encoderLength));
  // The code of x: EBGAN's pull-away term spreads out the codes of generated images.
  return { ...net, encode: (x) => encoder.apply(x) };
}
