/**
 * The dashboard's `init` message, rebuilt from the run folder each time the
 * webview (re)loads: the folder is the buffer, so nothing queues while a
 * dashboard is hidden. Live records received since the host connected are
 * joined on by step (no gap, no duplicate).
 */
import type { MetricRecord, Snapshot } from '../../protocol/metrics';
import type { HostToWebview } from '../../protocol/messages';
import type { RunStatus } from '../../protocol/run';
import { readRunContents, runSummary } from '../../runfolder/read';
import { capRecords, lastStep, mergeByStep } from '../runs/metricsMerge';

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
}

export interface InitBuild {
  message: Extract<HostToWebview, { type: 'init' }>;
  /** Highest step the webview now has: live records at or below it are not sent again. */
  lastStep: number;
  lastSnapshotStep: number;
  /** Extra notices to post after init (decimation). */
  notices: string[];
}

export function buildInit(i: InitInput): InitBuild {
  const max = i.maxRecords ?? MAX_INIT_RECORDS;
  let contents: ReturnType<typeof readRunContents>;
  try {
    contents = readRunContents(i.dir);
  } catch (e) {
    // readRunContents tolerates damaged files; this is for an unreadable folder.
    const now = new Date().toISOString();
    const status: RunStatus = i.liveStatus ?? { state: 'failed', step: 0, totalSteps: 0, startedAt: now, updatedAt: now, error: (e as Error).message };
    const id = i.dir.split(/[\\/]/).filter(Boolean).pop() ?? i.dir;
    return {
      message: {
        type: 'init',
        run: { id, name: id, variant: 'unknown', dataset: 'unknown', status },
        metrics: [],
        warnings: [`The run folder ${i.dir} could not be read: ${(e as Error).message}`],
      },
      lastStep: -1,
      lastSnapshotStep: -1,
      notices: [],
    };
  }
  const merged = mergeByStep(contents.metrics, i.recent ?? []);
  const last = lastStep(merged);
  const capped = capRecords(merged, max);
  const notices: string[] = [];
  if (capped.stride > 1) {
    notices.push(
      `This run has ${merged.length.toLocaleString('en-US')} metric records; the dashboard loaded every ${capped.stride}th (${capped.records.length.toLocaleString('en-US')} records, the last one included). Live points keep arriving in full.`,
    );
  }
  let snapshot = contents.snapshot;
  if (i.liveSnapshot && (!snapshot || i.liveSnapshot.step >= snapshot.step)) snapshot = i.liveSnapshot;
  const status = i.liveStatus ? { ...contents.status, ...i.liveStatus } : contents.status;
  const warnings = [...contents.warnings];
  if (!contents.config && merged.length === 0 && !snapshot) warnings.push(`${contents.id} does not look like a GAN Workbench run folder (no config, metrics or samples).`);
  return {
    message: {
      type: 'init',
      run: runSummary({ ...contents, status }),
      metrics: capped.records,
      ...(snapshot ? { snapshot } : {}),
      warnings,
    },
    lastStep: last,
    lastSnapshotStep: snapshot?.step ?? -1,
    notices,
  };
}
