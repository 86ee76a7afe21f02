/**
 * training.lrDecayStart: the linear decay that pix2pix and CycleGAN use for
 * the second half of a run (Isola et al. 2017; Zhu et al. 2017). The rate is
 * a function of the generator step alone, so a resumed run continues the
 * same schedule with nothing extra in its checkpoint.
 */
import type * as tf from '@tensorflow/tfjs';

/**
 * The factor on both learning rates for the updates of generator step `step`
 * (0-based) of `steps`: 1 before `decayStart`, then (steps − step) /
 * (steps − decayStart), so the first decayed step keeps the full rate and
 * the last one takes 1 / (steps − decayStart) of it.
 */
export function learningRateScale(step: number, steps: number, decayStart: number | undefined): number {
  if (decayStart === undefined || step < decayStart || decayStart >= steps) return 1;
  return Math.max(0, (steps - step) / (steps - decayStart));
}

/**
 * Sets the rate the optimizer's next update uses. tfjs's Adam and RMSProp
 * (and the project's fused subclasses) read their `learningRate` field at
 * each update; it is public in tfjs's JavaScript, protected in its types.
 */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  const o = opt as unknown as { learningRate: number };
  if (typeof o.learningRate !== 'number') throw new Error(`${opt.getClassName()} has no learning rate the trainer can set`);
  o.learningRate = lr;
}
