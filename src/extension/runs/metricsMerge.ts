/**
 * Joining the run folder (history) and the socket (live) without a gap or
 * a duplicate: the host is connected before it reads the file, keeps the
 * records that arrived meanwhile, and after the read appends only records
 * with a step above the file's last.
 */
import type { MetricRecord } from '../../protocol/metrics';

/** The highest step in `records`, -1 when empty. */
export function lastStep(records: readonly MetricRecord[]): number {
  let max = -1;
  for (const r of records) if (r.step > max) max = r.step;
  return max;
}

/** File records, then the live records past the file's last step (each step once). */
export function mergeByStep(fileRecords: readonly MetricRecord[], liveRecords: readonly MetricRecord[]): MetricRecord[] {
  return fileRecords.concat(recordsAfter(liveRecords, lastStep(fileRecords)).records);
}

/** Records of `incoming` with a step above `after`, and the new last step. */
export function recordsAfter(incoming: readonly MetricRecord[], after: number): { records: MetricRecord[]; last: number } {
  const records: MetricRecord[] = [];
  let last = after;
  for (const r of incoming) {
    if (r.step > last) {
      records.push(r);
      last = r.step;
    }
  }
  return { records, last };
}

/**
 * A bounded buffer of the latest live records of one run: memory stays
 * bounded however long the run; older records are in metrics.jsonl.
 */
export class RecentMetrics {
  private buf: MetricRecord[] = [];
  constructor(readonly capacity = 20_000) {}
  push(records: readonly MetricRecord[]): void {
    for (const r of records) this.buf.push(r);
    if (this.buf.length > this.capacity * 1.5) this.buf = this.buf.slice(-this.capacity);
  }
  all(): MetricRecord[] {
    return this.buf.length > this.capacity ? this.buf.slice(-this.capacity) : this.buf.slice();
  }
  get length(): number {
    return Math.min(this.buf.length, this.capacity);
  }
  clear(): void {
    this.buf = [];
  }
}

/**
 * At most `max` records by uniform stride, the first and the last always
 * kept. Returns the input itself when it fits.
 */
export function capRecords<T>(records: readonly T[], max: number): { records: T[]; stride: number } {
  const n = records.length;
  if (n <= max) return { records: records as T[], stride: 1 };
  if (max < 2) return { records: max === 1 ? [records[n - 1]] : [], stride: n };
  const stride = Math.ceil((n - 1) / (max - 1));
  const out: T[] = [];
  for (let i = 0; i < n - 1; i += stride) out.push(records[i]);
  out.push(records[n - 1]);
  return { records: out, stride };
}
