/** Sets the optimizers' rates for training.lrDecayStart (the schedule itself: src/protocol/schedule.ts). */
import type * as tf from '@tensorflow/tfjs';

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
