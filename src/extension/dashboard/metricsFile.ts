/**
 * Reading metrics.jsonl for a dashboard, fast at any length.
 *
 * A long run's log holds 10^6 records and more (≈ 350 MB); parsing it all
 * takes seconds and would freeze the extension host. So a dashboard opens in
 * two passes:
 *
 * 1. `readMetricsQuick` (synchronous, bounded work whatever the file size): a
 *    small file is read whole; a large one is sampled — one line at each of
 *    `sampleLines` evenly spaced byte offsets, plus every record of the last
 *    `tailBytes` — so the first picture shows the whole run at once.
 * 2. `decimateMetricsFile` (asynchronous, chunk by chunk, yielding between
 *    chunks): every record is read once and, per metric and per range of
 *    the file, only the first, last, lowest and highest value are kept (and
 *    the edges of gaps), so every spike survives and the result stays
 *    bounded (≈ buckets × metrics × 4 records).
 *
 * The warnings match the folder reader's (src/runfolder/metricsLog.ts), but
 * at most MAX_WARNINGS are kept: a garbage file must not fill the memory.
 * No `vscode` import.
 */
import * as fs from 'node:fs';
import type { MetricRecord } from '../../protocol/metrics';
import { checkMetricRecord } from '../../protocol/metricCheck';

export interface MetricsFileOptions {
  /** Files up to this size are read whole by the quick read. */
  fullReadBytes?: number;
  /** Lines sampled across a larger file by the quick read. */
  sampleLines?: number;
  /** The end of a larger file read in full by the quick read (the newest records). */
  tailBytes?: number;
  /** Ranges of the file the full pass keeps extremes for. */
  buckets?: number;
  /** Bytes per read of the full pass (each chunk is parsed without yielding). */
  chunkBytes?: number;
}

export const METRICS_FILE_DEFAULTS: Required<MetricsFileOptions> = {
  // ≈ 6,000 records: a larger log opens faster from a sample (the page's cost grows with the records it gets).
  fullReadBytes: 2 * 1024 * 1024,
  // ≈ 2,000 + 750 records: as many points as a chart draws per line (MAX_DRAWN_POINTS), ~1 MB of message.
  sampleLines: 2000,
  tailBytes: 256 * 1024,
  buckets: 500,
  // ≈ 1,500 records parsed per turn of the event loop: the host stays responsive during the pass.
  chunkBytes: 512 * 1024,
};

export const MAX_WARNINGS = 20;
const SOURCE = 'metrics.jsonl';
/** Bytes read per sampled line (records are ~350 bytes); a longer line is read again with the large window. */
const SAMPLE_WINDOW = 1024;
/** Longest line the sampler looks at; longer ones are left to the full pass. */
const SAMPLE_WINDOW_MAX = 16 * 1024;

export interface MetricsRead {
  records: MetricRecord[];
  warnings: string[];
  /** `records` holds every record of the file; else a sample, and a full pass is worth making. */
  complete: boolean;
  /** The file's size when it was read. */
  bytes: number;
  /** Records in the file: counted when every line was parsed, else estimated from the sampled line lengths. */
  fileRecords: number;
}

/** Parses lines in file order, keeping the folder reader's warnings (bounded). */
class LineParser {
  private lineNo = 0;
  private dropped = 0;
  readonly warnings: string[] = [];

  constructor(private readonly firstLineNo = 1) {
    this.lineNo = firstLineNo - 1;
  }

  parse(line: string): MetricRecord | undefined {
    this.lineNo++;
    // Records start with '{'; anything else is checked for blankness only then.
    if (line.charCodeAt(0) !== 123 && line.trim() === '') return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      this.warn(`${SOURCE}: line ${this.lineNo} is not valid JSON; skipped`);
      return undefined;
    }
    const err = checkMetricRecord(raw);
    if (err === null) return raw as MetricRecord;
    this.warn(`${SOURCE}: line ${this.lineNo} is not a metrics record (${err}); skipped`);
    return undefined;
  }

  torn(): void {
    this.warn(`${SOURCE}: last line is incomplete (torn by an interrupted write); skipped`);
  }

  finish(): string[] {
    if (this.dropped > 0) return [...this.warnings, `${SOURCE}: ${this.dropped} more unreadable line(s) skipped`];
    return this.warnings;
  }

  private warn(w: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(w);
    else this.dropped++;
  }
}

