/**
 * The training loop, free of I/O: it owns the models, optimizers and the
 * per-step tensor work, and reports records and snapshots through callbacks.
 * Every random draw comes from deriveSeed(seed, step, stream, k), so a run is
 * a pure function of its config and backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { Conditioning, ResolvedConfig } from '../protocol/config';
import { MAX_GRID_CELLS, type ImageSnapshot, type MetricRecord, type Snapshot, type ToySnapshot } from '../protocol/metrics';
import { variantInfo, type VariantId } from '../protocol/variants';
import type { ModelBuilders } from './compile';
import { loadTrainingData, type TrainingData } from './data/index';
import { modeCoverage, type ToySpec } from './data/toy';
import { GRID_SIDE, imageSnapshot, latentViews, tileImages } from './imageSnapshot';
import { diversityPercent, meanPairwiseDistance } from './metrics/diversity';
import { randomDirections, slicedWasserstein } from './metrics/swd';
import { deriveSeed, Rng, STREAM } from './rng';
import type { Module, ModelContext } from './userApi';
import { variantImplFor, type VariantImpl } from './variants';
import { checkDiscriminatorFor, checkModelSwitches } from './variants/requirements';
import { FusedAdamOptimizer, FusedRMSPropOptimizer } from './kernels/fusedOptimizers';
import { registerSecondOrderGradients } from './kernels/secondOrder';
import { pack, repeatRows } from './packing';
import type { CheckpointParts } from './checkpoint';
import { GeneratorAverage } from './generatorAverage';
import { learningRateScale } from '../protocol/schedule';
import { setLearningRate } from './learningRate';

const HEATMAP_SIZE = 64;
const SNAPSHOT_POINTS = 512;
const SWD_DIRECTIONS = 64;

/** A quantity that became NaN or ±Inf, named so the user can act on it. */
export class DivergedError extends Error {
  constructor(
    readonly step: number,
    readonly quantity: string,
  ) {
    super(`diverged at step ${step}: ${quantity} is not finite; the update was not applied`);
    this.name = 'DivergedError';
  }
}

interface DStats {
  lossD: number;
  gp: number | null;
  dReal: number;
  dFake: number;
  /** null for auto-encoder discriminators: a difference of energies is no Wasserstein estimate. */
  wEstimate: number | null;
  gradNormD: number;
  /** Variant-specific metrics (f-GAN's fDivergence, WGAN's clipShare, …). */
  [metric: string]: number | null;
}

export interface StepStats extends DStats {
  lossG: number;
  gradNormG: number;
}

export class GanTrainer {
  readonly G: Module;
  readonly D: Module;
  readonly data: TrainingData;
  /** Numbers per sample: 2 for toy data, height × width × channels for images. */
  readonly dim: number;
  private readonly impl: VariantImpl;
  private readonly optD: tf.Optimizer;
  private readonly optG: tf.Optimizer;
  /** training.emaG > 0: the moving average of G's weights, which every evaluation samples from. */
  private readonly average?: GeneratorAverage;
  private readonly logit: boolean;
  /** D is an auto-encoder: everywhere D is evaluated, its reconstruction becomes the energy (VariantImpl.energy). */
  private readonly autoencoder: boolean;
  /** PacGAN packing m: D sees every batch as B/m packs of m samples (packing.ts); 1 = off. */
  private readonly packing: number;
  /** model.conditional: how labels enter G and D ('none' = unconditional). */
  private readonly cond: Conditioning;
  /** Number of classes (0 when unconditional). */
  private readonly classes: number;
  /** D as the variant sees it: for ACGAN its adversarial output only (column 0; the class head is the trainer's). */
  private readonly Dadv: Module;
  /** Labels of the evaluation noise (class i mod K) and of the real evaluation samples, when conditional. */
  private readonly evalY?: Int32Array;
  private readonly evalRealY?: Int32Array;
  private readonly evalZ: tf.Tensor2D;
  private readonly evalReal: Float32Array;
  private readonly directions: Float64Array[];
  /** Mean pairwise distance of the evaluation data: 100 % diversity. */
  private readonly realSpread: number;
  /**
   * When set, the next step also measures each player's relative update size
   * ‖Δθ‖/‖θ‖ (copies of the weights before the update are needed, so only
   * the steps that are logged pay for it).
   */
  measureUpdates = false;

  /** Pairs for the diversity metric: fewer for images, whose pairs cost dim operations each. */
  private get diversityCap(): number {
    return this.dim > 64 ? 256 : 512;
  }

