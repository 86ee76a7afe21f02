/**
 * Variant implementations: for each id of the catalogue (src/protocol/variants.ts),
 * its loss pair and regularizers. Adding a variant = one catalogue record + one
 * entry here.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedConfig } from '../../protocol/config';
import type { FDivergence, PenaltyTarget, VariantId } from '../../protocol/variants';
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
  dLoss(i: DStepInputs): DLoss;
  /**
   * Called inside a tidy right after every discriminator update (e.g. weight
   * clipping); the scalars it returns are reported as metrics.
   */
  afterDiscriminatorUpdate?(D: Module, options: ResolvedConfig['options']): Record<string, tf.Scalar>;
  /** What the variant needs of the user's D beyond apply (checked when training starts, see requirements.ts). */
  needs?(options: ResolvedConfig['options']): DiscriminatorNeed[];
}

/** Most variants: G's loss is a function of D's output on G(z). */
interface OutputGeneratorLoss {
  gLoss(dFake: tf.Tensor, options: ResolvedConfig['options']): tf.Scalar;
  generatorLoss?: never;
}

/** G's loss from the whole step: real data, D's parameters or features, D's optimizer. */
interface BatchGeneratorLoss {
  generatorLoss(i: GStepInputs): GLoss;
  gLoss?: never;
}

export type VariantImpl = VariantCommon & (OutputGeneratorLoss | BatchGeneratorLoss);

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
} satisfies Record<VariantId, VariantImpl>;
