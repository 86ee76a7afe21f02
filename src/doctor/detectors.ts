/**
 * The training doctor: failure-mode detectors as declarative records over the
 * metric records the dashboard draws. Pure functions of the records and a
 * small context — no I/O, no tensors — so they run live on the stream and
 * again on any finished run's folder, and are tested on synthetic streams.
 */
import { resolveConfig, type GanConfigInput, type ResolvedConfig } from '../protocol/config';
import type { MetricRecord } from '../protocol/metrics';
import { variantInfo, type DiscriminatorOutput, type VariantId } from '../protocol/variants';
import { TOY_SETTINGS, toySettingsFor } from '../protocol/toySettings';

export type Severity = 'info' | 'warning' | 'serious';

export interface DoctorContext {
  /** The run's resolved config: fixes are computed from it. */
  readonly config: ResolvedConfig;
  /** 'logit' variants output probabilities through a sigmoid; 'critic' ones a score; 'autoencoder' ones an energy. */
  readonly output: DiscriminatorOutput;
  /** Modes of the data where known (8 or 25 for the toy mixtures). */
  readonly dataModes?: number;
  /** Total generator steps planned, to judge "early". */
  readonly totalSteps: number;
  /**
   * How the run ended, when it ended badly: a run the trainer stopped as
   * `diverged` names the first non-finite quantity in `error`, and that is
   * evidence no metric record carries (the update was never applied).
   */
  readonly ended?: { readonly state: 'diverged'; readonly step: number; readonly error: string };
}

export interface Evidence {
  /** The metric the finding rests on (a key of METRICS). */
  readonly metric: string;
  readonly fromStep: number;
  readonly toStep: number;
  /** What was seen, with numbers. */
  readonly seen: string;
  /** The measured quantity behind `seen`, where a fix is sized from it (e.g. the relative step size). */
  readonly value?: number;
}

/** A config change that addresses the finding, in order of likely effect. */
export interface Fix {
  readonly label: string;
  /** Partial gan.config.json to merge into the run's config. */
  readonly patch: Record<string, unknown>;
}

export interface Finding {
  readonly detector: string;
  readonly title: string;
  readonly severity: Severity;
  readonly evidence: Evidence;
  readonly why: string;
  readonly fixes: readonly Fix[];
}

export interface Detector {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** Records looked at (the most recent ones). */
  readonly window: number;
  /** One sentence: why this matters. */
  readonly why: string;
  /** Fixes for this run's config and what was seen, in order of likely effect (each a valid config change). */
  fixes(cfg: ResolvedConfig, seen: { readonly metric: string; readonly value?: number }): Fix[];
  applies(ctx: DoctorContext): boolean;
  /** What was seen over the window, or undefined when the pattern is absent. */
  detect(recent: readonly MetricRecord[], all: readonly MetricRecord[], ctx: DoctorContext): Omit<Evidence, 'fromStep' | 'toStep'> | undefined;
}

// ---- small statistics over a series (nulls = non-finite values) ----------
export function values(rs: readonly MetricRecord[], key: string): number[] {
  return rs.map((r) => r[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}
export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN;
}
export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
// Zero as "0" ("median 0 of 8 modes covered", not "0.0e+0"); small and large values in exponent form.
const fmt = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 100 || Math.abs(x) < 0.01 ? x.toExponential(1) : x.toFixed(2));

/** Records after the first `share` of the planned steps (warm-up excluded). */
function pastWarmup(all: readonly MetricRecord[], ctx: DoctorContext, share = 0.1, minSteps = 50): boolean {
  const last = all[all.length - 1];
  return !!last && last.step >= Math.max(minSteps, share * ctx.totalSteps);
}

