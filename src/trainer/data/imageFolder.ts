/**
 * A folder of the user's own images (PNG and JPEG) as one training set.
 *
 * - Files: the folder is searched recursively (so a class-per-subfolder layout
 *   works as is); names and folders that start with '.' are skipped; extensions
 *   .png, .jpg and .jpeg in any letter case. Files are taken in code-point order
 *   of their path relative to the folder, so image i is the same on every machine.
 * - Decoding: PNG with pngjs, JPEG with jpeg-js (pure JS, no native build). The
 *   decoder is chosen by the file's signature bytes, else by its extension (so a
 *   mislabelled file still decodes and a corrupt one gets that decoder's reason).
 *   Alpha is composited over black (each colour times alpha/255); 16-bit PNGs are
 *   reduced to 8 bits by pngjs.
 * - Colour: channels 3 gives RGB (grey images are repeated into the three
 *   channels); channels 1 gives luma 0.299·R + 0.587·G + 0.114·B (ITU-R BT.601,
 *   what PIL's convert('L') uses).
 * - Size: the image is scaled so that it covers the target (its shorter side,
 *   relative to the target's aspect ratio, becomes the target's), then the centre
 *   is cropped. The scaling is area averaging: each output pixel is the mean of
 *   the source area it covers, fractional pixels weighted by their overlap. That
 *   is the right filter for shrinking (the usual case); when enlarging, the same
 *   rule is nearest-neighbour with linear blending where a source pixel edge
 *   falls inside an output pixel. The result is rounded to 8 bits, then scaled
 *   to [−1, 1] as v/127.5 − 1.
 * - Mixed sets: the issue says a mixed-size set must not start training. Here
 *   every image is brought to one resolution and one channel layout, as above,
 *   so mixed pixel sizes and mixed layouts (grey, RGB, RGBA, palette, 8/16-bit)
 *   all give a consistent set and are accepted; refusing them would only refuse
 *   sets that the conversion handles losslessly or as the user asked. What does
 *   stop training is any file that cannot be read or decoded: the loader throws
 *   on the first one, naming it, rather than skipping it. The result's `sources`
 *   summary (size range, how many were enlarged, grey vs colour) lets the caller
 *   warn about a set that is mixed in a way that matters to it.
 * - Cache: with a `cacheDir`, the resized 8-bit set is written there (never in
 *   the user's folder) under a name keyed by the folder, every file's relative
 *   path, size and mtime, the target size and the conversion rules. A second
 *   load with the same key reads that file and decodes nothing; a source whose
 *   content changes without a change of size or mtime is not noticed.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { writeFileAtomic } from '../../runfolder/atomic';

export interface ImageFolderOptions {
  /** The folder of images (searched recursively). */
  readonly folder: string;
  readonly height: number;
  readonly width: number;
  /** 1: greyscale, 3: RGB. */
  readonly channels: 1 | 3;
  /** Where to keep the decoded, resized set between loads; no cache if absent. */
  readonly cacheDir?: string;
}

export interface ImageFolderSet {
  /** n × height × width × channels, row-major (NHWC), in [−1, 1]. */
  readonly images: Float32Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  /** Relative paths (with '/') of the images, in the order of `images`. */
  readonly files: readonly string[];
  /** True when the set was read from the cache and nothing was decoded. */
  readonly fromCache: boolean;
  /** The cache file used or written, if there is a cacheDir. */
  readonly cacheFile?: string;
  readonly sources: SourceSummary;
}

export interface SourceSummary {
  readonly minWidth: number;
  readonly maxWidth: number;
  readonly minHeight: number;
  readonly maxHeight: number;
  /** Images smaller than the target in the covering direction (so enlarged). */
  readonly enlarged: number;
  /** Images whose decoded colour channels were all equal (grey). */
  readonly grey: number;
  readonly png: number;
  readonly jpeg: number;
}

/** A decoded image: RGBA, 8 bits a channel, row-major. */
export interface Rgba {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  readonly format: 'png' | 'jpeg';
}