  constructor(
    readonly cfg: ResolvedConfig,
    builders: ModelBuilders,
    opts: {
      /**
       * The checks that read values back (applyWith ≡ apply, minibatch std)
       * were already run on the cpu backend with the same model: on webgpu a
       * synchronous read is impossible in Node (run.ts, gpuSelfCheck.ts).
       */
      checkedElsewhere?: boolean;
      /** The data, when the caller loaded it already (an image folder is decoded once per process). */
      data?: TrainingData;
    } = {},
  ) {
    registerSecondOrderGradients();
    const info = variantInfo(cfg.variant as VariantId);
    this.impl = variantImplFor(cfg.variant as VariantId);
    this.logit = info.output === 'logit';
    this.autoencoder = info.output === 'autoencoder';
    if (this.autoencoder && !this.impl.energy) throw new Error(`variant '${info.id}' has an auto-encoder D but no energy function`);
    this.data = opts.data ?? loadTrainingData(cfg.data);
    this.dim = this.data.dim;
    this.cond = cfg.model.conditional;
    if (this.cond !== 'none' && (!this.data.sampleLabeled || !this.data.classes?.length)) {
      throw new Error(
        `model.conditional is '${this.cond}' but the data has no class labels` +
          (cfg.data.kind === 'folder' ? `: put each class's images in a subfolder of ${cfg.data.path} (at least two)` : '') +
          "; or set model.conditional to 'none'",
      );
    }
    this.classes = this.cond === 'none' ? 0 : this.data.classes!.length;
    this.packing = cfg.model.packing;
    let initIndex = 0;
    const ctx: ModelContext = {
      latentDim: cfg.model.latentDim,
      dataDim: this.dim,
      image: this.data.image,
      hidden: cfg.model.hidden,
      depth: cfg.model.depth,
      spectralNorm: cfg.model.spectralNorm,
      minibatchStd: cfg.model.minibatchStd,
      packing: cfg.model.packing,
      classes: this.classes,
      conditional: this.cond,
      output: info.output,
      nextSeed: () => deriveSeed(cfg.training.seed, 0, STREAM.init, initIndex++),
    };
    this.G = checkModule(builders.buildGenerator(ctx), 'buildGenerator');
    this.D = checkModule(builders.buildDiscriminator(ctx), 'buildDiscriminator');
    this.Dadv = this.cond === 'acgan' ? adversarialHead(this.D) : this.D;
    // What D takes: a sample (a pack of them), and for cGAN the one-hot label beside it.
    const dIn = ctx.dataDim * this.packing + (this.cond === 'cgan' ? this.classes : 0);
    if (!opts.checkedElsewhere) {
      if (this.cond !== 'none') checkConditionalShapes(this.G, this.D, cfg.model.latentDim + this.classes, dIn, this.cond, this.classes);
      checkModelSwitches(cfg.model, this.Dadv, dIn / this.packing);
      if (this.impl.needs) checkDiscriminatorFor(cfg.variant, this.Dadv, this.impl.needs(cfg.options), dIn);
    }
    if (this.autoencoder) checkReconstruction(this.D, ctx.dataDim, info.title);
    this.impl.checkDiscriminator?.(this.D, cfg.options);
    const t = cfg.training;
    const make = (lr: number) => (t.optimizer === 'adam' ? new FusedAdamOptimizer(lr, t.beta1, t.beta2) : new FusedRMSPropOptimizer(lr));
    this.optD = make(t.lrD);
    this.optG = make(t.lrG);
    if (t.emaG > 0) this.average = new GeneratorAverage(this.G, t.emaG);
    const n = cfg.logging.evalSamples;
    this.evalZ = tf.keep(tf.randomNormal([n, cfg.model.latentDim], 0, 1, 'float32', deriveSeed(t.seed, 0, STREAM.eval, 0)));
    if (this.cond !== 'none') {
      const r = this.data.sampleLabeled!(n, deriveSeed(t.seed, 0, STREAM.eval, 1));
      this.evalReal = r.x;
      this.evalRealY = r.y;
      this.evalY = this.cyclingLabels(n);
    } else this.evalReal = this.data.sample(n, deriveSeed(t.seed, 0, STREAM.eval, 1));
    this.directions = randomDirections(SWD_DIRECTIONS, this.dim, deriveSeed(t.seed, 0, STREAM.projections));
    this.realSpread = meanPairwiseDistance(this.evalReal, this.dim, this.diversityCap);
  }

