/**
 * One metrics record per logged step: the line format of metrics.jsonl, the
 * payload of `metrics` messages, and the input of the training doctor.
 * Values are numbers; a non-finite value is stored as null (JSON has no NaN).
 */
import { z } from 'zod';
import type { DiscriminatorOutput } from './variants';

export const MetricRecordSchema = z
  .object({
    step: z.number().int().min(0),
    /** Seconds since the run first started (monotonic across resumes). */
    time: z.number().min(0),
  })
  .catchall(z.number().nullable());

export type MetricRecord = { step: number; time: number } & { [key: string]: number | null };

/** The dashboard's charts, in display order. */
export const CHARTS = ['losses', 'distance', 'gradients', 'outputs', 'quality', 'images', 'speed'] as const;
export type ChartId = (typeof CHARTS)[number];

export interface MetricInfo {
  readonly key: string;
  readonly label: string;
  /** Which chart of the dashboard draws it. */
  readonly chart: ChartId;
  readonly description: string;
  /** A label for the runs whose discriminator gives this kind of output, where `label` would mislead. */
  readonly labelByOutput?: Partial<Record<DiscriminatorOutput, string>>;
}

/** Metrics every variant reports. Variants may add more (drawn on their chart). */
export const METRICS: readonly MetricInfo[] = [
  { key: 'lossD', label: 'D loss', chart: 'losses', description: 'Discriminator (critic) loss, including penalties.' },
  { key: 'lossG', label: 'G loss', chart: 'losses', description: 'Generator loss.' },
  { key: 'gp', label: 'gradient penalty', chart: 'losses', description: 'Gradient penalty term before its weight.' },
  {
    key: 'classLossD',
    label: 'ACGAN class loss (D)',
    chart: 'losses',
    description: "ACGAN: cross-entropy of D's class head on real and generated images (summed), part of the D loss.",
  },
  { key: 'classLossG', label: 'ACGAN class loss (G)', chart: 'losses', description: "ACGAN: cross-entropy of D's class head on G's images against the labels G was given, part of the G loss." },
  {
    key: 'wEstimate',
    label: 'critic W estimate',
    // A logit D is no Lipschitz critic: the same difference is how far apart it places real and generated samples.
    labelByOutput: { logit: 'logit gap' },
    chart: 'distance',
    description:
      'E[D(x)] − E[D(G(z))] on the raw critic/logit outputs: the Wasserstein estimate of a Lipschitz critic; for a logit D (charted as "logit gap") how far apart D places real and generated samples, not a distance (not reported for auto-encoder discriminators).',
  },
  {
    key: 'swd',
    label: 'sliced Wasserstein',
    chart: 'distance',
    description: 'Sliced Wasserstein-1 distance between real and generated samples (critic-free, comparable across variants).',
  },
  {
    key: 'fDivergence',
    label: 'f-divergence estimate',
    chart: 'distance',
    description: 'f-GAN: the variational estimate E[T(x)] − E[f*(T(G(z)))] of the chosen f-divergence (a lower bound of it).',
  },
  {
    key: 'mGlobal',
    label: 'BEGAN M_global',
    chart: 'distance',
    description: 'BEGAN convergence measure L(x) + |γ·L(x) − L(G(z))| on the last discriminator batch: falls as training converges.',
  },
  { key: 'gradNormD', label: '‖∇D‖', chart: 'gradients', description: 'Global L2 norm of the discriminator gradient.' },
  { key: 'gradNormG', label: '‖∇G‖', chart: 'gradients', description: 'Global L2 norm of the generator gradient.' },
  {
    key: 'clipShare',
    label: 'weights at ±c',
    chart: 'gradients',
    description: 'WGAN weight clipping: share of critic weights sitting at the clipping bound after the last critic update.',
  },
  {
    key: 'critGradNorm',
    label: '‖∇ₓD‖ on interpolates',
    chart: 'gradients',
    description: 'Critic variants: mean gradient norm of the critic on points between real and generated samples; 1 for a 1-Lipschitz critic (WGAN-GP\'s target).',
  },
  {
    key: 'critGradMax',
    label: 'max ‖∇ₓD‖',
    chart: 'gradients',
    description: 'Critic variants: the largest of those gradient norms (the critic\'s Lipschitz constant is at least this).',
  },
  {
    key: 'updateRatioD',
    label: 'D step ‖Δθ‖/‖θ‖',
    chart: 'gradients',
    description: 'Relative size of the last discriminator update: about 1e-3 in healthy training; near 1e-1 the steps are as large as the weights.',
  },
  {
    key: 'updateRatioG',
    label: 'G step ‖Δθ‖/‖θ‖',
    chart: 'gradients',
    description: 'Relative size of the last generator update.',
  },
  {
    key: 'dReal',
    label: 'D(x)',
    chart: 'outputs',
    description: 'Mean discriminator output on real data (probability for logit variants; reconstruction energy, lower = more data-like, for auto-encoder variants).',
  },
  { key: 'dFake', label: 'D(G(z))', chart: 'outputs', description: 'Mean discriminator output on generated data.' },
  {
    key: 'kT',
    label: 'BEGAN k_t',
    chart: 'outputs',
    description: 'BEGAN equilibrium variable k_t ∈ [0, 1]: how hard D pushes up the energy of generated samples; it rises while E[L(G(z))] < γ·E[L(x)].',
  },
  {
    key: 'modesCovered',
    label: 'modes covered',
    chart: 'quality',
    description: 'Data modes with at least one generated sample: within 3σ of the centre (toy mixtures), or, on Stacked MNIST, digit triples (of 1,000) that the project classifier finds among logging.modeSamples generated images.',
  },
  {
    key: 'hqPercent',
    label: 'high-quality %',
    chart: 'quality',
    description: 'Percent of generated samples within 3σ of their nearest mode centre (toy mixtures).',
  },
  {
    key: 'modeKL',
    label: 'KL(modes ‖ uniform)',
    chart: 'quality',
    description: 'Stacked MNIST: KL divergence (nats) of the generated digit-triple histogram to the uniform one over 1,000 modes; 0 = every mode equally often (PacGAN reports 0.06 for PacDCGAN2).',
  },
  {
    key: 'diversity',
    label: 'diversity %',
    chart: 'quality',
    description: 'Mean pairwise distance of generated samples as a percentage of the real samples\' (100 = as spread out as the data; a collapsed generator falls to a few percent). Needs nothing known about the data.',
  },
  {
    key: 'fd',
    label: 'Fréchet distance (MNIST classifier)',
    chart: 'images',
    description:
      "Fréchet distance between generated and MNIST test images in the 128 features of this project's own MNIST classifier (assets/mnist-classifier). Not the Inception FID: compare it only with runs measured the same way. Lower is better.",
  },
  {
    key: 'kid',
    label: 'KID (MNIST classifier)',
    chart: 'images',
    description: 'Kernel distance (unbiased MMD² with a cubic kernel, mean of 10 subsets) in the same classifier features; like FID, but unbiased at small sample sizes. Lower is better.',
  },
  {
    key: 'precision',
    label: 'precision',
    chart: 'images',
    description: 'Improved precision (k = 3) in the classifier features: the share of generated images that land near some real image. Low = unrealistic samples.',
  },
  {
    key: 'recall',
    label: 'recall',
    chart: 'images',
    description: 'Improved recall (k = 3): the share of real images that some generated image lands near. Low = missing modes (collapse).',
  },
  {
    key: 'classAccuracy',
    label: 'class accuracy',
    chart: 'images',
    description: 'Class-conditional MNIST runs: the share of generated images that the project classifier reads as the digit they were generated for (1 = G always follows the label).',
  },
  {
    key: 'pairAgreement',
    label: 'pair agreement (κ)',
    chart: 'images',
    description: "CoGAN on coupled MNIST: Cohen's κ between the digits the project classifier reads in the two halves of each generated pair (the right half inverted back): 1 = one z always gives the same digit in both domains, 0 = no better than chance (or every image the same digit). The domains were never paired in the data, so agreement comes from the shared weights alone.",
  },
  {
    key: 'msSwd',
    label: 'multi-scale SWD ×10³',
    chart: 'images',
    description: "ProGAN's sliced Wasserstein distance between 7×7 patches of the Laplacian pyramids of 256 real and 256 generated images, averaged over the levels, ×1000. Needs no pretrained network, so it works on any images. Lower is better.",
  },
  { key: 'stepsPerSec', label: 'steps/s', chart: 'speed', description: 'Generator steps per second.' },
];

