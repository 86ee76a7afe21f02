import * as fs from 'node:fs';
import { writeFileAtomic } from './atomic';
import { MetricRecordSchema, type MetricRecord } from '../protocol/metrics';

/** Serialise a record as one JSONL line; non-finite numbers become null. */
export function metricLine(r: MetricRecord): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n';
}

/**
 * Append-only writer. Each append is one write() of whole lines, so a kill
 * tears at most the last line, and never an earlier one. A write that fails
 * (disk full, file too large) is undone: the log keeps whole lines only.
 */
export class MetricsWriter {
  private fd: number;
  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a');
  }
  /** Append the records, all or none; throws what the failing write threw. */
  append(records: readonly MetricRecord[]): void {
    if (records.length === 0) return;
    const buf = Buffer.from(records.map(metricLine).join(''));
    const start = fs.fstatSync(this.fd).size;
    try {
      // A full disk or a file-size limit first gives a short write (part of
      // a line, no error), then the error on the next write: write the rest,
      // so that the error surfaces here rather than as a torn line.
      for (let done = 0; done < buf.length; ) {
        const n = fs.writeSync(this.fd, buf, done, buf.length - done);
        if (n <= 0) throw new Error(`${this.file}: write made no progress`);
        done += n;
      }
    } catch (e) {
      // Cut what part of a line got in, so that the next append (after room
      // is made) does not glue its line to a fragment.
      try {
        fs.ftruncateSync(this.fd, start);
      } catch {
        /* readers still skip a torn last line, and resume cuts it */
      }
      throw e;
    }
  }
  /** Flush to disk (at checkpoints and on exit). */
  sync(): void {
    fs.fsyncSync(this.fd);
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}

export interface MetricsReadResult {
  records: MetricRecord[];
  warnings: string[];
  /** Byte offset after the last complete line: where a tail continues. */
  offset: number;
}

/**
 * Read metrics.jsonl tolerantly: a torn last line (no newline yet, or cut by
 * a kill) is skipped with a warning; a garbage line in the middle is skipped
 * with a warning naming its line number; records keep file order.
 */
export function parseMetricsText(text: string, startOffset = 0, source = 'metrics.jsonl'): MetricsReadResult {
  const records: MetricRecord[] = [];
  const warnings: string[] = [];
  const end = text.lastIndexOf('\n') + 1;
  const complete = text.slice(0, end);
  const tail = text.slice(end);
  let lineNo = 0;
  for (const line of complete.split('\n')) {
    lineNo++;
    if (line.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      warnings.push(`${source}: line ${lineNo} is not valid JSON; skipped`);
      continue;
    }
    const r = MetricRecordSchema.safeParse(raw);
    if (r.success) records.push(r.data as MetricRecord);
    else warnings.push(`${source}: line ${lineNo} is not a metrics record (${r.error.issues[0]?.path.join('.') || 'record'}: ${r.error.issues[0]?.message}); skipped`);
  }
  if (tail.trim() !== '') warnings.push(`${source}: last line is incomplete (torn by an interrupted write); skipped`);
  return { records, warnings, offset: startOffset + Buffer.byteLength(complete) };
}

export function readMetrics(file: string, fromOffset = 0): MetricsReadResult {
  let buf: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      buf = Buffer.alloc(Math.max(0, size - fromOffset));
      fs.readSync(fd, buf, 0, buf.length, fromOffset);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], warnings: [], offset: fromOffset };
    throw e;
  }
  return parseMetricsText(buf.toString('utf8'), fromOffset);
}

/**
 * Before appending to an existing log (resume), cut a torn last line so the
 * next record starts on a line of its own. Returns the bytes removed.
 */
export function repairTornTail(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const text = fs.readFileSync(file, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  const cut = Buffer.byteLength(text) - Buffer.byteLength(text.slice(0, end));
  if (cut > 0) fs.truncateSync(file, Buffer.byteLength(text.slice(0, end)));
  return cut;
}

/**
 * Drop the records with step > `step` (a resume goes back to a checkpoint).
 * Every other line — records up to `step`, and lines that are not records —
 * is kept byte for byte; the file is replaced atomically, and only when
 * something goes. Returns the number of records dropped.
 */
export function truncateMetricsAfter(file: string, step: number): number {
  if (!fs.existsSync(file)) return 0;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  let dropped = 0;
  const kept = lines.filter((line) => {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      return true;
    }
    const s = v && typeof v === 'object' ? (v as { step?: unknown }).step : undefined;
    if (typeof s === 'number' && s > step) {
      dropped++;
      return false;
    }
    return true;
  });
  if (dropped > 0) writeFileAtomic(file, kept.join('\n'));
  return dropped;
}
