/**
 * The project's own small MNIST classifier: its penultimate activations are
 * the feature space for image metrics on MNIST-family data (Fréchet distance,
 * KID, precision/recall) and its predictions count the modes of Stacked MNIST
 * (each of the 3 channels classified on its own). It is trained by
 * scripts/train-mnist-classifier.ts; the weights are committed in
 * assets/mnist-classifier/ with a README giving the measured test accuracy.
 *
 * Network (valid padding, stride 1, relu after every layer but the last):
 *   [n, 784] → reshape [n, 28, 28, 1]
 *   conv 3×3×32 → 26×26×32
 *   conv 3×3×32 → 24×24×32 → maxpool 2 → 12×12×32
 *   conv 3×3×64 → 10×10×64 → maxpool 2 → 5×5×64 → flatten 1,600
 *   dense 128   (the FEATURE layer, after its relu)
 *   dense 10    (logits)
 * 234,282 parameters.
 *
 * Raw tf ops on tf.variables rather than tf.layers: the weights load with
 * plain fs reads and no tfjs-node file IO (the trainer may run on wasm or
 * cpu), and the forward pass is the same code for training and inference.
 * Training (createMnistClassifier) adds batch normalization after each
 * convolution; it is folded into the convolutions' kernels and biases when
 * the weights are taken, so the saved network is exactly the one above.
 *
 * Weights format (this project's own, version 1): a folder holding
 *   manifest.json — format tag, version, dtype "float32", byte order
 *     "little-endian", the .bin's file name, byte count and SHA-256, and the
 *     tensors in file order as { name, shape, offset } (offset in bytes);
 *     plus free-form `training` notes written by the training script;
 *   weights.bin — the tensors' values back to back, float32 little-endian,
 *     row-major in tfjs's own layouts (conv filters [h, w, in, out], dense
 *     kernels [in, out]).
 * Loading checks every name, shape, size and the checksum, so a truncated or
 * corrupt file is an error that names the file, never silently wrong features.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic, writeJsonAtomic } from '../../runfolder/atomic';
import { deriveSeed, STREAM } from '../rng';

/** Input width: a 28×28×1 image flattened row-major, values in [−1, 1] (pixel/127.5 − 1). */
export const MNIST_CLASSIFIER_INPUT_DIM = 784;
/** Width of features(): the relu activations of the 128-unit dense layer. */
export const MNIST_CLASSIFIER_FEATURE_DIM = 128;
export const MNIST_CLASSIFIER_CLASSES = 10;

export const WEIGHTS_FORMAT = 'gan-workbench/mnist-classifier';
export const WEIGHTS_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const WEIGHTS_FILE = 'weights.bin';
/** The command that (re)creates the committed weights; named in every "missing weights" error. */
export const TRAIN_COMMAND = 'npx tsx scripts/train-mnist-classifier.ts';

/** Every parameter, in file order. */
export const PARAMETER_SHAPES: ReadonlyArray<{ readonly name: string; readonly shape: readonly number[] }> = [
  { name: 'conv1/w', shape: [3, 3, 1, 32] },
  { name: 'conv1/b', shape: [32] },
  { name: 'conv2/w', shape: [3, 3, 32, 32] },
  { name: 'conv2/b', shape: [32] },
  { name: 'conv3/w', shape: [3, 3, 32, 64] },
  { name: 'conv3/b', shape: [64] },
  { name: 'fc1/w', shape: [5 * 5 * 64, MNIST_CLASSIFIER_FEATURE_DIM] },
  { name: 'fc1/b', shape: [MNIST_CLASSIFIER_FEATURE_DIM] },
  { name: 'fc2/w', shape: [MNIST_CLASSIFIER_FEATURE_DIM, MNIST_CLASSIFIER_CLASSES] },
  { name: 'fc2/b', shape: [MNIST_CLASSIFIER_CLASSES] },
];

export const PARAMETER_COUNT = PARAMETER_SHAPES.reduce((n, p) => n + sizeOf(p.shape), 0);

export const ARCHITECTURE =
  'conv3×3×32 → relu → conv3×3×32 → relu → maxpool2 → conv3×3×64 → relu → maxpool2 → dense128 → relu (features) → dense10 (valid padding)';

