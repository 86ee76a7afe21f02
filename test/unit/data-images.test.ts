import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { decodeImage, loadImageFolder, resizeCoverCrop } from '../../src/trainer/data/imageFolder';
import {
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  loadMnist,
  mnistDataDir,
  parseIdx,
  readIdxImages,
  readIdxLabels,
} from '../../src/trainer/data/mnist';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'gan-data-images-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let tmpN = 0;
const tmpDir = (name: string): string => {
  const d = path.join(tmpRoot, `${tmpN++}-${name}`);
  fs.mkdirSync(d, { recursive: true });
  return d;
};

function rangeOf(a: Float32Array): { min: number; max: number; bad: number } {
  let min = Infinity;
  let max = -Infinity;
  let bad = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!(v >= -1 && v <= 1)) bad++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max, bad };
}

// ---------------------------------------------------------------- MNIST

test('MNIST train: 60,000 28×28 images in [−1, 1] (both ends reached), labels 0–9, first label 5 as in the file', () => {
  const m = loadMnist('train');
  assert.equal(m.count, 60000);
  assert.equal(m.height, 28);
  assert.equal(m.width, 28);
  assert.equal(m.channels, 1);
  assert.equal(m.images.length, 60000 * 28 * 28);
  assert.equal(m.labels.length, 60000);
  const r = rangeOf(m.images);
  assert.equal(r.bad, 0, 'every pixel within [−1, 1]');
  assert.equal(r.min, -1);
  assert.equal(r.max, 1);
  assert.deepEqual([...new Set(m.labels)].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

  // The known fact, checked against the raw bytes rather than memory: header 8 bytes, then labels.
  const dir = mnistDataDir();
  const rawLabels = fs.readFileSync(path.join(dir, 'train-labels-idx1-ubyte'));
  assert.equal(rawLabels[8], 5, 'MNIST’s first training label is 5');
  assert.equal(m.labels[0], 5);
  assert.deepEqual([...m.labels.subarray(0, 10)], [...rawLabels.subarray(8, 18)]);
  // Image 0 is the file's first 784 pixels, mapped v/127.5 − 1.
  const fd = fs.openSync(path.join(dir, 'train-images-idx3-ubyte'), 'r');
  const first = Buffer.alloc(784);
  fs.readSync(fd, first, 0, 784, 16);
  fs.closeSync(fd);
  for (let i = 0; i < 784; i++) assert.equal(m.images[i], Math.fround(first[i] / 127.5 - 1));

  assert.equal(loadMnist('train'), m, 'parsed once per process, then cached');
});

test('MNIST test: 10,000 images, range and labels', () => {
  const m = loadMnist('test');
  assert.equal(m.count, 10000);
  assert.equal(m.images.length, 10000 * 784);
  assert.equal(m.labels.length, 10000);
  const r = rangeOf(m.images);
  assert.equal(r.bad, 0);
  assert.equal(r.min, -1);
  assert.equal(r.max, 1);
  assert.equal(new Set(m.labels).size, 10);
});

function idx(magic: number, dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

test('IDX parser: accepts a well-formed file, rejects bad magic, truncation and bad sizes, naming the file', () => {
  const dir = tmpDir('idx');
  const good = path.join(dir, 'good-images');
  fs.writeFileSync(good, idx(IDX_IMAGES_MAGIC, [2, 28, 28], new Uint8Array(2 * 784).fill(7)));
  assert.equal(readIdxImages(good).count, 2);

  const cases: [string, Buffer, (f: string) => unknown, RegExp][] = [
    ['bad-magic', idx(0x00000804, [2, 28, 28], new Uint8Array(2 * 784)), readIdxImages, /bad IDX magic number 0x00000804, expected 0x00000803/],
    ['labels-as-images', idx(IDX_LABELS_MAGIC, [2], new Uint8Array(2)), readIdxImages, /bad IDX magic number 0x00000801/],
    ['short', Buffer.from([0, 0]), readIdxImages, /too short/],
    ['header-cut', idx(IDX_IMAGES_MAGIC, [2, 28, 28], new Uint8Array(0)).subarray(0, 10), readIdxImages, /truncated IDX header/],
    ['data-cut', idx(IDX_IMAGES_MAGIC, [2, 28, 28], new Uint8Array(784)), readIdxImages, /need 1568 \(file truncated\)/],
    ['data-extra', idx(IDX_LABELS_MAGIC, [2], new Uint8Array(3)), readIdxLabels, /trailing bytes/],
    ['not-28', idx(IDX_IMAGES_MAGIC, [1, 14, 14], new Uint8Array(196)), readIdxImages, /must be 28×28/],
    ['label-10', idx(IDX_LABELS_MAGIC, [2], Uint8Array.from([3, 10])), readIdxLabels, /label 1 is 10/],
    ['zero-dim', idx(IDX_IMAGES_MAGIC, [0, 28, 28], new Uint8Array(0)), readIdxImages, /dimension 0 is 0/],
  ];
  for (const [name, bytes, read, re] of cases) {
    const f = path.join(dir, name);
    fs.writeFileSync(f, bytes);
    assert.throws(() => read(f), (e: Error) => {
      assert.match(e.message, re, name);
      assert.ok(e.message.startsWith(f), `${name}: the error names the file: ${e.message}`);
      return true;
    });
  }
  assert.throws(() => parseIdx(new Uint8Array(0), IDX_LABELS_MAGIC, 'x'), /^Error: x: /);

  // loadMnist on a folder with a corrupted image header fails with that file's name.
  const mdir = tmpDir('mnist-bad');
  fs.writeFileSync(path.join(mdir, 't10k-labels-idx1-ubyte'), idx(IDX_LABELS_MAGIC, [1], Uint8Array.from([1])));
  fs.writeFileSync(path.join(mdir, 't10k-images-idx3-ubyte'), idx(0x12345678, [1, 28, 28], new Uint8Array(784)));
  assert.throws(() => loadMnist('test', mdir), /t10k-images-idx3-ubyte: bad IDX magic number 0x12345678/);
});

// ---------------------------------------------------------------- image folder

type Px = [number, number, number, number?];
function makeRgba(w: number, h: number, f: (x: number, y: number) => Px): Buffer {
  const d = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b, a = 255] = f(x, y);
      d.set([r, g, b, a], (y * w + x) * 4);
    }
  }
  return d;
}
function writePng(file: string, w: number, h: number, f: (x: number, y: number) => Px, colorType?: 0 | 2 | 6): void {
  const png = new PNG({ width: w, height: h });
  png.data = makeRgba(w, h, f);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG.sync.write(png, colorType === undefined ? {} : { colorType }));
}
function writeJpeg(file: string, w: number, h: number, f: (x: number, y: number) => Px): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, jpeg.encode({ width: w, height: h, data: makeRgba(w, h, f) }, 95).data);
}
const BLACK: Px = [0, 0, 0];
const WHITE: Px = [255, 255, 255];
const RED: Px = [255, 0, 0];
const BLUE: Px = [0, 0, 255];