/** Bumped whenever decoding, conversion, resizing or the cache layout changes. */
const PIPELINE_VERSION = 'imagefolder-v1:alpha-over-black:bt601:cover-crop-area:u8';
const CACHE_MAGIC = 'GANIMG01';

const EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

const errorReason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Image files under `folder`, recursively, as sorted relative paths with '/'. */
export function listImageFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      throw new Error(`cannot read image folder ${dir}: ${errorReason(e)}`);
    }
    for (const ent of entries) {
      if (ent.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      let isDir = ent.isDirectory();
      let isFile = ent.isFile();
      if (ent.isSymbolicLink()) {
        try {
          const st = fs.statSync(path.join(dir, ent.name));
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          continue; // a dangling link is not an image
        }
      }
      if (isDir) walk(path.join(dir, ent.name), r);
      else if (isFile && EXTENSIONS.has(path.extname(ent.name).toLowerCase())) out.push(r);
    }
  };
  walk(folder, '');
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const isPng = (b: Uint8Array): boolean =>
  b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array): boolean => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/**
 * Why a PNG that pngjs rejected is broken, when the chunk structure shows it.
 * pngjs's synchronous reader hides its parser's own error (a bad signature, a
 * CRC mismatch) behind "unrecognised content at end of stream", so this walks
 * the chunks to name the real fault; undefined leaves pngjs's message.
 */
function pngStructureProblem(b: Uint8Array): string | undefined {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length < 8 || sig.some((v, i) => b[i] !== v)) return 'Invalid file signature (not a PNG file)';
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  let off = 8;
  let first = true;
  while (off < b.length) {
    if (off + 8 > b.length) return `truncated: chunk header at byte ${off} runs past the end of the file (${b.length} bytes)`;
    const len = view.getUint32(off, false);
    const type = String.fromCharCode(b[off + 4], b[off + 5], b[off + 6], b[off + 7]);
    if (!/^[A-Za-z]{4}$/.test(type)) return `corrupt chunk type at byte ${off + 4}`;
    if (first && type !== 'IHDR') return `the first chunk is ${type}, expected IHDR`;
    first = false;
    if (off + 12 + len > b.length) {
      return `truncated: chunk ${type} at byte ${off} needs ${len + 12} bytes, the file ends ${b.length - off} bytes on`;
    }
    if (crc32) {
      const want = view.getUint32(off + 8 + len, false);
      const got = crc32(b.subarray(off + 4, off + 8 + len)) >>> 0;
      if (want !== got) return `CRC error in chunk ${type} at byte ${off}`;
    }
    if (type === 'IEND') return undefined;
    off += 12 + len;
  }
  return 'truncated: no IEND chunk';
}

/**
 * Decodes a PNG or JPEG to RGBA. `file` is used to pick the decoder when the
 * signature is not recognised and to name the file in the error.
 */
export function decodeImage(buf: Uint8Array, file: string): Rgba {
  const ext = path.extname(file).toLowerCase();
  const format: 'png' | 'jpeg' = isPng(buf) ? 'png' : isJpeg(buf) ? 'jpeg' : ext === '.png' ? 'png' : 'jpeg';
  let img: { width: number; height: number; data: Uint8Array };
  try {
    if (format === 'png') {
      const png = PNG.sync.read(Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
      img = { width: png.width, height: png.height, data: png.data };
    } else {
      img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true });
    }
  } catch (e) {
    const reason = (format === 'png' && pngStructureProblem(buf)) || errorReason(e);
    throw new Error(`${file}: cannot decode as ${format === 'png' ? 'PNG' : 'JPEG'}: ${reason}`);
  }
  if (!(img.width > 0 && img.height > 0) || img.data.length < img.width * img.height * 4) {
    throw new Error(`${file}: decoded ${format === 'png' ? 'PNG' : 'JPEG'} has no pixels (${img.width}×${img.height})`);
  }
  return { ...img, format };
}

/**
 * For one axis: which source pixels (and with what weights) make each output
 * pixel, when the source of length `srcLen` is scaled by `scale` and the output
 * window of length `dstLen` is centred on it.
 */
