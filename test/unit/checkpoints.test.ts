/**
 * Checkpoint files without tensors: atomic write, verified read, fallback
 * past a damaged one, pruning to the last N plus the best, and the metrics
 * truncation a resume does.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  checkpointName,
  checkpointsDir,
  latestGoodCheckpoint,
  listCheckpoints,
  pruneCheckpoints,
  readCheckpoint,
  removeCheckpointsAfter,
  writeCheckpoint,
  type StateArray,
} from '../../src/runfolder/checkpoints';
import { truncateMetricsAfter } from '../../src/runfolder/metricsLog';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-ckpt-'));
const arrays = (x: number): StateArray[] => [
  { group: 'G', name: 'G/w', shape: [2, 3], dtype: 'float32', data: Float32Array.from([1, 2, 3, 4, 5, x]) },
  { group: 'D', name: 'D/b', shape: [1], dtype: 'float32', data: Float32Array.from([x]) },
  { group: 'optD', name: 'iter', shape: [], dtype: 'int32', data: Int32Array.from([7]) },
];
const info = (step: number, swd?: number) => ({ step, time: step / 10, seed: 1, variant: 'gan-ns', optimizer: 'adam', ...(swd !== undefined ? { metric: { name: 'swd', value: swd, step } } : {}) });

test('write then read: names, shapes, dtypes and values come back; no temporary left', () => {
  const dir = tmp();
  const w = writeCheckpoint(dir, { ...info(20), variantState: { k: 0.25 } }, arrays(0.5));
  assert.equal(w.written, true);
  assert.equal(w.bytes, 4 * 8);
  assert.deepEqual(fs.readdirSync(checkpointsDir(dir)), [checkpointName(20)]);
  const c = readCheckpoint(w.dir);
  assert.equal(c.manifest.step, 20);
  assert.deepEqual(c.manifest.variantState, { k: 0.25 });
  assert.deepEqual(c.arrays.map((a) => [a.group, a.name, a.shape, a.dtype, Array.from(a.data)]), arrays(0.5).map((a) => [a.group, a.name, a.shape, a.dtype, Array.from(a.data)]));
  assert.equal(writeCheckpoint(dir, info(20), arrays(9)).written, false, 'an intact checkpoint of the same step is kept');
});

test('a damaged newest checkpoint (checksum, size, manifest) is skipped with a warning for the previous one', () => {
  const dir = tmp();
  writeCheckpoint(dir, info(10), arrays(1));
  writeCheckpoint(dir, info(20), arrays(2));
  writeCheckpoint(dir, info(30), arrays(3));
  const bin = (s: number) => path.join(checkpointsDir(dir), checkpointName(s), 'weights.bin');
  const b = fs.readFileSync(bin(30));
  b[0] ^= 1;
  fs.writeFileSync(bin(30), b);
  fs.writeFileSync(path.join(checkpointsDir(dir), checkpointName(20), 'manifest.json'), '{ torn');
  const warnings: string[] = [];
  const c = latestGoodCheckpoint(dir, (w) => warnings.push(w));
  assert.equal(c?.manifest.step, 10);
  assert.match(warnings[0], /step-00000030: weights\.bin fails its SHA-256 check/);
  assert.match(warnings[1], /step-00000020: manifest\.json is not valid JSON/);
  fs.truncateSync(bin(10), 8);
  assert.throws(() => readCheckpoint(path.dirname(bin(10))), /has 8 bytes, the manifest says 32/);
  assert.equal(latestGoodCheckpoint(dir, () => {}), undefined);
  // A damaged checkpoint of the same step is replaced by a new write.
  assert.equal(writeCheckpoint(dir, info(30), arrays(3)).written, true);
  assert.equal(readCheckpoint(path.dirname(bin(30))).manifest.step, 30);
});

test('prune keeps the last N plus the best by the metric, and clears dead writers\' temporaries', () => {
  const dir = tmp();
  const swd = [0.9, 0.2, 0.5, 0.6, 0.7];
  swd.forEach((v, i) => writeCheckpoint(dir, info(10 * (i + 1), v), arrays(i)));
  fs.mkdirSync(path.join(checkpointsDir(dir), '.tmp-step-00000060-999999'));
  assert.deepEqual(pruneCheckpoints(dir, 2, true), [10, 30]);
  assert.deepEqual(listCheckpoints(dir), [20, 40, 50]);
  assert.deepEqual(fs.readdirSync(checkpointsDir(dir)).filter((n) => n.startsWith('.')), []);
  assert.deepEqual(pruneCheckpoints(dir, 2, false), [20], 'higher is better: 0.7 at step 50 is among the newest');
  assert.deepEqual(removeCheckpointsAfter(dir, 45), [50]);
  assert.deepEqual(listCheckpoints(dir), [40]);
});

test('truncateMetricsAfter drops only records past the step, keeps every other line byte for byte', () => {
  const dir = tmp();
  const f = path.join(dir, 'metrics.jsonl');
  const keep = '{"step":1,"time":0}\n{"step":5,"time":0.5,"lossD":null}\nnot json\n';
  fs.writeFileSync(f, keep + '{"step":10,"time":1}\n{"step":15,"time":2}\n');
  assert.equal(truncateMetricsAfter(f, 5), 2);
  assert.equal(fs.readFileSync(f, 'utf8'), keep);
  const before = fs.statSync(f).mtimeMs;
  assert.equal(truncateMetricsAfter(f, 5), 0, 'nothing past the step: the file is left alone');
  assert.equal(fs.statSync(f).mtimeMs, before);
  assert.equal(truncateMetricsAfter(path.join(dir, 'none.jsonl'), 5), 0);
});
