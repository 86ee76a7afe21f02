/**
 * Loss pairs and penalties, as pure tensor functions of discriminator outputs
 * (shape [n, 1]) so each can be checked against hand-computed values.
 * Logit losses use softplus: log σ(d) = −softplus(−d), log(1 − σ(d)) = −softplus(d),
 * which stays finite where σ saturates.
 */
import * as tf from '@tensorflow/tfjs';
import type { Module } from './userApi';

/** Discriminator loss of the original GAN: −E[log D(x)] − E[log(1 − D(G(z)))]. */
export function ganDiscriminatorLoss(dReal: tf.Tensor, dFake: tf.Tensor): tf.Scalar {
  return tf.add(tf.mean(tf.softplus(tf.neg(dReal))), tf.mean(tf.softplus(dFake)));
}

/** Non-saturating generator loss: −E[log D(G(z))]. */
export function nonSaturatingGeneratorLoss(dFake: tf.Tensor): tf.Scalar {
  return tf.mean(tf.softplus(tf.neg(dFake)));
}

/** Minimax generator loss: E[log(1 − D(G(z)))] (minimised; saturates when D wins). */
export function minimaxGeneratorLoss(dFake: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(tf.softplus(dFake))) as tf.Scalar;
}

/** Wasserstein critic loss (without penalty): E[D(G(z))] − E[D(x)]. */
export function wassersteinCriticLoss(dReal: tf.Tensor, dFake: tf.Tensor): tf.Scalar {
  return tf.sub(tf.mean(dFake), tf.mean(dReal));
}

/** Wasserstein generator loss: −E[D(G(z))]. */
export function wassersteinGeneratorLoss(dFake: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(dFake)) as tf.Scalar;
}

/** Per-sample L2 norm of ∇ₓ Σ D(x) at `x` (shape [n]). */
export function inputGradientNorms(D: Module, x: tf.Tensor2D): tf.Tensor1D {
  const g = tf.grad((xi: tf.Tensor) => tf.sum(D.apply(xi as tf.Tensor2D)))(x);
  return tf.sqrt(tf.add(tf.sum(tf.square(g), 1), 1e-12)) as tf.Tensor1D;
}

/**
 * WGAN-GP penalty E[(‖∇D(x̂)‖ − 1)²] on x̂ = εx + (1 − ε)x̃, ε ~ U[0, 1] per sample.
 * One-sided: E[max(0, ‖∇D(x̂)‖ − 1)²].
 */
export function gradientPenalty(D: Module, real: tf.Tensor2D, fake: tf.Tensor2D, seed: number, oneSided = false): tf.Scalar {
  const eps = tf.randomUniform([real.shape[0], 1], 0, 1, 'float32', seed);
  const xhat = tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake)) as tf.Tensor2D;
  const gap = tf.sub(inputGradientNorms(D, xhat), 1);
  return tf.mean(tf.square(oneSided ? tf.relu(gap) : gap));
}
