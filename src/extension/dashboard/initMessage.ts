/**
 * The dashboard's `init` message, rebuilt from the run folder each time the
 * webview (re)loads: the folder is the buffer, so nothing queues while a
 * dashboard is hidden. Live records received since the host connected are
 * joined on by step (no gap, no duplicate).
 *
 * A long run opens in two steps (metricsFile.ts): `buildInit` answers at
 * once from a bounded read (the whole log when small, else an even sample
 * and the newest records in full); when that was a sample, `buildFullInit`
 * then reads every record, without blocking, and its init replaces the
 * first, with every metric's extremes kept.
 */
import * as path from 'node:path';
import type { MetricRecord, Snapshot } from '../../protocol/metrics';
import type { HostToWebview } from '../../protocol/messages';
import { RUN_FILES, type RunStatus } from '../../protocol/run';
import { readLatestSnapshot, readRunFolder, runSummary, type RunFolder } from '../../runfolder/read';
import { capRecords, lastStep, mergeByStep } from '../runs/metricsMerge';
import { decimateMetricsFile, readMetricsQuick, type MetricsFileOptions, type MetricsRead } from './metricsFile';
import { snapshotSteps } from './snapshotHistory';
import { count as n } from '../../protocol/numbers';

export const MAX_INIT_RECORDS = 200_000;

export interface InitInput {
  dir: string;
  /** Live records since the host connected (RunManager.recentMetrics). */
  recent?: readonly MetricRecord[];
  /** Status from the live connection, fresher than status.json. */
  liveStatus?: RunStatus;
  /** Latest snapshot from the live connection. */
  liveSnapshot?: Snapshot;
  maxRecords?: number;
  /** How the metrics log is read (tests make "large" small). */
  metricsFile?: MetricsFileOptions;
}

export interface InitBuild {
  message: Extract<HostToWebview, { type: 'init' }>;
  /** Highest step the webview now has: live records at or below it are not sent again. */
  lastStep: number;
  lastSnapshotStep: number;
  /** Steps with a snapshot file (the history slider's stops): sent right after the init, which clears the webview's list. */
  snapshotSteps: number[];
  /** Extra notices to post after init (sampling, decimation). */
  notices: string[];
  /** The metrics are a sample of a long log: a `buildFullInit` is worth making. */
  sampled: boolean;
}

/** The init from a bounded read of the folder: fast whatever the log's length. */
export function buildInit(i: InitInput): InitBuild {
  let folder: RunFolder;
  let metrics: MetricsRead;
  let snapshot: Snapshot | undefined;
  try {
    folder = readRunFolder(i.dir);
    metrics = readMetricsQuick(path.join(i.dir, RUN_FILES.metrics), i.metricsFile);
    snapshot = readLatestSnapshot(i.dir, folder.warnings);
  } catch (e) {
    return unreadable(i, e as Error);
  }
  return compose(i, folder, metrics, snapshot);
}

/**
 * The init from every record of the log (decimated per metric), read in
 * chunks without blocking. `input` is asked twice: for the folder before the
 * pass, and after it for the live state to join (records that arrived during
 * the pass included). Undefined when `cancelled` turned true meanwhile.
 */
export async function buildFullInit(input: () => InitInput, cancelled: () => boolean = () => false): Promise<InitBuild | undefined> {
  let i = input();
  let metrics: MetricsRead | undefined;
  try {
    metrics = await decimateMetricsFile(path.join(i.dir, RUN_FILES.metrics), i.metricsFile, cancelled);
  } catch (e) {
    return unreadable(i, e as Error);
  }
  if (!metrics || cancelled()) return undefined;
  i = input();
  // Status, config and snapshot again: they may have moved on during the pass.
  let folder: RunFolder;
  let snapshot: Snapshot | undefined;
  try {
    folder = readRunFolder(i.dir);
    snapshot = readLatestSnapshot(i.dir, folder.warnings);
  } catch (e) {
    return unreadable(i, e as Error);
  }
  return compose(i, folder, metrics, snapshot);
}

function compose(i: InitInput, folder: RunFolder, metrics: MetricsRead, fileSnapshot: Snapshot | undefined): InitBuild {
  const max = i.maxRecords ?? MAX_INIT_RECORDS;
  const merged = mergeByStep(metrics.records, i.recent ?? []);
  const last = lastStep(merged);
  const capped = capRecords(merged, max);
  const live = merged.length - metrics.records.length;
  const total = metrics.fileRecords + live;
  const notices: string[] = [];
  if (!metrics.complete) {
    notices.push(
      `This run has about ${n(total)} metric records (${(metrics.bytes / 2 ** 20).toFixed(0)} MB): the charts show ${n(capped.records.length)} of them, sampled evenly with the newest in full, while the whole log is read; they redraw from every record in a moment.`,
    );
  } else if (metrics.records.length < metrics.fileRecords) {
    notices.push(
      `This run has ${n(total)} metric records; the charts show ${n(capped.records.length)} of them, chosen per metric to keep each stretch's first, last, lowest and highest value (spikes and gaps stay visible). Live points keep arriving in full.`,
    );
  } else if (capped.stride > 1) {
    notices.push(
      `This run has ${n(merged.length)} metric records; the dashboard loaded every ${capped.stride}th (${n(capped.records.length)} records, the last one included). Live points keep arriving in full.`,
    );
  }
  let snapshot = fileSnapshot;
  if (i.liveSnapshot && (!snapshot || i.liveSnapshot.step >= snapshot.step)) snapshot = i.liveSnapshot;
  const status = i.liveStatus ? { ...folder.status, ...i.liveStatus } : folder.status;
  const warnings = [...folder.warnings, ...metrics.warnings];
  if (!folder.config && merged.length === 0 && !snapshot) warnings.push(`${folder.id} does not look like a GAN Workbench run folder (no config, metrics or samples).`);
  return {
    message: {
      type: 'init',
      run: runSummary({ ...folder, status }),
      metrics: capped.records,
      ...(snapshot ? { snapshot } : {}),
      warnings,
    },
    lastStep: last,
    lastSnapshotStep: snapshot?.step ?? -1,
    snapshotSteps: snapshotSteps(i.dir),
    notices,
    sampled: !metrics.complete,
  };
}

/** For a folder that cannot be read at all (readRunFolder tolerates damaged files). */
function unreadable(i: InitInput, e: Error): InitBuild {
  const now = new Date().toISOString();
  const status: RunStatus = i.liveStatus ?? { state: 'failed', step: 0, totalSteps: 0, startedAt: now, updatedAt: now, error: e.message };
  const id = i.dir.split(/[\\/]/).filter(Boolean).pop() ?? i.dir;
  return {
    message: {
      type: 'init',
      run: { id, name: id, variant: 'unknown', dataset: 'unknown', status },
      metrics: [],
      warnings: [`The run folder ${i.dir} could not be read: ${e.message}`],
    },
    lastStep: -1,
    lastSnapshotStep: -1,
    snapshotSteps: [],
    notices: [],
    sampled: false,
  };
}
