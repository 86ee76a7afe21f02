/**
 * The trainer as a process: `check` (validate + compile, one JSON line) and
 * `train` (detached, outlives the extension host, output to trainer.log).
 * No `vscode` import.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { BackendChoice } from '../../protocol/config';
import { RUN_FILES, type RunLock } from '../../protocol/run';
import { liveLock } from '../../runfolder/lock';
import type { NodeRuntime } from './nodeRuntime';

export interface TrainerCommand {
  runtime: NodeRuntime;
  /** Absolute path of dist/trainer.js. */
  trainerScript: string;
  /** Environment of the host (the runtime's extra env is added on top). */
  baseEnv?: NodeJS.ProcessEnv;
}

function childEnv(cmd: TrainerCommand): NodeJS.ProcessEnv {
  return { ...(cmd.baseEnv ?? process.env), ...cmd.runtime.env };
}

// ---- check ----------------------------------------------------------------

/** One problem from `trainer check`: line and column are 1-based. */
export const CheckErrorSchema = z.object({
  file: z.string(),
  line: z.number().int().min(0).optional(),
  column: z.number().int().min(0).optional(),
  message: z.string(),
});
export type CheckError = z.infer<typeof CheckErrorSchema>;

export const CheckResultSchema = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), errors: z.array(CheckErrorSchema) }),
]);
export type CheckResult = z.infer<typeof CheckResultSchema>;

/** The result line of `trainer check` (the last stdout line that is a result). */
export function parseCheckOutput(stdout: string): CheckResult | undefined {
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    let v: unknown;
    try {
      v = JSON.parse(lines[i]);
    } catch {
      continue;
    }
    const r = CheckResultSchema.safeParse(v);
    if (r.success) return r.data;
  }
  return undefined;
}

export class TrainerRunError extends Error {
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(detail ? `${message}\n${detail}` : message);
    this.name = 'TrainerRunError';
  }
}

/** Run `trainer check --config <configPath>`. Rejects only when no result line came back. */
export function runCheck(cmd: TrainerCommand, configPath: string, timeoutMs = 120_000): Promise<CheckResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.runtime.command, [cmd.trainerScript, 'check', '--config', configPath], {
      cwd: path.dirname(configPath),
      env: childEnv(cmd),
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    const cap = (s: string, add: string) => (s.length > 1_000_000 ? s : s + add);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout = cap(stdout, d)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = cap(stderr, d)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new TrainerRunError(`The model check did not finish within ${Math.round(timeoutMs / 1000)} s.`, lastLines(stderr, 20)));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new TrainerRunError(`Could not run the trainer (${cmd.runtime.command} ${cmd.trainerScript}): ${e.message}`, ''));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = parseCheckOutput(stdout);
      if (result) resolve(result);
      else
        reject(
          new TrainerRunError(
            `The trainer's check gave no result (exit ${code ?? signal}).`,
            lastLines([stderr, stdout].filter(Boolean).join('\n'), 20),
          ),
        );
    });
  });
}

// ---- train ----------------------------------------------------------------

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Spawn failure (no process ran). */
  error?: string;
}

export interface TrainOptions {
  configPath: string;
  runDir: string;
  backend: BackendChoice;
  steps?: number;
  seed?: number;
  /**
   * Continue the run in runDir from its last good checkpoint (`train --resume`):
   * the trainer reads the folder's own config.json and model.ts; seed is not sent.
   */
  resume?: boolean;
}

export function trainArgs(script: string, o: TrainOptions): string[] {
  const args = o.resume
    ? [script, 'train', '--resume', o.runDir, '--backend', o.backend]
    : [script, 'train', '--config', o.configPath, '--run-dir', o.runDir, '--backend', o.backend];
  if (o.steps !== undefined) args.push('--steps', String(o.steps));
  if (o.seed !== undefined && !o.resume) args.push('--seed', String(o.seed));
  return args;
}

export interface SpawnedTrainer {
  child: ChildProcess;
  pid: number | undefined;
  /** Resolves when the process exits (whether or not anything waits on it). */
  exit: Promise<ExitInfo>;
}

/**
 * Start a trainer that outlives this process: its own process group
 * (detached), stdout and stderr appended to <runDir>/trainer.log, not
 * referenced by our event loop.
 */
export function spawnTrainer(cmd: TrainerCommand, o: TrainOptions): SpawnedTrainer {
  fs.mkdirSync(o.runDir, { recursive: true });
  const logFd = fs.openSync(path.join(o.runDir, RUN_FILES.log), 'a');
  let child: ChildProcess;
  try {
    child = spawn(cmd.runtime.command, trainArgs(cmd.trainerScript, o), {
      cwd: path.dirname(o.configPath),
      env: childEnv(cmd),
      detached: true,
      stdio: ['ignore', logFd, logFd],
      windowsHide: true,
    });
  } finally {
    fs.closeSync(logFd);
  }
  const exit = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (e) => resolve({ code: null, signal: null, error: e.message }));
  });
  child.unref();
  return { child, pid: child.pid, exit };
}

/** The last `maxLines` lines of a text (at most `maxChars`). */
export function lastLines(text: string, maxLines: number, maxChars = 4000): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  let out = lines.slice(-maxLines).join('\n');
  if (out.length > maxChars) out = '…' + out.slice(-maxChars);
  return out;
}

/** Tail of a log file (reads only its end). */
export function tailFile(file: string, maxLines = 20, maxBytes = 16_384): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, maxBytes);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      return lastLines(buf.toString('utf8'), maxLines);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Wait until the trainer has taken the run folder's lock (it then listens
 * on lock.socket). Rejects with the tail of trainer.log when the process
 * exits first or the time runs out.
 */
export async function waitForTrainer(runDir: string, exit: Promise<ExitInfo>, timeoutMs = 15_000, pollMs = 100): Promise<RunLock> {
  let exited: ExitInfo | undefined;
  void exit.then((e) => (exited = e));
  const deadline = Date.now() + timeoutMs;
  const logFile = path.join(runDir, RUN_FILES.log);
  for (;;) {
    const lock = liveLock(runDir);
    if (lock) return lock;
    if (exited) {
      const how = exited.error
        ? `could not start: ${exited.error}`
        : exited.signal
          ? `was killed by ${exited.signal}`
          : `exited with code ${exited.code}${exitCodeMeaning(exited.code)}`;
      throw new TrainerRunError(`The trainer ${how} before it started training.`, tailFile(logFile));
    }
    if (Date.now() >= deadline) {
      throw new TrainerRunError(`The trainer did not take the run folder's lock within ${Math.round(timeoutMs / 1000)} s.`, tailFile(logFile));
    }
    await sleep(pollMs);
  }
}

/** What the trainer's exit codes mean (its CLI contract). */
export function exitCodeMeaning(code: number | null): string {
  switch (code) {
    case 0:
      return ' (completed or stopped)';
    case 1:
      return ' (crash)';
    case 2:
      return ' (config error)';
    case 3:
      return ' (model compile error)';
    case 4:
      return ' (training diverged)';
    case 5:
      return ' (the run folder is locked by another trainer)';
    default:
      return '';
  }
}
