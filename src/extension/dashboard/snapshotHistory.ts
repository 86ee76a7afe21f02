/**
 * The host's side of the dashboard's history slider: the steps that have a
 * snapshot in the run folder (the slider's stops, sent after every init),
 * and the answer to `requestSnapshot`: the snapshot read from the folder, or
 * a warning naming the file when it is missing or not a valid snapshot.
 *
 * No `vscode` import: the panel posts what these return; unit tests read it.
 */
import * as path from 'node:path';
import { MAX_SNAPSHOT_STEPS, type HostToWebview } from '../../protocol/messages';
import { listSnapshotSteps, readSnapshotAsync } from '../../runfolder/read';

/** Steps with a snapshot file, ascending; past MAX_SNAPSHOT_STEPS the newest (what a message may carry). */
export function snapshotSteps(dir: string): number[] {
  const steps = listSnapshotSteps(dir);
  // listSnapshotSteps parses any run of digits: keep what the message schema accepts.
  const valid = steps.filter((s, i) => Number.isSafeInteger(s) && (i === 0 || s !== steps[i - 1]));
  return valid.length > MAX_SNAPSHOT_STEPS ? valid.slice(-MAX_SNAPSHOT_STEPS) : valid;
}

/** The answer to requestSnapshot { step }: historySnapshot, or a warn notice naming the file. Never throws. */
export async function answerSnapshotRequest(dir: string, step: number): Promise<HostToWebview> {
  // Read without blocking the extension host; answers to a slider scrubbed past are dropped by the webview (history.ts).
  const r = await readSnapshotAsync(dir, step);
  if (r.ok) return { type: 'historySnapshot', snapshot: r.snapshot };
  const why = r.missing ? 'it may have been removed (a run resumed from an earlier checkpoint drops the later snapshots)' : 'the slider keeps showing the previous one';
  return { type: 'notice', level: 'warn', message: `History: no snapshot of step ${step} in ${path.basename(dir)}: ${r.error}; ${why}.` };
}
