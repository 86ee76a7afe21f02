/**
 * Image metrics of a run, computed every logging.imageMetricsEvery steps on
 * the generator's evaluation samples (the same z at every step):
 *
 * - on MNIST data, in the feature space of the project's own MNIST
 *   classifier (assets/mnist-classifier, 128 features): the Fréchet distance
 *   (`fd`), KID (`kid`) and improved precision/recall, against MNIST's test
 *   images (of the same digits). This is not the Inception FID: the numbers
 *   are comparable only with runs measured the same way.
 *   On a class-conditional run, `classAccuracy`: the share of generated
 *   images that the classifier reads as the digit they were generated for.
 * - on Stacked MNIST, with the same classifier on each colour channel: the
 *   modes covered of the 1,000 digit triples (`modesCovered`) and the KL
 *   divergence of the generated mode histogram to uniform (`modeKL`), over
 *   logging.modeSamples images, as the VEEGAN and PacGAN papers count them.
 * - on any image data: ProGAN's multi-scale sliced Wasserstein distance
 *   (`msSwd`, ×10³) on Laplacian-pyramid patches, which needs no network.
 *
 * The real side (features, their Gaussian statistics, the k-NN radii) is
 * computed once per run.
 */
import * as tf from '@tensorflow/tfjs';
import type { DataConfig } from '../../protocol/config';
import type { ImageShape } from '../data/index';
import { loadMnist } from '../data/mnist';
import { Rng } from '../rng';
import { frechetDistance, gaussianStats, type GaussianStats } from './frechet';
import { kernelInceptionDistance } from './kid';
import { loadMnistClassifier, MNIST_CLASSIFIER_FEATURE_DIM, type MnistClassifier } from './mnistClassifier';
import { multiScaleSwd } from './msswd';
import { knnRadii2, manifoldCoverage } from './precisionRecall';

/** Images per side for the multi-scale SWD (the reference uses 8192; 256 keeps one evaluation to a few seconds on a CPU). */
export const MS_SWD_IMAGES = 256;
/** Nearest neighbours for the precision/recall radii (Kynkäänniemi et al.: 3). */
const PR_K = 3;

export interface ImageQualityRecord {
  fd?: number;
  kid?: number;
  precision?: number;
  recall?: number;
  msSwd?: number;
  modesCovered?: number;
  modeKL?: number;
  classAccuracy?: number;
  /** CoGAN: Cohen's κ between the digits read in the two halves. */
  pairAgreement?: number;
}

/** Generated images beyond the evaluation set: chunk `index` of `count` images (flat rows), the same z for the same index at every step. */
export type GenerateChunk = (count: number, index: number) => Promise<Float32Array>;

/** Images generated and classified at a time for the mode count. */
const MODE_CHUNK = 1000;

export class ImageQuality {
  private readonly classifier?: MnistClassifier;
  private readonly realFeatures?: Float32Array;
  private readonly realStats?: GaussianStats;
  private readonly realRadii?: Float64Array;
  private readonly realImages: Float32Array;
  private readonly nReal: number;

  private constructor(
    private readonly shape: ImageShape,
    real: Float32Array,
    classifier: MnistClassifier | undefined,
    features: Float32Array | undefined,
    private readonly seed: number,
    /** Stacked MNIST: count modes over this many generated images. */
    private readonly modeSamples = 0,
    /** CoGAN pairs (28 × 56): the classifier metrics read the left half; pairAgreement compares it with the inverted right half. */
    private readonly coupled = false,
    /** Real feature rows, when they are not one per row of `real` (CoGAN: MNIST test digits beside the pairs). */
    nFeatures?: number,
  ) {
    const dim = shape.height * shape.width * shape.channels;
    this.nReal = nFeatures ?? real.length / dim;
    this.realImages = real.subarray(0, Math.min(real.length / dim, MS_SWD_IMAGES) * dim);
    if (modeSamples > 0) this.classifier = classifier;
    if (classifier && features) {
      this.classifier = classifier;
      this.realFeatures = features;
      this.realStats = gaussianStats(features, this.nReal, MNIST_CLASSIFIER_FEATURE_DIM);
      this.realRadii = knnRadii2(features, this.nReal, MNIST_CLASSIFIER_FEATURE_DIM, PR_K);
    }
  }