/**
 * Rows per forward chunk: features()/logits() split larger inputs so the
 * activations of one chunk (≈ 85 kB per image in conv1/conv2) bound the
 * memory, whatever the caller's batch.
 */
const CHUNK = 500;

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export interface NamedWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

export interface MnistClassifier {
  /** The parameters in PARAMETER_SHAPES order (trainable only when made by createMnistClassifier). */
  readonly variables: readonly tf.Variable[];
  /** [n, 784] in [−1, 1] → [n, 128]: the penultimate (post-relu) activations. */
  features(x: tf.Tensor2D): tf.Tensor2D;
  /** [n, 784] → [n, 10] unnormalised class scores. */
  logits(x: tf.Tensor2D): tf.Tensor2D;
  /** [n, 784] → [n] int32 digit labels (argmax of the logits). */
  predict(x: tf.Tensor2D): tf.Tensor1D;
  /** The current parameter values, for saveWeights. */
  namedWeights(): NamedWeight[];
  /** Frees the variables; the classifier is unusable afterwards. */
  dispose(): void;
}

/**
 * Batch normalization after each convolution, for training only: it makes
 * this plain network fit in a few epochs. Its scale and shift (trained) and
 * running mean and variance (moving averages of the batch statistics) fold
 * into the convolutions' kernels and biases when the weights are taken
 * (namedWeights), so the saved and loaded network is the plain one above.
 */
interface BatchNorm {
  readonly gamma: tf.Variable[];
  readonly beta: tf.Variable[];
  readonly mean: tf.Variable[];
  readonly variance: tf.Variable[];
}

/** Keras's default: small enough not to matter for channels that vary, large enough for dead ones. */
const BN_EPSILON = 1e-3;

/**
 * Training-mode batch norm of the rows of z ([m, c]: every pixel of every
 * image a row), (z − mean)/√(variance + ε)·gamma + beta with this batch's
 * per-channel statistics, which go to `stats` (kept tensors of shape [c]).
 * The gradient is written out by hand with the per-channel sums as matMuls
 * against a row of 1/m: on wasm those run on XNNPACK, where the broadcast
 * ops' own gradients (reduce-sums over the leading axes, each a transpose
 * and a reduction) made a training step half again as slow.
 *   x̂ = (z − mean)·inv, inv = 1/√(variance + ε)
 *   ∂beta = Σ dy, ∂gamma = Σ dy·x̂, ∂z = inv·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dy·gamma.
 */
