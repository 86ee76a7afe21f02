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
import type { Module } from '../userApi';

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

/**
 * A variant whose update carries state between steps (BEGAN's k_t, …) also
 * implements the optional `state()` / `restore(state)` pair of
 * VariantStateHook: checkpoints save those numbers and a resume puts them back.
 */
export interface VariantImpl extends VariantStateHook {
  dLoss(i: DStepInputs): DLoss;
  gLoss(dFake: tf.Tensor, options: ResolvedConfig['options']): tf.Scalar;
  /**
   * Called inside a tidy right after every discriminator update (e.g. weight
   * clipping); the scalars it returns are reported as metrics.
   */
  afterDiscriminatorUpdate?(D: Module, options: ResolvedConfig['options']): Record<string, tf.Scalar>;
}

export const VARIANT_IMPLS: Record<VariantId, VariantImpl> = {
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
};