  /**
   * Set up for `data`. `real` is the fallback real set (the evaluation images
   * of the training data) used for the multi-scale SWD when the data has no
   * held-out split; MNIST uses `count` test images of the same digits.
   */
  static async create(data: DataConfig, shape: ImageShape, real: Float32Array, count: number, seed: number, modeSamples = 10_000): Promise<ImageQuality> {
    if (data.kind === 'stacked-mnist') return new ImageQuality(shape, real, loadMnistClassifier(), undefined, seed, modeSamples);
    if (data.kind !== 'mnist' && data.kind !== 'coupled-mnist') return new ImageQuality(shape, real, undefined, undefined, seed);
    const test = loadMnist('test');
    const want = data.kind === 'mnist' && data.digits ? new Set(data.digits) : undefined;
    const picked: number[] = [];
    for (let i = 0; i < test.count && picked.length < count; i++) if (!want || want.has(test.labels[i])) picked.push(i);
    const images = new Float32Array(picked.length * 784);
    picked.forEach((r, i) => images.set(test.images.subarray(r * 784, (r + 1) * 784), i * 784));
    const classifier = loadMnistClassifier();
    const features = await embed(classifier, images, picked.length);
    // CoGAN: the real side of the classifier metrics is domain 1 (plain MNIST); the MS-SWD compares whole pairs.
    if (data.kind === 'coupled-mnist') return new ImageQuality(shape, real, classifier, features, seed, 0, true, picked.length);
    return new ImageQuality(shape, images, classifier, features, seed);
  }

  /** Metrics of `n` generated images (flat rows, HWC in [−1, 1]); `more` generates the further images a mode count needs. */
  async measure(fake: Float32Array, n: number, more?: GenerateChunk, labels?: readonly string[]): Promise<ImageQualityRecord> {
    const { height: h, width: w, channels: c } = this.shape;
    const out: ImageQualityRecord = {};
    if (this.modeSamples > 0 && this.classifier && more) Object.assign(out, await this.countModes(more));
    if (this.classifier && this.realStats && this.realFeatures && this.realRadii) {
      const d = MNIST_CLASSIFIER_FEATURE_DIM;
      const domain1 = this.coupled ? half(fake, n, 0, 1) : fake;
      if (this.coupled) {
        // CoGAN: does one z give the same digit in both domains? (The right half is inverted back first.)
        const left = await classify(this.classifier, domain1, n);
        const right = await classify(this.classifier, half(fake, n, 28, -1), n);
        out.pairAgreement = cohensKappa(left, right, 10);
      }
      const f = await embed(this.classifier, domain1, n);
      out.fd = frechetDistance(this.realStats, gaussianStats(f, n, d), d);
      out.kid = kernelInceptionDistance(this.realFeatures, f, this.nReal, n, d, { subsets: 10, subsetSize: 500, seed: this.seed }).mean;
      const fakeRadii = knnRadii2(f, n, d, PR_K);
      out.precision = manifoldCoverage(this.realFeatures, this.realRadii, this.nReal, f, n, d);
      out.recall = manifoldCoverage(f, fakeRadii, n, this.realFeatures, this.nReal, d);
      if (labels) {
        // Conditional MNIST: how often the classifier reads the digit each image was generated for.
        const digits = await classify(this.classifier, domain1, n);
        let hits = 0;
        for (let i = 0; i < n; i++) if (String(digits[i]) === labels[i]) hits++;
        out.classAccuracy = hits / n;
      }
    }
    const m = Math.min(n, MS_SWD_IMAGES, this.realImages.length / (h * w * c));
    const ms = multiScaleSwd(this.realImages, fake.subarray(0, m * h * w * c), m, m, h, w, c, {
      patchesPerImage: 64,
      // 28 × 28 gives two levels (28, 14) rather than one.
      minResolution: Math.min(16, Math.floor(Math.min(h, w) / 2)),
      seed: new Rng(this.seed).int(2 ** 31),
    });
    out.msSwd = ms.averageX1e3;
    return out;
  }

  dispose(): void {
    this.classifier?.dispose();
  }

