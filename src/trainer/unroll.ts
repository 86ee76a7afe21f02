/**
 * Differentiable copies of the discriminator's optimizer steps, for Unrolled
 * GAN (Metz et al., ICLR 2017): θ_D^{k+1} = θ_D^k + step(∇L_D(θ_D^k)), as
 * tensor functions of θ_D^k, so that the generator's gradient flows through
 * all K steps (second order: ∂θ_D^K/∂θ_G through ∇L_D, which depends on G(z)).
 *
 * Each step is the update the real optimizer would make, computed from its
 * current state without changing it — the authors' notebook
 * (poolio/unrolled_gan) builds its unrolled graph from D's own Adam update
 * in the same way:
 *   - Adam (tfjs AdamOptimizer): moments m, v and the running powers β1ᵗ, β2ᵗ
 *     are read from D's optimizer and advanced along the unrolled chain;
 *   - RMSProp (tfjs RMSPropOptimizer, no momentum, not centred): the running
 *     mean of squares is read and advanced likewise.
 * Before D's first update the optimizer has no slots yet; they start at zero,
 * as the optimizer's own would.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * √x whose gradient is 0 where x = 0 (tf.sqrt's is 1/(2√x) = ∞ there). A
 * ReLU network has weights whose gradient is exactly 0 (dead units), so
 * Adam's second moment v = (1 − β2)·g² is exactly 0 for them, and ∞·0 in the
 * backward pass would turn G's whole gradient into NaN. √((1 − β2)g²) is
 * √(1 − β2)·|g|, whose subgradient at g = 0 includes 0: the value is exact,
 * the gradient is the one a subgradient method would take.
 */
const sqrtZeroSafe = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const y = tf.sqrt(x);
  save([y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, [yy]: tf.Tensor[]) => tf.where(tf.greater(yy, 0), tf.div(tf.mul(dy, 0.5), tf.maximum(yy, 1e-30)), tf.zerosLike(yy)),
  };
}) as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/** One unrolled step: new parameters from the current ones and their gradients. */
export interface FunctionalOptimizer {
  step(params: readonly tf.Tensor[], grads: readonly tf.Tensor[]): tf.Tensor[];
}

interface SlotVariable {
  variable: tf.Variable;
}

/** tfjs 4 keeps these as (TypeScript-)private fields; checkpoint.ts reads accBeta1/2 the same way. */
interface AdamInternals {
  accumulatedFirstMoment: (SlotVariable | undefined)[];
  accumulatedSecondMoment: (SlotVariable | undefined)[];
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

interface RmsPropInternals {
  accumulatedMeanSquares: (SlotVariable | undefined)[];
}

/**
 * A functional copy of `opt` (the optimizer of the network whose variables
 * are `vars`, in the order the optimizer saw them) at its current state.
 * Throws, naming the optimizer, for kinds it cannot copy.
 */
export function functionalCopy(opt: tf.Optimizer, vars: readonly tf.Variable[]): FunctionalOptimizer {
  const cfg = opt.getConfig() as Record<string, number | boolean>;
  const slot = (slots: (SlotVariable | undefined)[] | undefined, i: number): tf.Tensor => slots?.[i]?.variable ?? tf.zerosLike(vars[i]);
  const lr = Number(cfg.learningRate);
  const eps = Number(cfg.epsilon);
  // By class name: tfjs optimizers answer instanceof for any optimizer class (duck-typed Symbol.hasInstance).
  const kind = opt.getClassName();
  if (kind === 'Adam') {
    const o = opt as unknown as AdamInternals;
    if (!(o.accBeta1 instanceof tf.Variable) || !(o.accBeta2 instanceof tf.Variable)) {
      throw new Error('unrolled GAN: this tfjs version keeps Adam\'s state where the trainer cannot read it; use optimizer rmsprop or tfjs 4');
    }
    const b1 = Number(cfg.beta1);
    const b2 = Number(cfg.beta2);
    let m = vars.map((_, i) => slot(o.accumulatedFirstMoment, i));
    let v = vars.map((_, i) => slot(o.accumulatedSecondMoment, i));
    // β1ᵗ, β2ᵗ of the update about to be made (the optimizer multiplies them after each update).
    let p1: tf.Tensor = o.accBeta1;
    let p2: tf.Tensor = o.accBeta2;
    return {
      step(params, grads) {
        m = m.map((mi, i) => tf.add(tf.mul(mi, b1), tf.mul(grads[i], 1 - b1)));
        v = v.map((vi, i) => tf.add(tf.mul(vi, b2), tf.mul(tf.square(grads[i]), 1 - b2)));
        const c1 = tf.sub(1, p1);
        const c2 = tf.sub(1, p2);
        const out = params.map((p, i) => tf.sub(p, tf.mul(lr, tf.div(tf.div(m[i], c1), tf.add(sqrtZeroSafe(tf.div(v[i], c2)), eps)))));
        p1 = tf.mul(p1, b1);
        p2 = tf.mul(p2, b2);
        return out;
      },
    };
  }
  if (kind === 'RMSProp') {
    if (Number(cfg.momentum) !== 0 || cfg.centered === true) throw new Error('unrolled GAN: only RMSProp without momentum, not centred (the trainer\'s) can be unrolled');
    const decay = Number(cfg.decay);
    let ms = vars.map((_, i) => slot((opt as unknown as RmsPropInternals).accumulatedMeanSquares, i));
    return {
      step(params, grads) {
        ms = ms.map((s, i) => tf.add(tf.mul(s, decay), tf.mul(tf.square(grads[i]), 1 - decay)));
        return params.map((p, i) => tf.sub(p, tf.div(tf.mul(grads[i], lr), tf.sqrt(tf.add(ms[i], eps)))));
      },
    };
  }
  throw new Error(`unrolled GAN: cannot unroll a ${kind} optimizer; use training.optimizer 'adam' or 'rmsprop'`);
}

/**
 * θ_D^K: K functional steps of `opt` on `lossOf(params)` from D's current
 * variables. Gradients reach whatever the loss depends on (G's samples) and
 * the starting variables. K = 0 returns the variables themselves.
 */
export function unrollParameters(
  vars: readonly tf.Variable[],
  opt: tf.Optimizer,
  steps: number,
  lossOf: (params: readonly tf.Tensor[]) => tf.Scalar,
): tf.Tensor[] {
  let params: tf.Tensor[] = [...vars];
  if (steps === 0) return params;
  const f = functionalCopy(opt, vars);
  for (let k = 0; k < steps; k++) {
    // tf.grads nests inside an outer gradient (as the gradient penalties do), so θ^{k+1} stays differentiable.
    const grads = tf.grads((...p: tf.Tensor[]) => lossOf(p))(params);
    params = f.step(params, grads);
  }
  return params;
}
