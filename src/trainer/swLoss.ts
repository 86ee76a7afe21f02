/**
 * The sliced Wasserstein loss of the sliced Wasserstein generator
 * (Deshpande, Zhang & Schwing, CVPR 2018), in tfjs so G can be trained on it:
 * both batches are projected onto unit directions θ, each projected batch is
 * sorted (sorting pairs the i-th smallest with the i-th smallest, the optimal
 * 1-D transport plan between equal-size samples), and the loss is
 *   SW₂² ≈ mean over θ of (1/n) Σᵢ (sort(θᵀa)ᵢ − sort(θᵀb)ᵢ)²,
 * the squared-distance form the paper's code uses. (The dashboard's `swd`
 * metric, metrics/swd.ts, is the W1 form, computed on the host.)
 *
 * tfjs has no gradient for TopK, so topk only supplies the sorting
 * permutation; the sorted values are gathered from the projections, and
 * gather's gradient routes each pair's gradient back to its two samples
 * (the permutation itself is piecewise constant: no gradient is lost).
 */
import * as tf from '@tensorflow/tfjs';

/** `count` random unit directions in `dim` dimensions, as the columns of a [dim, count] matrix. */
export function randomUnitColumns(dim: number, count: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const g = tf.randomNormal([dim, count], 0, 1, 'float32', seed);
    return tf.div(g, tf.add(tf.norm(g, 'euclidean', 0, true), 1e-12)) as tf.Tensor2D;
  });
}

/** Each row of `p` ([m, n]) sorted (descending), differentiable w.r.t. `p`. */
export function sortRows(p: tf.Tensor2D): tf.Tensor2D {
  const [m, n] = p.shape;
  // The permutation is read back and re-made as a tensor with no history: left on the tape, the path
  // p → topk → indices → gather would ask gather for an (int32) gradient w.r.t. its indices, which tfjs refuses.
  const sorted = tf.topk(p, n, true).indices;
  const indices = tf.tensor2d(sorted.dataSync(), [m, n], 'int32');
  sorted.dispose();
  const rowStart = tf.range(0, m * n, n, 'int32').reshape([m, 1]);
  const flat = tf.reshape(tf.add(indices, rowStart), [m * n]);
  return tf.gather(tf.reshape(p, [m * n]), flat).reshape([m, n]) as tf.Tensor2D;
}

/**
 * Sliced Wasserstein-2² between the rows of `a` and `b` (same shape [n, d])
 * along the columns of `directions` ([d, m], unit vectors).
 */
export function slicedWassersteinLoss(a: tf.Tensor2D, b: tf.Tensor2D, directions: tf.Tensor2D): tf.Scalar {
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new Error(`sliced Wasserstein loss: batches of shape [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ; both must be [n, d]`);
  }
  if (directions.shape[0] !== a.shape[1]) throw new Error(`sliced Wasserstein loss: directions are ${directions.shape[0]}-dimensional, the samples ${a.shape[1]}-dimensional`);
  const pa = sortRows(tf.transpose(tf.matMul(a, directions)) as tf.Tensor2D);
  const pb = sortRows(tf.transpose(tf.matMul(b, directions)) as tf.Tensor2D);
  return tf.mean(tf.square(tf.sub(pa, pb)));
}