  /** A real batch, with its labels when the run is conditional (the same rows either way). */
  private realLabeled(step: number, k: number): { x: tf.Tensor2D; y?: tf.Tensor1D } {
    const b = this.cfg.training.batchSize;
    const seed = deriveSeed(this.cfg.training.seed, step, STREAM.data, k);
    if (this.cond === 'none') return { x: tf.tensor2d(this.data.sample(b, seed), [b, this.dim]) };
    const r = this.data.sampleLabeled!(b, seed);
    return { x: tf.tensor2d(r.x, [b, this.dim]), y: tf.tensor1d(r.y, 'int32') };
  }

  /** Uniform labels for the generator's batch of step `step` (conditional runs). */
  private fakeLabels(step: number, k: number): tf.Tensor1D | undefined {
    if (this.cond === 'none') return undefined;
    const rng = new Rng(deriveSeed(this.cfg.training.seed, step, STREAM.labels, k));
    return tf.tensor1d(Int32Array.from({ length: this.cfg.training.batchSize }, () => rng.int(this.classes)), 'int32');
  }

  /** Class i mod K for sample i: a class-balanced set of n labels (conditional runs). */
  private cyclingLabels(n: number): Int32Array {
    return Int32Array.from({ length: n }, (_, i) => i % this.classes);
  }

  /** G's output for z (with labels y when conditional), read back to the host; from Ḡ, G's moving average, when the run keeps one. */
  private async generateFrom(input: () => { z: tf.Tensor2D; y?: tf.Tensor1D }): Promise<Float32Array> {
    const run = () =>
      tf.tidy(() => {
        const { z, y } = input();
        return this.G.apply(this.gInput(z, y));
      });
    const t = this.average ? this.average.withAverage(run) : run();
    const v = (await t.data()) as Float32Array;
    t.dispose();
    return v;
  }

  /** G's input: z, and the one-hot label beside it when conditional. */
  private gInput(z: tf.Tensor2D, y?: tf.Tensor1D): tf.Tensor2D {
    return y ? (tf.concat([z, tf.oneHot(y, this.classes).toFloat()], 1) as tf.Tensor2D) : z;
  }

  /** D's input: samples, with the one-hot label beside them for cGAN. */
  private dInput(x: tf.Tensor2D, y?: tf.Tensor1D): tf.Tensor2D {
    return this.cond === 'cgan' && y ? (tf.concat([x, tf.oneHot(y, this.classes).toFloat()], 1) as tf.Tensor2D) : x;
  }