export const DETECTORS: readonly Detector[] = [
  {
    id: 'mode-collapse',
    title: 'Mode collapse',
    severity: 'serious',
    window: 10,
    why: 'The generator has found a few outputs that fool D and stopped covering the rest of the data: samples look fine one by one but lack diversity.',
    fixes: (cfg) => [
      // First: measured on the zoo's vanilla GAN on 25 Gaussians (2 seeds, 2,000 steps), minibatch std
      // improved modes, high-quality share and distance (10.5 → 14.5, 1.4 → 3.6 %, 0.159 → 0.110);
      // a larger latent covered more modes (17) at a larger distance (0.212).
      ...(cfg.model.minibatchStd || variantInfo(cfg.variant as VariantId).output === 'autoencoder' ? [] : [{ label: 'Minibatch standard deviation in D: it sees how varied each batch is', patch: { model: { minibatchStd: true } } }]),
      ...packingFix(cfg),
      ...(cfg.model.latentDim < 16 ? [{ label: `Larger latent space (latentDim ${cfg.model.latentDim} → 16)`, patch: { model: { latentDim: 16 } } }] : []),
      ...switchTo(cfg, 'wgan-gp', 'WGAN-GP: the critic keeps gradients on every mode'),
      ...switchTo(cfg, 'unrolled', 'Unrolled GAN (K = 5): G answers the discriminator it would face after 5 more steps'),
    ],
    // Any data: modes covered where the data has modes, the diversity of the samples everywhere.
    applies: () => true,
    detect(recent, all, ctx) {
      // A toy generator starts as a blob and needs a few hundred steps to spread over the modes
      // (healthy runs here reach 6 of 8 around step 200): not a collapse before that.
      if (!pastWarmup(all, ctx, 0.2, 200)) return undefined;
      const modes = (ctx.dataModes ?? 0) > 1 ? values(recent, 'modesCovered') : [];
      // Samples spread wider than the data are not a lack of diversity, however few modes they hit:
      // the generator is still swinging about (WGAN-GP's first few hundred steps on 8 Gaussians,
      // 0–1 modes at a median 177 %, PyTorch's the same) or flying apart. Collapsed runs measured
      // here stay under 130 % (25 Gaussians, 6–13 of 25 modes at 94–130 %), healthy ones 83–127 %.
      const spread = values(recent, 'diversity');
      if (spread.length >= this.window && median(spread) > WIDER_THAN_DATA) return undefined;
      // Diversity (mean pairwise distance vs the data's), measured on seeded runs: healthy runs on
      // 8 Gaussians and the swiss roll stay at 83–127 % after step 200 (57 % while still a blob at
      // step 100–200); a generator collapsed onto a point reads 0 %. On 25 Gaussians a generator
      // covering 3 of 25 modes still read ~100 % (it spreads between modes): modes covered is the
      // sharper signal where the data has modes, diversity the one that needs none.
      return lostModes(modes, all, ctx, this.window) ?? lowSpread(spread, this.window);
    },
  },
  {
    id: 'discriminator-wins',
    title: 'Discriminator overpowers the generator (vanishing gradients)',
    severity: 'serious',
    window: 10,
    why: 'D separates real from generated almost perfectly, so log(1 − D(G(z))) is flat and the generator receives almost no gradient: training stalls.',
    fixes: (cfg) => [
      ...switchTo(cfg, 'gan-ns', 'Non-saturating generator loss'),
      { label: `Slower discriminator (TTUR: lrD ${fmt(cfg.training.lrD)} → ${fmt(cfg.training.lrG / 4)})`, patch: { training: { lrD: cfg.training.lrG / 4 } } },
      ...spectralNormFix(cfg),
      ...switchTo(cfg, 'wgan-gp', 'WGAN-GP: a critic gives useful gradients everywhere'),
    ],
    applies: (ctx) => ctx.output === 'logit',
    detect(recent, all, ctx) {
      const dReal = mean(values(recent, 'dReal'));
      const dFake = mean(values(recent, 'dFake'));
      if (!(dReal > 0.95 && dFake < 0.05)) return undefined;
      // Under the minimax loss the generator's gradient through the logit is −D(G(z)): it is
      // scaled down by D(G(z)) itself, whatever ‖∇G‖ shows (D's own slope can grow meanwhile).
      if (ctx.config.variant === 'gan-minimax') {
        return { metric: 'dFake', seen: `D(x) ≈ ${fmt(dReal)}, D(G(z)) ≈ ${fmt(dFake)}: the minimax generator loss saturates, its gradient is scaled by D(G(z)) ≈ ${fmt(dFake)} (×${fmt((1 - dFake) / dFake)} weaker than the non-saturating loss)` };
      }
      const early = Math.max(...values(all.slice(0, Math.max(5, Math.floor(all.length / 5))), 'gradNormG'));
      const now = mean(values(recent, 'gradNormG'));
      if (!(now < 0.1 * early)) return undefined;
      return { metric: 'dFake', seen: `D(x) ≈ ${fmt(dReal)}, D(G(z)) ≈ ${fmt(dFake)}, ‖∇G‖ fell from ${fmt(early)} to ${fmt(now)}` };
    },
  },
  {
    id: 'divergence',
    title: 'Divergence',
    severity: 'serious',
    window: 5,
    why: 'Gradient norms or the critic estimate are growing without bound; the next steps will overflow to NaN and the weights become useless.',
    fixes: (cfg, seen) => {
      // Steps measured at `value` of the weights' norm: scale the learning rates so they move ~0.2%.
      const k = seen.value !== undefined && seen.metric.startsWith('updateRatio') ? Math.min(1000, Math.max(10, Math.round(seen.value / 0.002))) : 10;
      return [
        { label: `Learning rates ÷ ${k}`, patch: { training: { lrD: cfg.training.lrD / k, lrG: cfg.training.lrG / k } } },
        ...switchTo(cfg, 'wgan-gp', `Gradient penalty (WGAN-GP, λ = ${switchedGpWeight(cfg)})`),
      ];
    },
    applies: () => true,
    detect(recent, all, ctx) {
      if (ctx.ended?.state === 'diverged') return { metric: 'lossD', seen: `the trainer stopped at step ${ctx.ended.step}: ${ctx.ended.error}` };
      const nulls = recent.find((r) => ['lossD', 'lossG', 'gradNormD', 'gradNormG'].some((k) => k in r && r[k] === null));
      if (nulls) return { metric: 'lossD', seen: `a non-finite loss or gradient norm at step ${nulls.step}` };
      // Steps as large as a few percent of the weights: healthy runs here measure ~1e-3 (≤ 6e-3 on
      // the very first step); a learning rate of 0.1 measures 0.02–0.5 in its first records.
      const stepSize = median(recent.map((r) => Math.max(Number(r.updateRatioD ?? 0), Number(r.updateRatioG ?? 0))));
      if (stepSize > 0.02) return { metric: 'updateRatioD', value: stepSize, seen: `each update moves the weights by ${fmt(100 * stepSize)}% of their norm (healthy training: ~0.1%)` };
      const base = all.slice(0, Math.max(5, Math.floor(all.length / 10)));
      for (const key of ['gradNormD', 'gradNormG', 'wEstimate']) {
        const b = median(values(base, key).map(Math.abs));
        const now = median(values(recent, key).map(Math.abs));
        if (b > 0 && now > 100 * b && now > 10) return { metric: key, seen: `|${key}| grew from ${fmt(b)} to ${fmt(now)} (×${fmt(now / b)})` };
      }
      return undefined;
    },
  },
  {
    id: 'critic-not-lipschitz',
    title: 'Critic is not 1-Lipschitz',
    severity: 'warning',
    window: 10,
    why: 'The Wasserstein estimate is only meaningful for a 1-Lipschitz critic; far from it, the critic\'s gradients mislead the generator.',
    fixes: (cfg) =>
      cfg.variant === 'wgan-gp'
        ? [...strongerPenaltyFix(cfg), { label: 'More critic steps per G step', patch: { training: { nCritic: cfg.training.nCritic * 2 } } }]
        : // Measured on the zoo (WGAN clipping at c = 1, 600 steps): spectral norm makes the critic
          // Lipschitz (‖∇ₓD‖ 0.26) and the run closer to the data; WGAN-GP at its paper defaults is
          // too slow for the same budget, so it comes second.
          [...spectralNormFix(cfg), ...switchTo(cfg, 'wgan-gp', `Gradient penalty λ = ${switchedGpWeight(cfg)} (WGAN-GP)`)],
    applies: (ctx) => ctx.output === 'critic',
    detect(recent, all) {
      // The trainer measures ‖∇ₓD‖ on real/generated interpolates for every critic (critGradNorm).
      // Calibrated on toy runs: healthy WGAN-GP (λ = 0.1) peaks near 3 and settles below 2; a critic
      // clipped at c = 1 climbs past 4 and keeps growing. So: above 4 and at least twice its level
      // in the first quarter of the run. (A critic that stays K-Lipschitz at a steady K only scales
      // the Wasserstein estimate; the failure is a slope that keeps growing.)
      const now = median(values(recent, 'critGradNorm'));
      const early = median(values(all.slice(0, Math.max(this.window, Math.floor(all.length / 4))), 'critGradNorm'));
      if (now > 4 && now > 2 * early) {
        return { metric: 'critGradNorm', seen: `‖∇ₓD‖ on interpolates ≈ ${fmt(now)} and rising (${fmt(early)} early in the run); a 1-Lipschitz critic has ≤ 1` };
      }
      const clip = mean(values(recent, 'clipShare'));
      if (clip > 0.5) return { metric: 'clipShare', seen: `${fmt(100 * clip)}% of the critic's weights sit at ±c` };
      return undefined;
    },
  },
  {
    id: 'equilibrium-lost',
    title: 'BEGAN equilibrium lost',
    severity: 'warning',
    window: 10,
    why: 'BEGAN steers k_t to keep E[L(G(z))] = γ·E[L(x)]; with k_t pinned at a bound the controller has no authority left, and a rising M_global means the two players are drifting apart instead of converging.',
    fixes: (cfg) => [
      { label: `Faster equilibrium control (λ_k ${fmt(Number(cfg.options.beganLambdaK))} → ${fmt(10 * Number(cfg.options.beganLambdaK))})`, patch: { options: { beganLambdaK: Math.min(1, 10 * Number(cfg.options.beganLambdaK)) } } },
      { label: `Lower diversity ratio (γ ${fmt(Number(cfg.options.beganGamma))} → ${fmt(Math.max(0.1, Number(cfg.options.beganGamma) - 0.2))})`, patch: { options: { beganGamma: Math.max(0.1, Number(cfg.options.beganGamma) - 0.2) } } },
    ],
    applies: (ctx) => ctx.config.variant === 'began',
    detect(recent, all, ctx) {
      if (!pastWarmup(all, ctx, 0.2)) return undefined;
      const k = values(recent, 'kT');
      if (k.length >= this.window && (k.every((v) => v <= 1e-4) || k.every((v) => v >= 1 - 1e-4))) {
        return { metric: 'kT', seen: `k_t stayed at ${k[0] >= 0.5 ? 1 : 0} for the last ${k.length} records` };
      }
      // M_global rising: the recent median 1.5× above the lowest median of an earlier window.
      const m = values(recent, 'mGlobal');
      if (m.length < this.window) return undefined;
      let best = Infinity;
      for (let i = this.window; i <= all.length - this.window; i += this.window) best = Math.min(best, median(values(all.slice(i - this.window, i), 'mGlobal')));
      const now = median(m);
      if (Number.isFinite(best) && best > 0 && now > 1.5 * best) return { metric: 'mGlobal', seen: `M_global ${fmt(now)} now, up from ${fmt(best)} earlier in the run` };
      return undefined;
    },
  },
  {
    id: 'lr-imbalance',
    title: 'Learning-rate imbalance',
    severity: 'warning',
    window: 10,
    why: 'One player\'s updates are far larger than the other\'s relative to its weights: the fast one keeps overshooting the slow one\'s position instead of playing the game.',
    fixes: (cfg, seen) =>
      seen.metric === 'updateRatioD'
        ? [{ label: `Slower discriminator (lrD ${fmt(cfg.training.lrD)} → ${fmt(cfg.training.lrD / 10)})`, patch: { training: { lrD: cfg.training.lrD / 10 } } }]
        : [{ label: `Slower generator (lrG ${fmt(cfg.training.lrG)} → ${fmt(cfg.training.lrG / 10)})`, patch: { training: { lrG: cfg.training.lrG / 10 } } }],
    applies: () => true,
    detect(recent, all, ctx) {
      if (!pastWarmup(all, ctx, 0.1)) return undefined;
      // updateRatio* = ‖Δθ‖/‖θ‖ of the last update of each player. TTUR's usual 4:1 and a few
      // critic steps stay well inside 20×.
      const d = median(values(recent, 'updateRatioD'));
      const g = median(values(recent, 'updateRatioG'));
      if (!(d > 0 && g > 0)) return undefined;
      const r = d / g;
      if (r < 20 && r > 1 / 20) return undefined;
      return { metric: r >= 20 ? 'updateRatioD' : 'updateRatioG', seen: `relative update sizes D ${fmt(d)} vs G ${fmt(g)} per step (×${fmt(r >= 1 ? r : 1 / r)})` };
    },
  },
  {
    id: 'no-progress',
    title: 'No progress: losses cycle while the distance to the data stalls',
    severity: 'warning',
    window: 20,
    why: 'The players chase each other around an equilibrium instead of approaching it: the critic-free distance stops falling although training continues.',
    fixes: (cfg) => [
      ...toyPenaltyFix(cfg),
      { label: 'Learning rates ÷ 2', patch: { training: { lrD: cfg.training.lrD / 2, lrG: cfg.training.lrG / 2 } } },
      ...(cfg.training.optimizer === 'adam' && cfg.training.beta1 > 0.5 ? [{ label: 'Adam β1 = 0.5', patch: { training: { beta1: 0.5 } } }] : []),
      ...(cfg.training.nCritic < 5 ? [{ label: 'Five critic steps per G step', patch: { training: { nCritic: 5 } } }] : []),
    ],
    applies: () => true,
    detect(recent, all, ctx) {
      if (all.length < 3 * this.window || !pastWarmup(all, ctx, 0.3)) return undefined;
      const before = values(all.slice(0, all.length - this.window), 'swd');
      const now = values(recent, 'swd');
      if (before.length < this.window || now.length < this.window) return undefined;
      const best = Math.min(...before);
      const med = median(now);
      if (med < 0.95 * best) return undefined;
      // A run that has come most of the way is not stalled, however its distance jitters at the floor:
      // healthy WGAN-GP runs on 8 Gaussians (λ 0.1, 2,000 steps, seeds 1–2) sit at 0.08 of their first
      // distance swinging by more than 30 %, while the image settings' swinging run (λ 10, β1 0) stays at 0.7–1.0.
      const first = values(all, 'swd')[0];
      if (first > 0 && med <= CAME_MOST_OF_THE_WAY * first) return undefined;
      // The distance itself oscillates (a limit cycle), not just sits at a floor: a converged run's
      // sliced Wasserstein jitters by ~20% of its median (healthy runs of the zoo), a cycling one more.
      const dSwing = Math.max(...now) - Math.min(...now);
      if (dSwing < 0.3 * med) return undefined;
      // Losses cycle: the G loss changes direction on most records, with a swing well above noise.
      const g = values(recent, 'lossG');
      let turns = 0;
      for (let i = 2; i < g.length; i++) if ((g[i] - g[i - 1]) * (g[i - 1] - g[i - 2]) < 0) turns++;
      const swing = Math.max(...g) - Math.min(...g);
      // Cycling, not noise: a converged run's G loss jitters by ~10–15% around its mean (healthy
      // non-saturating GAN in the zoo), a cycling one swings by half its mean or more.
      if (turns < 0.5 * (g.length - 2) || swing < 0.5 * Math.abs(mean(g)) + 1e-3) return undefined;
      return { metric: 'swd', seen: `sliced Wasserstein ${fmt(med)} (swinging by ${fmt(dSwing)}) vs best ${fmt(best)} earlier, while the G loss turned ${turns} times in ${g.length} records` };
    },
  },
];

