/**
 * f-GAN (Nowozin, Cseke & Tomioka 2016, Tables 1 and 6): for each divergence
 * D_f(P‖Q) = ∫ q f(p/q), the output activation g_f that maps the raw
 * variational output V(x) into the domain of the conjugate f*, and f* itself.
 * T(x) = g_f(V(x)) and the variational lower bound is
 *   D_f(P‖Q) ≥ E_P[T(x)] − E_Q[f*(T(x))].
 * `conjugateOfActivation` is f*(g_f(v)) simplified by hand, so it stays
 * finite where the composition of the two textbook formulas would not
 * (e.g. JS: −log(2 − exp(log 2 − softplus(−v))) = softplus(v) − log 2).
 */
import * as tf from '@tensorflow/tfjs';
import type { FDivergence } from '../protocol/variants';

export interface FDivergenceImpl {
  /** g_f(v): raw output → domain of f*. */
  activation(v: tf.Tensor): tf.Tensor;
  /** f*(t), the Fenchel conjugate, on its domain (textbook form, for checks). */
  conjugate(t: tf.Tensor): tf.Tensor;
  /** f*(g_f(v)), written to stay finite for any raw output v. */
  conjugateOfActivation(v: tf.Tensor): tf.Tensor;
}

const LOG2 = Math.log(2);

/**
 * Principal branch of Lambert W for x = e^a (so W > 0), from a = log x:
 * Newton on w + log w = a, started from e^a (small a) or a − log a (large a).
 * The gradient is the implicit one, dW/da = W/(1 + W), not a backward pass
 * through the iterations: the starting point's branch (tf.where over
 * tf.less) has no gradient in tfjs, and the closed form is exact and cheaper.
 */
export const lambertWExp: (a: tf.Tensor) => tf.Tensor = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const a = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  let w = tf.where(tf.less(a, 1), tf.exp(a), tf.sub(a, tf.log(tf.maximum(a, 1))));
  for (let i = 0; i < 8; i++) {
    // w ← w − (w + log w − a)/(1 + 1/w) = w·(1 + a − log w)/(1 + w)
    w = tf.div(tf.mul(w, tf.sub(tf.add(1, a), tf.log(w))), tf.add(1, w));
  }
  save([w]);
  return {
    value: w,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [ws] = saved;
      return tf.mul(dy, tf.div(ws, tf.add(1, ws)));
    },
  };
}) as (a: tf.Tensor) => tf.Tensor;

/** Jeffrey conjugate from its argument a = 1 − t: W(e^a) + 1/W(e^a) + t − 2. */
function jeffreyConjugate(t: tf.Tensor): tf.Tensor {
  const w = lambertWExp(tf.sub(1, t));
  return tf.add(tf.add(w, tf.div(1, w)), tf.sub(t, 2));
}

export const F_DIVERGENCE_IMPLS: Record<FDivergence, FDivergenceImpl> = {
  // f(u) = ½|u − 1|; g_f = ½ tanh v; f*(t) = t on |t| ≤ ½.
  tv: {
    activation: (v) => tf.mul(0.5, tf.tanh(v)),
    conjugate: (t) => t,
    conjugateOfActivation: (v) => tf.mul(0.5, tf.tanh(v)),
  },
  // f(u) = u log u; g_f = v; f*(t) = exp(t − 1).
  kl: {
    activation: (v) => v,
    conjugate: (t) => tf.exp(tf.sub(t, 1)),
    conjugateOfActivation: (v) => tf.exp(tf.sub(v, 1)),
  },
  // f(u) = −log u; g_f = −exp(−v); f*(t) = −1 − log(−t) on t < 0.
  rkl: {
    activation: (v) => tf.neg(tf.exp(tf.neg(v))),
    conjugate: (t) => tf.sub(-1, tf.log(tf.neg(t))),
    conjugateOfActivation: (v) => tf.sub(v, 1),
  },
  // f(u) = (u − 1)²; g_f = v; f*(t) = t²/4 + t.
  pearson: {
    activation: (v) => v,
    conjugate: (t) => tf.add(tf.mul(0.25, tf.square(t)), t),
    conjugateOfActivation: (v) => tf.add(tf.mul(0.25, tf.square(v)), v),
  },
  // f(u) = (1 − u)²/u; g_f = 1 − exp(−v); f*(t) = 2 − 2√(1 − t) on t < 1.
  neyman: {
    activation: (v) => tf.sub(1, tf.exp(tf.neg(v))),
    conjugate: (t) => tf.sub(2, tf.mul(2, tf.sqrt(tf.sub(1, t)))),
    conjugateOfActivation: (v) => tf.sub(2, tf.mul(2, tf.exp(tf.mul(-0.5, v)))),
  },
  // f(u) = (√u − 1)²; g_f = 1 − exp(−v); f*(t) = t/(1 − t) on t < 1.
  hellinger: {
    activation: (v) => tf.sub(1, tf.exp(tf.neg(v))),
    conjugate: (t) => tf.div(t, tf.sub(1, t)),
    conjugateOfActivation: (v) => tf.sub(tf.exp(v), 1),
  },
  // f(u) = (u − 1) log u; g_f = v; f*(t) = W(e^{1−t}) + 1/W(e^{1−t}) + t − 2.
  jeffrey: {
    activation: (v) => v,
    conjugate: jeffreyConjugate,
    conjugateOfActivation: jeffreyConjugate,
  },
  // f(u) = u log u − (u + 1) log((u + 1)/2); g_f = log 2 − log(1 + e^{−v}); f*(t) = −log(2 − e^t).
  js: {
    activation: (v) => tf.sub(LOG2, tf.softplus(tf.neg(v))),
    conjugate: (t) => tf.neg(tf.log(tf.sub(2, tf.exp(t)))),
    conjugateOfActivation: (v) => tf.sub(tf.softplus(v), LOG2),
  },
  // f(u) = u log u − (u + 1) log(u + 1); g_f = −log(1 + e^{−v}); f*(t) = −log(1 − e^t).
  gan: {
    activation: (v) => tf.neg(tf.softplus(tf.neg(v))),
    conjugate: (t) => tf.neg(tf.log(tf.sub(1, tf.exp(t)))),
    conjugateOfActivation: (v) => tf.softplus(v),
  },
};

/** The variational estimate E_P[g_f(V(x))] − E_Q[f*(g_f(V(x̃)))] of D_f(P‖Q). */
export function fDivergenceEstimate(div: FDivergence, vReal: tf.Tensor, vFake: tf.Tensor): tf.Scalar {
  const f = F_DIVERGENCE_IMPLS[div];
  return tf.sub(tf.mean(f.activation(vReal)), tf.mean(f.conjugateOfActivation(vFake)));
}

/** f-GAN discriminator (variational function) loss: −(E_P[T] − E_Q[f*(T)]). */
export function fganDiscriminatorLoss(div: FDivergence, vReal: tf.Tensor, vFake: tf.Tensor): tf.Scalar {
  return tf.neg(fDivergenceEstimate(div, vReal, vFake));
}

/**
 * f-GAN generator loss, the paper's alternative update (Section 3.2, the
 * analogue of GAN's −log D trick): maximise E_Q[g_f(V(G(z)))], i.e. minimise
 * −E_Q[g_f(V(G(z)))], which keeps strong gradients early in training.
 */
export function fganGeneratorLoss(div: FDivergence, vFake: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(F_DIVERGENCE_IMPLS[div].activation(vFake))) as tf.Scalar;
}
