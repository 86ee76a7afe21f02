/**
 * What some variants, and the model switches of the config, need of the
 * user's discriminator beyond apply(x), checked once when training starts so
 * a missing piece is a clear error naming the builder, not a crash inside the
 * first generator step or a setting that silently does nothing.
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

/**
 * model.spectralNorm and model.minibatchStd are carried out by the user's
 * model (the template passes them to mlp): a D that ignores one would make
 * the setting, and the doctor's fix that sets it, a silent no-op.
 */
export function checkModelSwitches(model: { spectralNorm: boolean; minibatchStd: boolean; packing: number }, D: Module, dataDim: number): void {
  const inputs = dataDim * model.packing;
  if (model.packing > 1) {
    // A D built for single samples fails on a pack (a matMul shape error deep in the first step): say what to change.
    const shape = tf.tidy(() => {
      try {
        return D.apply(tf.zeros([2, inputs])).shape;
      } catch {
        return undefined;
      }
    });
    if (!shape || shape.length !== 2 || shape[0] !== 2) {
      throw new Error(
        `model.packing is ${model.packing} but buildDiscriminator does not take packs of ${model.packing} samples ` +
          `(${inputs} inputs: ctx.dataDim * ctx.packing)${shape ? `: it returned shape [${shape.join(', ')}] for 2 packs` : ''}; ` +
          'build D with mlp(ctx, ctx.dataDim * ctx.packing, 1, …) as the template model.ts does, or set model.packing to 1',
      );
    }
  }
  if (model.spectralNorm && !D.stateVariables?.length) {
    throw new Error(
      'model.spectralNorm is true but buildDiscriminator applied no spectral normalization (its module has no stateVariables): ' +
        'pass { spectralNorm: ctx.spectralNorm } to mlp (as the template model.ts does) or wrap your layers in spectralNorm, and pass stateVariables on',
    );
  }
  if (model.minibatchStd && !usesBatchStatistics(D, inputs)) {
    throw new Error(
      'model.minibatchStd is true but buildDiscriminator scores each sample on its own: ' +
        'pass { minibatchStd: ctx.minibatchStd } to mlp (as the template model.ts does) or append minibatchStd(x) before your last layer',
    );
  }
}

/** Whether D's output for a sample depends on the rest of its batch (a minibatch-statistics layer). */
function usesBatchStatistics(D: Module, inputs: number): boolean {
  return tf.tidy(() => {
    const x = tf.tensor2d(Array.from({ length: 4 * inputs }, (_, i) => 0.4 * Math.sin(2.3 * i + 0.1)), [4, inputs]);
    const alone = D.apply(x);
    const more = tf.slice(D.apply(tf.concat([x, tf.fill([1, inputs], 3)])), [0, 0], alone.shape);
    return tf.max(tf.abs(tf.sub(alone, more))).dataSync()[0] > 1e-6;
  });
}