/** WGAN-GP's penalty weight on toy data, as New Experiment writes it (protocol/toySettings.ts). */
const TOY_GP_WEIGHT = TOY_SETTINGS['wgan-gp']?.options?.gpWeight;

/**
 * WGAN-GP's image penalty weight on 2-D toy data: λ = 10 with the paper's
 * Adam settings swings about for thousands of steps on 8 Gaussians, and the
 * paper's own toy script uses λ = 0.1. Measured (3 × 128 units, 2,000 steps,
 * seeds 1–2): λ 0.1 alone ends on 7–8 modes at 0.08 of the first distance;
 * β1 0.5 alone or learning rates ÷ 2 alone end on 0–1 modes (seed 1).
 */
function toyPenaltyFix(cfg: ResolvedConfig): Fix[] {
  const gp = cfg.options.gpWeight;
  if (cfg.variant !== 'wgan-gp' || cfg.data.kind !== 'toy' || typeof gp !== 'number' || gp <= 1 || TOY_GP_WEIGHT === undefined) return [];
  return [{ label: `Gradient penalty weight λ ${gp} → ${TOY_GP_WEIGHT} (the WGAN-GP paper's setting for toy data)`, patch: { options: { gpWeight: TOY_GP_WEIGHT } } }];
}

/**
 * The largest WGAN-GP penalty weight the doctor offers on toy data. Measured
 * on 8 Gaussians with the toy settings (3 × 128 units, Adam 1e-4, β = (0.5,
 * 0.9), 2,000 steps, seeds 1–2; modes / % high quality): λ 0.1 8/54.7 and
 * 8/49.5, λ 1 8/53.0 and 8/55.2, λ 3 8/50.4 and 8/48.8, λ 10 0/0.0 and
 * 2/0.1 (collapsed). The image setting λ = 10 is not a fix there.
 */