/** A snapshot of 2-D samples plus the discriminator's output on a grid behind them. */
export const ToySnapshotSchema = z.object({
  kind: z.literal('toy2d'),
  step: z.number().int().min(0),
  real: z.array(z.tuple([z.number(), z.number()])),
  fake: z.array(z.tuple([z.number(), z.number()])),
  /** Square extent [-r, r]² of the heatmap. */
  extent: z.number().positive(),
  /** Row-major size×size discriminator outputs (probabilities, critic values, or minus the energy of an auto-encoder D): higher = more data-like. */
  heatmap: z.object({ size: z.number().int().positive(), values: z.array(z.number()) }),
  /** Modes covered by `fake`, where the data has modes. */
  modes: z.object({ covered: z.number().int().min(0), total: z.number().int().positive() }).optional(),
});
export type ToySnapshot = z.infer<typeof ToySnapshotSchema>;

/** Limits of an image grid (a snapshot file stays well under a few MB). */
export const MAX_GRID_CELLS = 32;
export const MAX_IMAGE_SIDE = 256;

/** Bytes a grid's pixels decode to: (rows·height) × (cols·width) × channels. */
export function gridBytes(g: { rows: number; cols: number; height: number; width: number; channels: number }): number {
  return g.rows * g.height * g.cols * g.width * g.channels;
}