  /** ACGAN's auxiliary loss: cross-entropy of D's class head (columns 1…K of its output) against the labels. */
  private classLoss(out: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
    const logits = tf.slice(out, [0, 1], [-1, this.classes]);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(y, this.classes), logits) as tf.Scalar;
  }

  /** A batch as D sees it: packs of `packing` samples (the batch itself when packing is off). */
  private packed(x: tf.Tensor2D): tf.Tensor2D {
    return pack(x, this.packing);
  }

  /** D's per-sample output [n, 1]: its logit or score, or for an auto-encoder D the energy of its reconstruction. */
  private score(x: tf.Tensor2D): tf.Tensor2D {
    return this.scoreOf(x, this.D.apply(x));
  }

  /** D's per-sample score from its raw output `out` for input x (ACGAN: the adversarial column). */
  private scoreOf(x: tf.Tensor2D, out: tf.Tensor2D): tf.Tensor2D {
    if (this.cond === 'acgan') return tf.slice(out, [0, 0], [-1, 1]);
    return this.autoencoder ? this.impl.energy!(x, out, this.cfg.options) : out;
  }

  private noise(step: number, k: number): tf.Tensor2D {
    const { batchSize } = this.cfg.training;
    return tf.randomNormal([batchSize, this.cfg.model.latentDim], 0, 1, 'float32', deriveSeed(this.cfg.training.seed, step, STREAM.noise, k));
  }

  /** D's gradients for its update `k` of generator step `step`, with the statistics to report (not applied). */
  private dGradients(step: number, k: number): { grads: tf.NamedTensorMap; stats: tf.Tensor1D; extra: string[] } {
    return tf.tidy(() => {
      const rb = this.realLabeled(step, k);
      // Conditional runs: the generated batch has the real batch's labels, so a penalty's interpolates keep one label.
      const real = this.packed(this.dInput(rb.x, rb.y));
      const fake = this.packed(this.dInput(this.G.apply(this.gInput(this.noise(step, k), rb.y)), rb.y));
      let kept: tf.Tensor1D | undefined;
      let extra: string[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const outR = this.D.apply(real);
        const outF = this.D.apply(fake);
        const dReal = this.scoreOf(real, outR);
        const dFake = this.scoreOf(fake, outF);
        const d = this.impl.dLoss({
          D: this.Dadv, real, fake, dReal, dFake,
          options: this.cfg.options,
          seed: deriveSeed(this.cfg.training.seed, step, STREAM.interp, k),
        });
        let loss = d.loss;
        const terms = d.terms;
        if (this.cond === 'acgan') {
          // ACGAN: D also learns to classify real and generated images (Odena et al. 2017, L_C).
          const cls = tf.add(this.classLoss(outR, rb.y!), this.classLoss(outF, rb.y!)) as tf.Scalar;
          terms.classLossD = cls;
          loss = tf.add(loss, cls) as tf.Scalar;
        }
        const probR = this.logit ? tf.sigmoid(dReal) : dReal;
        const probF = this.logit ? tf.sigmoid(dFake) : dFake;
        extra = Object.keys(terms).filter((n) => n !== 'gp');
        kept = tf.keep(
          tf.stack([
            terms.gp ?? tf.scalar(NaN), tf.mean(probR), tf.mean(probF), tf.sub(tf.mean(dReal), tf.mean(dFake)),
            ...extra.map((n) => terms[n]),
          ]) as tf.Tensor1D,
        );
        return loss;
      }, this.D.variables);
      const stats = tf.concat([tf.stack([value, globalNorm(Object.values(grads))]), kept!]) as tf.Tensor1D;
      kept!.dispose();
      return { grads, stats, extra };
    });
  }

  /** One discriminator update; returns its statistics, or throws DivergedError without applying it. */
  private async discriminatorStep(step: number, k: number): Promise<DStats> {
    const { grads, stats, extra } = this.dGradients(step, k);
    const v = await stats.data();
    stats.dispose();
    const [lossD, gradNormD, gp, dReal, dFake, wEstimate, ...extraValues] = Array.from(v);
    const metrics: Record<string, number> = {};
    extra.forEach((n, i) => (metrics[n] = extraValues[i]));
    const ratio = await applyChecked('discriminator', step, lossD, gradNormD, grads, this.optD, this.D, this.measureUpdates);
    if (ratio !== undefined) metrics.updateRatioD = ratio;
    if (this.impl.afterDiscriminatorUpdate) {
      const after = tf.tidy(() => {
        const m = this.impl.afterDiscriminatorUpdate!(this.D, this.cfg.options);
        return { names: Object.keys(m), values: Object.keys(m).length ? tf.stack(Object.values(m)) : undefined };
      });
      if (after.values) {
        const av = await after.values.data();
        after.values.dispose();
        after.names.forEach((n, i) => (metrics[n] = av[i]));
      }
    }
    if (this.impl.afterDiscriminatorStep) Object.assign(metrics, this.impl.afterDiscriminatorStep({ dReal, dFake }, this.cfg.options));
    // gp is NaN when the variant has no penalty (a diverged penalty makes lossD non-finite first).
    return { ...metrics, lossD, gradNormD, gp: Number.isNaN(gp) ? null : gp, dReal, dFake, wEstimate: this.autoencoder ? null : wEstimate };
  }

  /** G's gradients for generator step `step`, with the statistics to report (not applied). */
  private gGradients(step: number): { grads: tf.NamedTensorMap; stats: tf.Tensor1D; names: string[] } {
    const k = this.cfg.training.nCritic;
    const impl = this.impl;
    return tf.tidy(() => {
      const y = this.fakeLabels(step, k);
      const z = this.gInput(this.noise(step, k), y);
      let names: string[] = [];
      let kept: tf.Tensor1D | undefined;
      const { value, grads } = tf.variableGrads(() => {
        if (!impl.generatorLoss) {
          const fake = this.packed(this.dInput(this.G.apply(z), y));
          const out = this.D.apply(fake);
          const loss = impl.gLoss(this.scoreOf(fake, out), this.cfg.options, { D: this.Dadv, fake });
          if (this.cond !== 'acgan') return loss;
          // ACGAN: G also wants its images classified as the label it was given.
          const cls = this.classLoss(out, y!);
          names = ['classLossG'];
          kept = tf.keep(tf.stack([cls]) as tf.Tensor1D);
          return tf.add(loss, cls) as tf.Scalar;
        }
        // Batch losses (Unrolled GAN, SW generator) get a real batch of their own: data stream, index nCritic (D's use 0…nCritic−1).
        const rb = this.realLabeled(step, k);
        const { loss, terms } = impl.generatorLoss({
          D: this.D,
          optD: this.optD,
          real: this.packed(this.dInput(rb.x, rb.y)),
          fake: this.packed(this.dInput(this.G.apply(z), y)),
          options: this.cfg.options,
          seed: deriveSeed(this.cfg.training.seed, step, STREAM.interp, k),
        });
        names = Object.keys(terms);
        if (names.length) kept = tf.keep(tf.stack(names.map((n) => terms[n])) as tf.Tensor1D);
        return loss;
      }, this.G.variables);
      const head = tf.stack([value, globalNorm(Object.values(grads))]);
      const stats = (kept ? tf.concat([head, kept]) : head) as tf.Tensor1D;
      kept?.dispose();
      return { grads, stats, names };
    });
  }

  private async generatorStep(step: number): Promise<Record<string, number> & { lossG: number; gradNormG: number }> {
    const { grads, stats, names } = this.gGradients(step);
    const [lossG, gradNormG, ...termValues] = Array.from(await stats.data());
    stats.dispose();
    const updateRatioG = await applyChecked('generator', step, lossG, gradNormG, grads, this.optG, this.G, this.measureUpdates);
    this.average?.update(step);
    const terms: Record<string, number> = {};
    names.forEach((n, i) => (terms[n] = termValues[i]));
    if (updateRatioG !== undefined) terms.updateRatioG = updateRatioG;
    return { ...terms, lossG, gradNormG };
  }

  /** Generator step `step` (0-based) with its nCritic discriminator steps. */
  async step(step: number): Promise<StepStats> {
    const t = this.cfg.training;
    if (t.lrDecayStart !== undefined) {
      const scale = learningRateScale(step, t.steps, t.lrDecayStart);
      setLearningRate(this.optD, t.lrD * scale);
      setLearningRate(this.optG, t.lrG * scale);
    }
    let d: DStats | undefined;
    for (let k = 0; k < this.cfg.training.nCritic; k++) d = await this.discriminatorStep(step, k);
    const g = await this.generatorStep(step);
    return { ...d!, ...g };
  }

  /**
   * The gradients of D's first update and of G's update at generator step
   * `step`, read back and not applied: the same numbers on any backend that
   * computes correctly (gpuSelfCheck.ts compares webgpu with cpu on them).
   */
  async probeGradients(step = 0): Promise<{ name: string; values: Float32Array }[]> {
    const d = this.dGradients(step, 0);
    const g = this.gGradients(step);
    const named = [...Object.entries(d.grads).map(([n, t]) => [`D ${n}`, t] as const), ...Object.entries(g.grads).map(([n, t]) => [`G ${n}`, t] as const)];
    try {
      return await Promise.all(named.map(async ([name, t]) => ({ name, values: (await t.data()) as Float32Array })));
    } finally {
      tf.dispose([d.stats, g.stats, ...Object.values(d.grads), ...Object.values(g.grads)]);
    }
  }

  /** Conditional runs: the class name each evaluation sample was generated for (undefined when unconditional). */
  get evalClassNames(): string[] | undefined {
    return this.evalY && Array.from(this.evalY, (y) => this.data.classes![y]);
  }

  /** The real evaluation samples (row-major n × dim; the same set all run long). */
  get evalRealSamples(): Float32Array {
    return this.evalReal;
  }

  /** Generated samples for the fixed evaluation noise (row-major n × dim). */
  async generateEval(): Promise<Float32Array> {
    return this.generateFrom(() => ({ z: this.evalZ, y: this.evalY && tf.tensor1d(this.evalY, 'int32') }));
  }

  /**
   * n samples from fixed noise number `index` (the same z at every step, apart
   * from the evaluation set's): the images a Stacked MNIST mode count classifies.
   */
  async generate(n: number, index: number): Promise<Float32Array> {
    return this.generateFrom(() => ({
      z: tf.randomNormal([n, this.cfg.model.latentDim], 0, 1, 'float32', deriveSeed(this.cfg.training.seed, 0, STREAM.eval, 100 + index)) as tf.Tensor2D,
      y: this.cond === 'none' ? undefined : tf.tensor1d(this.cyclingLabels(n), 'int32'),
    }));
  }

  /** Critic-free quality numbers for a generated set. */
  quality(fake: Float32Array): Pick<MetricRecord, 'swd'> & { diversity: number; modesCovered?: number; hqPercent?: number } {
    const swd = slicedWasserstein(this.evalReal, fake, this.dim, this.directions);
    const diversity = diversityPercent(fake, this.dim, this.realSpread, this.diversityCap);
    const toy = this.data.toy;
    if (!toy || toy.centres.length === 0) return { swd, diversity };
    const c = modeCoverage(toy, fake);
    return { swd, diversity, modesCovered: c.covered, hqPercent: 100 * c.highQuality };
  }

  /**
   * Critic variants: the mean and largest ‖∇ₓD(x̂)‖ on points x̂ between the
   * evaluation data and `fake` (the WGAN-GP interpolates), measured for every
   * critic whatever keeps it Lipschitz (penalty, clipping, spectral norm), so
   * the doctor can tell a critic that is far from 1-Lipschitz. Logit variants
   * return {} (their output is not meant to be Lipschitz).
   */
  async lipschitz(fake: Float32Array): Promise<{ critGradNorm?: number; critGradMax?: number }> {
    if (this.logit) return {};
    const m = this.packing;
    const d = this.dim;
    const n = Math.floor(Math.min(this.evalReal.length, fake.length) / d / m) * m;
    const out = tf.tidy(() => {
      // With packing, D's input (and so the point where its gradient is taken) is a pack.
      // Conditional: both ends of each line carry the real sample's label.
      const y = this.evalRealY && tf.tensor1d(this.evalRealY.subarray(0, n), 'int32');
      const real = this.packed(this.dInput(tf.tensor2d(this.evalReal.subarray(0, d * n), [n, d]), y));
      const gen = this.packed(this.dInput(tf.tensor2d(fake.subarray(0, d * n), [n, d]), y));
      const eps = tf.randomUniform([n / m, 1], 0, 1, 'float32', deriveSeed(this.cfg.training.seed, 0, STREAM.eval, 2));
      const xHat = tf.add(gen, tf.mul(eps, tf.sub(real, gen))) as tf.Tensor2D;
      const g = tf.grad((x: tf.Tensor) => tf.sum(this.Dadv.apply(x as tf.Tensor2D)))(xHat);
      const norms = tf.sqrt(tf.sum(tf.square(g), 1));
      return tf.stack([tf.mean(norms), tf.max(norms)]);
    });
    const [mean, max] = Array.from(await out.data());
    out.dispose();
    return { critGradNorm: mean, critGradMax: max };
  }

  /** What the dashboard shows of the generator now: a 2-D snapshot for toy data, image grids for images. */
  async snapshot(step: number, fake?: Float32Array): Promise<Snapshot> {
    const pts = fake ?? (await this.generateEval());
    if (this.data.toy) return this.toySnapshot(step, pts, this.data.toy);
    return this.imageSnapshotAt(step, pts);
  }

  /**
   * Image grids from the fixed evaluation noise: the first cells of `fake` (the
   * same z at every step), real images, and the latent views (interpolations and
   * z sweeps), generated here in one batch.
   */
  private async imageSnapshotAt(step: number, fake: Float32Array): Promise<ImageSnapshot> {
    const views = latentViews(this.evalZ);
    // Conditional: interpolations and sweeps keep class 0's label.
    const latent = await this.generateFrom(() => ({ z: views.z, y: this.cond === 'none' ? undefined : (tf.zeros([views.z.shape[0]], 'int32') as tf.Tensor1D) }));
    views.z.dispose();
    const snap = imageSnapshot(step, this.data.image!, fake, this.evalReal, latent, views);
    if (this.cond === 'none') return snap;
    return { ...snap, ...(await this.classGrids()) };
  }

  /**
   * Class-conditioned grids: one row per class (at most 32), the same 8 z
   * vectors in every row (so a column shows one z across classes), and real
   * images of each class beside them.
   */
  private async classGrids(): Promise<Pick<ImageSnapshot, 'fake' | 'real'>> {
    const rows = Math.min(this.classes, MAX_GRID_CELLS);
    const cols = GRID_SIDE;
    const fake = await this.generateFrom(() => ({
      z: tf.tile(tf.slice(this.evalZ, [0, 0], [cols, -1]), [rows, 1]) as tf.Tensor2D,
      y: tf.tensor1d(Int32Array.from({ length: rows * cols }, (_, i) => Math.floor(i / cols)), 'int32'),
    }));
    const real = new Float32Array(rows * cols * this.dim).fill(-1);
    const filled = new Int32Array(rows);
    this.evalRealY!.forEach((label, i) => {
      if (label < rows && filled[label] < cols) {
        real.set(this.evalReal.subarray(i * this.dim, (i + 1) * this.dim), (label * cols + filled[label]++) * this.dim);
      }
    });
    const rowLabels = this.data.classes!.slice(0, rows).map((c) => c.slice(0, 64));
    return { fake: tileImages(fake, this.data.image!, rows, cols, 0, { rowLabels }), real: tileImages(real, this.data.image!, rows, cols, 0, { rowLabels }) };
  }

  /** Samples and the discriminator's view of the plane, for the 2-D dashboard. */
  private async toySnapshot(step: number, pts: Float32Array, toy: ToySpec): Promise<ToySnapshot> {
    const e = toy.extent;
    const n = HEATMAP_SIZE;
    const grid = new Float32Array(n * n * 2);
    // Row 0 is the top of the picture (y = +extent), column 0 the left (x = −extent).
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        grid[2 * (r * n + c)] = -e + ((c + 0.5) * 2 * e) / n;
        grid[2 * (r * n + c) + 1] = e - ((r + 0.5) * 2 * e) / n;
      }
    }
    // Higher = more data-like on every variant's heatmap: probabilities, critic scores, or minus the energy.
    const out = tf.tidy(() => {
      // With packing, each cell is D's score of a pack of copies of its point.
      const d = this.score(this.packed(repeatRows(tf.tensor2d(grid, [n * n, 2]), this.packing)));
      return (this.logit ? tf.sigmoid(d) : this.autoencoder ? tf.neg(d) : d).reshape([n * n]);
    });
    const values = Array.from(await out.data(), (v) => (Number.isFinite(v) ? round(v) : 0));
    out.dispose();
    const m = Math.min(SNAPSHOT_POINTS, pts.length / 2);
    const cov = toy.centres.length ? modeCoverage(toy, pts) : undefined;
    return {
      kind: 'toy2d',
      step,
      real: pairs(this.evalReal, m),
      fake: pairs(pts, m),
      extent: e,
      heatmap: { size: n, values },
      ...(cov ? { modes: { covered: cov.covered, total: cov.total } } : {}),
    };
  }

  /** What a checkpoint saves and restores (checkpoint.ts): both networks, both optimizers, the variant's own state. */
  checkpointParts(): CheckpointParts {
    return { G: this.G, D: this.D, optG: this.optG, optD: this.optD, variant: this.impl, ...(this.average ? { Gavg: this.average.weights } : {}) };
  }

  dispose(): void {
    tf.dispose([...this.G.variables, ...this.D.variables, ...(this.G.stateVariables ?? []), ...(this.D.stateVariables ?? []), this.evalZ]);
    this.optD.dispose();
    this.optG.dispose();
    this.average?.dispose();
  }
}

