/**
 * PacGAN packing (Lin, Khetan, Fanti, Oh, NeurIPS 2018): the discriminator
 * judges m samples at once, concatenated into one input row, every pack all
 * real or all generated. A generator that repeats itself makes packs whose
 * members look alike, which D learns to tell from real packs; the paper
 * shows this penalises mode collapse for any loss, so the trainer applies it
 * below the variant: penalties, interpolates and losses all live in the
 * packed space, with the batch as B/m packs of m·dataDim numbers.
 */
import * as tf from '@tensorflow/tfjs';

/** [n, d] → [n/m, m·d]: rows i·m … i·m+m−1 become pack i (n must be a multiple of m). */
export function pack(x: tf.Tensor2D, m: number): tf.Tensor2D {
  if (m === 1) return x;
  const [n, d] = x.shape;
  if (n % m !== 0) throw new Error(`packing: ${n} samples do not split into packs of ${m}`);
  return tf.reshape(x, [n / m, m * d]);
}

/** [n, d] → [n·m, d] with every row repeated m times in a row, so pack(repeatRows(x, m), m) judges each point on its own. */
export function repeatRows(x: tf.Tensor2D, m: number): tf.Tensor2D {
  if (m === 1) return x;
  const [n, d] = x.shape;
  return tf.reshape(tf.tile(x, [1, m]), [n * m, d]);
}