function axisWeights(srcLen: number, dstLen: number, scale: number): { start: Int32Array; weights: Float64Array[] } {
  const offset = (srcLen - dstLen / scale) / 2;
  const start = new Int32Array(dstLen);
  const weights: Float64Array[] = [];
  for (let k = 0; k < dstLen; k++) {
    const a = Math.max(0, offset + k / scale);
    const b = Math.min(srcLen, offset + (k + 1) / scale);
    let p0 = Math.floor(a);
    let p1 = Math.ceil(b); // exclusive
    if (p1 <= p0) p1 = p0 + 1;
    if (p1 > srcLen) {
      p1 = srcLen;
      p0 = Math.min(p0, srcLen - 1);
    }
    const w = new Float64Array(p1 - p0);
    let sum = 0;
    for (let p = p0; p < p1; p++) {
      const overlap = Math.max(0, Math.min(b, p + 1) - Math.max(a, p));
      w[p - p0] = overlap;
      sum += overlap;
    }
    if (sum > 0) for (let i = 0; i < w.length; i++) w[i] /= sum;
    else w.fill(1 / w.length);
    start[k] = p0;
    weights.push(w);
  }
  return { start, weights };
}

/**
 * Scales `img` to cover height × width, crops the centre, converts to 1 or 3
 * channels (see the file comment) and writes 8-bit values into `out` at
 * `outOffset` (HWC). Returns whether the image was enlarged.
 */
export function resizeCoverCrop(
  img: Rgba,
  height: number,
  width: number,
  channels: 1 | 3,
  out: Uint8Array,
  outOffset: number,
): boolean {
  const { width: sw, height: sh, data } = img;
  const scale = Math.max(height / sh, width / sw);
  const xs = axisWeights(sw, width, scale);
  const ys = axisWeights(sh, height, scale);
  // Only the source rows inside the crop are needed.
  const y0 = ys.start[0];
  const y1 = ys.start[height - 1] + ys.weights[height - 1].length;
  // Horizontal pass over rows y0..y1 into (y1 − y0) × width × channels, reading
  // RGBA directly (alpha applied, converted per channel rule) so no full-size
  // float copy of a large photo is made.
  const tmp = new Float32Array((y1 - y0) * width * channels);
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < width; x++) {
      const w = xs.weights[x];
      let p = (y * sw + xs.start[x]) * 4;
      let r = 0, g = 0, b = 0;
      for (let i = 0; i < w.length; i++, p += 4) {
        const wa = (w[i] * data[p + 3]) / 255;
        r += wa * data[p];
        g += wa * data[p + 1];
        b += wa * data[p + 2];
      }
      const o = ((y - y0) * width + x) * channels;
      if (channels === 1) tmp[o] = 0.299 * r + 0.587 * g + 0.114 * b;
      else {
        tmp[o] = r;
        tmp[o + 1] = g;
        tmp[o + 2] = b;
      }
    }
  }
  // Vertical pass, rounded into the output.
  for (let y = 0; y < height; y++) {
    const w = ys.weights[y];
    const s0 = ys.start[y];
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let i = 0; i < w.length; i++) acc += w[i] * tmp[((s0 - y0 + i) * width + x) * channels + c];
        const v = Math.round(acc);
        out[outOffset + (y * width + x) * channels + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return scale > 1;
}

function isGrey(img: Rgba): boolean {
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false;
  return true;
}

interface CacheHeader {
  key: string;
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  files: string[];
  sources: SourceSummary;
}

function readCache(file: string, key: string): { header: CacheHeader; pixels: Uint8Array } | undefined {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  // Anything unexpected (a partial or foreign file) is treated as a miss and rebuilt.
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== CACHE_MAGIC) return undefined;
  const headerLen = buf.readUInt32LE(8);
  if (12 + headerLen > buf.length) return undefined;
  let header: CacheHeader;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + headerLen)) as CacheHeader;
  } catch {
    return undefined;
  }
  const pixels = buf.subarray(12 + headerLen);
  if (header.key !== key || pixels.length !== header.count * header.height * header.width * header.channels) {
    return undefined;
  }
  return { header, pixels };
}

