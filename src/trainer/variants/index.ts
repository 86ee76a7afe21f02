/**
 * Variant implementations: for each id of the catalogue (src/protocol/variants.ts),
 * its loss pair and regularizers. Adding a variant = one catalogue record + one
 * entry here.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedConfig } from '../../protocol/config';
import type { FDivergence, PenaltyTarget, VariantId } from '../../protocol/variants';
import * as E from '../energy';
import { fDivergenceEstimate, fganGeneratorLoss } from '../fdivergence';
import type { VariantStateHook } from '../checkpoint';
import * as L from '../losses';
import { randomUnitColumns, slicedWassersteinLoss } from '../swLoss';
import { unrollParameters } from '../unroll';
import type { Module } from '../userApi';
import type { DiscriminatorNeed } from './requirements';

export interface DStepInputs {
  D: Module;
  real: tf.Tensor2D;
  fake: tf.Tensor2D;
  /** D's outputs, [n, 1]: logits, critic scores or, for 'autoencoder' variants, the energies (VariantImpl.energy). */
  dReal: tf.Tensor;
  dFake: tf.Tensor;
  options: ResolvedConfig['options'];
  /** Seed for any randomness inside the loss (interpolates, perturbations). */
  seed: number;
}

export interface DLoss {
  loss: tf.Scalar;
  /** Named terms reported as metrics (e.g. gp). */
  terms: Record<string, tf.Scalar>;
}

/** What a generator loss that needs more than D(G(z)) is given (Unrolled GAN, sliced Wasserstein generator). */
export interface GStepInputs {
  D: Module;
  /** D's optimizer after this step's D updates: Unrolled GAN copies its next steps. Read it; never apply it. */
  optD: tf.Optimizer;
  /** A real batch of the generator's batch size (drawn for this step's generator update only). */
  real: tf.Tensor2D;
  /** G(z), differentiable w.r.t. G's variables. */
  fake: tf.Tensor2D;
  options: ResolvedConfig['options'];
  /** Seed for any randomness inside the loss (projection directions). */
  seed: number;
}

export interface GLoss {
  loss: tf.Scalar;
  /** Named terms reported as metrics. */
  terms: Record<string, tf.Scalar>;
}

/**
 * A variant whose update carries state between steps (BEGAN's k_t, …) also
 * implements the optional `state()` / `restore(state)` pair of
 * VariantStateHook: checkpoints save those numbers and a resume puts them back.
 */
interface VariantCommon extends VariantStateHook {
  /**
   * 'autoencoder' variants: the per-sample energy ([n, 1]) of x given D's
   * reconstruction of it. The trainer applies it wherever D is evaluated, so
   * the losses, the reported D(x)/D(G(z)) and the heatmap see energies.
   */
  energy?(x: tf.Tensor2D, reconstruction: tf.Tensor2D, options: ResolvedConfig['options']): tf.Tensor2D;
  /** Called once with the built D: throws, naming the option and the fix, when D lacks what the options need. */
  checkDiscriminator?(D: Module, options: ResolvedConfig['options']): void;
  dLoss(i: DStepInputs): DLoss;
  /**
   * Called inside a tidy right after every discriminator update (e.g. weight
   * clipping); the scalars it returns are reported as metrics.
   */
  afterDiscriminatorUpdate?(D: Module, options: ResolvedConfig['options']): Record<string, tf.Scalar>;
  /** What the variant needs of the user's D beyond apply (checked when training starts, see requirements.ts). */
  needs?(options: ResolvedConfig['options']): DiscriminatorNeed[];
  /**
   * Called after every applied discriminator update with that step's batch
   * means of D's outputs (before the update: BEGAN's L(x) and L(G(z))); the
   * numbers it returns are reported as metrics. Not called when the update
   * was refused as diverged, so state it keeps never sees a non-finite value.
   */
  afterDiscriminatorStep?(means: { dReal: number; dFake: number }, options: ResolvedConfig['options']): Record<string, number>;
  /**
   * A variant with state between steps (BEGAN's k_t) returns a new instance
   * with fresh state here; each trainer takes its own, so two trainers in
   * one process (a run and its restored copy) never share state.
   */
  newInstance?(): VariantImpl;
}

