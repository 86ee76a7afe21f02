/**
 * The variant catalogue: what each GAN variant is, as data. No tensors here —
 * this module is imported by the extension (scaffolding, pickers), the webview
 * (what to draw) and the trainer (defaults). The trainer pairs each id with
 * its loss/regularizer functions in src/trainer/variants.
 */

export type VariantGroup = 'classic' | 'wasserstein' | 'energy' | 'f-divergence' | 'regularizer';

/** Names of variant options that a config may set under `options`. */
export type OptionName = 'gpWeight' | 'gpOneSided';

export interface OptimizerDefaults {
  readonly kind: 'adam' | 'rmsprop';
  readonly lrD: number;
  readonly lrG: number;
  readonly beta1: number;
  readonly beta2: number;
}

export interface VariantInfo {
  readonly id: string;
  readonly title: string;
  readonly group: VariantGroup;
  readonly description: string;
  /** The paper the defaults come from. */
  readonly paper: string;
  /** Critic (unbounded score) or discriminator (logit of a probability). */
  readonly output: 'logit' | 'critic';
  readonly optimizer: OptimizerDefaults;
  readonly nCritic: number;
  /** Options this variant reads, with their defaults. Others are rejected. */
  readonly options: Partial<Record<OptionName, number | boolean>>;
}

export const VARIANTS = [
  {
    id: 'gan-ns',
    title: 'GAN (non-saturating)',
    group: 'classic',
    description: 'Goodfellow et al.\'s GAN with the generator maximising log D(G(z)): strong gradients early in training.',
    paper: 'Goodfellow et al., Generative Adversarial Nets, NeurIPS 2014',
    output: 'logit',
    optimizer: { kind: 'adam', lrD: 2e-4, lrG: 2e-4, beta1: 0.5, beta2: 0.999 },
    nCritic: 1,
    options: {},
  },
  {
    id: 'gan-minimax',
    title: 'GAN (minimax)',
    group: 'classic',
    description: 'The original minimax game: the generator minimises log(1 − D(G(z))), which saturates when D wins.',
    paper: 'Goodfellow et al., Generative Adversarial Nets, NeurIPS 2014',
    output: 'logit',
    optimizer: { kind: 'adam', lrD: 2e-4, lrG: 2e-4, beta1: 0.5, beta2: 0.999 },
    nCritic: 1,
    options: {},
  },
  {
    id: 'wgan-gp',
    title: 'WGAN-GP',
    group: 'wasserstein',
    description: 'Wasserstein critic with a gradient penalty on random interpolates between real and generated samples.',
    paper: 'Gulrajani et al., Improved Training of Wasserstein GANs, NeurIPS 2017',
    output: 'critic',
    optimizer: { kind: 'adam', lrD: 1e-4, lrG: 1e-4, beta1: 0, beta2: 0.9 },
    nCritic: 5,
    options: { gpWeight: 10, gpOneSided: false },
  },
] as const satisfies readonly VariantInfo[];

export type VariantId = (typeof VARIANTS)[number]['id'];

export const VARIANT_IDS = VARIANTS.map((v) => v.id) as [VariantId, ...VariantId[]];

export function variantInfo(id: VariantId): VariantInfo {
  const v = VARIANTS.find((x) => x.id === id);
  if (!v) throw new Error(`unknown variant '${id}'`);
  return v;
}
