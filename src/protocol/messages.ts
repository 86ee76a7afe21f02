/**
 * The one message contract: a discriminated union per direction.
 *
 *   trainer → host   TrainerMessage   (NDJSON over the run's local socket)
 *   host → trainer   ControlMessage
 *   host → webview   HostToWebview    (postMessage)
 *   webview → host   WebviewToHost
 *
 * Every receiver runs `parseMessage` on arrival; nothing reaches a handler
 * unvalidated.
 */
import { z } from 'zod';
import { FindingViewSchema, MAX_FINDINGS } from './diagnosis';
import { MetricRecordSchema, SnapshotSchema } from './metrics';
import { BackendInfoSchema, RunStatusSchema, RUN_STATES } from './run';

export const PROTOCOL_VERSION = 1;

/** A comparison overlays at most this many runs, each with at most this many records. */
export const MAX_COMPARE_RUNS = 8;
export const MAX_COMPARE_RECORDS = 10_000;
/** The history slider lists at most this many snapshot steps. */
export const MAX_SNAPSHOT_STEPS = 100_000;

export const CONTROL_ACTIONS = ['pause', 'resume', 'stop', 'sampleNow'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

// ---- trainer → host -------------------------------------------------------
export const TrainerMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocol: z.literal(PROTOCOL_VERSION),
    runId: z.string(),
    pid: z.number().int().positive(),
    backend: BackendInfoSchema,
    totalSteps: z.number().int().min(0),
  }),
  z.object({ type: z.literal('status'), status: RunStatusSchema }),
  z.object({ type: z.literal('metrics'), records: z.array(MetricRecordSchema).max(100_000) }),
  z.object({ type: z.literal('snapshot'), snapshot: SnapshotSchema }),
  z.object({ type: z.literal('log'), level: z.enum(['info', 'warn', 'error']), message: z.string().max(100_000) }),
  z.object({ type: z.literal('ended'), state: z.enum(RUN_STATES), step: z.number().int().min(0), error: z.string().optional() }),
]);
export type TrainerMessage = z.infer<typeof TrainerMessageSchema>;

// ---- host → trainer -------------------------------------------------------
export const ControlMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('control'), action: z.enum(CONTROL_ACTIONS) }),
]);
export type ControlMessage = z.infer<typeof ControlMessageSchema>;

// ---- host → webview -------------------------------------------------------
export const RunSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  variant: z.string(),
  dataset: z.string(),
  /** training.emaG when the run keeps a moving average of G: its samples and metrics come from the average. */
  generatorAverage: z.number().gt(0).lt(1).optional(),
  /** training.lrDecayStart when the run's learning rates fall linearly to zero from that generator step. */
  lrDecayStart: z.number().int().min(0).optional(),
  status: RunStatusSchema,
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

export const HostToWebviewSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('init'),
    run: RunSummarySchema,
    metrics: z.array(MetricRecordSchema),
    snapshot: SnapshotSchema.optional(),
    /** Warnings from reading the folder (torn lines, missing files). */
    warnings: z.array(z.string()),
  }),
  z.object({ type: z.literal('metrics'), records: z.array(MetricRecordSchema) }),
  z.object({ type: z.literal('snapshot'), snapshot: SnapshotSchema }),
  /** The steps that have a snapshot in the run folder, ascending (the history slider's stops); sent after init and when a snapshot is saved. */
  z.object({ type: z.literal('snapshotSteps'), steps: z.array(z.number().int().min(0)).max(MAX_SNAPSHOT_STEPS) }),
  /** The answer to requestSnapshot: an older snapshot read from the run folder (the live one is not replaced by it). */
  z.object({ type: z.literal('historySnapshot'), snapshot: SnapshotSchema }),
  z.object({ type: z.literal('status'), status: RunStatusSchema }),
  z.object({ type: z.literal('notice'), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  /** The training doctor's findings for this run, all of them (sticky), replacing the previous list. */
  z.object({ type: z.literal('diagnosis'), findings: z.array(FindingViewSchema).max(MAX_FINDINGS) }),
  /**
   * Other runs drawn over this run's charts (dashed), replacing the previous
   * set; an empty list clears them. Each run's records are a bounded sample.
   */
  z.object({
    type: z.literal('compare'),
    runs: z
      .array(
        z.object({
          id: z.string().min(1).max(200),
          /** The compared run's variant (its series are labelled for its kind of discriminator); absent when its config is unreadable. */
          variant: z.string().min(1).max(64).optional(),
          records: z.array(MetricRecordSchema).max(MAX_COMPARE_RECORDS),
        }),
      )
      .max(MAX_COMPARE_RUNS),
  }),
]);
export type HostToWebview = z.infer<typeof HostToWebviewSchema>;

// ---- webview → host -------------------------------------------------------
export const WebviewToHostSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('control'), action: z.enum(CONTROL_ACTIONS) }),
  /** Apply fix number `fix` of the finding of `detector`: the host makes and starts the fixed run. */
  z.object({ type: z.literal('applyFix'), detector: z.string().min(1).max(64), fix: z.number().int().min(0).max(9) }),
  /** The history slider moved: send the snapshot saved at `step` (answered with historySnapshot, or a notice if there is none). */
  z.object({ type: z.literal('requestSnapshot'), step: z.number().int().min(0).max(1e9) }),
]);
export type WebviewToHost = z.infer<typeof WebviewToHostSchema>;

/** Handlers keyed by message type, each typed by its own message. */
export type Handlers<M extends { type: string }> = { [K in M['type']]: (msg: Extract<M, { type: K }>) => void };

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: string };

/**
 * Validate a message from another process. The error names the message
 * type (when there is one) and the offending field.
 */
export function parseMessage<T>(schema: z.ZodType<T>, raw: unknown, channel: string): ParseResult<T> {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, message: r.data };
  // The error is logged and echoed to the peer as a `log` message (at most
  // 100 000 characters): a hostile type or key must not make it long.
  const type =
    raw && typeof raw === 'object' && typeof (raw as { type?: unknown }).type === 'string'
      ? `'${clip((raw as { type: string }).type, 64)}'`
      : 'without a type';
  const detail = r.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? clip(i.path.map(String).join('.'), 200) : '(message)'}: ${clip(i.message, 300)}`)
    .join('; ');
  return { ok: false, error: `${channel}: rejected message ${type}: ${detail}` };
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Dispatch a validated message to its typed handler. */
export function dispatch<M extends { type: string }>(handlers: Handlers<M>, msg: M): void {
  (handlers[msg.type as M['type']] as (m: M) => void)(msg);
}