/** Most variants: G's loss is a function of D's output on G(z). */
interface OutputGeneratorLoss {
  /** `g` is always given by the trainer; only a variant that needs it reads it (EBGAN's pull-away term encodes G(z)). */
  gLoss(dFake: tf.Tensor, options: ResolvedConfig['options'], g?: Pick<GStepInputs, 'D' | 'fake'>): tf.Scalar;
  generatorLoss?: never;
}

/** G's loss from the whole step: real data, D's parameters or features, D's optimizer. */
interface BatchGeneratorLoss {
  generatorLoss(i: GStepInputs): GLoss;
  gLoss?: never;
}

export type VariantImpl = VariantCommon & (OutputGeneratorLoss | BatchGeneratorLoss);

/** The implementation one trainer uses: its own instance where the variant keeps state. */
export function variantImplFor(id: VariantId): VariantImpl {
  const impl: VariantImpl = VARIANT_IMPLS[id];
  return impl.newInstance ? impl.newInstance() : impl;
}

/** EBGAN: MSE energy, margin loss for D, mean energy (+ λ_PT·pull-away on D's codes) for G. */
const ebgan: VariantImpl = {
  energy: (x, r) => E.reconstructionEnergy(x, r, 2),
  checkDiscriminator: (D, options) => {
    if (Number(options.pullAwayWeight) > 0 && typeof D.encode !== 'function') {
      throw new Error(
        `options.pullAwayWeight is ${options.pullAwayWeight} but buildDiscriminator returned no encode(x): ` +
          'return the encoder as encode (as the template model.ts does) or set options.pullAwayWeight to 0',
      );
    }
  },
  dLoss: ({ dReal, dFake, options }) => ({ loss: E.ebganDiscriminatorLoss(dReal, dFake, Number(options.ebganMargin)), terms: {} }),
  gLoss: (dFake, options, g) => {
    const w = Number(options.pullAwayWeight);
    const loss = E.energyGeneratorLoss(dFake);
    if (!(w > 0)) return loss;
    if (!g?.D.encode) throw new Error('EBGAN pull-away term: the generator loss needs D with encode(x) and the generated batch');
    return tf.add(loss, tf.mul(w, E.pullAwayTerm(g.D.encode(g.fake))));
  },
};

/**
 * BEGAN with its equilibrium variable k_t (k_0 = 0), updated after every D
 * step from that step's L(x) and L(G(z)) (the paper's simultaneous update),
 * saved in checkpoints through state()/restore().
 */
function began(): VariantImpl {
  let k = 0;
  return {
    energy: (x, r, options) => E.reconstructionEnergy(x, r, Number(options.beganEta) === 2 ? 2 : 1),
    dLoss: ({ dReal, dFake }) => ({ loss: E.beganDiscriminatorLoss(dReal, dFake, k), terms: {} }),
    gLoss: E.energyGeneratorLoss,
    afterDiscriminatorStep: ({ dReal, dFake }, options) => {
      const gamma = Number(options.beganGamma);
      k = E.beganNextK(k, Number(options.beganLambdaK), gamma, dReal, dFake);
      return { kT: k, mGlobal: E.beganConvergence(gamma, dReal, dFake) };
    },
    state: () => ({ kT: k }),
    restore: (s) => {
      const v = s.kT;
      if (!(typeof v === 'number' && v >= 0 && v <= 1)) throw new Error(`checkpoint: BEGAN's kT must be a number in [0, 1], found ${JSON.stringify(v)}`);
      k = v;
    },
    newInstance: began,
  };
}

