import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';
import * as tf from '@tensorflow/tfjs';
import { pickBackend } from '../../src/trainer/backend';
import { loadMnist } from '../../src/trainer/data/mnist';
import {
  batchNormRows,
  classifierFromWeights,
  createMnistClassifier,
  loadMnistClassifier,
  loadWeights,
  MANIFEST_FILE,
  MNIST_CLASSIFIER_FEATURE_DIM,
  mnistClassifierDir,
  PARAMETER_COUNT,
  TRAIN_COMMAND,
  WEIGHTS_FILE,
  type MnistClassifier,
} from '../../src/trainer/metrics/mnistClassifier';

const repoRoot = path.resolve(__dirname, '..', '..');
const committed = path.join(repoRoot, 'assets', 'mnist-classifier');
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'gan-mnist-classifier-'));
let net: MnistClassifier;

before(async () => {
  await pickBackend('wasm');
  net = loadMnistClassifier();
});
after(() => {
  net?.dispose();
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});

/** A copy of the committed weights folder that a test may damage. */
function copyOfWeights(name: string): string {
  const dir = path.join(tmpRoot, name);
  fs.cpSync(committed, dir, { recursive: true });
  return dir;
}

const N = 2000;
const testImages = (): tf.Tensor2D => tf.tensor2d(loadMnist('test').images.subarray(0, N * 784), [N, 784]);

test('the committed weights: at least 99 % on the first 2,000 MNIST test images', () => {
  const labels = loadMnist('test').labels;
  const x = testImages();
  const pred = net.predict(x);
  assert.deepEqual(pred.shape, [N]);
  assert.equal(pred.dtype, 'int32');
  const p = pred.dataSync();
  tf.dispose([x, pred]);
  let right = 0;
  for (let i = 0; i < N; i++) if (p[i] === labels[i]) right++;
  assert.ok(right / N >= 0.99, `accuracy ${(100 * right) / N} % on the first ${N} test images, the classifier must reach 99 %`);
  // The preprocessing matters: the same images in [0, 1] instead of [−1, 1] must not pass for correct input.
  const shifted = tf.tidy(() => net.predict(tf.div(tf.add(testImages(), 1), 2) as tf.Tensor2D).dataSync());
  let rightShifted = 0;
  for (let i = 0; i < N; i++) if (shifted[i] === labels[i]) rightShifted++;
  assert.ok(rightShifted < right, 'images on the wrong scale should classify worse');
});

test(`features: [n, ${MNIST_CLASSIFIER_FEATURE_DIM}], finite, not constant; logits [n, 10]`, () => {
  const x = testImages();
  const f = net.features(x);
  assert.deepEqual(f.shape, [N, MNIST_CLASSIFIER_FEATURE_DIM]);
  const v = f.dataSync();
  assert.ok(v.every(Number.isFinite), 'every feature finite');
  assert.ok(v.every((a) => a >= 0), 'features are post-relu');
  const spread = tf.tidy(() => tf.mean(tf.moments(f, 0).variance).dataSync()[0]);
  assert.ok(spread > 0, 'features vary across images');
  const logits = net.logits(x);
  assert.deepEqual(logits.shape, [N, 10]);
  tf.dispose([x, f, logits]);
});

test('no tensor leaks: features() inside tf.tidy leaves the count unchanged; outside it adds only its result', () => {
  const x = tf.tensor2d(loadMnist('test').images.subarray(0, 700 * 784), [700, 784]); // > one internal chunk
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    net.features(x);
    net.predict(x);
  });
  assert.equal(tf.memory().numTensors, before);
  const f = net.features(x);
  const p = net.predict(x);
  assert.equal(tf.memory().numTensors, before + 2);
  tf.dispose([x, f, p]);
});

test('a wrong input shape is an error that says what is expected', () => {
  const x = tf.zeros([3, 28 * 28 * 3]) as tf.Tensor2D;
  assert.throws(() => net.features(x), /input must be \[n, 784\].*got \[3, 2352\]/);
  x.dispose();
});

test('the committed manifest matches the architecture and the weights file is small', () => {
  const { manifest } = loadWeights(committed);
  assert.equal(manifest.parameterCount, PARAMETER_COUNT);
  assert.equal(manifest.weightsBytes, PARAMETER_COUNT * 4);
  assert.equal(fs.statSync(path.join(committed, WEIGHTS_FILE)).size, PARAMETER_COUNT * 4);
  assert.ok(PARAMETER_COUNT * 4 < 1.5e6);
});

test('the weights folder resolves from the sources and from a bundle one level below the repository root (dist/)', () => {
  assert.equal(path.resolve(mnistClassifierDir()), committed);
  // Bundle the module into out/ (a sibling of dist/, so __dirname/.. is the root as it is for dist/trainer.js).
  const outDir = path.join(repoRoot, 'out');
  const bundle = path.join(outDir, `mnist-classifier-dir-${process.pid}.js`);
  try {
    esbuild.buildSync({
      stdin: { contents: "export { mnistClassifierDir } from './src/trainer/metrics/mnistClassifier';", resolveDir: repoRoot, loader: 'ts' },
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['@tensorflow/*'],
      logLevel: 'silent',
    });
    const { mnistClassifierDir: fromBundle } = require(bundle) as { mnistClassifierDir(): string };
    assert.equal(path.resolve(fromBundle()), committed);
  } finally {
    fs.rmSync(bundle, { force: true });
  }
});