function fileSize(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * The quick read: the whole file when small, else an even sample and the
 * tail. Bounded work: about `sampleLines` small reads plus `tailBytes`.
 * Throws only when the file exists and cannot be read.
 */
export function readMetricsQuick(file: string, opts: MetricsFileOptions = {}): MetricsRead {
  const o = { ...METRICS_FILE_DEFAULTS, ...opts };
  const size = fileSize(file);
  if (size === undefined) return { records: [], warnings: [], complete: true, bytes: 0, fileRecords: 0 };
  const fd = fs.openSync(file, 'r');
  try {
    if (size <= o.fullReadBytes) return readWhole(fd, size);
    return readSampled(fd, size, o);
  } finally {
    fs.closeSync(fd);
  }
}

function readWhole(fd: number, size: number): MetricsRead {
  const buf = Buffer.alloc(size);
  const n = fs.readSync(fd, buf, 0, size, 0);
  const text = buf.toString('utf8', 0, n);
  const parser = new LineParser();
  const records: MetricRecord[] = [];
  const end = text.lastIndexOf('\n') + 1;
  for (const line of text.slice(0, end).split('\n')) {
    const r = parser.parse(line);
    if (r) records.push(r);
  }
  if (text.slice(end).trim() !== '') parser.torn();
  return { records, warnings: parser.finish(), complete: true, bytes: size, fileRecords: records.length };
}

function readSampled(fd: number, size: number, o: Required<MetricsFileOptions>): MetricsRead {
  const tailStart = Math.max(0, size - o.tailBytes);
  const records: MetricRecord[] = [];
  let last = -1;
  const keep = (r: MetricRecord | undefined) => {
    // Steps only grow in the file; a sample that repeats one (two offsets in one line) is dropped.
    if (r && r.step > last) {
      records.push(r);
      last = r.step;
    }
  };
  // Sampled lines are not numbered (their line numbers are unknown) and
  // their problems are not reported: the full pass reports every line.
  const quiet = new LineParser();
  const win = Buffer.alloc(SAMPLE_WINDOW_MAX);
  /** The whole line that starts after `off` (the first line at 0), or undefined. */
  const lineAfter = (off: number, window: number): { a: number; b: number; view: Buffer } | undefined => {
    const view = win.subarray(0, fs.readSync(fd, win, 0, window, off));
    const a = off === 0 ? 0 : view.indexOf(10) + 1;
    if (a === 0 && off !== 0) return undefined;
    const b = view.indexOf(10, a);
    return b < 0 ? undefined : { a, b, view };
  };
  let sampledBytes = 0;
  let sampled = 0;
  for (let k = 0; k < o.sampleLines; k++) {
    const off = Math.floor((k * tailStart) / o.sampleLines);
    const line = lineAfter(off, SAMPLE_WINDOW) ?? lineAfter(off, SAMPLE_WINDOW_MAX);
    if (!line) continue;
    if (off + line.a >= tailStart) break;
    sampledBytes += line.b - line.a + 1;
    sampled++;
    keep(quiet.parse(line.view.toString('utf8', line.a, line.b)));
  }
  // The tail: every record, from the first line that starts inside it.
  const tailBuf = Buffer.alloc(size - tailStart);
  const n = fs.readSync(fd, tailBuf, 0, tailBuf.length, tailStart);
  let text = tailBuf.toString('utf8', 0, n);
  if (tailStart > 0) text = text.slice(text.indexOf('\n') + 1);
  const end = text.lastIndexOf('\n') + 1;
  const parser = new LineParser();
  for (const line of text.slice(0, end).split('\n')) keep(parser.parse(line));
  // Only the tail's own warnings without line numbers are meaningful here: a torn end.
  const warnings: string[] = [];
  if (text.slice(end).trim() !== '') warnings.push(`${SOURCE}: last line is incomplete (torn by an interrupted write); skipped`);
  const fileRecords = sampled > 0 ? Math.round(size / (sampledBytes / sampled)) : records.length;
  return { records, warnings, complete: false, bytes: size, fileRecords };
}

/**
 * Keeps, per metric and per range of the file (bucket), the records with
 * the metric's first, last, lowest and highest value, and the first null of
 * a gap with the value after it, so a line drawn through what is kept has
 * the shape of the whole: a min/max-per-bucket (M4-style) decimation.
 */
export class ExtremesPicker {
  private readonly picked = new Map<number, MetricRecord>();
  private readonly current = new Map<string, BucketState>();

  add(rec: MetricRecord, seq: number, bucket: number): void {
    for (const key in rec) {
      if (key === 'step' || key === 'time') continue;
      const v = rec[key];
      let s = this.current.get(key);
      if (s === undefined) {
        s = emptyBucket(bucket);
        this.current.set(key, s);
      } else if (s.bucket !== bucket) {
        this.flush(s);
        Object.assign(s, emptyBucket(bucket));
      }
      if (v === null) {
        if (!s.inGap && s.gap === undefined) s.gap = [seq, rec];
        s.inGap = true;
        continue;
      }
      if (s.inGap && s.afterGap === undefined) s.afterGap = [seq, rec];
      s.inGap = false;
      s.first ??= [seq, rec];
      s.last = [seq, rec];
      if (v < s.minV) {
        s.minV = v;
        s.min = s.last;
      }
      if (v > s.maxV) {
        s.maxV = v;
        s.max = s.last;
      }
    }
  }

  /** Everything kept, in file order. */
  finish(): MetricRecord[] {
    for (const s of this.current.values()) this.flush(s);
    this.current.clear();
    return [...this.picked.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  }

  get size(): number {
    return this.picked.size;
  }

  private flush(s: BucketState): void {
    for (const p of [s.first, s.last, s.min, s.max, s.gap, s.afterGap]) if (p) this.picked.set(p[0], p[1]);
  }
}

type Pick = [seq: number, rec: MetricRecord];

/** One metric's picks in its current bucket. */
interface BucketState {
  bucket: number;
  first?: Pick;
  last?: Pick;
  min?: Pick;
  max?: Pick;
  minV: number;
  maxV: number;
  /** The first null of a gap, and the value that ends it. */
  gap?: Pick;
  afterGap?: Pick;
  inGap: boolean;
}

function emptyBucket(bucket: number): BucketState {
  return { bucket, first: undefined, last: undefined, min: undefined, max: undefined, minV: Infinity, maxV: -Infinity, gap: undefined, afterGap: undefined, inGap: false };
}

/**
 * The full pass: every record of the file, decimated per metric and file
 * range (ExtremesPicker). Reads asynchronously in chunks, so the extension
 * host stays responsive; `cancelled` is checked between chunks (returns
 * undefined then). Reads up to the file's size when it starts.
 */
export async function decimateMetricsFile(file: string, opts: MetricsFileOptions = {}, cancelled: () => boolean = () => false): Promise<MetricsRead | undefined> {
  const o = { ...METRICS_FILE_DEFAULTS, ...opts };
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], warnings: [], complete: true, bytes: 0, fileRecords: 0 };
    throw e;
  }
  try {
    const size = (await fh.stat()).size;
    const picker = new ExtremesPicker();
    const parser = new LineParser();
    const buf = Buffer.alloc(Math.max(1, Math.min(o.chunkBytes, size)));
    let carry: Buffer = Buffer.alloc(0);
    let pos = 0;
    let seq = 0;
    let count = 0;
    while (pos < size) {
      if (cancelled()) return undefined;
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      const nl = chunk.lastIndexOf(10);
      if (nl < 0) {
        carry = Buffer.concat([carry, chunk]);
        pos += bytesRead;
        continue;
      }
      const linesStart = pos - carry.length;
      const text = (carry.length ? Buffer.concat([carry, chunk.subarray(0, nl)]) : chunk.subarray(0, nl)).toString('utf8');
      carry = Buffer.from(chunk.subarray(nl + 1));
      pos += bytesRead;
      // Bucket by where a line starts in the file (characters ≈ bytes: the log is ASCII JSON).
      let at = 0;
      for (const line of text.split('\n')) {
        const r = parser.parse(line);
        if (r) {
          picker.add(r, seq, Math.min(o.buckets - 1, Math.floor(((linesStart + at) * o.buckets) / size)));
          count++;
        }
        seq++;
        at += line.length + 1;
      }
    }
    if (carry.toString('utf8').trim() !== '') parser.torn();
    return { records: picker.finish(), warnings: parser.finish(), complete: true, bytes: size, fileRecords: count };
  } finally {
    await fh.close();
  }
}