const TOY_GP_CEILING = 1;

/**
 * A stronger WGAN-GP penalty: ten times λ, up to the paper's 10 on images
 * and TOY_GP_CEILING on toy data; none when λ is there already.
 */
function strongerPenaltyFix(cfg: ResolvedConfig): Fix[] {
  const gp = Number(cfg.options.gpWeight);
  const ceiling = cfg.data.kind === 'toy' ? TOY_GP_CEILING : 10;
  if (!(gp < ceiling)) return [];
  const next = gp > 0 ? Math.min(ceiling, 10 * gp) : ceiling;
  return [{ label: `Stronger penalty (λ ${gp} → ${next})`, patch: { options: { gpWeight: next } } }];
}

/** Spectral normalization of D's layers (model.spectralNorm), unless it is on already. */
function spectralNormFix(cfg: ResolvedConfig): Fix[] {
  return cfg.model.spectralNorm ? [] : [{ label: 'Spectral normalization in D (every layer 1-Lipschitz)', patch: { model: { spectralNorm: true } } }];
}

/** No progress needs the distance above this share of the run's first: below it the run has come most of the way. */
const CAME_MOST_OF_THE_WAY = 0.25;

/** Diversity (% of the data's mean pairwise distance) above which the samples cannot be called collapsed. */
const WIDER_THAN_DATA = 150;

