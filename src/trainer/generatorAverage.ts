/**
 * An exponential moving average of the generator's weights (training.emaG):
 * after generator update t, Ḡ ← β·Ḡ + (1 − β)·G with
 * β = min(emaG, (1 + t) / (10 + t)).
 *
 * Why: a GAN's generator rarely settles; its weights orbit the equilibrium
 * the two players are looking for. The average of the orbit sits nearer to
 * it than any point on it (Yazıcı et al. 2019, "The unusual effectiveness of
 * averaging in GAN training"), so samples from Ḡ are sharper and steadier
 * from one evaluation to the next. ProGAN and StyleGAN report every number
 * from such an average. The ramp (TensorFlow's ExponentialMovingAverage
 * with num_updates) keeps the random initial weights from lingering in Ḡ
 * for the first thousands of steps.
 *
 * Ḡ only replaces G where samples are evaluated (metrics, snapshots, the
 * best checkpoint); G itself trains as before, so a run with the average
 * takes exactly the same steps as one without. β depends on the step alone,
 * and Ḡ's weights go into every checkpoint, so a resumed run's average is
 * the uninterrupted run's.
 */
import * as tf from '@tensorflow/tfjs';
import { FUSED_AVERAGE, type FusedAverageAttrs } from './kernels/fusedOptimizers';
import { newVariable, type Module } from './userApi';

/** β for generator update `step` (0-based). */
export function averageDecay(decay: number, step: number): number {
  return Math.min(decay, (1 + step) / (10 + step));
}

export class GeneratorAverage {
  /** Ḡ's weights, one per G.variables entry, in that order. */
  readonly weights: tf.Variable[];

  constructor(
    private readonly G: Module,
    readonly decay: number,
  ) {
    if (!(decay > 0 && decay < 1)) throw new Error(`training.emaG must be in (0, 1) for an average; got ${decay}`);
    // Ḡ starts as G. Sharing the buffers is safe: nothing in the trainer
    // writes a variable in place (optimizers and update() assign new tensors).
    this.weights = G.variables.map((v) => newVariable(`${v.name}/average`, false, () => v.clone()));
  }

  /** Fold G's weights after generator update `step` into the average. */
  update(step: number): void {
    const b = averageDecay(this.decay, step);
    tf.tidy(() => {
      // On wasm and cpu one kernel per variable, bit for bit the three ops of the other backends (kernels/fusedOptimizers.ts).
      let next: (a: tf.Tensor, v: tf.Tensor) => tf.Tensor;
      if (tf.getKernel(FUSED_AVERAGE, tf.getBackend())) {
        const attrs: FusedAverageAttrs = { beta: b };
        next = (a, v) => tf.engine().runKernel(FUSED_AVERAGE, { average: a, value: v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      } else {
        const beta = tf.scalar(b); // once per update, not per variable: on a GPU each scalar is an upload
        const rest = tf.scalar(1 - b);
        next = (a, v) => tf.add(tf.mul(a, beta), tf.mul(v, rest));
      }
      this.G.variables.forEach((v, i) => this.weights[i].assign(next(this.weights[i], v)));
    });
  }

  /**
   * Run `fn` with Ḡ's weights in G's variables, then put G's back. The swap
   * moves references, not data (assign takes the tensor's buffer), so it
   * costs nothing however large G is. `fn` must be synchronous: nothing may
   * train G while its variables hold the average.
   */
  withAverage<T>(fn: () => T): T {
    const vars = this.G.variables;
    const own = vars.map((v) => v.clone());
    vars.forEach((v, i) => v.assign(this.weights[i]));
    try {
      return fn();
    } finally {
      vars.forEach((v, i) => v.assign(own[i]));
      tf.dispose(own);
    }
  }

  dispose(): void {
    tf.dispose(this.weights);
  }
}
