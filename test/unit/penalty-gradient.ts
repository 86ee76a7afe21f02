/** Shared by the penalty tests: autodiff vs central differences through a small critic. */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { leakyRelu, mlp, type ModelContext, type Module } from '../../src/trainer/userApi';

export function criticContext(seed0 = 10): ModelContext {
  let s = seed0;
  return { latentDim: 2, dataDim: 2, hidden: 8, depth: 2, spectralNorm: false, minibatchStd: false, packing: 1, classes: 0, conditional: 'none', output: 'critic', nextSeed: () => s++ };
}

/**
 * ∂penalty/∂w by autodiff vs central differences on a few weights of the first
 * layer, for a relu and a leaky-relu critic (second derivatives must exist).
 */
export function checkPenaltyGradient(name: string, penalty: (D: Module) => tf.Scalar): void {
  for (const act of [undefined, leakyRelu(0.2)]) {
    const D = mlp(criticContext(), 2, 1, `D-${name}`, act);
    const f = () => penalty(D);
    const v = D.variables[0];
    const { grads } = tf.variableGrads(f, [v]);
    const g = grads[v.name].dataSync();
    const w = v.dataSync().slice();
    // Small steps: a relu critic's penalty is piecewise smooth, and a wide step can cross a kink.
    const h = 1e-3;
    for (const idx of [0, 3, 7, 11]) {
      const at = (delta: number) => {
        const wp = w.slice();
        wp[idx] += delta;
        v.assign(tf.tensor(wp, v.shape));
        return f().dataSync()[0];
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      v.assign(tf.tensor(w, v.shape));
      assert.ok(Math.abs(g[idx] - fd) <= 2e-3 + 0.02 * Math.abs(fd), `${name} ∂/∂w[${idx}]: autodiff ${g[idx]} vs finite difference ${fd}`);
    }
    tf.dispose(D.variables);
  }
}
