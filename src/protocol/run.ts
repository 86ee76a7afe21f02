/**
 * The run folder: its layout and the small JSON files in it. Everything a
 * dashboard needs can be rebuilt from these files alone.
 *
 *   <runDir>/config.json     resolved config (defaults filled in)
 *   <runDir>/model.ts        copy of the user's model source at start
 *   <runDir>/metrics.jsonl   one MetricRecord per line, append-only
 *   <runDir>/samples/step-NNNNNNNN.json   snapshots
 *   <runDir>/checkpoints/step-NNNNNNNN/   manifest.json + weights.bin (src/runfolder/checkpoints.ts)
 *   <runDir>/status.json     RunStatus, replaced atomically
 *   <runDir>/lock.json       RunLock while a trainer owns the folder
 *   <runDir>/trainer.log     the trainer's stdout/stderr
 *   <runDir>/report.md       the doctor's report, on request (src/doctor/report), with report/*.png
 *   <runDir>/origin.json     RunOrigin, for a run made by Apply fix: which run and which fix it came from
 */
import { z } from 'zod';

export const RUN_FILES = {
  config: 'config.json',
  model: 'model.ts',
  metrics: 'metrics.jsonl',
  samples: 'samples',
  checkpoints: 'checkpoints',
  status: 'status.json',
  lock: 'lock.json',
  log: 'trainer.log',
  origin: 'origin.json',
} as const;

/** Where runs live, relative to the workspace folder. */
export const RUNS_DIR = '.gan/runs';

export const RUN_STATES = ['starting', 'running', 'paused', 'completed', 'stopped', 'failed', 'diverged', 'killed'] as const;
export type RunState = (typeof RUN_STATES)[number];
export const LIVE_STATES: readonly RunState[] = ['starting', 'running', 'paused'];

export const BACKEND_NAMES = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'] as const;
export const BackendInfoSchema = z.object({
  name: z.enum(BACKEND_NAMES),
  /** Why this backend: what was tried before it and why it was passed over. */
  reason: z.string(),
});
export type BackendInfo = z.infer<typeof BackendInfoSchema>;

export const RunStatusSchema = z.object({
  state: z.enum(RUN_STATES),
  step: z.number().int().min(0),
  totalSteps: z.number().int().min(0),
  stepsPerSec: z.number().min(0).optional(),
  backend: BackendInfoSchema.optional(),
  pid: z.number().int().positive().optional(),
  startedAt: z.string(),
  updatedAt: z.string(),
  /** For failed / diverged / killed: what happened, in words. */
  error: z.string().optional(),
});
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const RunLockSchema = z.object({
  pid: z.number().int().positive(),
  /** Local socket (unix path) on which the trainer accepts controllers. */
  socket: z.string().min(1),
  startedAt: z.string(),
});
export type RunLock = z.infer<typeof RunLockSchema>;

export function snapshotFileName(step: number): string {
  return `step-${String(step).padStart(8, '0')}.json`;
}

export function isLive(state: RunState): boolean {
  return LIVE_STATES.includes(state);
}

/** How a run came to be when the doctor made it (Apply fix): Explain Run reports what was tried. */
export const RunOriginSchema = z.object({
  /** The run folder the fix was applied to. */
  fromRun: z.string().min(1),
  detector: z.string().min(1),
  finding: z.string(),
  fix: z.string(),
  createdAt: z.string(),
});
export type RunOrigin = z.infer<typeof RunOriginSchema>;
