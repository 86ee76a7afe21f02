import * as fs from 'node:fs';
import * as path from 'node:path';
import { dataLabel, resolveConfig, type ResolvedConfig } from '../protocol/config';
import { SnapshotSchema, type MetricRecord, type Snapshot } from '../protocol/metrics';
import type { RunSummary } from '../protocol/messages';
import { isLive, RUN_FILES, RunStatusSchema, snapshotFileName, type RunStatus } from '../protocol/run';
import { liveLock } from './lock';
import { readMetrics } from './metricsLog';

export interface RunFolder {
  dir: string;
  id: string;
  config?: ResolvedConfig;
  status: RunStatus;
  /** True when a live trainer holds the lock. */
  live: boolean;
  warnings: string[];
}

/** A run's resolved config, or why it cannot be read (missing, not JSON, not a valid config). Never throws. */
export function readRunConfig(dir: string): { config: ResolvedConfig; warning?: undefined } | { config?: undefined; warning: string } {
  const id = path.basename(dir);
  const cfgFile = path.join(dir, RUN_FILES.config);
  try {
    return { config: resolveConfig(JSON.parse(fs.readFileSync(cfgFile, 'utf8')), `${id}/${RUN_FILES.config}`) };
  } catch (e) {
    return { warning: fs.existsSync(cfgFile) ? `${id}/${RUN_FILES.config} is unreadable: ${(e as Error).message}` : `${id}/${RUN_FILES.config} is missing` };
  }
}

/**
 * Read a run's config and status. Never throws for a damaged folder: what is
 * missing or garbage becomes a warning, and the status says so.
 */
export function readRunFolder(dir: string): RunFolder {
  const id = path.basename(dir);
  const warnings: string[] = [];
  const { config, warning } = readRunConfig(dir);
  if (warning) warnings.push(warning);
  let status: RunStatus | undefined;
  const statusFile = path.join(dir, RUN_FILES.status);
  try {
    const r = RunStatusSchema.safeParse(JSON.parse(fs.readFileSync(statusFile, 'utf8')));
    if (r.success) status = r.data;
    else warnings.push(`${id}/${RUN_FILES.status} is not a run status (${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message})`);
  } catch (e) {
    warnings.push(fs.existsSync(statusFile) ? `${id}/${RUN_FILES.status} is unreadable: ${(e as Error).message}` : `${id}/${RUN_FILES.status} is missing`);
  }
  const live = liveLock(dir) !== undefined;
  const now = new Date().toISOString();
  if (!status) {
    status = { state: live ? 'running' : 'failed', step: 0, totalSteps: config?.training.steps ?? 0, startedAt: now, updatedAt: now, error: warnings.join('; ') };
  } else if (isLive(status.state) && !live) {
    // The status says training, but no live process owns the folder: the
    // trainer died without writing its end (kill -9, power loss).
    status = { ...status, state: 'killed', error: status.error ?? 'the trainer process ended without a clean stop (killed or crashed)' };
  }
  return { dir, id, config, status, live, warnings };
}

export function runSummary(run: RunFolder): RunSummary {
  return {
    id: run.id,
    name: run.config?.name ?? run.id,
    variant: run.config?.variant ?? 'unknown',
    dataset: run.config ? dataLabel(run.config.data) : 'unknown',
    ...(run.config?.training.emaG ? { generatorAverage: run.config.training.emaG } : {}),
    ...(run.config?.training.lrDecayStart !== undefined ? { lrDecayStart: run.config.training.lrDecayStart } : {}),
    status: run.status,
  };
}

export interface RunContents extends RunFolder {
  metrics: MetricRecord[];
  metricsOffset: number;
  snapshot?: Snapshot;
}

/** Everything a dashboard needs, from the folder alone. */
export function readRunContents(dir: string): RunContents {
  const run = readRunFolder(dir);
  const m = readMetrics(path.join(dir, RUN_FILES.metrics));
  const snapshot = readLatestSnapshot(dir, run.warnings);
  return { ...run, metrics: m.records, metricsOffset: m.offset, warnings: [...run.warnings, ...m.warnings], snapshot };
}

export function listSnapshotSteps(dir: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(dir, RUN_FILES.samples));
  } catch {
    return [];
  }
  return names
    .map((n) => /^step-(\d+)\.json$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

export type SnapshotRead = { ok: true; snapshot: Snapshot } | { ok: false; missing: boolean; error: string };

/**
 * The snapshot saved at `step` (samples/step-NNNNNNNN.json), validated.
 * Never throws: a missing, unreadable or invalid file is an error naming it
 * (relative to the run's parent, like the folder's other warnings). Only a
 * file of the samples folder can be named: the step must be a non-negative
 * integer and the file name is built from it.
 */
export function readSnapshot(dir: string, step: number): SnapshotRead {
  const where = snapshotFile(dir, step);
  if (!where.ok) return where;
  let text: string;
  try {
    text = fs.readFileSync(where.file, 'utf8');
  } catch (e) {
    return unreadable(where.name, e);
  }
  return parseSnapshot(where.name, step, text);
}

/**
 * readSnapshot without blocking: the extension host answers the history
 * slider with it, and an image run's snapshot (grids of PNGs) is large.
 */
export async function readSnapshotAsync(dir: string, step: number): Promise<SnapshotRead> {
  const where = snapshotFile(dir, step);
  if (!where.ok) return where;
  let text: string;
  try {
    text = await fs.promises.readFile(where.file, 'utf8');
  } catch (e) {
    return unreadable(where.name, e);
  }
  return parseSnapshot(where.name, step, text);
}

function snapshotFile(dir: string, step: number): { ok: true; file: string; name: string } | { ok: false; missing: false; error: string } {
  if (!Number.isSafeInteger(step) || step < 0) return { ok: false, missing: false, error: `no snapshot step ${String(step)}: a step is a non-negative integer` };
  return { ok: true, file: path.join(dir, RUN_FILES.samples, snapshotFileName(step)), name: `${path.basename(dir)}/${RUN_FILES.samples}/${snapshotFileName(step)}` };
}

function unreadable(name: string, e: unknown): SnapshotRead {
  const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
  return { ok: false, missing, error: missing ? `${name} is missing` : `${name} is unreadable: ${(e as Error).message}` };
}

function parseSnapshot(name: string, step: number, text: string): SnapshotRead {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, missing: false, error: `${name} is not valid JSON: ${(e as Error).message}` };
  }
  const r = SnapshotSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { ok: false, missing: false, error: `${name} is not a snapshot (${issue?.path.join('.') || '(file)'}: ${issue?.message})` };
  }
  if (r.data.step !== step) return { ok: false, missing: false, error: `${name} holds the snapshot of step ${r.data.step}, not ${step}` };
  return { ok: true, snapshot: r.data };
}

export function readLatestSnapshot(dir: string, warnings: string[]): Snapshot | undefined {
  const steps = listSnapshotSteps(dir);
  for (let i = steps.length - 1; i >= 0; i--) {
    const r = readSnapshot(dir, steps[i]);
    if (r.ok) return r.snapshot;
    warnings.push(`${path.basename(dir)}/samples: snapshot of step ${steps[i]} is unreadable; showing an earlier one (${r.error})`);
  }
  return undefined;
}

/** Run folders under `runsDir`, newest first. */
export function listRunDirs(runsDir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(runsDir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => path.join(runsDir, e.name))
    .sort((a, b) => statTime(b) - statTime(a));
}

function statTime(dir: string): number {
  try {
    return fs.statSync(dir).birthtimeMs || fs.statSync(dir).mtimeMs;
  } catch {
    return 0;
  }
}
