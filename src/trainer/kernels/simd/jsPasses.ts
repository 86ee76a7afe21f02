/**
 * The heap passes as JS loops over Float32Array views: for any column count,
 * on the cpu backend, and wherever the SIMD module cannot be instantiated.
 * The reference the SIMD passes are tested against.
 */
import type { HeapPasses, PassArrays } from './passTypes';

const f = Math.fround;

export const jsPasses: HeapPasses = {
  kind: 'js',
  workspace: (cols) => {
    const f32 = () => new Float32Array(cols);
    const w: PassArrays = { shift: f32(), sum1: new Float64Array(cols), sum2: new Float64Array(cols), s: f32(), a: f32(), b: f32(), k: f32() };
    return { arrays: () => w, release: () => undefined };
  },
  moments(x, { shift, sum1, sum2 }, rows, cols) {
    sum1.fill(0);
    sum2.fill(0);
    for (let r = 0, i = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++, i++) {
        const d = x[i] - shift[c];
        sum1[c] += d;
        sum2[c] += d * d;
      }
    }
  },
  crossSums(g, x, { shift, sum1, sum2 }, rows, cols) {
    sum1.fill(0);
    sum2.fill(0);
    for (let r = 0, i = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++, i++) {
        sum1[c] += g[i];
        sum2[c] += g[i] * (x[i] - shift[c]);
      }
    }
  },
  affine(x, { s, a, b }, y, rows, cols) {
    for (let r = 0, i = 0; r < rows; r++) for (let c = 0; c < cols; c++, i++) y[i] = (x[i] - s[c]) * a[c] + b[c];
  },
  affine2(g, x, { s, a, b, k }, out, rows, cols) {
    for (let r = 0, i = 0; r < rows; r++) for (let c = 0; c < cols; c++, i++) out[i] = g[i] * a[c] + (x[i] - s[c]) * b[c] + k[c];
  },
  transpose(x, rows, cols, out) {
    for (let r = 0; r < rows; r++) {
      const b = r * cols;
      for (let c = 0; c < cols; c++) out[c * rows + r] = x[b + c];
    }
  },
  columnSums(x, rows, cols, out) {
    // Four rows per pass over the accumulators keep their loads and stores to a quarter; each addition is still rounded in turn.
    const acc = new Float32Array(cols);
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const b0 = r * cols;
      const b1 = b0 + cols;
      const b2 = b1 + cols;
      const b3 = b2 + cols;
      for (let c = 0; c < cols; c++) acc[c] = f(f(f(f(acc[c] + x[b0 + c]) + x[b1 + c]) + x[b2 + c]) + x[b3 + c]);
    }
    for (; r < rows; r++) {
      const b = r * cols;
      for (let c = 0; c < cols; c++) acc[c] += x[b + c];
    }
    out.set(acc);
  },
  weightedColumnSums(x, w, rows, cols, out) {
    const acc = new Float32Array(cols);
    for (let r = 0, i = 0; r < rows; r++) {
      const wr = w[r];
      for (let c = 0; c < cols; c++, i++) acc[c] += Math.fround(x[i] * wr);
    }
    out.set(acc);
  },
  leakyRelu(x, y, alpha) {
    const a = Math.fround(alpha);
    // v + 0 turns −0 into +0 and keeps NaN, as the SIMD pass does.
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      y[i] = v < 0 ? v * a : v + 0;
    }
  },
  leakyReluGrad(dy, x, dx, alpha) {
    const a = Math.fround(alpha);
    for (let i = 0; i < x.length; i++) dx[i] = x[i] > 0 ? dy[i] : dy[i] * a;
  },
  // A double result of one +, −, ×, ÷ or √ on float32 inputs rounds (f) to the correctly rounded float32 result.
  adam([value, grad, m, v], [outValue, outM, outV], k) {
    const [b1, b2, g1, g2, c1, c2, eps, negLr] = [k.beta1, k.beta2, 1 - k.beta1, 1 - k.beta2, k.c1, k.c2, k.epsilon, -k.lr].map(f);
    for (let i = 0; i < value.length; i++) {
      const g = grad[i];
      const mi = f(f(m[i] * b1) + f(g * g1));
      const vi = f(f(v[i] * b2) + f(f(g * g) * g2));
      outM[i] = mi;
      outV[i] = vi;
      outValue[i] = f(f(f(mi / c1) / f(f(Math.sqrt(f(vi / c2))) + eps)) * negLr) + value[i];
    }
  },
  rmsprop([value, grad, ms, mom], [outValue, outMs, outMom], k) {
    const [rho, oneMinusRho, mu, lr, eps] = [k.decay, 1 - k.decay, k.momentum, k.lr, k.epsilon].map(f);
    for (let i = 0; i < value.length; i++) {
      const g = grad[i];
      const si = f(f(ms[i] * rho) + f(f(g * g) * oneMinusRho));
      const mi = f(f(mom[i] * mu) + f(f(g * lr) / f(Math.sqrt(f(si + eps)))));
      outMs[i] = si;
      outMom[i] = mi;
      outValue[i] = value[i] - mi;
    }
  },
  average(average, value, out, beta) {
    const [b, rest] = [beta, 1 - beta].map(f);
    for (let i = 0; i < value.length; i++) out[i] = f(f(average[i] * b) + f(value[i] * rest));
  },
};
