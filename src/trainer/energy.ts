/**
 * The energy-based variants' tensor and number functions, pure so each can be
 * checked against hand-computed values. An auto-encoder discriminator returns
 * a reconstruction of its input; the energy of a sample is its reconstruction
 * error (low on the data, high elsewhere), one number per sample ([n, 1]),
 * which the losses below take in place of a logit or critic score.
 *
 * EBGAN: Zhao, Mathieu & LeCun, Energy-based Generative Adversarial Network, ICLR 2017.
 * BEGAN: Berthelot, Schumm & Metz, BEGAN: Boundary Equilibrium Generative Adversarial Networks, 2017.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Per-sample reconstruction error mean_j |x_j − r_j|^η over the data dimensions, as
 * [n, 1]: η = 2 is EBGAN's mean squared error, η = 1 BEGAN's L1 loss.
 */
export function reconstructionEnergy(x: tf.Tensor2D, reconstruction: tf.Tensor2D, eta: 1 | 2): tf.Tensor2D {
  const diff = tf.sub(x, reconstruction);
  const e = eta === 2 ? tf.square(diff) : tf.abs(diff);
  return tf.mean(e, 1, true) as tf.Tensor2D;
}

/** EBGAN discriminator loss E[D(x)] + E[max(0, m − D(G(z)))] on the energies. */
export function ebganDiscriminatorLoss(eReal: tf.Tensor, eFake: tf.Tensor, margin: number): tf.Scalar {
  return tf.add(tf.mean(eReal), tf.mean(tf.relu(tf.sub(margin, eFake))));
}

/** EBGAN and BEGAN generator loss: E[D(G(z))], the mean energy of the generated batch. */
export function energyGeneratorLoss(eFake: tf.Tensor): tf.Scalar {
  return tf.mean(eFake);
}

/**
 * EBGAN's pull-away term on a batch of codes S (one row per sample):
 * 1/(N(N − 1)) Σ_i Σ_(j≠i) (S_iᵀS_j / (‖S_i‖‖S_j‖))², the mean squared cosine
 * similarity between distinct samples; it falls as the codes spread out,
 * which is what the generator is pushed towards (no collapse on one mode).
 */
export function pullAwayTerm(codes: tf.Tensor2D): tf.Scalar {
  const n = codes.shape[0];
  if (n < 2) return tf.scalar(0);
  // sqrt(‖S_i‖² + ε): finite, with a finite gradient, even for an all-zero code.
  const unit = tf.div(codes, tf.sqrt(tf.add(tf.sum(tf.square(codes), 1, true), 1e-12)));
  const cos2 = tf.square(tf.matMul(unit, unit, false, true));
  // The diagonal holds each sample against itself (cos² = 1 up to rounding): subtract it exactly.
  const offDiagonal = tf.sub(tf.sum(cos2), tf.sum(tf.square(tf.sum(tf.square(unit), 1))));
  return tf.div(offDiagonal, n * (n - 1)) as tf.Scalar;
}

/** BEGAN discriminator loss L(x) − k_t·L(G(z)) with L the batch mean of the per-sample losses. */
export function beganDiscriminatorLoss(lReal: tf.Tensor, lFake: tf.Tensor, k: number): tf.Scalar {
  return tf.sub(tf.mean(lReal), tf.mul(k, tf.mean(lFake)));
}

/** BEGAN's equilibrium control: k_(t+1) = clip(k_t + λ_k(γ·L(x) − L(G(z))), 0, 1). */
export function beganNextK(k: number, lambdaK: number, gamma: number, lReal: number, lFake: number): number {
  return Math.min(1, Math.max(0, k + lambdaK * (gamma * lReal - lFake)));
}

/** BEGAN's convergence measure M_global = L(x) + |γ·L(x) − L(G(z))|. */
export function beganConvergence(gamma: number, lReal: number, lFake: number): number {
  return lReal + Math.abs(gamma * lReal - lFake);
}
