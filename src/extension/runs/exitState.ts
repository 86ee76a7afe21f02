/**
 * What to record when a trainer is gone. The trainer writes its own end
 * state (completed, stopped, failed, diverged) before it exits; when it did
 * not — kill -9, a crash, power loss — status.json still says it is live,
 * and the host writes the end for it: `killed` with the signal when the host
 * saw one, else what the exit tells.
 */
import * as path from 'node:path';
import { isLive, RUN_FILES, RunStatusSchema, type RunStatus } from '../../protocol/run';
import { writeJsonAtomic } from '../../runfolder/atomic';
import { readJsonFile } from '../../runfolder/json';
import type { ExitInfo } from './trainerProcess';
import { count } from '../../protocol/numbers';

/** status.json as written, without readRunFolder's live→killed inference. */
export function readStatusFile(runDir: string): RunStatus | undefined {
  return readJsonFile(path.join(runDir, RUN_FILES.status), RunStatusSchema);
}

export interface ExitContext {
  /** When the trainer never wrote a status: total steps from the config. */
  totalSteps?: number;
  now?: Date;
}

/**
 * The status to write for a trainer that is gone, or undefined when its own
 * status.json already tells how it ended.
 *
 * @param status status.json as the trainer last wrote it (undefined: none)
 * @param exit   the process's exit when this host spawned it; undefined when
 *               the trainer was started elsewhere (reattached)
 */
export function decideExitStatus(status: RunStatus | undefined, exit: ExitInfo | undefined, ctx: ExitContext = {}): RunStatus | undefined {
  if (status && !isLive(status.state)) return undefined;
  const now = (ctx.now ?? new Date()).toISOString();
  const base: RunStatus = status ?? { state: 'starting', step: 0, totalSteps: ctx.totalSteps ?? 0, startedAt: now, updatedAt: now };
  const at = `at step ${count(base.step)}${base.totalSteps ? ` of ${count(base.totalSteps)}` : ''}`;
  const pid = base.pid ? ` (pid ${base.pid})` : '';
  let state: RunStatus['state'];
  let error: string;
  if (exit?.signal) {
    state = 'killed';
    error = `the trainer${pid} was killed by ${exit.signal} ${at}`;
  } else if (exit?.error) {
    state = 'failed';
    error = `the trainer could not start: ${exit.error}`;
  } else if (exit && exit.code !== null) {
    state = exit.code === 4 ? 'diverged' : 'failed';
    error = `the trainer${pid} exited with code ${exit.code} ${at} without recording how it ended; see trainer.log`;
  } else {
    state = 'killed';
    error = `the trainer${pid} ended ${at} without a clean stop (killed or crashed)`;
  }
  return { ...base, state, error, updatedAt: now };
}

/** Decide and, when needed, write status.json atomically. Returns what was written. */
export function recordExit(runDir: string, exit: ExitInfo | undefined, ctx: ExitContext = {}): RunStatus | undefined {
  const next = decideExitStatus(readStatusFile(runDir), exit, ctx);
  if (next) writeJsonAtomic(path.join(runDir, RUN_FILES.status), next);
  return next;
}
