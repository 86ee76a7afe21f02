/**
 * Coupled GAN (CoGAN, Liu & Tuzel 2016) for {{variantTitle}}: two generators
 * and two discriminators, one per domain, that share weights.
 *
{{variantAbout}}
 *
 * The data (data.kind "coupled-mnist") puts an MNIST digit and an unrelated,
 * colour-inverted digit side by side in one 28 × 56 image: the two domains,
 * never paired. The generators share their first layers (what to draw) and
 * differ in the last (how each domain renders it); the discriminators differ
 * in their first layer and share the rest. Nothing in the data says which
 * digit goes with which: if training works, one z gives the same digit in
 * both halves, normal on the left and inverted on the right. The dashboard's
 * image metrics count how often (pairAgreement).
 *
 * Both networks are written as two streams over one sample, so the trainer
 * (and every loss and penalty of the variant library) sees one G and one D:
 * G returns the pair as one image; D returns two scores per sample [n, 2],
 * one per domain, which the losses average.
 *
 * Hyper-parameters (gan.config.json "model"; read from ctx):
 *   model.latentDim = {{latentDim}}: size of z, shared by both domains (ctx.latentDim).
 *   model.depth = {{depth}}: resolution doublings of each stream (28 → 2).
 *   model.hidden = {{hidden}}: channels at the image end, doubling per halving (ctx.hidden).
 *
 * Training hyper-parameters (gan.config.json, the variant's defaults):
{{hyperParameters}}
 */
import * as tf from '@tensorflow/tfjs';
import {
  activation, batchNorm, conv2d, conv2dTranspose, flatten, leakyRelu, linear, network, relu, tanh, toImages,
  type Layer, type Module, type ModelContext,
} from 'gan-workbench';

type Net = ReturnType<typeof network>;

/** One domain's half of the image: each half is ctx.image.width / 2 wide. */
function domainSide(ctx: ModelContext): { height: number; width: number; start: { height: number; width: number } } {
  const img = ctx.image;
  if (!img || img.width !== 2 * img.height) throw new Error('this model.ts is for CoGAN pairs: data.kind "coupled-mnist" (two 28 × 28 domains side by side)');
  if (ctx.output === 'autoencoder') throw new Error('CoGAN pairs with an auto-encoder discriminator are not written here: pick a variant with a logit or critic D');
  if (ctx.packing !== 1) throw new Error('model.packing is not supported by the CoGAN model.ts: set it to 1');
  const f = 2 ** ctx.depth;
  if (img.height % f) throw new Error(`model.depth ${ctx.depth}: ${img.height} is not a multiple of ${f}; use model.depth 2 for 28 × 28`);
  return { height: img.height, width: img.height, start: { height: img.height / f, width: img.height / f } };
}

const channelsAt = (ctx: ModelContext, i: number) => ctx.hidden * 2 ** (ctx.depth - 1 - i);

/** A Module over several networks whose parameters are concatenated in order (so applyWith can hand each its own). */
function streams(nets: Net[], forward: (run: (net: number, x: tf.Tensor) => tf.Tensor, x: tf.Tensor2D) => tf.Tensor2D): Module {
  const counts = nets.map((n) => n.variables.length);
  const offsets = counts.map((_, i) => counts.slice(0, i).reduce((a, b) => a + b, 0));
  return {
    variables: nets.flatMap((n) => n.variables),
    stateVariables: nets.flatMap((n) => n.stateVariables ?? []),
    afterUpdate: () => nets.forEach((n) => n.afterUpdate?.()),
    apply: (x) => forward((i, t) => nets[i].apply(t as tf.Tensor2D), x),
    applyWith: (x, params) => forward((i, t) => nets[i].applyWith!(t as tf.Tensor2D, params.slice(offsets[i], offsets[i] + counts[i])), x),
  };
}

/** G: a shared trunk from z to the last hidden feature map, then one transposed convolution per domain. */
export function buildGenerator(ctx: ModelContext): Module {
  const side = domainSide(ctx);
  const c0 = channelsAt(ctx, 0);
  const trunk: Layer[] = [
    linear(ctx, ctx.latentDim, side.start.height * side.start.width * c0, 'G/shared/project', { noBias: true }),
    toImages(side.start.height, side.start.width, c0),
    batchNorm(c0, 'G/shared/bn0'),
    activation(relu),
  ];
  for (let i = 0; i < ctx.depth - 1; i++) {
    trunk.push(conv2dTranspose(ctx, channelsAt(ctx, i), channelsAt(ctx, i + 1), `G/shared/up${i}`, { noBias: true }), batchNorm(channelsAt(ctx, i + 1), `G/shared/bn${i + 1}`), activation(relu));
  }
  const last = channelsAt(ctx, ctx.depth - 1);
  const head = (d: number) => network([conv2dTranspose(ctx, last, 1, `G/domain${d}/up${ctx.depth - 1}`), activation(tanh)]);
  // Domain 1 on the left, domain 2 on the right: one image of the pair per row.
  return streams([network(trunk), head(1), head(2)], (run, z) => {
    const h = run(0, z);
    const pair = tf.concat([run(1, h), run(2, h)], 2);
    return tf.reshape(pair, [pair.shape[0], -1]) as tf.Tensor2D;
  });
}

/**
 * D: one first convolution per domain, the rest shared; a score per domain.
 * For {{variantTitle}} it is {{outputKind}}, one per domain (no sigmoid
 * here: the loss applies one where the variant needs it). Batch norm follows
 * the shared convolutions for logit variants only, as in the DCGAN template.
 */
export function buildDiscriminator(ctx: ModelContext): Module {
  const side = domainSide(ctx);
  const sn = { spectralNorm: ctx.spectralNorm };
  const first = (d: number) => network([conv2d(ctx, 1, channelsAt(ctx, ctx.depth - 1), `D/domain${d}/down0`, { kernel: 5, stride: 2, ...sn }), activation(leakyRelu(0.2))]);
  const rest: Layer[] = [];
  let channels = channelsAt(ctx, ctx.depth - 1);
  for (let i = 1; i < ctx.depth; i++) {
    const out = channelsAt(ctx, ctx.depth - 1 - i);
    const normed = ctx.output === 'logit';
    rest.push(conv2d(ctx, channels, out, `D/shared/down${i}`, { kernel: 5, stride: 2, noBias: normed, ...sn }));
    if (normed) rest.push(batchNorm(out, `D/shared/bn${i}`));
    rest.push(activation(leakyRelu(0.2)));
    channels = out;
  }
  rest.push(flatten, linear(ctx, side.start.height * side.start.width * channels, 1, 'D/shared/out', sn));
  const [first1, first2, tail] = [first(1), first(2), network(rest)];
  const halves = (x: tf.Tensor2D) => {
    const img = tf.reshape(x, [-1, side.height, 2 * side.width, 1]);
    return [tf.slice(img, [0, 0, 0, 0], [-1, -1, side.width, -1]), tf.slice(img, [0, 0, side.width, 0], [-1, -1, side.width, -1])];
  };
  const D = streams([first1, first2, tail], (run, x) => {
    const [left, right] = halves(x);
    return tf.concat([run(2, run(0, left)), run(2, run(1, right))], 1) as tf.Tensor2D;
  });
  return {
    ...D,
    // Both domains' last hidden activations side by side (the sliced Wasserstein generator's learned projections live here).
    features: (x: tf.Tensor2D) => {
      const [left, right] = halves(x);
      return tf.concat([tail.features!(first1.apply(left as tf.Tensor2D)), tail.features!(first2.apply(right as tf.Tensor2D))], 1) as tf.Tensor2D;
    },
  };
}
