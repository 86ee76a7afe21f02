/**
 * The variant catalogue: what each GAN variant is, as data. No tensors here —
 * this module is imported by the extension (scaffolding, pickers), the webview
 * (what to draw) and the trainer (defaults). The trainer pairs each id with
 * its loss/regularizer functions in src/trainer/variants.
 */

export type VariantGroup = 'classic' | 'wasserstein' | 'energy' | 'f-divergence' | 'regularizer';

/** Names of variant options that a config may set under `options`. */
export type OptionName =
  | 'gpWeight'
  | 'gpOneSided'
  | 'lsganA'
  | 'lsganB'
  | 'lsganC'
  | 'clipValue'
  | 'r1Gamma'
  | 'penaltyOn'
  | 'divergence'
  | 'unrollSteps'
  | 'swProjections'
  | 'swDirections'
  | 'ebganMargin'
  | 'pullAwayWeight'
  | 'beganGamma'
  | 'beganLambdaK'
  | 'beganEta';

/** Where R1 / R2 evaluate their zero-centred penalty: real data (R1), generated data (R2) or both. */
export const PENALTY_TARGETS = ['real', 'fake', 'both'] as const;
export type PenaltyTarget = (typeof PENALTY_TARGETS)[number];

/**
 * The f-divergences of f-GAN (Nowozin et al. 2016, Tables 1 and 6), each
 * D_f(P‖Q) = ∫ q(x) f(p(x)/q(x)) dx with P the data and Q the generator.
 */
export const F_DIVERGENCES = ['tv', 'kl', 'rkl', 'pearson', 'neyman', 'hellinger', 'jeffrey', 'js', 'gan'] as const;
export type FDivergence = (typeof F_DIVERGENCES)[number];

export const F_DIVERGENCE_TITLES: Record<FDivergence, string> = {
  tv: 'total variation',
  kl: 'Kullback-Leibler',
  rkl: 'reverse Kullback-Leibler',
  pearson: 'Pearson χ²',
  neyman: 'Neyman χ²',
  hellinger: 'squared Hellinger',
  jeffrey: 'Jeffrey',
  js: 'Jensen-Shannon',
  gan: 'GAN',
};

/**
 * Where the sliced Wasserstein generator draws its projections: 'random' unit
 * directions in data space, or random directions in the feature space of a
 * discriminator trained alongside ('learned': the features are learned).
 */