/** ACGAN: D's adversarial output (column 0) as a Module, for the variant's losses and penalties; the class head stays the trainer's. */
function adversarialHead(D: Module): Module {
  const col0 = (t: tf.Tensor2D) => tf.slice(t, [0, 0], [-1, 1]) as tf.Tensor2D;
  return {
    ...D,
    apply: (x) => col0(D.apply(x)),
    ...(D.applyWith ? { applyWith: (x: tf.Tensor2D, p: readonly tf.Tensor[]) => col0(D.applyWith!(x, p)) } : {}),
  };
}

/** A conditional run's networks must take the label: G z and the one-hot label, D (cGAN) the label beside the sample or (ACGAN) return a class head. */
function checkConditionalShapes(G: Module, D: Module, gIn: number, dIn: number, cond: Conditioning, classes: number): void {
  const shapeOf = (m: Module, inputs: number) =>
    tf.tidy(() => {
      try {
        return m.apply(tf.zeros([2, inputs])).shape;
      } catch {
        return undefined;
      }
    });
  const g = shapeOf(G, gIn);
  if (!g) throw new Error(`model.conditional is '${cond}': buildGenerator must take z and the one-hot label, ctx.latentDim + ctx.classes = ${gIn} inputs (see the template's model.ts)`);
  const want = cond === 'acgan' ? 1 + classes : 1;
  const d = shapeOf(D, dIn);
  if (!d || d.length !== 2 || d[1] !== want) {
    throw new Error(
      `model.conditional is '${cond}': buildDiscriminator must take ${dIn} inputs (${cond === 'cgan' ? 'the sample and its one-hot label' : 'the sample'}) and return ${want} number${want > 1 ? 's' : ''} per sample` +
        (cond === 'acgan' ? ' (the adversarial output, then one logit per class: ctx.classes)' : '') +
        `${d ? `; it returned shape [${d.join(', ')}]` : '; it failed on that input'} (see the template's model.ts)`,
    );
  }
}

