/**
 * Validation of every host → webview message on arrival.
 *
 * Small messages go through the shared zod schema as they are. Large record
 * arrays (an `init` of a long run holds 10^6 records and more) are checked
 * by `checkMetricRecords` (src/protocol/metricCheck.ts, a transcription of
 * MetricRecordSchema ~20× faster than zod, which needs seconds for 10^6 records);
 * the rest of such a message still goes through the zod schema. A property
 * test (test/unit/webview-validate.test.ts) keeps the two in agreement.
 */
import { HostToWebviewSchema, parseMessage, type HostToWebview, type ParseResult } from '../../src/protocol/messages';
import { checkMetricRecord } from '../../src/protocol/metricCheck';
import type { MetricRecord } from '../../src/protocol/metrics';

export { checkMetricRecord };

export const CHANNEL = 'host→webview';

/** Record arrays longer than this are checked by the fast path. */
export const FAST_PATH_MIN_RECORDS = 1000;

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