test('missing weights: the error names the manifest path and the training command', () => {
  const dir = path.join(tmpRoot, 'nothing-here');
  assert.throws(
    () => loadMnistClassifier(dir),
    (e: Error) => e.message.includes(path.join(dir, MANIFEST_FILE)) && e.message.includes(TRAIN_COMMAND) && /not found/.test(e.message),
  );
  const noBin = copyOfWeights('no-bin');
  fs.rmSync(path.join(noBin, WEIGHTS_FILE));
  assert.throws(
    () => loadMnistClassifier(noBin),
    (e: Error) => e.message.includes(path.join(noBin, WEIGHTS_FILE)) && e.message.includes(TRAIN_COMMAND),
  );
});

test('corrupt weights: a flipped byte, a truncated file, bad JSON and a wrong shape are errors naming the file', () => {
  const flipped = copyOfWeights('flipped');
  const bin = path.join(flipped, WEIGHTS_FILE);
  const bytes = fs.readFileSync(bin);
  bytes[1000] ^= 0x40;
  fs.writeFileSync(bin, bytes);
  assert.throws(() => loadMnistClassifier(flipped), (e: Error) => e.message.includes(bin) && /SHA-256/.test(e.message));

  const truncated = copyOfWeights('truncated');
  const tbin = path.join(truncated, WEIGHTS_FILE);
  fs.truncateSync(tbin, 4096);
  assert.throws(() => loadMnistClassifier(truncated), (e: Error) => e.message.includes(tbin) && /4096 bytes.*truncated or corrupt/.test(e.message));

  const badJson = copyOfWeights('bad-json');
  const manifest = path.join(badJson, MANIFEST_FILE);
  fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').slice(0, 100));
  assert.throws(() => loadMnistClassifier(badJson), (e: Error) => e.message.includes(manifest) && /not valid JSON/.test(e.message));

  const wrongShape = copyOfWeights('wrong-shape');
  const wm = path.join(wrongShape, MANIFEST_FILE);
  const m = JSON.parse(fs.readFileSync(wm, 'utf8'));
  m.tensors[6].shape = [1600, 64];
  fs.writeFileSync(wm, JSON.stringify(m));
  assert.throws(() => loadMnistClassifier(wrongShape), (e: Error) => e.message.includes(wm) && /fc1\/w \[1600, 64\]/.test(e.message));
});

test('batchNormRows: its hand-written gradient and batch statistics match tfjs autodiff of the textbook formula', () => {
  const z = tf.randomNormal([300, 5], 2, 3, 'float32', 1) as tf.Tensor2D;
  const g = tf.randomNormal([5], 1, 0.5, 'float32', 2) as tf.Tensor1D;
  const b = tf.randomNormal([5], 0, 1, 'float32', 3) as tf.Tensor1D;
  const w = tf.randomNormal([300, 5], 0, 1, 'float32', 4);
  const stats: tf.Tensor[] = [];
  const mine = tf.grads((zz, gg, bb) => tf.sum(tf.mul(w, batchNormRows(zz as tf.Tensor2D, gg as tf.Tensor1D, bb as tf.Tensor1D, (m, v) => stats.push(m, v)))))([z, g, b]);
  const textbook = tf.grads((zz, gg, bb) => {
    const { mean, variance } = tf.moments(zz, 0);
    return tf.sum(tf.mul(w, tf.add(tf.mul(tf.div(tf.sub(zz, mean), tf.sqrt(tf.add(variance, 1e-3))), gg), bb)));
  })([z, g, b]);
  const { mean, variance } = tf.moments(z, 0);
  const close = (a: tf.Tensor, e: tf.Tensor, what: string): void => {
    const err = tf.tidy(() => tf.max(tf.abs(tf.sub(a, e))).dataSync()[0]);
    const scale = tf.tidy(() => tf.max(tf.abs(e)).dataSync()[0]);
    assert.ok(err <= 1e-4 * (1 + scale), `${what}: max error ${err} (scale ${scale})`);
  };
  ['dz', 'dgamma', 'dbeta'].forEach((what, i) => close(mine[i], textbook[i], what));
  close(stats[0], mean, 'batch mean');
  close(stats[1], variance, 'batch variance');
  tf.dispose([z, g, b, w, ...mine, ...textbook, mean, variance, ...stats]);
});

test('training form: a step leaks no tensor, and the saved (batch norm folded) network computes the same logits', () => {
  const c = createMnistClassifier(7);
  const opt = tf.train.adam(1e-2);
  const x = tf.tensor2d(loadMnist('train').images.subarray(0, 32 * 784), [32, 784]);
  const y = tf.oneHot(tf.tensor1d(Array.from(loadMnist('train').labels.subarray(0, 32)), 'int32'), 10);
  const step = (): void =>
    tf.tidy(() => {
      opt.minimize(() => tf.losses.softmaxCrossEntropy(y, c.trainingLogits(x)) as tf.Scalar, false, c.trainableVariables);
      c.updateStatistics(0.5); // a fast average, so the running statistics are far from their start
    });
  step();
  const before = tf.memory().numTensors;
  step();
  step();
  assert.equal(tf.memory().numTensors, before, 'a training step frees everything but the optimizer state it already had');
  const folded = classifierFromWeights(c.namedWeights());
  const xt = tf.tensor2d(loadMnist('test').images.subarray(0, 64 * 784), [64, 784]);
  const [err, scale] = tf.tidy(() => {
    const saved = folded.logits(xt);
    const trained = c.logits(xt);
    return [tf.max(tf.abs(tf.sub(saved, trained))).dataSync()[0], tf.max(tf.abs(trained)).dataSync()[0]];
  });
  assert.ok(err <= 1e-4 * (1 + scale), `folded logits differ by ${err} (scale ${scale})`);
  tf.dispose([x, y, xt]);
  opt.dispose();
  folded.dispose();
  c.dispose();
});
