/**
 * Which runs GAN: Resume Run offers (no `vscode` import: unit-tested). A run
 * can be resumed when no trainer owns it, it ended without completing
 * (killed, stopped, failed), and it has a checkpoint to continue from.
 * The trainer itself picks the newest checkpoint that verifies.
 */
import { RUN_FILES, type RunState, type RunStatus } from '../../protocol/run';
import { listCheckpoints } from '../../runfolder/checkpoints';

export const RESUMABLE_STATES: readonly RunState[] = ['killed', 'stopped', 'failed'];

export type Resumability = { ok: true; step: number } | { ok: false; reason: string };

/** Decide from what is known about a run (pure). `checkpointSteps`: the steps of its checkpoints. */
export function resumability(status: RunStatus, live: boolean, checkpointSteps: readonly number[]): Resumability {
  if (live) return { ok: false, reason: 'it is training now' };
  if (!RESUMABLE_STATES.includes(status.state)) {
    return { ok: false, reason: status.state === 'completed' ? 'it has completed' : `it is ${status.state}` };
  }
  if (checkpointSteps.length === 0) return { ok: false, reason: `it has no checkpoint yet (${RUN_FILES.checkpoints}/ is empty)` };
  return { ok: true, step: Math.max(...checkpointSteps) };
}

/** The same, reading the run folder's checkpoints. */
export function runResumability(dir: string, status: RunStatus, live: boolean): Resumability {
  return resumability(status, live, listCheckpoints(dir));
}