export function batchNormRows(z: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, stats: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void): tf.Tensor2D {
  const [m, c] = z.shape;
  const f = tf.customGrad(((zIn: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const avg = tf.fill([1, m], 1 / m) as tf.Tensor2D;
    const mean = tf.matMul(avg, zIn);
    const centred = tf.sub(zIn, mean) as tf.Tensor2D;
    const variance = tf.matMul(avg, tf.square(centred) as tf.Tensor2D);
    const inv = tf.rsqrt(tf.add(variance, BN_EPSILON));
    const xhat = tf.mul(centred, inv) as tf.Tensor2D;
    stats(tf.keep(tf.reshape(mean, [c])), tf.keep(tf.reshape(variance, [c])));
    save([xhat, inv, g, avg]);
    return {
      value: tf.add(tf.mul(xhat, g), b),
      gradFunc: (dy: tf.Tensor2D, [sx, sinv, sg, savg]: tf.Tensor[]) => {
        const rowMean = (t: tf.Tensor): tf.Tensor2D => tf.matMul(savg as tf.Tensor2D, t as tf.Tensor2D);
        const dxhat = tf.mul(dy, sg);
        const dz = tf.mul(sinv, tf.sub(tf.sub(dxhat, rowMean(dxhat)), tf.mul(sx, rowMean(tf.mul(dxhat, sx)))));
        const dgamma = tf.reshape(tf.mul(rowMean(tf.mul(dy, sx)), m), [c]);
        const dbeta = tf.reshape(tf.mul(rowMean(dy), m), [c]);
        return [dz, dgamma, dbeta];
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  return f(z, gamma, beta) as tf.Tensor2D;
}

/** A classifier being trained: batch-normalised convolutions, folded away when saved. */
export interface TrainableMnistClassifier extends MnistClassifier {
  /**
   * What the optimizer updates: the kernels, the dense biases and the batch
   * norms' scales and shifts (the conv biases stay 0: batch norm subtracts
   * them again, its shift plays their part).
   */
  readonly trainableVariables: tf.Variable[];
  /**
   * Logits with each convolution normalised by this batch's own statistics;
   * call it inside optimizer.minimize. The statistics are kept for
   * updateStatistics. features/logits/predict use the running statistics.
   */
  trainingLogits(x: tf.Tensor2D): tf.Tensor2D;
  /** Moves the running mean and variance toward the last training batch's (exponential average), frees them. */
  updateStatistics(momentum?: number): void;
}

function build(values: readonly tf.Tensor[], trainable: boolean, bn?: BatchNorm): TrainableMnistClassifier {
  const vars = values.map((t) => tf.variable(t, trainable));
  const convW = [vars[0], vars[2], vars[4]] as tf.Variable<tf.Rank.R4>[];
  const convB = [vars[1], vars[3], vars[5]];
  const [f1w, f1b, f2w, f2b] = vars.slice(6);
  let disposed = false;
  /** The batch statistics of the last trainingLogits call, per conv layer (kept past minimize's scopes). */
  let batchStats: Array<{ mean: tf.Tensor; variance: tf.Tensor }> = [];

  const check = (x: tf.Tensor2D, what: string): void => {
    if (disposed) throw new Error(`MnistClassifier.${what}: the classifier was disposed`);
    if (x.rank !== 2 || x.shape[1] !== MNIST_CLASSIFIER_INPUT_DIM) {
      throw new Error(`MnistClassifier.${what}: input must be [n, ${MNIST_CLASSIFIER_INPUT_DIM}] (28×28×1 flattened, in [−1, 1]), got [${x.shape.join(', ')}]`);
    }
  };
  const conv = (h: tf.Tensor4D, i: number, training: boolean): tf.Tensor4D => {
    let z = tf.add(tf.conv2d(h, convW[i], 1, 'valid'), convB[i]) as tf.Tensor4D;
    if (bn) {
      const mean: tf.Tensor = bn.mean[i];
      const variance: tf.Tensor = bn.variance[i];
      if (training) {
        const rows = batchNormRows(tf.reshape(z, [-1, z.shape[3]]) as tf.Tensor2D, bn.gamma[i] as tf.Tensor1D, bn.beta[i] as tf.Tensor1D, (m, v) => batchStats.push({ mean: m, variance: v }));
        return tf.relu(tf.reshape(rows, z.shape)) as tf.Tensor4D;
      }
      z = tf.add(tf.mul(tf.sub(z, mean), tf.mul(bn.gamma[i], tf.rsqrt(tf.add(variance, BN_EPSILON)))), bn.beta[i]) as tf.Tensor4D;
    }
    return tf.relu(z);
  };
  const featuresOf = (x: tf.Tensor2D, training = false): tf.Tensor2D => {
    const img = tf.reshape(x, [-1, 28, 28, 1]) as tf.Tensor4D;
    const h1 = conv(img, 0, training);
    const h2 = tf.maxPool(conv(h1, 1, training), 2, 2, 'valid');
    const h3 = tf.maxPool(conv(h2, 2, training), 2, 2, 'valid');
    const flat = tf.reshape(h3, [-1, 5 * 5 * 64]) as tf.Tensor2D;
    return tf.relu(tf.add(tf.matMul(flat, f1w as tf.Tensor2D), f1b)) as tf.Tensor2D;
  };
  const logitsOf = (x: tf.Tensor2D, training = false): tf.Tensor2D => tf.add(tf.matMul(featuresOf(x, training), f2w as tf.Tensor2D), f2b) as tf.Tensor2D;
  /** f over row chunks of x, concatenated; intermediates freed (tidy keeps gradients intact). */
  const chunked = (x: tf.Tensor2D, f: (x: tf.Tensor2D) => tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(() => {
      const n = x.shape[0];
      if (n <= CHUNK) return f(x);
      const parts: tf.Tensor2D[] = [];
      for (let i = 0; i < n; i += CHUNK) parts.push(f(tf.slice(x, [i, 0], [Math.min(CHUNK, n - i), -1])));
      return tf.concat(parts, 0);
    });
  const dropBatchStats = (): void => {
    batchStats.forEach((s) => tf.dispose([s.mean, s.variance]));
    batchStats = [];
  };
  const bnVars = bn ? [...bn.gamma, ...bn.beta, ...bn.mean, ...bn.variance] : [];

  return {
    variables: vars,
    trainableVariables: bn ? [...convW, f1w, f1b, f2w, f2b, ...bn.gamma, ...bn.beta] : vars,
    features(x) {
      check(x, 'features');
      return chunked(x, (c) => featuresOf(c));
    },
    logits(x) {
      check(x, 'logits');
      return chunked(x, (c) => logitsOf(c));
    },
    predict(x) {
      check(x, 'predict');
      return tf.tidy(() => tf.argMax(chunked(x, (c) => logitsOf(c)), 1) as tf.Tensor1D);
    },
    trainingLogits(x) {
      check(x, 'trainingLogits');
      dropBatchStats();
      return tf.tidy(() => logitsOf(x, true)); // one batch, not chunked: the statistics are the whole batch's
    },
    updateStatistics(momentum = 0.99) {
      if (!bn || batchStats.length !== 3) throw new Error('MnistClassifier.updateStatistics: no batch statistics (call trainingLogits first, on a trainable classifier)');
      tf.tidy(() =>
        batchStats.forEach((s, i) => {
          bn.mean[i].assign(tf.add(tf.mul(momentum, bn.mean[i]), tf.mul(1 - momentum, s.mean)));
          bn.variance[i].assign(tf.add(tf.mul(momentum, bn.variance[i]), tf.mul(1 - momentum, s.variance)));
        }),
      );
      dropBatchStats();
    },
    namedWeights() {
      if (disposed) throw new Error('MnistClassifier.namedWeights: the classifier was disposed');
      return PARAMETER_SHAPES.map((p, i) => {
        const layer = i < 6 ? Math.floor(i / 2) : -1;
        const t = tf.tidy(() => {
          if (!bn || layer < 0) return tf.clone(vars[i]);
          // bn(conv(h, w) + b) = conv(h, w·s) + (b − mean)·s + beta, with s = gamma / sqrt(variance + ε) per output channel.
          const scale = tf.mul(bn.gamma[layer], tf.rsqrt(tf.add(bn.variance[layer], BN_EPSILON)));
          return i % 2 === 0 ? tf.mul(convW[layer], scale) : tf.add(tf.mul(tf.sub(convB[layer], bn.mean[layer]), scale), bn.beta[layer]);
        });
        const values = Float32Array.from(t.dataSync());
        t.dispose();
        return { name: p.name, shape: p.shape, values };
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      dropBatchStats();
      [...vars, ...bnVars].forEach((v) => v.dispose());
    },
  };
}

/**
 * A fresh classifier to train: He-normal kernels (each seeded from `seed`
 * through deriveSeed, so the same seed gives the same start), zero biases,
 * batch norms starting as the identity (scale 1, shift 0, mean 0, variance 1).
 */
export function createMnistClassifier(seed: number): TrainableMnistClassifier {
  const init = PARAMETER_SHAPES.map((p, i) => {
    if (p.shape.length === 1) return tf.zeros(p.shape as number[]);
    const fanIn = sizeOf(p.shape.slice(0, -1));
    return tf.randomNormal(p.shape as number[], 0, Math.sqrt(2 / fanIn), 'float32', deriveSeed(seed, 0, STREAM.init, i));
  });
  const channels = [0, 2, 4].map((i) => PARAMETER_SHAPES[i].shape[3]);
  const variable = (t: tf.Tensor, trainable: boolean): tf.Variable => {
    const v = tf.variable(t, trainable);
    t.dispose(); // the variable holds its own reference to the data
    return v;
  };
  const bn: BatchNorm = {
    gamma: channels.map((c) => variable(tf.ones([c]), true)),
    beta: channels.map((c) => variable(tf.zeros([c]), true)),
    mean: channels.map((c) => variable(tf.zeros([c]), false)),
    variance: channels.map((c) => variable(tf.ones([c]), false)),
  };
  const c = build(init, true, bn);
  init.forEach((t) => t.dispose());
  return c;
}

/** A classifier with the given weights (not trainable); names and shapes must match PARAMETER_SHAPES. */
export function classifierFromWeights(weights: readonly NamedWeight[]): MnistClassifier {
  checkArchitecture(weights.map((w) => ({ name: w.name, shape: w.shape })), 'classifierFromWeights');
  const ts = weights.map((w) => tf.tensor(w.values, w.shape as number[], 'float32'));
  const c = build(ts, false);
  ts.forEach((t) => t.dispose());
  return c;
}

function checkArchitecture(entries: ReadonlyArray<{ name: string; shape: readonly number[] }>, where: string): void {
  const want = PARAMETER_SHAPES.map((p) => `${p.name} [${p.shape.join(', ')}]`);
  const got = entries.map((p) => `${p.name} [${p.shape.join(', ')}]`);
  if (want.join('; ') !== got.join('; ')) {
    throw new Error(`${where}: the tensors do not match this classifier's architecture: expected ${want.join('; ')}; got ${got.join('; ') || 'none'}`);
  }
}

// ------------------------------------------------------------------ files

export interface WeightsManifest {
  format: typeof WEIGHTS_FORMAT;
  version: typeof WEIGHTS_VERSION;
  architecture: string;
  input: string;
  featureDim: number;
  parameterCount: number;
  dtype: 'float32';
  byteOrder: 'little-endian';
  weightsFile: string;
  weightsBytes: number;
  sha256: string;
  tensors: Array<{ name: string; shape: number[]; offset: number }>;
  /** Free-form notes from the training script (seed, settings, measured test accuracy…). */
  training?: Record<string, unknown>;
}

/**
 * Writes `dir`/weights.bin then `dir`/manifest.json, each atomically (the
 * manifest last: it carries the .bin's checksum, so a kill in between leaves
 * a mismatch that loading reports, never a silently mixed pair).
 */
export function saveWeights(dir: string, weights: readonly NamedWeight[], training?: Record<string, unknown>): WeightsManifest {
  checkArchitecture(weights, 'saveWeights');
  const bytes = weights.reduce((n, w) => n + w.values.length * 4, 0);
  const bin = new Uint8Array(bytes);
  const view = new DataView(bin.buffer);
  const tensors: WeightsManifest['tensors'] = [];
  let offset = 0;
  for (const w of weights) {
    if (w.values.length !== sizeOf(w.shape)) throw new Error(`saveWeights: ${w.name} has ${w.values.length} values for shape [${w.shape.join(', ')}]`);
    tensors.push({ name: w.name, shape: [...w.shape], offset });
    for (let i = 0; i < w.values.length; i++, offset += 4) view.setFloat32(offset, w.values[i], true);
  }
  const manifest: WeightsManifest = {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    architecture: ARCHITECTURE,
    input: `[n, ${MNIST_CLASSIFIER_INPUT_DIM}] float32, a 28×28 image flattened row-major, pixel/127.5 − 1 (in [−1, 1])`,
    featureDim: MNIST_CLASSIFIER_FEATURE_DIM,
    parameterCount: PARAMETER_COUNT,
    dtype: 'float32',
    byteOrder: 'little-endian',
    weightsFile: WEIGHTS_FILE,
    weightsBytes: bytes,
    sha256: createHash('sha256').update(bin).digest('hex'),
    tensors,
    ...(training ? { training } : {}),
  };
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, WEIGHTS_FILE), bin);
  writeJsonAtomic(path.join(dir, MANIFEST_FILE), manifest);
  return manifest;
}

const missingHint = `train the classifier with \`${TRAIN_COMMAND}\` (from the repository root)`;

function readOrThrow(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err?.code === 'ENOENT') throw new Error(`MNIST classifier ${what} not found: ${file}; ${missingHint}`);
    throw new Error(`MNIST classifier ${what} ${file} cannot be read: ${err?.message ?? String(e)}`);
  }
}

/**
 * Reads and checks `dir`/manifest.json and its weights file. Throws an Error
 * naming the file for: a missing file, bad JSON, a wrong format tag or
 * version, tensors that do not match the architecture, a size or checksum
 * mismatch, or a non-finite value.
 */
export function loadWeights(dir: string): { manifest: WeightsManifest; weights: NamedWeight[] } {
  const manifestFile = path.join(dir, MANIFEST_FILE);
  const text = readOrThrow(manifestFile, 'manifest').toString('utf8');
  let m: WeightsManifest;
  try {
    m = JSON.parse(text) as WeightsManifest;
  } catch (e) {
    throw new Error(`${manifestFile}: not valid JSON (${(e as Error).message}); ${missingHint} to rewrite it`);
  }
  const bad = (why: string): Error => new Error(`${manifestFile}: ${why}`);
  if (!m || typeof m !== 'object') throw bad('not a JSON object');
  if (m.format !== WEIGHTS_FORMAT) throw bad(`format is ${JSON.stringify(m.format)}, expected ${JSON.stringify(WEIGHTS_FORMAT)}`);
  if (m.version !== WEIGHTS_VERSION) throw bad(`version ${JSON.stringify(m.version)}, this code reads version ${WEIGHTS_VERSION}`);
  if (m.dtype !== 'float32' || m.byteOrder !== 'little-endian') throw bad(`dtype/byteOrder ${m.dtype}/${m.byteOrder}, expected float32/little-endian`);
  if (typeof m.weightsFile !== 'string' || path.basename(m.weightsFile) !== m.weightsFile || !m.weightsFile) {
    throw bad(`weightsFile must be a plain file name in the same folder, got ${JSON.stringify(m.weightsFile)}`);
  }
  if (!Array.isArray(m.tensors) || !m.tensors.every((t) => t && typeof t.name === 'string' && Array.isArray(t.shape) && Number.isInteger(t.offset))) {
    throw bad('tensors must be a list of { name, shape, offset }');
  }
  try {
    checkArchitecture(m.tensors, manifestFile);
  } catch (e) {
    throw new Error(`${(e as Error).message}; ${missingHint}`);
  }

  const binFile = path.join(dir, m.weightsFile);
  const bin = readOrThrow(binFile, 'weights file');
  const need = m.tensors.reduce((n, t) => n + sizeOf(t.shape) * 4, 0);
  if (bin.byteLength !== need || m.weightsBytes !== need) {
    throw new Error(`${binFile}: ${bin.byteLength} bytes, the manifest's tensors need ${need} (and it records ${m.weightsBytes}): truncated or corrupt; ${missingHint}`);
  }
  const sha = createHash('sha256').update(bin).digest('hex');
  if (sha !== m.sha256) throw new Error(`${binFile}: SHA-256 ${sha} does not match the manifest's ${m.sha256}: corrupt file; ${missingHint}`);

  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const weights = m.tensors.map((t) => {
    const n = sizeOf(t.shape);
    if (t.offset < 0 || t.offset + n * 4 > bin.byteLength) throw new Error(`${manifestFile}: ${t.name} at byte ${t.offset} runs past the end of ${binFile}`);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = view.getFloat32(t.offset + 4 * i, true);
      if (!Number.isFinite(v)) throw new Error(`${binFile}: ${t.name}[${i}] is ${v}: corrupt weights; ${missingHint}`);
      values[i] = v;
    }
    return { name: t.name, shape: t.shape, values };
  });
  return { manifest: m, weights };
}

/**
 * The folder of the committed weights, assets/mnist-classifier at the
 * repository (or packaged extension) root. Two layouts reach it: the esbuild
 * bundles in dist/ (dist/trainer.js → ../assets) and the sources run by tsx
 * (src/trainer/metrics → ../../../assets). The first holding a manifest wins;
 * when neither does, the error names both paths and the training command.
 */
export function mnistClassifierDir(): string {
  const candidates = [path.join(__dirname, '..', 'assets', 'mnist-classifier'), path.join(__dirname, '..', '..', '..', 'assets', 'mnist-classifier')];
  const hit = candidates.find((d) => fs.existsSync(path.join(d, MANIFEST_FILE)));
  if (!hit) {
    throw new Error(`MNIST classifier weights not found: no ${MANIFEST_FILE} in ${candidates.map((d) => path.resolve(d)).join(' or ')}; ${missingHint}`);
  }
  return hit;
}

/**
 * The committed classifier, loaded synchronously (plain fs reads; the
 * variables live on the current tfjs backend, so pick the backend first).
 * `dir` defaults to mnistClassifierDir(). The caller disposes it.
 */
export function loadMnistClassifier(dir: string = mnistClassifierDir()): MnistClassifier {
  return classifierFromWeights(loadWeights(dir).weights);
}
