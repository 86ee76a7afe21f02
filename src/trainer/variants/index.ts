/**
 * Variant implementations: for each id of the catalogue (src/protocol/variants.ts),
 * its loss pair and regularizers. Adding a variant = one catalogue record + one
 * entry here.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedConfig } from '../../protocol/config';
import type { VariantId } from '../../protocol/variants';
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

export interface VariantImpl {
  dLoss(i: DStepInputs): DLoss;
  gLoss(dFake: tf.Tensor): tf.Scalar;
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
};
