/**
 * The gradient of a convolution's filter gradient (src/trainer/kernels/secondOrder.ts),
 * which Unrolled GAN needs with convolutional discriminators, against finite
 * differences. L(x, dy) = Σ G ⊙ ∂/∂W[Σ dy ⊙ conv2d(x, W)] is bilinear in x and
 * dy, so central differences are exact up to float rounding.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { registerSecondOrderGradients } from '../../src/trainer/kernels/secondOrder';
import { pickBackend } from '../../src/trainer/backend';

registerSecondOrderGradients();

interface Case {
  x: [number, number, number, number];
  k: number;
  out: number;
  stride: number;
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { x: [2, 7, 7, 3], k: 5, out: 4, stride: 2, pad: 'same' },
  { x: [1, 6, 5, 2], k: 3, out: 3, stride: 1, pad: 'valid' },
  { x: [3, 8, 8, 1], k: 4, out: 2, stride: 2, pad: 'same' },
];

function check(c: Case, seed: number): string[] {
  const problems: string[] = [];
  tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', seed);
    const W = tf.randomNormal([c.k, c.k, c.x[3], c.out], 0, 1, 'float32', seed + 1);
    const yShape = tf.conv2d(x as tf.Tensor4D, W as tf.Tensor4D, c.stride, c.pad).shape;
    const dy = tf.randomNormal(yShape, 0, 1, 'float32', seed + 2);
    const G = tf.randomNormal(W.shape, 0, 1, 'float32', seed + 3);
    const L = (xx: tf.Tensor, dd: tf.Tensor) => {
      const dW = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(dd, tf.conv2d(xx as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad))))(W);
      return tf.sum(tf.mul(G, dW));
    };
    const [gx, gdy] = tf.grads((xx: tf.Tensor, dd: tf.Tensor) => L(xx, dd))([x, dy]);
    for (const [name, t, g, at] of [['x', x, gx, (v: tf.Tensor) => L(v, dy)], ['dy', dy, gdy, (v: tf.Tensor) => L(x, v)]] as const) {
      const base = t.dataSync();
      const grad = g.dataSync();
      // A handful of coordinates spread over the tensor.
      for (const i of [0, 1, Math.floor(base.length / 3), Math.floor(base.length / 2), base.length - 1]) {
        const plus = Float32Array.from(base);
        const minus = Float32Array.from(base);
        plus[i] += 0.5;
        minus[i] -= 0.5;
        const fd = at(tf.tensor(plus, t.shape)).dataSync()[0] - at(tf.tensor(minus, t.shape)).dataSync()[0];
        const scale = Math.max(1, Math.abs(fd));
        if (Math.abs(fd - grad[i]) > 2e-3 * scale) problems.push(`${JSON.stringify(c)} ∂L/∂${name}[${i}]: autodiff ${grad[i]}, finite difference ${fd}`);
      }
    }
  });
  return problems;
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`second-order convolution gradients match finite differences on ${backend}`, async () => {
    await pickBackend(backend);
    const problems = CASES.flatMap((c, i) => check(c, 10 * i + 1));
    assert.deepEqual(problems, []);
  });
}