/** Mode collapse read from modes covered: few covered now, or far fewer than earlier in the run. */
function lostModes(modes: number[], all: readonly MetricRecord[], ctx: DoctorContext, window: number): Omit<Evidence, 'fromStep' | 'toStep'> | undefined {
  if (modes.length < window) return undefined;
  const m = median(modes);
  if (m <= ctx.dataModes! / 4) return { metric: 'modesCovered', seen: `median ${fmt(m)} of ${ctx.dataModes} modes covered over the last ${modes.length} records` };
  // Modes found and then lost: the best window earlier in the run covered far more.
  let best = 0;
  for (let i = window; i <= all.length - window; i += window) best = Math.max(best, median(values(all.slice(i - window, i), 'modesCovered')));
  if (best >= 4 && m <= 0.6 * best) return { metric: 'modesCovered', seen: `median ${fmt(m)} of ${ctx.dataModes} modes covered now, down from ${fmt(best)} earlier in the run` };
  return undefined;
}

/** Mode collapse read from diversity: samples far less spread out than the data (under a quarter). */
function lowSpread(div: number[], window: number): Omit<Evidence, 'fromStep' | 'toStep'> | undefined {
  const d = median(div);
  if (div.length < window || !(d < 25)) return undefined;
  return { metric: 'diversity', seen: `generated samples are ${fmt(d)}% as spread out as the data (mean pairwise distance, median of the last ${div.length} records)` };
}

