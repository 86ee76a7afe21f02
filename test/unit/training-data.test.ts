/**
 * The training data as the loop sees it (src/trainer/data/index.ts) and the
 * Stacked MNIST mode statistics (src/trainer/metrics/imageQuality.ts):
 * samplers are pure functions of their seed, digit filters keep only those
 * digits, Stacked MNIST puts three real digits in the three channels, and
 * the mode count and KL are right on hand-made histograms.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataDimOf, imageShapeOf, resolveConfig } from '../../src/protocol/config';
import { coupledMnist, loadTrainingData, rowSampler, stackedMnist } from '../../src/trainer/data/index';
import { loadMnist } from '../../src/trainer/data/mnist';
import { cohensKappa, modeStatistics } from '../../src/trainer/metrics/imageQuality';
import { Rng } from '../../src/trainer/rng';

test('rowSampler: the same seed gives the same rows; a pick list restricts the rows drawn', () => {
  const rows = Float32Array.from({ length: 10 * 3 }, (_, i) => Math.floor(i / 3)); // row r holds r, r, r
  const all = rowSampler(rows, 3);
  assert.deepEqual(all(50, 7), all(50, 7));
  assert.notDeepEqual(all(50, 7), all(50, 8));
  const some = rowSampler(rows, 3, Uint32Array.from([2, 5]));
  const drawn = new Set(some(200, 1));
  assert.deepEqual([...drawn].sort(), [2, 5]);
  assert.throws(() => rowSampler(rows, 3, new Uint32Array(0)), /empty/);
});

test('MNIST with a digit filter draws only those digits', () => {
  const set = loadMnist('train');
  // Digit prototypes: which training row a drawn image came from is found by its exact bytes.
  const data = loadTrainingData({ kind: 'mnist', digits: [0, 7] });
  assert.equal(data.dim, 784);
  assert.deepEqual(data.image, { height: 28, width: 28, channels: 1 });
  const zeros = set.labels.filter((l) => l === 0).length;
  const sevens = set.labels.filter((l) => l === 7).length;
  assert.equal(data.count, zeros + sevens);
  const index = new Map<string, number>();
  for (let i = 0; i < set.count; i++) index.set(Buffer.from(set.images.buffer, set.images.byteOffset + i * 784 * 4, 784 * 4).toString('base64'), set.labels[i]);
  const batch = data.sample(64, 3);
  for (let i = 0; i < 64; i++) {
    const label = index.get(Buffer.from(batch.buffer, i * 784 * 4, 784 * 4).toString('base64'));
    assert.ok(label === 0 || label === 7, `sample ${i} is digit ${label}`);
  }
});

test('Stacked MNIST: 28×28×3, each channel a training digit, interleaved', () => {
  const set = loadMnist('train');
  const n = 5;
  const out = stackedMnist(set.images, set.count, n, 11);
  assert.equal(out.length, n * 784 * 3);
  // The sampler draws the three source images in channel order from Rng(seed): replay the draws.
  const rng = new Rng(11);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < 3; ch++) {
      const src = rng.int(set.count);
      for (let p = 0; p < 784; p += 37) assert.equal(out[i * 784 * 3 + 3 * p + ch], set.images[src * 784 + p], `sample ${i} channel ${ch} pixel ${p} is training image ${src}'s`);
    }
  }
  const cfg = resolveConfig({ name: 's', variant: 'gan-ns', data: { kind: 'stacked-mnist' } });
  assert.deepEqual(imageShapeOf(cfg.data), { height: 28, width: 28, channels: 3 });
  assert.equal(dataDimOf(cfg.data), 2352);
  // Channels of one sample are independent draws: over many samples they differ.
  const many = stackedMnist(set.images, set.count, 20, 12);
  let differ = 0;
  for (let i = 0; i < 20; i++) if (many[i * 2352 + 3 * 400] !== many[i * 2352 + 3 * 400 + 1]) differ++;
  assert.ok(differ >= 10, `${differ} of 20 samples have different R and G digits at pixel 400`);
});

test('mode statistics: uniform = all modes, KL 0; one mode = KL ln K; hand-computed mix', () => {
  const uniform = new Float64Array(1000).fill(3);
  assert.deepEqual(modeStatistics(uniform), { modesCovered: 1000, modeKL: 0 });
  const one = new Float64Array(1000);
  one[42] = 26000;
  const s1 = modeStatistics(one);
  assert.equal(s1.modesCovered, 1);
  assert.ok(Math.abs(s1.modeKL - Math.log(1000)) < 1e-12);
  // Two modes of 4: p = (3/4, 1/4) → KL = 3/4 ln 3 + 1/4 ln 1 = 0.75 ln 3.
  const two = modeStatistics([3, 1, 0, 0]);
  assert.equal(two.modesCovered, 2);
  assert.ok(Math.abs(two.modeKL - 0.75 * Math.log(3)) < 1e-12);
});

test("Cohen's κ: identical varied labels 1, one label everywhere 0, independent labels ≈ 0, hand-computed case", () => {
  assert.equal(cohensKappa([0, 1, 2, 3], [0, 1, 2, 3], 10), 1);
  assert.equal(cohensKappa([4, 4, 4], [4, 4, 4], 10), 0, 'blank halves read as one digit are not agreement');
  // 2 classes, p_o = 3/4, marginals (1/2, 1/2) and (1/4, 3/4): p_e = 1/8 + 3/8 = 1/2 → κ = 0.5.
  assert.equal(cohensKappa([0, 0, 1, 1], [0, 1, 1, 1], 2), 0.5);
  const rng = new Rng(4);
  const a = Int32Array.from({ length: 5000 }, () => rng.int(10));
  const b = Int32Array.from({ length: 5000 }, () => rng.int(10));
  assert.ok(Math.abs(cohensKappa(a, b, 10)) < 0.03);
});

test('coupled MNIST: a digit on the left, another one inverted on the right, drawn independently', () => {
  const set = loadMnist('train');
  const out = coupledMnist(set.images, set.count, 3, 9);
  assert.equal(out.length, 3 * 28 * 56);
  const rng = new Rng(9);
  for (let i = 0; i < 3; i++) {
    const a = rng.int(set.count);
    const b = rng.int(set.count);
    for (const [y, x] of [[3, 5], [14, 14], [20, 27]]) {
      assert.equal(out[i * 1568 + y * 56 + x], set.images[a * 784 + y * 28 + x]);
      assert.equal(out[i * 1568 + y * 56 + 28 + x], -set.images[b * 784 + y * 28 + x]);
    }
  }
});
