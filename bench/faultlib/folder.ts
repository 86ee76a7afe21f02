/**
 * What bench/faults.ts checks in a run folder, with the project's own
 * readers: the metrics log as bytes and as records, every checkpoint through
 * the verifying loader, leftovers of interrupted atomic writes.
 *
 * Definitions (they are repeated in the results' notes):
 * - A metrics line is *on disk* when it is complete (ends with a newline).
 * - A line on disk before a recovery, with step ≤ the checkpoint the
 *   recovery continues from, is *lost* unless the final log holds it byte
 *   for byte. A line with a later step is superseded (docs/run-folder.md,
 *   Resume, step 3): it is lost unless the final log holds a line of the
 *   same step with the same values (all keys but `time` and `stepsPerSec`;
 *   on one backend the resumed run repeats those steps exactly).
 * - A step of the uninterrupted run missing from the final log is lost too;
 *   a step logged twice, or out of order, is a duplicate.
 * - A checkpoint is *corrupted* when a directory the folder lists as a
 *   checkpoint does not load and verify (manifest, size, SHA-256).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES } from '../../src/protocol/run';
import { checkpointName, checkpointsDir, listCheckpoints, readCheckpoint } from '../../src/runfolder/checkpoints';
import { readMetrics } from '../../src/runfolder/metricsLog';
import { readRunFolder } from '../../src/runfolder/read';

export interface CheckpointState {
  step: number;
  ok: boolean;
  error?: string;
  sha256?: string;
}

export interface FolderState {
  isRun: boolean;
  /** Complete lines of metrics.jsonl, without their newline. */
  lines: string[];
  /** What follows the last newline (a torn line), '' when none. */
  tornTail: string;
  records: number;
  warnings: string[];
  checkpoints: CheckpointState[];
  /** Temporary files or directories of atomic writes that are still there. */
  leftovers: string[];
  state: string;
  step: number;
  error?: string;
  locked: boolean;
}

export function capture(runDir: string): FolderState {
  const isRun = fs.existsSync(path.join(runDir, RUN_FILES.config));
  let text = '';
  try {
    text = fs.readFileSync(path.join(runDir, RUN_FILES.metrics), 'utf8');
  } catch {
    /* no log yet */
  }
  const end = text.lastIndexOf('\n') + 1;
  const lines = text.slice(0, end).split('\n').filter((l) => l !== '');
  const m = readMetrics(path.join(runDir, RUN_FILES.metrics));
  const checkpoints = listCheckpoints(runDir).map((step): CheckpointState => {
    try {
      const c = readCheckpoint(path.join(checkpointsDir(runDir), checkpointName(step)));
      return { step, ok: true, sha256: c.manifest.weights.sha256 };
    } catch (e) {
      return { step, ok: false, error: (e as Error).message };
    }
  });
  const leftovers: string[] = [];
  for (const sub of ['', RUN_FILES.samples, RUN_FILES.checkpoints]) {
    try {
      for (const n of fs.readdirSync(path.join(runDir, sub))) if (n.startsWith('.')) leftovers.push(path.join(sub, n));
    } catch {
      /* absent */
    }
  }
  const folder = isRun ? readRunFolder(runDir) : undefined;
  return {
    isRun,
    lines,
    tornTail: text.slice(end),
    records: m.records.length,
    warnings: m.warnings,
    checkpoints,
    leftovers,
    state: folder?.status.state ?? 'none',
    step: folder?.status.step ?? 0,
    error: folder?.status.error,
    locked: fs.existsSync(path.join(runDir, RUN_FILES.lock)),
  };
}

const stepOf = (line: string): number => (JSON.parse(line) as { step: number }).step;

/** A record without the wall-clock keys, which no two runs share. */
export function comparable(line: string): string {
  const r = JSON.parse(line) as Record<string, unknown>;
  delete r.time;
  delete r.stepsPerSec;
  return JSON.stringify(r);
}

export interface Judgement {
  lost: number;
  duplicates: number;
  /** Final lines whose values differ from the uninterrupted run's. */
  differs: number;
  problems: string[];
}

/**
 * Compare the final log with what was on disk before each recovery (and the
 * checkpoint step that recovery continued from) and with the uninterrupted
 * run's log.
 */
export function judgeMetrics(before: { state: FolderState; resumedFrom: number }[], final: FolderState, reference: string[]): Judgement {
  const problems: string[] = [];
  const lostSteps = new Set<number>();
  const finalBytes = new Set(final.lines);
  const finalByStep = new Map<number, string>();
  let duplicates = 0;
  let prev = -1;
  for (const l of final.lines) {
    const s = stepOf(l);
    if (s <= prev) duplicates++;
    prev = Math.max(prev, s);
    finalByStep.set(s, l);
  }
  if (duplicates) problems.push(`${duplicates} duplicate or out-of-order step(s) in the final log`);
  for (const { state, resumedFrom } of before) {
    for (const l of state.lines) {
      let s: number;
      try {
        s = stepOf(l);
      } catch {
        problems.push(`a complete line on disk is not JSON: ${l.slice(0, 60)}`);
        continue;
      }
      const kept = s <= resumedFrom ? finalBytes.has(l) : finalByStep.has(s) && comparable(finalByStep.get(s)!) === comparable(l);
      if (!kept && !lostSteps.has(s)) {
        lostSteps.add(s);
        problems.push(`line of step ${s} (${s <= resumedFrom ? 'covered by the checkpoint' : 'superseded'}) is not in the final log as it was`);
      }
    }
  }
  let differs = 0;
  for (const r of reference) {
    const s = stepOf(r);
    const f = finalByStep.get(s);
    if (f === undefined) {
      if (!lostSteps.has(s)) {
        lostSteps.add(s);
        problems.push(`step ${s} of the uninterrupted run is missing`);
      }
    } else if (comparable(f) !== comparable(r)) {
      differs++;
      if (differs <= 3) problems.push(`step ${s} differs from the uninterrupted run`);
    }
  }
  if (final.lines.length !== reference.length + duplicates) problems.push(`${final.lines.length} lines, the uninterrupted run has ${reference.length}`);
  return { lost: lostSteps.size, duplicates, differs, problems };
}

/** Checkpoint directories that fail to load, keyed so that one seen twice counts once. */
export function corruptCheckpoints(states: FolderState[]): { count: number; problems: string[] } {
  const bad = new Map<number, string>();
  for (const s of states) for (const c of s.checkpoints) if (!c.ok && !bad.has(c.step)) bad.set(c.step, c.error ?? 'unreadable');
  return { count: bad.size, problems: [...bad.values()] };
}