export const SW_PROJECTIONS = ['random', 'learned'] as const;
export type SwProjections = (typeof SW_PROJECTIONS)[number];
/** See VariantInfo.output. */
export type DiscriminatorOutput = 'logit' | 'critic' | 'autoencoder';

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
  /**
   * What D returns per sample: a logit of a probability, an unbounded critic
   * score, or (energy-based variants) an auto-encoder's reconstruction of its
   * input, which the variant turns into an energy (its reconstruction error).
   */
  readonly output: DiscriminatorOutput;
  readonly optimizer: OptimizerDefaults;
  readonly nCritic: number;
  /** Options this variant reads, with their defaults. Others are rejected. */
  readonly options: Partial<Record<OptionName, number | boolean | string>>;
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
  {
    id: 'lsgan',
    title: 'LSGAN',
    group: 'classic',
    description:
      'Least squares GAN: D regresses real data to b and generated data to a, G pulls D(G(z)) to c, on the raw score. ' +
      'Labels a/b/c = 0/1/1 by default; the paper\'s Pearson χ² setting is −1/1/0.',
    paper: 'Mao et al., Least Squares Generative Adversarial Networks, ICCV 2017',
    output: 'critic',
    optimizer: { kind: 'adam', lrD: 2e-4, lrG: 2e-4, beta1: 0.5, beta2: 0.999 },
    nCritic: 1,
    options: { lsganA: 0, lsganB: 1, lsganC: 1 },
  },
  {
    id: 'wgan-clip',
    title: 'WGAN (weight clipping)',
    group: 'wasserstein',
    description: 'The original Wasserstein GAN: a critic kept Lipschitz by clipping every weight to [−c, c] after each critic update.',
    paper: 'Arjovsky et al., Wasserstein GAN, ICML 2017',
    output: 'critic',
    optimizer: { kind: 'rmsprop', lrD: 5e-5, lrG: 5e-5, beta1: 0.9, beta2: 0.999 },
    nCritic: 5,
    options: { clipValue: 0.01 },
  },
  {
    id: 'hinge',
    title: 'Hinge loss GAN',
    group: 'classic',
    description: 'Hinge loss: D minimises E[relu(1 − D(x))] + E[relu(1 + D(G(z)))], G minimises −E[D(G(z))]; the loss of SNGAN and BigGAN.',
    paper: 'Lim & Ye, Geometric GAN, 2017 (with the SNGAN settings of Miyato et al., ICLR 2018)',
    output: 'critic',
    optimizer: { kind: 'adam', lrD: 2e-4, lrG: 2e-4, beta1: 0.5, beta2: 0.999 },
    nCritic: 1,
    options: {},
  },
  {
    id: 'dragan',
    title: 'DRAGAN',
    group: 'regularizer',
    description: 'GAN loss plus λ·E[(‖∇D(x + δ)‖ − 1)²] on real samples perturbed by δ = 0.5·std(x)·U[0, 1]: no sharp gradients around the data.',
    paper: 'Kodali et al., On Convergence and Stability of GANs, 2017',
    output: 'logit',
    optimizer: { kind: 'adam', lrD: 1e-4, lrG: 1e-4, beta1: 0.5, beta2: 0.9 },
    nCritic: 1,
    options: { gpWeight: 10 },
  },
  {
    id: 'r1',
    title: 'R1 / R2 zero-centred penalty',
    group: 'regularizer',
    description: 'Non-saturating GAN plus γ/2·E‖∇D‖² on real data (R1), on generated data (R2) or both: locally convergent training.',
    paper: 'Mescheder et al., Which Training Methods for GANs do actually Converge?, ICML 2018',
    output: 'logit',
    optimizer: { kind: 'adam', lrD: 1e-4, lrG: 1e-4, beta1: 0, beta2: 0.99 },
    nCritic: 1,
    options: { r1Gamma: 10, penaltyOn: 'real' },
  },
  {
    id: 'f-gan',
    title: 'f-GAN',
    group: 'f-divergence',
    description:
      'Variational f-divergence minimisation: total variation, KL, reverse KL, Pearson/Neyman χ², squared Hellinger, Jeffrey, ' +
      'Jensen-Shannon or GAN, each with its output activation and conjugate; the dashboard plots the divergence estimate.',
    paper: 'Nowozin, Cseke & Tomioka, f-GAN: Training Generative Neural Samplers using Variational Divergence Minimization, NeurIPS 2016',
    output: 'critic',
    optimizer: { kind: 'adam', lrD: 2e-4, lrG: 2e-4, beta1: 0.5, beta2: 0.999 },
    nCritic: 1,
    options: { divergence: 'js' },
  },
  {
    id: 'unrolled',
    title: 'Unrolled GAN',
    group: 'classic',
    description:
      'G minimises the minimax value −L_D(θ_D^K) of a surrogate D obtained by K differentiable steps of D\'s own optimizer ' +
      '(Adam with its current moments, or RMSProp) on the same batch; gradients flow through the K steps. ' +
      'The real D updates normally. K = 0 is the minimax GAN. Defaults: the authors\' toy-data notebook (K = 5, Adam, lr D 1e-4, G 1e-3, β1 0.5).',
    paper: 'Metz, Poole, Pfau & Sohl-Dickstein, Unrolled Generative Adversarial Networks, ICLR 2017',
    output: 'logit',
    optimizer: { kind: 'adam', lrD: 1e-4, lrG: 1e-3, beta1: 0.5, beta2: 0.999 },
    nCritic: 1,
    options: { unrollSteps: 5 },
  },
  {
    id: 'swg',
    title: 'Sliced Wasserstein generator',
    group: 'wasserstein',
    description:
      'G minimises the sliced Wasserstein-2² distance between a real and a generated batch (project on unit directions, sort, ' +
      'mean squared difference), with fresh directions every step. Projections \'random\': directions in data space. ' +
      '\'learned\': directions in the feature space of D\'s last hidden layer, D trained as a GAN discriminator, so the ' +
      'projections θᵀφ(x) are learned (the paper\'s discriminator variant). With \'random\' D still trains, for the dashboard\'s view, but G ignores it.',
    paper: 'Deshpande, Zhang & Schwing, Generative Modeling using the Sliced Wasserstein Distance, CVPR 2018',
    output: 'logit',
    optimizer: { kind: 'adam', lrD: 1e-4, lrG: 1e-4, beta1: 0.5, beta2: 0.999 },
    nCritic: 1,
    options: { swProjections: 'learned', swDirections: 1000 },
  },
  {
    id: 'ebgan',
    title: 'EBGAN',
    group: 'energy',
    description:
      'Energy-based GAN: D is an auto-encoder whose energy D(x) is its mean squared reconstruction error; D minimises ' +
      'E[D(x)] + E[max(0, m − D(G(z)))], G minimises E[D(G(z))], optionally plus λ_PT times the pull-away term, the mean squared ' +
      'cosine similarity between the encoder codes of the generated batch (pullAwayWeight 0 turns it off).',
    // λ_PT = 0.1 is the paper's EBGAN-PT weight. The margin m is scale-dependent (the paper grid-searches it per image
    // data set); m = 1 suits 2-D toy data, whose energies start around 1–4 and fall below 0.1 on the data.
    paper: 'Zhao, Mathieu & LeCun, Energy-based Generative Adversarial Network, ICLR 2017',
    output: 'autoencoder',
    optimizer: { kind: 'adam', lrD: 2e-4, lrG: 2e-4, beta1: 0.5, beta2: 0.999 },
    nCritic: 1,
    options: { ebganMargin: 1, pullAwayWeight: 0 },
  },
  {
    id: 'began',
    title: 'BEGAN',
    group: 'energy',
    description:
      'Boundary equilibrium GAN: D is an auto-encoder with loss L(v) = |v − AE(v)|^η; D minimises L(x) − k_t·L(G(z)), ' +
      'G minimises L(G(z)), and k_(t+1) = clip(k_t + λ_k(γ·L(x) − L(G(z))), 0, 1) from k_0 = 0 keeps E[L(G(z))] = γ·E[L(x)]. ' +
      'The dashboard plots k_t and the convergence measure M_global = L(x) + |γ·L(x) − L(G(z))|. ' +
      'Made for images: on 2-D toy data its auto-encoder reconstructs generated points as well as real ones, k_t stays at 0 and G collapses onto one or two modes (measured on 8 Gaussians over about 70 settings).',
    // γ = 0.5, λ_k = 0.001, k_0 = 0 and Adam (β1 0.5) at 1e-4 are the paper's settings (γ explored over 0.3–0.7);
    // η ∈ {1, 2} with η = 1 (L1) as in the paper's experiments.
    paper: 'Berthelot, Schumm & Metz, BEGAN: Boundary Equilibrium Generative Adversarial Networks, 2017',
    output: 'autoencoder',
    optimizer: { kind: 'adam', lrD: 1e-4, lrG: 1e-4, beta1: 0.5, beta2: 0.999 },
    nCritic: 1,
    options: { beganGamma: 0.5, beganLambdaK: 0.001, beganEta: 1 },
  },
] as const satisfies readonly VariantInfo[];

export type VariantId = (typeof VARIANTS)[number]['id'];

export const VARIANT_IDS = VARIANTS.map((v) => v.id) as [VariantId, ...VariantId[]];

export function variantInfo(id: VariantId): VariantInfo {
  const v = VARIANTS.find((x) => x.id === id);
  if (!v) throw new Error(`unknown variant '${id}'`);
  return v;
}