function checkModule(m: Module, builder: string): Module {
  if (!m || !Array.isArray(m.variables) || typeof m.apply !== 'function') {
    throw new Error(`${builder} must return { variables: tf.Variable[], apply(x) }`);
  }
  if (m.variables.length === 0) throw new Error(`${builder} returned a network with no trainable variables`);
  return m;
}

/** An auto-encoder D must give back a point per point: its reconstruction, shape [n, dataDim]. */
function checkReconstruction(D: Module, dataDim: number, title: string): void {
  const probe = tf.tidy(() => D.apply(tf.zeros([2, dataDim])));
  const shape = probe.shape;
  probe.dispose();
  if (shape.length !== 2 || shape[0] !== 2 || shape[1] !== dataDim) {
    throw new Error(
      `buildDiscriminator must return a reconstruction of its input, shape [n, ${dataDim}], for ${title} (ctx.output is 'autoencoder'); ` +
        `it returned shape [${shape.join(', ')}] for 2 points: build an auto-encoder when ctx.output === 'autoencoder' (see the template model.ts)`,
    );
  }
}

/**
 * Apply one player's gradients, unless its loss or gradient norm is not finite:
 * then nothing is applied and DivergedError names the first non-finite quantity.
 * After an update, the module's own hook runs (e.g. spectral norm's power step).
 * With `measure`, returns the relative update size ‖Δθ‖/‖θ‖ over all of the
 * module's variables (the doctor's step-size signal; ~1e-3 is typical of
 * healthy training, 1e-1 means the steps are as large as the weights).
 */
