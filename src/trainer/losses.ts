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

/** LSGAN discriminator loss: ½E[(D(x) − b)²] + ½E[(D(G(z)) − a)²] on the raw score. */
export function lsganDiscriminatorLoss(dReal: tf.Tensor, dFake: tf.Tensor, a: number, b: number): tf.Scalar {
  return tf.mul(0.5, tf.add(tf.mean(tf.square(tf.sub(dReal, b))), tf.mean(tf.square(tf.sub(dFake, a)))));
}

/** LSGAN generator loss: ½E[(D(G(z)) − c)²]. */
export function lsganGeneratorLoss(dFake: tf.Tensor, c: number): tf.Scalar {
  return tf.mul(0.5, tf.mean(tf.square(tf.sub(dFake, c))));
}

/** Hinge discriminator loss: E[relu(1 − D(x))] + E[relu(1 + D(G(z)))]. */
export function hingeDiscriminatorLoss(dReal: tf.Tensor, dFake: tf.Tensor): tf.Scalar {
  return tf.add(tf.mean(tf.relu(tf.sub(1, dReal))), tf.mean(tf.relu(tf.add(1, dFake))));
}

/** Hinge generator loss: −E[D(G(z))] (the same as WGAN's). */
export const hingeGeneratorLoss = wassersteinGeneratorLoss;

/**
 * DRAGAN perturbation x + δ, δ = 0.5·std(x)·u with u ~ U[0, 1] per element and
 * std over the whole batch, as in DRAGAN's code.
 */
export function draganPerturb(real: tf.Tensor2D, seed: number): tf.Tensor2D {
  const std = tf.sqrt(tf.moments(real).variance);
  const u = tf.randomUniform(real.shape, 0, 1, 'float32', seed);
  return tf.add(real, tf.mul(tf.mul(0.5, std), u)) as tf.Tensor2D;
}

/** DRAGAN penalty E[(‖∇D(x + δ)‖ − 1)²] (see draganPerturb). */
export function draganPenalty(D: Module, real: tf.Tensor2D, seed: number): tf.Scalar {
  return tf.mean(tf.square(tf.sub(inputGradientNorms(D, draganPerturb(real, seed)), 1)));
}

/** Zero-centred penalty ½E‖∇D(x)‖² (R1 on real data, R2 on generated data); multiply by γ. */
export function zeroCentredPenalty(D: Module, x: tf.Tensor2D): tf.Scalar {
  const g = tf.grad((xi: tf.Tensor) => tf.sum(D.apply(xi as tf.Tensor2D)))(x);
  return tf.mul(0.5, tf.mean(tf.sum(tf.square(g), 1)));
}

/**
 * WGAN weight clipping: every variable to [−c, c], in place. Returns the share
 * of weights that sit at ±c afterwards (a critic whose weights all sit at the
 * bounds has lost most of its capacity).
 */
export function clipWeights(vars: readonly tf.Variable[], c: number): tf.Scalar {
  return tf.tidy(() => {
    let atBound = tf.scalar(0);
    let total = 0;
    for (const v of vars) {
      const clipped = tf.clipByValue(v, -c, c);
      v.assign(clipped);
      atBound = tf.add(atBound, tf.sum(tf.cast(tf.greaterEqual(tf.abs(clipped), c * (1 - 1e-6)), 'float32')));
      total += v.size;
    }
    return tf.div(atBound, Math.max(1, total));
  });
}