/** Length of the base64 text of n bytes (with '=' padding). */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

/**
 * Images tiled into one picture: rows × cols cells of height × width pixels,
 * `pixels` the base64 of its 8-bit values, row-major over the whole picture
 * ((rows·height) × (cols·width) × channels, channels interleaved). One tiled
 * picture is what the PNG in the run folder holds and what a canvas draws;
 * a cell is cut out of it for the enlarged view.
 */
export const ImageGridSchema = z
  .object({
    rows: z.number().int().min(1).max(MAX_GRID_CELLS),
    cols: z.number().int().min(1).max(MAX_GRID_CELLS),
    height: z.number().int().min(1).max(MAX_IMAGE_SIDE),
    width: z.number().int().min(1).max(MAX_IMAGE_SIDE),
    channels: z.union([z.literal(1), z.literal(3)]),
    pixels: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
    /** Optional label per row (a class name for conditional models, a z dimension for sweeps). */
    rowLabels: z.array(z.string().max(64)).max(MAX_GRID_CELLS).optional(),
    /** Optional label per column (the value of a swept z dimension). */
    colLabels: z.array(z.string().max(64)).max(MAX_GRID_CELLS).optional(),
  })
  .refine((g) => g.pixels.length === base64Length(gridBytes(g)), {
    message: 'pixels must hold (rows·height) × (cols·width) × channels bytes',
    path: ['pixels'],
  });
export type ImageGrid = z.infer<typeof ImageGridSchema>;

/**
 * A snapshot of an image model: generated images for a fixed set of z vectors
 * (the same cells at every step, so they can be compared over training), real
 * images beside them, and two views of the latent space computed at the same
 * step: the straight lines between pairs of z vectors, and sweeps of single z
 * dimensions around one z.
 */
export const ImageSnapshotSchema = z.object({
  kind: z.literal('images'),
  step: z.number().int().min(0),
  fake: ImageGridSchema,
  real: ImageGridSchema,
  /** One row per pair of z vectors (za, zb): cells at za + t·(zb − za), t from 0 to 1. */
  interpolation: ImageGridSchema.optional(),
  /** One row per z dimension (rowLabels 'z[3]'): the first z with that dimension set to each column's value (colLabels). */
  sweeps: ImageGridSchema.optional(),
  /** File name of the fake grid's PNG in the samples folder. */
  png: z.string().regex(/^step-\d{8}\.png$/).optional(),
});
export type ImageSnapshot = z.infer<typeof ImageSnapshotSchema>;

export const SnapshotSchema = z.discriminatedUnion('kind', [ToySnapshotSchema, ImageSnapshotSchema]);
export type Snapshot = z.infer<typeof SnapshotSchema>;