/** A folder of four images of different sizes and kinds, plus things to skip. */
function sampleFolder(): string {
  const dir = tmpDir('images');
  // 64×32: four vertical bands; covering 8×8 keeps only the middle two (black | white).
  writePng(path.join(dir, 'a-wide.png'), 64, 32, (x) => (x < 16 ? RED : x < 32 ? BLACK : x < 48 ? WHITE : BLUE));
  // 32×64: four horizontal bands; the crop keeps black (top) | white (bottom).
  writePng(path.join(dir, 'b-tall.png'), 32, 64, (_x, y) => (y < 16 ? RED : y < 32 ? BLACK : y < 48 ? WHITE : BLUE));
  // An odd-sized grey PNG (colour type 0) and a JPEG in a subfolder, in upper case.
  writePng(path.join(dir, 'c-grey.png'), 33, 47, () => [200, 200, 200], 0);
  writeJpeg(path.join(dir, 'sub', 'd-grey.JPG'), 40, 30, () => [128, 128, 128]);
  // Skipped: hidden files and folders, other extensions.
  fs.writeFileSync(path.join(dir, '.hidden.png'), 'not an image');
  fs.mkdirSync(path.join(dir, '.thumbs'));
  fs.writeFileSync(path.join(dir, '.thumbs', 'x.png'), 'not an image');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
  return dir;
}

const at = (s: { images: Float32Array; height: number; width: number; channels: number }, n: number, y: number, x: number, c = 0): number =>
  s.images[((n * s.height + y) * s.width + x) * s.channels + c];

