/**
 * Validation of every host → webview message on arrival.
 *
 * Small messages go through the shared zod schema as they are. Large record
 * arrays (an `init` of a long run holds 10^6 records and more) are checked
 * by `checkMetricRecords`, a direct transcription of MetricRecordSchema that
 * runs ~20× faster than zod (which needs several seconds for 10^6 records);
 * the rest of such a message still goes through the zod schema. A property
 * test (test/unit/webview-validate.test.ts) keeps the two in agreement.
 */
import { HostToWebviewSchema, parseMessage, type HostToWebview, type ParseResult } from '../../src/protocol/messages';
import type { MetricRecord } from '../../src/protocol/metrics';

export const CHANNEL = 'host→webview';

/** Record arrays longer than this are checked by the fast path. */
export const FAST_PATH_MIN_RECORDS = 1000;

/**
 * Checks values against MetricRecordSchema: a plain object with an integer
 * `step` ≥ 0, a finite `time` ≥ 0, and any other own property a finite
 * number or null. Returns null when valid, else "path: problem".
 */
export function checkMetricRecord(r: unknown): string | null {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return '(record): expected object';
  const rec = r as Record<string, unknown>;
  const step = rec.step;
  if (typeof step !== 'number' || !Number.isSafeInteger(step)) return 'step: expected integer';
  if (step < 0) return 'step: expected >= 0';
  const time = rec.time;
  if (typeof time !== 'number' || !Number.isFinite(time)) return 'time: expected number';
  if (time < 0) return 'time: expected >= 0';
  // for-in, not Object.keys: no array per record (twice as fast at 10^6
  // records). It would also visit inherited enumerable keys, but messages
  // arrive by structured clone as plain objects, whose prototype has none.
  for (const key in rec) {
    if (key === 'step' || key === 'time') continue;
    const v = rec[key];
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) return `${key}: expected number or null`;
  }
  return null;
}

/** The first invalid record as "index.path: problem", or null when all are valid. */
export function checkMetricRecords(records: readonly unknown[]): string | null {
  for (let i = 0; i < records.length; i++) {
    const err = checkMetricRecord(records[i]);
    if (err !== null) return `${i}.${err}`;
  }
  return null;
}

/** Validate one raw message from the host. Never throws. */
export function parseHostMessage(raw: unknown): ParseResult<HostToWebview> {
  const field = recordField(raw);
  if (field === null) return parseMessage(HostToWebviewSchema, raw, CHANNEL);
  const obj = raw as Record<string, unknown>;
  const records = obj[field] as unknown[];
  const bad = checkMetricRecords(records);
  if (bad !== null) return { ok: false, error: `${CHANNEL}: rejected message '${String(obj.type)}': ${field}.${bad}` };
  const rest = parseMessage(HostToWebviewSchema, { ...obj, [field]: [] }, CHANNEL);
  if (!rest.ok) return rest;
  return { ok: true, message: { ...rest.message, [field]: records as MetricRecord[] } as HostToWebview };
}

/** The record array of a large init/metrics message, where the fast path applies. */
function recordField(raw: unknown): 'metrics' | 'records' | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const m = raw as { type?: unknown; metrics?: unknown; records?: unknown };
  const field = m.type === 'init' ? 'metrics' : m.type === 'metrics' ? 'records' : null;
  if (field === null) return null;
  const arr = m[field];
  return Array.isArray(arr) && arr.length >= FAST_PATH_MIN_RECORDS ? field : null;
}