  /** Stacked MNIST modes: classify each channel of modeSamples generated images; a mode is a digit triple (R, G, B). */
  private async countModes(more: GenerateChunk): Promise<{ modesCovered: number; modeKL: number }> {
    const histogram = new Float64Array(1000);
    let done = 0;
    for (let index = 0; done < this.modeSamples; index++) {
      const count = Math.min(MODE_CHUNK, this.modeSamples - done);
      const images = await more(count, index);
      const digits = await Promise.all([0, 1, 2].map((ch) => classify(this.classifier!, channel(images, count, ch), count)));
      for (let i = 0; i < count; i++) histogram[100 * digits[0][i] + 10 * digits[1][i] + digits[2][i]]++;
      done += count;
    }
    return modeStatistics(histogram);
  }
}

/** Modes with at least one sample, and KL(p ‖ uniform) = Σ p log(p · K) over the K modes (natural log, as the papers report it). */
export function modeStatistics(histogram: ArrayLike<number>): { modesCovered: number; modeKL: number } {
  let total = 0;
  for (let k = 0; k < histogram.length; k++) total += histogram[k];
  let covered = 0;
  let kl = 0;
  for (let k = 0; k < histogram.length; k++) {
    if (histogram[k] === 0) continue;
    covered++;
    const p = histogram[k] / total;
    kl += p * Math.log(p * histogram.length);
  }
  return { modesCovered: covered, modeKL: kl };
}

/**
 * Cohen's κ between two labellings: (p_o − p_e) / (1 − p_e), where p_o is
 * how often they agree and p_e how often they would by chance given each
 * one's label frequencies. Plain agreement would reward a generator whose
 * halves are both blank (the classifier reads them as one digit, agreeing
 * 100 % at step 1); κ is 0 for that, and 1 for pairs that always match while
 * covering many digits. All labels equal on both sides (p_e = 1) gives 0.
 */
export function cohensKappa(a: ArrayLike<number>, b: ArrayLike<number>, classes: number): number {
  const n = a.length;
  const pa = new Float64Array(classes);
  const pb = new Float64Array(classes);
  let same = 0;
  for (let i = 0; i < n; i++) {
    pa[a[i]] += 1 / n;
    pb[b[i]] += 1 / n;
    if (a[i] === b[i]) same++;
  }
  let expected = 0;
  for (let k = 0; k < classes; k++) expected += pa[k] * pb[k];
  const observed = same / n;
  return expected >= 1 - 1e-12 ? 0 : (observed - expected) / (1 - expected);
}

/** The 28 × 28 half of n 28 × 56 grey images starting at column `x0`, times `sign` (−1 undoes CoGAN's inversion). */
function half(images: Float32Array, n: number, x0: number, sign: number): Float32Array {
  const out = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) out[i * 784 + y * 28 + x] = sign * images[i * 1568 + y * 56 + x0 + x];
    }
  }
  return out;
}

/** Channel `ch` of n RGB 28 × 28 images, as grey rows. */
function channel(images: Float32Array, n: number, ch: number): Float32Array {
  const out = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) out[i] = images[3 * i + ch];
  return out;
}

/** Digit labels of n grey images. */
async function classify(classifier: MnistClassifier, images: Float32Array, n: number): Promise<Int32Array> {
  return Int32Array.from(await inBatches(images, n, 1, (x) => classifier.predict(x)));
}

/** Classifier features of n images. */
async function embed(classifier: MnistClassifier, images: Float32Array, n: number): Promise<Float32Array> {
  return inBatches(images, n, MNIST_CLASSIFIER_FEATURE_DIM, (x) => classifier.features(x));
}

/**
 * `fn` over n 28 × 28 images in batches of 256, its `width` outputs per image
 * concatenated (reads are async: WebGPU cannot read synchronously in Node).
 */
async function inBatches(images: Float32Array, n: number, width: number, fn: (x: tf.Tensor2D) => tf.Tensor): Promise<Float32Array> {
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i += 256) {
    const b = Math.min(256, n - i);
    const t = tf.tidy(() => fn(tf.tensor2d(images.subarray(i * 784, (i + b) * 784), [b, 784])));
    out.set(await t.data(), i * width);
    t.dispose();
  }
  return out;
}