test('image folder: shape, range, files in order, and a known pattern survives scale-to-cover + centre crop', () => {
  const dir = sampleFolder();
  const s = loadImageFolder({ folder: dir, height: 8, width: 8, channels: 3 });
  assert.deepEqual(s.files, ['a-wide.png', 'b-tall.png', 'c-grey.png', 'sub/d-grey.JPG']);
  assert.equal(s.count, 4);
  assert.equal(s.images.length, 4 * 8 * 8 * 3);
  assert.equal(s.fromCache, false);
  assert.equal(s.cacheFile, undefined);
  assert.equal(rangeOf(s.images).bad, 0);
  assert.deepEqual(s.sources, { minWidth: 32, maxWidth: 64, minHeight: 30, maxHeight: 64, enlarged: 0, grey: 2, png: 3, jpeg: 1 });

  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      for (let c = 0; c < 3; c++) {
        // Wide: left half black, right half white; the red and blue side bands are cropped off.
        assert.equal(at(s, 0, y, x, c), x < 4 ? -1 : 1, `wide (${y},${x},${c})`);
        // Tall: top half black, bottom half white.
        assert.equal(at(s, 1, y, x, c), y < 4 ? -1 : 1, `tall (${y},${x},${c})`);
        assert.equal(at(s, 2, y, x, c), Math.fround(200 / 127.5 - 1), 'a uniform image stays uniform');
        assert.ok(Math.abs(at(s, 3, y, x, c) - (128 / 127.5 - 1)) < 0.03, 'JPEG grey 128 ≈ 0');
      }
    }
  }

  // Greyscale output: BT.601 luma; a pure red PNG gives round(0.299·255) = 76.
  const g = tmpDir('grey');
  writePng(path.join(g, 'red.png'), 10, 10, () => RED);
  writePng(path.join(g, 'half-transparent-white.png'), 10, 10, () => [255, 255, 255, 0]);
  const sg = loadImageFolder({ folder: g, height: 5, width: 5, channels: 1 });
  assert.equal(sg.images.length, 2 * 25);
  assert.equal(sg.files[1], 'red.png');
  for (let i = 0; i < 25; i++) {
    assert.equal(sg.images[25 + i], Math.fround(76 / 127.5 - 1));
    assert.equal(sg.images[i], -1, 'fully transparent is composited over black');
  }
});

test('resize: area averaging when shrinking, uniform when enlarging', () => {
  const rgba = (w: number, h: number, f: (x: number, y: number) => Px) => ({ width: w, height: h, data: makeRgba(w, h, f), format: 'png' as const });
  const out = new Uint8Array(16);
  // A 2×2 checkerboard to 1×1: the mean, 127.5, rounds to 128.
  resizeCoverCrop(rgba(2, 2, (x, y) => ((x + y) % 2 ? WHITE : BLACK)), 1, 1, 1, out, 0);
  assert.equal(out[0], 128);
  // 4×4 in four 2×2 quadrants of 0, 40, 80, 120 → 2×2 of those values.
  resizeCoverCrop(rgba(4, 4, (x, y) => { const v = 40 * (2 * (y >> 1) + (x >> 1)); return [v, v, v]; }), 2, 2, 1, out, 0);
  assert.deepEqual([...out.subarray(0, 4)], [0, 40, 80, 120]);
  // 3×3 to 2×2: each output covers 1.5×1.5 source pixels; a bright centre pixel contributes 0.25/2.25 to each.
  resizeCoverCrop(rgba(3, 3, (x, y) => (x === 1 && y === 1 ? [225, 225, 225] : BLACK)), 2, 2, 1, out, 0);
  assert.deepEqual([...out.subarray(0, 4)], [25, 25, 25, 25]);
  // Enlarging 1×1 to 3×3 (reported as enlarged), into an offset of the output.
  out.fill(0);
  assert.equal(resizeCoverCrop(rgba(1, 1, () => [10, 20, 30]), 3, 3, 1, out, 2), true);
  const luma = Math.round(0.299 * 10 + 0.587 * 20 + 0.114 * 30);
  assert.deepEqual([...out.subarray(0, 11)], [0, 0, ...Array(9).fill(luma)]);
});