export const VARIANT_IMPLS = {
  'gan-ns': {
    dLoss: ({ dReal, dFake }) => ({ loss: L.ganDiscriminatorLoss(dReal, dFake), terms: {} }),
    gLoss: L.nonSaturatingGeneratorLoss,
  },
  'gan-minimax': {
    dLoss: ({ dReal, dFake }) => ({ loss: L.ganDiscriminatorLoss(dReal, dFake), terms: {} }),
    gLoss: L.minimaxGeneratorLoss,
  },
  'wgan-gp': {
    dLoss: ({ D, real, fake, dReal, dFake, options, seed }) => {
      const gp = L.gradientPenalty(D, real, fake, seed, options.gpOneSided === true);
      const w = Number(options.gpWeight);
      return { loss: tf.add(L.wassersteinCriticLoss(dReal, dFake), tf.mul(w, gp)), terms: { gp } };
    },
    gLoss: L.wassersteinGeneratorLoss,
  },
  lsgan: {
    dLoss: ({ dReal, dFake, options }) => ({
      loss: L.lsganDiscriminatorLoss(dReal, dFake, Number(options.lsganA), Number(options.lsganB)),
      terms: {},
    }),
    gLoss: (dFake, options) => L.lsganGeneratorLoss(dFake, Number(options.lsganC)),
  },
  'wgan-clip': {
    dLoss: ({ dReal, dFake }) => ({ loss: L.wassersteinCriticLoss(dReal, dFake), terms: {} }),
    gLoss: L.wassersteinGeneratorLoss,
    afterDiscriminatorUpdate: (D, options) => ({ clipShare: L.clipWeights(D.variables, Number(options.clipValue)) }),
  },
  hinge: {
    dLoss: ({ dReal, dFake }) => ({ loss: L.hingeDiscriminatorLoss(dReal, dFake), terms: {} }),
    gLoss: L.hingeGeneratorLoss,
  },
  dragan: {
    dLoss: ({ D, real, dReal, dFake, options, seed }) => {
      const gp = L.draganPenalty(D, real, seed);
      return { loss: tf.add(L.ganDiscriminatorLoss(dReal, dFake), tf.mul(Number(options.gpWeight), gp)), terms: { gp } };
    },
    gLoss: L.nonSaturatingGeneratorLoss,
  },
  r1: {
    dLoss: ({ D, real, fake, dReal, dFake, options }) => {
      const on = options.penaltyOn as PenaltyTarget;
      const parts: tf.Scalar[] = [];
      if (on !== 'fake') parts.push(L.zeroCentredPenalty(D, real));
      if (on !== 'real') parts.push(L.zeroCentredPenalty(D, fake));
      const gp = tf.addN(parts) as tf.Scalar;
      return { loss: tf.add(L.ganDiscriminatorLoss(dReal, dFake), tf.mul(Number(options.r1Gamma), gp)), terms: { gp } };
    },
    gLoss: L.nonSaturatingGeneratorLoss,
  },
  'f-gan': {
    dLoss: ({ dReal, dFake, options }) => {
      const fDivergence = fDivergenceEstimate(options.divergence as FDivergence, dReal, dFake);
      return { loss: tf.neg(fDivergence), terms: { fDivergence } };
    },
    gLoss: (dFake, options) => fganGeneratorLoss(options.divergence as FDivergence, dFake),
  },
  unrolled: {
    dLoss: ({ dReal, dFake }) => ({ loss: L.ganDiscriminatorLoss(dReal, dFake), terms: {} }),
    // G minimises f(θ_G, θ_D^K) = −L_D(θ_D^K) (the minimax value, real term included: it depends on θ_G through θ_D^K).
    // The K steps and the final loss use this step's one real and one generated batch, as the authors' notebook does.
    generatorLoss: ({ D, optD, real, fake, options }) => {
      const K = Number(options.unrollSteps);
      const value = (p: readonly tf.Tensor[]) => L.ganDiscriminatorLoss(D.applyWith!(real, p), D.applyWith!(fake, p));
      const params = unrollParameters(D.variables, optD, K, value);
      return { loss: tf.neg(value(params)) as tf.Scalar, terms: {} };
    },
    needs: () => ['applyWith'],
  },
  swg: {
    // D is a plain GAN discriminator: with 'learned' projections its last hidden layer is the space G is compared in.
    dLoss: ({ dReal, dFake }) => ({ loss: L.ganDiscriminatorLoss(dReal, dFake), terms: {} }),
    generatorLoss: ({ D, real, fake, options, seed }) => {
      const learned = options.swProjections === 'learned';
      const a = learned ? D.features!(real) : real;
      const b = learned ? D.features!(fake) : fake;
      const directions = randomUnitColumns(a.shape[1], Number(options.swDirections), seed);
      return { loss: slicedWassersteinLoss(a, b, directions), terms: {} };
    },
    needs: (options) => (options.swProjections === 'learned' ? ['features'] : []),
  },
  ebgan,
  began: began(),
} satisfies Record<VariantId, VariantImpl>;