/**
 * PacGAN packing m = 2 (Lin et al. 2018): D judges two samples at once, so a
 * batch of near-copies is easy to tell from a real one. Only where D scores
 * samples (not an auto-encoder) and the batch splits into pairs.
 */
function packingFix(cfg: ResolvedConfig): Fix[] {
  if (cfg.model.packing > 1 || variantInfo(cfg.variant as VariantId).output === 'autoencoder' || cfg.training.batchSize % 2 !== 0) return [];
  return [{ label: 'PacGAN packing (m = 2): D judges two samples at once, so repeated outputs stand out', patch: { model: { packing: 2 } } }];
}

/**
 * Switching variant drops options the new variant does not accept, and resets
 * its schedule to the new variant's defaults: on toy data the settings
 * measured there (protocol/toySettings.ts, what New Experiment writes), else
 * its paper's. Measured on the zoo: switching to WGAN-GP at the paper's λ = 10
 * on 8 Gaussians ended on 0.5–1.5 modes, at the toy λ = 0.1 on 7–8.
 */
function switchTo(cfg: ResolvedConfig, variant: VariantId, label: string): Fix[] {
  if (cfg.variant === variant) return [];
  const toy = toySettingsFor(variant, cfg.data.kind === 'toy');
  const t = toy?.training ?? {};
  const training = { nCritic: t.nCritic ?? null, lrD: t.lrD ?? null, lrG: t.lrG ?? null, beta1: t.beta1 ?? null, beta2: t.beta2 ?? null, optimizer: t.optimizer ?? null };
  // A patch merges into the config, so the old options are removed key by key before the new ones go in.
  const options = toy?.options ? { ...Object.fromEntries(Object.keys(cfg.options).map((k) => [k, null])), ...toy.options } : null;
  return [{ label, patch: { variant, options, training } }];
}