test('image folder cache: written outside the folder, second load decodes nothing, invalidated by mtime', () => {
  const dir = sampleFolder();
  const cacheDir = path.join(tmpDir('cache'), 'nested');
  const before = fs.readdirSync(dir).sort();
  const opts = { folder: dir, height: 8, width: 8, channels: 3 as const, cacheDir };
  const a = path.join(dir, 'a-wide.png');
  const t0 = new Date('2024-01-02T03:04:05.678Z');
  fs.utimesSync(a, t0, t0);
  const first = loadImageFolder(opts);
  assert.equal(first.fromCache, false);
  assert.ok(first.cacheFile && fs.existsSync(first.cacheFile));
  assert.equal(path.dirname(first.cacheFile), cacheDir);
  assert.deepEqual(fs.readdirSync(dir).sort(), before, 'nothing written into the user’s folder');
  assert.deepEqual(fs.readdirSync(cacheDir), [path.basename(first.cacheFile)], 'no temp files left');

  const second = loadImageFolder(opts);
  assert.equal(second.fromCache, true);
  assert.deepEqual(second.images, first.images);
  assert.deepEqual(second.files, first.files);
  assert.deepEqual(second.sources, first.sources);

  // A different target size is a different cache entry.
  const small = loadImageFolder({ ...opts, height: 4, width: 4 });
  assert.equal(small.fromCache, false);
  assert.notEqual(small.cacheFile, first.cacheFile);
  assert.equal(loadImageFolder({ ...opts, height: 4, width: 4 }).fromCache, true);
  assert.equal(loadImageFolder(opts).fromCache, true, 'the first entry is still there');

  // Proof that nothing is decoded from the cache: overwrite a source with garbage of
  // the same size and put its mtime back; the load still succeeds, with the old pixels.
  const size = fs.statSync(a).size;
  fs.writeFileSync(a, Buffer.alloc(size, 0x42));
  assert.notEqual(fs.statSync(a).mtimeMs, t0.getTime(), 'writing moved the mtime');
  fs.utimesSync(a, t0, t0);
  const third = loadImageFolder(opts);
  assert.equal(third.fromCache, true);
  assert.deepEqual(third.images, first.images);

  // Once the mtime changes (by 1 ms, size unchanged), the file is read again, and the garbage is reported.
  const t1 = new Date(t0.getTime() + 1);
  fs.utimesSync(a, t1, t1);
  assert.throws(() => loadImageFolder(opts), (e: Error) => {
    assert.ok(e.message.startsWith(`${a}: cannot decode as PNG: `), e.message);
    return true;
  });
  // And a corrupt cache file is treated as a miss, not trusted.
  writePng(a, 64, 32, () => WHITE);
  const rebuilt = loadImageFolder(opts);
  assert.equal(rebuilt.fromCache, false);
  fs.writeFileSync(rebuilt.cacheFile!, 'GANIMG01 but then nonsense');
  assert.equal(loadImageFolder(opts).fromCache, false);
  assert.equal(loadImageFolder(opts).fromCache, true);
});

test('image folder errors: corrupt PNG and JPEG are named with the decoder’s reason; empty folder is explained', () => {
  const dir = tmpDir('corrupt');
  writePng(path.join(dir, 'a-good.png'), 8, 8, () => WHITE);
  const bad = path.join(dir, 'b-bad.png');
  fs.writeFileSync(bad, Buffer.from('this is not a PNG at all, just garbage bytes'));
  writePng(path.join(dir, 'c-good.png'), 8, 8, () => WHITE);
  assert.throws(() => loadImageFolder({ folder: dir, height: 4, width: 4, channels: 3 }), (e: Error) => {
    assert.equal(e.message, `${bad}: cannot decode as PNG: Invalid file signature (not a PNG file)`);
    return true;
  });
  // A real PNG cut short, and one with a flipped byte inside its IHDR chunk.
  const okPng = fs.readFileSync(path.join(dir, 'a-good.png'));
  const cut = path.join(tmpDir('cut'), 'cut.png');
  fs.writeFileSync(cut, okPng.subarray(0, okPng.length - 20));
  assert.throws(() => decodeImage(fs.readFileSync(cut), cut), /cut\.png: cannot decode as PNG: truncated: chunk IDAT/);
  const flipped = Buffer.from(okPng);
  flipped[20] ^= 0xff;
  assert.throws(() => decodeImage(flipped, 'flip.png'), /^Error: flip\.png: cannot decode as PNG: CRC error in chunk IHDR at byte 8$/);

  const jdir = tmpDir('corrupt-jpeg');
  const badJ = path.join(jdir, 'x.jpeg');
  fs.writeFileSync(badJ, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
  assert.throws(() => loadImageFolder({ folder: jdir, height: 4, width: 4, channels: 1 }), (e: Error) => {
    assert.equal(e.message, `${badJ}: cannot decode as JPEG: SOI not found`);
    return true;
  });
  // A truncated real JPEG: the start is valid, so the reason comes from deeper in the decoder.
  const full = jpeg.encode({ width: 16, height: 16, data: makeRgba(16, 16, () => WHITE) }, 90).data;
  fs.writeFileSync(badJ, full.subarray(0, 40));
  assert.throws(() => decodeImage(fs.readFileSync(badJ), badJ), new RegExp(`^Error: ${badJ.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot decode as JPEG: .+`));

  const empty = tmpDir('empty');
  fs.writeFileSync(path.join(empty, 'readme.txt'), 'no images here');
  fs.mkdirSync(path.join(empty, 'sub'));
  assert.throws(
    () => loadImageFolder({ folder: empty, height: 4, width: 4, channels: 3, cacheDir: tmpDir('c') }),
    /^Error: image folder .*empty has no PNG or JPEG images/,
  );
  assert.throws(() => loadImageFolder({ folder: path.join(empty, 'missing'), height: 4, width: 4, channels: 3 }), /does not exist/);
  assert.throws(() => loadImageFolder({ folder: empty, height: 0, width: 4, channels: 3 }), /height must be a positive integer/);
});