function writeCache(file: string, header: CacheHeader, pixels: Uint8Array): void {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pre = Buffer.alloc(12);
  pre.write(CACHE_MAGIC, 0, 'latin1');
  pre.writeUInt32LE(json.length, 8);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, [pre, json, pixels]); // a reader never sees a half-written cache
  } catch (e) {
    throw new Error(`cannot write the image cache ${file}: ${errorReason(e)}`);
  }
}

function toFloat(pixels: Uint8Array): Float32Array {
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = v / 127.5 - 1;
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = lut[pixels[i]];
  return out;
}

/**
 * Loads every PNG/JPEG under `folder` as n × height × width × channels floats
 * in [−1, 1]. Throws if the folder has no PNG or JPEG images, or on the first
 * file that cannot be read or decoded (naming it and the decoder's reason).
 */
export function loadImageFolder(opts: ImageFolderOptions): ImageFolderSet {
  const { height, width, channels, cacheDir } = opts;
  for (const [name, v] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`image ${name} must be a positive integer, got ${v}`);
  }
  if (channels !== 1 && channels !== 3) throw new Error(`image channels must be 1 or 3, got ${String(channels)}`);
  const folder = path.resolve(opts.folder);
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new Error(`image folder ${folder} does not exist or is not a folder`);
  }

  const files = listImageFiles(folder);
  if (files.length === 0) {
    throw new Error(`image folder ${folder} has no PNG or JPEG images (.png, .jpg, .jpeg, searched recursively)`);
  }
  const stats = files.map((f) => {
    const abs = path.join(folder, f);
    try {
      const st = fs.statSync(abs);
      return [f, st.size, Math.floor(st.mtimeMs)] as const; // whole ms: what utimes/Date round-trip
    } catch (e) {
      throw new Error(`${abs}: cannot read image file: ${errorReason(e)}`);
    }
  });
  const key = createHash('sha256')
    .update(JSON.stringify({ v: PIPELINE_VERSION, folder, height, width, channels, files: stats }))
    .digest('hex');
  const cacheFile = cacheDir ? path.join(cacheDir, `images-${key.slice(0, 32)}.bin`) : undefined;

  if (cacheFile) {
    const hit = readCache(cacheFile, key);
    if (hit) {
      const { header } = hit;
      return {
        images: toFloat(hit.pixels),
        count: header.count,
        height,
        width,
        channels,
        files: header.files,
        fromCache: true,
        cacheFile,
        sources: header.sources,
      };
    }
  }

  const per = height * width * channels;
  const pixels = new Uint8Array(files.length * per);
  let minW = Infinity, maxW = 0, minH = Infinity, maxH = 0, enlarged = 0, grey = 0, png = 0, jpg = 0;
  files.forEach((f, i) => {
    const abs = path.join(folder, f);
    let buf: Buffer;
    try {
      buf = fs.readFileSync(abs);
    } catch (e) {
      throw new Error(`${abs}: cannot read image file: ${errorReason(e)}`);
    }
    const img = decodeImage(buf, abs);
    minW = Math.min(minW, img.width);
    maxW = Math.max(maxW, img.width);
    minH = Math.min(minH, img.height);
    maxH = Math.max(maxH, img.height);
    if (img.format === 'png') png++;
    else jpg++;
    if (isGrey(img)) grey++;
    if (resizeCoverCrop(img, height, width, channels, pixels, i * per)) enlarged++;
  });
  const sources: SourceSummary = {
    minWidth: minW, maxWidth: maxW, minHeight: minH, maxHeight: maxH, enlarged, grey, png, jpeg: jpg,
  };
  if (cacheFile) {
    writeCache(cacheFile, { key, count: files.length, height, width, channels, files, sources }, pixels);
  }
  return {
    images: toFloat(pixels),
    count: files.length,
    height,
    width,
    channels,
    files,
    fromCache: false,
    cacheFile,
    sources,
  };
}
