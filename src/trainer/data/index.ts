/**
 * The training data of a run, whatever its source, as the loop needs it:
 * fixed-size rows of numbers (2 for toy points, height × width × channels for
 * images, flat HWC in [−1, 1]) drawn by a seeded sampler, so a batch is a pure
 * function of its seed (resume and replay depend on that).
 *
 * Image sets are decoded once and kept in memory; a batch is a gather of
 * random rows (64 MNIST rows copy in well under a millisecond), so preparing
 * one never stalls a training step. bench/images.ts measures it.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { imageShapeOf, type DataConfig } from '../../protocol/config';
import { Rng } from '../rng';
import { loadImageFolder } from './imageFolder';
import { loadMnist } from './mnist';
import { toyDataset, type ToySpec } from './toy';

export interface ImageShape {
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
}

export interface TrainingData {
  /** Numbers per sample (a row). */
  readonly dim: number;
  /** The toy set, for 2-D data (mode centres, the dashboard's extent). */
  readonly toy?: ToySpec;
  /** The image layout of a row, for image data. */
  readonly image?: ImageShape;
  /** How many images the set holds (image data). */
  readonly count?: number;
  /** n rows drawn for `seed`, row-major. */
  sample(n: number, seed: number): Float32Array;
  /** Labelled data: the class names (label i is classes[i]). */
  readonly classes?: readonly string[];
  /** Labelled data: the same rows as sample(n, seed), with their labels. */
  sampleLabeled?(n: number, seed: number): { x: Float32Array; y: Int32Array };
}

/** Where decoded image folders are cached between runs (never inside the user's folder). */
export function imageCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'gan-workbench', 'images');
}

/** A data source of rows `rows` (dim numbers each) restricted to the row indices `pick` (all when absent). */
export function rowSampler(rows: Float32Array, dim: number, pick?: Uint32Array): (n: number, seed: number) => Float32Array {
  const labeled = labeledRowSampler(rows, dim, new Int32Array(rows.length / dim), pick);
  return (n, seed) => labeled(n, seed).x;
}

/** rowSampler with each row's label from `labels` (the same rows for the same seed). */
export function labeledRowSampler(rows: Float32Array, dim: number, labels: Int32Array, pick?: Uint32Array): (n: number, seed: number) => { x: Float32Array; y: Int32Array } {
  const total = pick ? pick.length : rows.length / dim;
  if (total === 0) throw new Error('the data set is empty');
  return (n, seed) => {
    const rng = new Rng(seed);
    const x = new Float32Array(n * dim);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const j = rng.int(total);
      const r = pick ? pick[j] : j;
      x.set(rows.subarray(r * dim, (r + 1) * dim), i * dim);
      y[i] = labels[r];
    }
    return { x, y };
  };
}

/**
 * Classes of an image folder: the first subfolder of each file's path, when
 * every file is in one and there are at least two (a class-per-subfolder
 * layout); undefined otherwise.
 */
export function folderClasses(files: readonly string[]): { classes: string[]; labels: Int32Array } | undefined {
  const tops = files.map((f) => (f.includes('/') ? f.slice(0, f.indexOf('/')) : undefined));
  if (tops.some((t) => t === undefined)) return undefined;
  const classes = [...new Set(tops as string[])].sort();
  if (classes.length < 2) return undefined;
  const index = new Map(classes.map((c, i) => [c, i]));
  return { classes, labels: Int32Array.from(tops as string[], (t) => index.get(t)!) };
}

/**
 * Load (or, for toy data, set up) the data of a config. `folder` paths must
 * already be absolute (loadConfig resolves them against the config file).
 * Throws an Error that names the problem: an unreadable image, an empty folder,
 * a digit filter that leaves nothing.
 */
export function loadTrainingData(data: DataConfig, opts: { cacheDir?: string } = {}): TrainingData {
  if (data.kind === 'toy') {
    const toy = toyDataset(data.name);
    return { dim: 2, toy, sample: (n, seed) => toy.sample(n, seed) };
  }
  const image = imageShapeOf(data)!;
  const dim = image.height * image.width * image.channels;
  if (data.kind === 'mnist') {
    const set = loadMnist('train');
    let pick: Uint32Array | undefined;
    // Labels are positions in the digit list: digits [0, 7] are classes 0 and 1.
    const digits = data.digits ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const labelOf = new Int32Array(10).fill(-1);
    digits.forEach((d, i) => (labelOf[d] = i));
    const labels = Int32Array.from(set.labels, (d) => labelOf[d]);
    if (data.digits) {
      const want = new Set(data.digits);
      const rows: number[] = [];
      for (let i = 0; i < set.count; i++) if (want.has(set.labels[i])) rows.push(i);
      pick = Uint32Array.from(rows);
    }
    const sampleLabeled = labeledRowSampler(set.images, dim, labels, pick);
    return { dim, image, count: pick ? pick.length : set.count, sample: (n, seed) => sampleLabeled(n, seed).x, classes: digits.map(String), sampleLabeled };
  }
  if (data.kind === 'stacked-mnist') {
    const set = loadMnist('train');
    return { dim, image, count: set.count ** 3, sample: (n, seed) => stackedMnist(set.images, set.count, n, seed) };
  }
  if (data.kind === 'coupled-mnist') {
    const set = loadMnist('train');
    return { dim, image, count: set.count ** 2, sample: (n, seed) => coupledMnist(set.images, set.count, n, seed) };
  }
  const set = loadImageFolder({ folder: data.path, height: image.height, width: image.width, channels: image.channels, cacheDir: opts.cacheDir ?? imageCacheDir() });
  const labelled = folderClasses(set.files);
  if (!labelled) return { dim, image, count: set.count, sample: rowSampler(set.images, dim) };
  const sampleLabeled = labeledRowSampler(set.images, dim, labelled.labels);
  return { dim, image, count: set.count, sample: (n, seed) => sampleLabeled(n, seed).x, classes: labelled.classes, sampleLabeled };
}

/**
 * n Stacked MNIST images: for each, three training digits drawn independently
 * become its R, G and B channels (interleaved HWC, as every image row is).
 */
export function stackedMnist(images: Float32Array, count: number, n: number, seed: number): Float32Array {
  const px = 28 * 28;
  const rng = new Rng(seed);
  const out = new Float32Array(n * px * 3);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < 3; ch++) {
      const src = rng.int(count) * px;
      const base = i * px * 3 + ch;
      for (let p = 0; p < px; p++) out[base + 3 * p] = images[src + p];
    }
  }
  return out;
}

/**
 * n CoGAN samples: a training digit on the left, another, independently
 * drawn, colour-inverted on the right (v → −v in [−1, 1] is 255 − p in
 * bytes), as one 28 × 56 grey image. The two domains are never paired, so a
 * generator can only learn that its two halves correspond through the
 * weights its two streams share.
 */
export function coupledMnist(images: Float32Array, count: number, n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * 28 * 56);
  for (let i = 0; i < n; i++) {
    const a = rng.int(count) * 784;
    const b = rng.int(count) * 784;
    for (let y = 0; y < 28; y++) {
      const row = i * 28 * 56 + y * 56;
      for (let x = 0; x < 28; x++) {
        out[row + x] = images[a + y * 28 + x];
        out[row + 28 + x] = -images[b + y * 28 + x];
      }
    }
  }
  return out;
}