/** The penalty weight a switch to WGAN-GP gets (see switchTo): the toy setting on toy data, the paper's elsewhere. */
function switchedGpWeight(cfg: ResolvedConfig): unknown {
  return (cfg.data.kind === 'toy' ? TOY_GP_WEIGHT : undefined) ?? variantInfo('wgan-gp').options.gpWeight;
}

/**
 * The config a fix produces: the run's config with the patch merged in (a null
 * removes a field, so the new variant's default applies), validated.
 */
export function applyFix(cfg: ResolvedConfig | GanConfigInput, fix: Fix): ResolvedConfig {
  return resolveConfig(merge(cfg as Record<string, unknown>, fix.patch), `fix "${fix.label}"`);
}

function merge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (typeof v === 'object' && !Array.isArray(v) && typeof out[k] === 'object' && out[k] !== null) out[k] = merge(out[k] as Record<string, unknown>, v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

/** Run every applicable detector on the records (file order); one finding per detector at most. */
export function diagnose(records: readonly MetricRecord[], ctx: DoctorContext): Finding[] {
  const out: Finding[] = [];
  for (const d of DETECTORS) {
    if (!d.applies(ctx) || records.length === 0) continue;
    const recent = records.slice(-d.window);
    const e = d.detect(recent, records, ctx);
    if (e) {
      out.push({
        detector: d.id,
        title: d.title,
        severity: d.severity,
        evidence: { ...e, fromStep: recent[0].step, toStep: recent[recent.length - 1].step },
        why: d.why,
        fixes: d.fixes(ctx.config, e),
      });
    }
  }
  return out;
}
