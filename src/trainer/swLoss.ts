/**
 * The sliced Wasserstein loss of the sliced Wasserstein generator
 * (Deshpande, Zhang & Schwing, CVPR 2018), in tfjs so G can be trained on it:
 * both batches are projected onto unit directions θ, each projected batch is
 * sorted (sorting pairs the i-th smallest with the i-th smallest, the optimal
 * 1-D transport plan between equal-size samples), and the loss is
 *   SW₂² ≈ mean over θ of (1/n) Σᵢ (sort(θᵀreal)ᵢ − sort(θᵀfake)ᵢ)²,
 * the squared-distance form of the paper's code. (The dashboard's `swd`
 * metric, metrics/swd.ts, is the W1 form, computed on the host.)
 *
 * How it stays differentiable on every backend: tfjs has no gradient for
 * TopK, and the wasm backend has no kernel for gather's gradient. So, like
 * the paper's code, the generated projections are never reordered: each one
 * is paired with the sorted real projection of the same rank, gathered as a
 * constant target, and the gradient flows straight through the squared
 * difference. The ranks are piecewise constant in the samples, so no gradient
 * is lost. The loss is differentiable w.r.t. `fake` only; `real` is the data.
 */
import * as tf from '@tensorflow/tfjs';

/** `count` random unit directions in `dim` dimensions, as the columns of a [dim, count] matrix. */
export function randomUnitColumns(dim: number, count: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const g = tf.randomNormal([dim, count], 0, 1, 'float32', seed);
    return tf.div(g, tf.add(tf.norm(g, 'euclidean', 0, true), 1e-12)) as tf.Tensor2D;
  });
}

/**
 * A second handle to `t`'s data that the gradient tape has never seen:
 * tfjs's stop_gradient (it has none). Ops on it record nothing that links
 * back to `t`. The backend's reference count is raised, as tf.clone does,
 * so disposing the handle leaves `t` intact.
 */
function detached<T extends tf.Tensor>(t: T): T {
  const engine = tf.engine();
  const d = engine.makeTensorFromTensorInfo({ dataId: t.dataId, shape: t.shape, dtype: t.dtype });
  engine.backend.incRef(t.dataId);
  return d as T;
}

/**
 * For each row of `p` ([m, n]): the flat index into the row-major, row-wise
 * descending-sorted matrix of the entry with the same rank, i.e.
 * out[r][i] = r·n + rank of p[r][i] in row r. The rank is the inverse of the
 * sort order, found on the device by sorting the order itself (ascending, as
 * a descending sort of its negation), so a step never waits on a read back
 * to the host (on a GPU that read would stall every generator step). The
 * sorts run on a detached handle: TopK has no gradient, and none is wanted
 * through an index.
 */
function sameRankIndex(p: tf.Tensor2D): tf.Tensor2D {
  const [m, n] = p.shape;
  return tf.tidy(() => {
    const order = tf.topk(detached(p), n, true).indices;
    const rank = tf.topk(tf.neg(tf.cast(order, 'float32')), n, true).indices;
    return tf.add(rank, tf.mul(tf.reshape(tf.range(0, m, 1, 'int32'), [m, 1]), tf.scalar(n, 'int32'))) as tf.Tensor2D;
  });
}

/**
 * Sliced Wasserstein-2² between the rows of `real` and `fake` (same shape
 * [n, d]) along the columns of `directions` ([d, m], unit vectors).
 */
export function slicedWassersteinLoss(real: tf.Tensor2D, fake: tf.Tensor2D, directions: tf.Tensor2D): tf.Scalar {
  if (real.shape[0] !== fake.shape[0] || real.shape[1] !== fake.shape[1]) {
    throw new Error(`sliced Wasserstein loss: batches of shape [${real.shape.join(', ')}] and [${fake.shape.join(', ')}] differ; both must be [n, d]`);
  }
  if (directions.shape[0] !== real.shape[1]) throw new Error(`sliced Wasserstein loss: directions are ${directions.shape[0]}-dimensional, the samples ${real.shape[1]}-dimensional`);
  const pr = tf.transpose(tf.matMul(real, directions)) as tf.Tensor2D; // [m, n]
  const pf = tf.transpose(tf.matMul(fake, directions)) as tf.Tensor2D;
  const [m, n] = pf.shape;
  const sortedReal = tf.reshape(tf.topk(pr, n, true).values, [m * n]);
  const target = tf.reshape(tf.gather(sortedReal, tf.reshape(sameRankIndex(pf), [m * n])), [m, n]);
  return tf.mean(tf.square(tf.sub(pf, target)));
}