async function applyChecked(
  who: 'discriminator' | 'generator',
  step: number,
  loss: number,
  norm: number,
  grads: tf.NamedTensorMap,
  opt: tf.Optimizer,
  module: Module,
  measure: boolean,
): Promise<number | undefined> {
  let before: tf.Tensor[] | undefined;
  try {
    const bad = !Number.isFinite(loss) ? `the ${who} loss` : !Number.isFinite(norm) ? await firstNonFinite(grads, who) : undefined;
    if (bad) throw new DivergedError(step + 1, bad);
    if (measure) before = module.variables.map((v) => tf.clone(v));
    opt.applyGradients(grads);
  } finally {
    tf.dispose(Object.values(grads));
  }
  if (module.afterUpdate) tf.tidy(() => module.afterUpdate!());
  if (!before) return undefined;
  const old = before;
  const ratio = tf.tidy(() => tf.div(globalNorm(module.variables.map((v, i) => tf.sub(v, old[i]))), tf.add(globalNorm(module.variables), 1e-12)));
  tf.dispose(old);
  const r = (await ratio.data())[0];
  ratio.dispose();
  return r;
}

function globalNorm(ts: tf.Tensor[]): tf.Scalar {
  return tf.sqrt(sumAll(ts.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
}

/**
 * The sum of many scalars as a tree of binary adds, not tf.addN: on WebGPU
 * (tfjs 4.22 through Dawn on an H200) addN of many tensors compiled a shader
 * with 9 storage buffers, over the device's default limit of 8; the invalid
 * pipeline made the whole command buffer fail, so every gradient computed with
 * it came back wrong (the start-of-run self-check caught it: 100–211 % off).
 */
export function sumAll(ts: tf.Tensor[]): tf.Tensor {
  if (ts.length === 0) return tf.scalar(0);
  let level = ts;
  while (level.length > 1) {
    const next: tf.Tensor[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? tf.add(level[i], level[i + 1]) : level[i]);
    level = next;
  }
  return level[0];
}

/** Name the first variable whose gradient holds a NaN or Inf. */
async function firstNonFinite(grads: tf.NamedTensorMap, who: string): Promise<string> {
  for (const [name, g] of Object.entries(grads)) {
    const ok = tf.tidy(() => tf.all(tf.isFinite(g)));
    const fine = (await ok.data())[0];
    ok.dispose();
    if (!fine) return `the ${who} gradient of variable '${name}'`;
  }
  return `the ${who} gradient norm`;
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

function pairs(a: Float32Array, m: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < m; i++) out.push([round(a[2 * i]), round(a[2 * i + 1])]);
  return out;
}
