/**
 * What some variants need of the user's discriminator beyond apply(x), checked
 * once when training starts so a missing piece is a clear error naming the
 * builder, not a crash inside the first generator step.
 */
import * as tf from '@tensorflow/tfjs';
import type { Module } from '../userApi';

export type DiscriminatorNeed = 'applyWith' | 'features';

const WHY: Record<DiscriminatorNeed, string> = {
  applyWith: 'applyWith(x, params): D\'s forward pass with substituted parameter tensors, which the unrolled steps differentiate through',
  features: 'features(x): the activations of D\'s last hidden layer, the space the learned projections live in',
};

const HOW =
  "mlp, sequential, dense and spectralNorm from 'gan-workbench' provide it; a wrapper object must pass it on, as templates/toy/model.ts does " +
  '(e.g. applyWith: (x, params) => net.applyWith!(x, params), features: (x) => net.features!(x))';

/**
 * Throws an Error naming buildDiscriminator when `D` lacks what `needs` lists,
 * or when its applyWith(x, variables) is not the function apply(x) computes.
 */
export function checkDiscriminatorFor(variant: string, D: Module, needs: readonly DiscriminatorNeed[], dataDim: number): void {
  for (const need of needs) {
    if (typeof D[need] !== 'function') throw new Error(`buildDiscriminator must return ${WHY[need]}, for variant '${variant}'. ${HOW}.`);
  }
  const problem = tf.tidy(() => {
    // A fixed probe: 16 points spread over the toy data's range.
    const probe = tf.tensor2d(Array.from({ length: 16 * dataDim }, (_, i) => Math.sin(1.7 * i + 0.3) * 2), [16, dataDim]);
    if (needs.includes('applyWith')) {
      const a = D.apply(probe);
      const b = D.applyWith!(probe, D.variables);
      if (a.shape.join() !== b.shape.join()) return `applyWith(x, variables) returns shape [${b.shape.join(', ')}], apply(x) [${a.shape.join(', ')}]`;
      const gap = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
      const scale = tf.max(tf.abs(a)).dataSync()[0];
      if (!(gap <= 1e-4 * Math.max(1, scale))) return `applyWith(x, variables) differs from apply(x) by up to ${gap.toPrecision(3)}: they must compute the same function (mirror any change to apply in applyWith)`;
    }
    if (needs.includes('features')) {
      const f = D.features!(probe);
      if (f.rank !== 2 || f.shape[0] !== 16) return `features(x) must return one row per sample ([n, k]); for 16 samples it returned shape [${f.shape.join(', ')}]`;
    }
    return undefined;
  });
  if (problem) throw new Error(`buildDiscriminator: ${problem}, for variant '${variant}'.`);
}
