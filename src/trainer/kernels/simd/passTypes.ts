// The interface the heap passes share; heapPasses.ts picks an implementation (jsPasses.ts or simdPasses.ts).

/** The per-channel arrays a pass reads or writes besides the matrices. */
export interface PassArrays {
  /** Subtracted from x before the sums (moments, crossSums). */
  shift: Float32Array;
  /** Σ of the first and second kind (moments: d and d², crossSums: g and g·d; d = x − shift). */
  sum1: Float64Array;
  sum2: Float64Array;
  /** Coefficients of the maps: affine y = (x − s)·a + b; affine2 out = g·a + (x − s)·b + k. */
  s: Float32Array;
  a: Float32Array;
  b: Float32Array;
  k: Float32Array;
}

/** Adam's constants, with c1 = 1 − β1ᵗ and c2 = 1 − β2ᵗ as float32 computes them. */
export interface AdamConstants {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  c1: number;
  c2: number;
}

/** RMSProp's constants (tfjs's non-centred form). */
export interface RMSPropConstants {
  lr: number;
  decay: number;
  momentum: number;
  epsilon: number;
}

export interface Workspace {
  /** The arrays. A heap workspace's views are taken here, so call it after the kernel's last allocation. */
  arrays(): PassArrays;
  release(): void;
}

export interface HeapPasses {
  readonly kind: 'simd' | 'js';
  workspace(cols: number): Workspace;
  /** sum1 = Σ (x − shift), sum2 = Σ (x − shift)² per column. */
  moments(x: Float32Array, w: PassArrays, rows: number, cols: number): void;
  /** sum1 = Σ g, sum2 = Σ g·(x − shift) per column. */
  crossSums(g: Float32Array, x: Float32Array, w: PassArrays, rows: number, cols: number): void;
  /** y = (x − s)·a + b per column; y may be x. */
  affine(x: Float32Array, w: PassArrays, y: Float32Array, rows: number, cols: number): void;
  /** out = g·a + (x − s)·b + k per column. */
  affine2(g: Float32Array, x: Float32Array, w: PassArrays, out: Float32Array, rows: number, cols: number): void;
  /**
   * out = Σ_r x[r, ·], added up in float32 from row 0 to the last: the order
   * and rounding of tfjs's own Sum kernel over the transposed input, so the
   * results are bit for bit the same. out must be on the heap for SIMD.
   */
  columnSums(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
  /** out = xᵀ·w (w: rows values), each column added up in float32 row by row. out must be on the heap for SIMD. */
  weightedColumnSums(x: Float32Array, w: Float32Array, rows: number, cols: number, out: Float32Array): void;
  /** out = xᵀ: x [rows, cols] to out [cols, rows], bits unchanged; out apart from x. Any shape. */
  transpose(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
  /** y = max(x, 0) + min(x, 0)·α elementwise (LeakyReLU; ReLU with α = 0). Any length; y may be x. */
  leakyRelu(x: Float32Array, y: Float32Array, alpha: number): void;
  /** dx = x > 0 ? dy : dy·α elementwise. */
  leakyReluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, alpha: number): void;
  /**
   * The fused optimizers' updates (kernels/fusedOptimizers.ts), [value,
   * grad, slot a, slot b] in, [value', a', b'] out. Each replays tfjs's
   * float32 roundings op by op, so both implementations give tfjs's numbers
   * bit for bit.
   * Adam: m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g², θ' = θ − lr·(m'/c1)/(√(v'/c2) + ε).
   */
  adam(ins: Float32Array[], outs: Float32Array[], k: AdamConstants): void;
  /** RMSProp: ms' = ρ·ms + (1−ρ)·g², mom' = μ·mom + lr·g/√(ms' + ε), θ' = θ − mom'. */
  rmsprop(ins: Float32Array[], outs: Float32Array[], k: RMSPropConstants): void;
  /** Ḡ' = β·Ḡ + (1−β)·θ, as tf.add(tf.mul(Ḡ, β), tf.mul(θ, 1 − β)) rounds it. */
  average(average: Float32Array, value: Float32Array, out: Float32Array, beta: number): void;
}
