/**
 * Trainer processes for bench/faults.ts: start the real CLI (dist/trainer.js)
 * the way the extension does, optionally under a file-size limit, and wait
 * for its end. Every child is remembered so an interrupted bench kills them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const TRAINER = path.resolve('dist/trainer.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  ms: number;
}

export interface Trainer {
  child: ChildProcess;
  exit: Promise<Exit>;
  /** True until the process has exited. */
  alive(): boolean;
}

const children = new Set<ChildProcess>();

/** Kill every trainer still running (bench interrupted or failed). */
export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export interface StartOptions {
  /** RLIMIT_FSIZE in KiB (bash `ulimit -f`): a write past it fails with EFBIG (Node ignores SIGXFSZ). */
  fileLimitKiB?: number;
  env?: Record<string, string>;
}

export function startTrainer(args: string[], o: StartOptions = {}): Trainer {
  if (!fs.existsSync(TRAINER)) throw new Error(`${TRAINER} is missing: run 'npm run build' first`);
  const argv = [TRAINER, ...args, '--quiet'];
  const env = { ...process.env, ...o.env };
  const child =
    o.fileLimitKiB === undefined
      ? spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'], env })
      : spawn('bash', ['-c', `ulimit -f ${o.fileLimitKiB} && exec "$0" "$@"`, process.execPath, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env });
  children.add(child);
  const t0 = performance.now();
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  let running = true;
  // 'close', not 'exit': stderr is read to its end.
  const exit = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) => {
      running = false;
      children.delete(child);
      resolve({ code, signal, stderr, ms: performance.now() - t0 });
    }),
  );
  child.on('exit', () => (running = false));
  return { child, exit, alive: () => running };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `ready` every 10 ms; false when `timeoutMs` passes or `stillWorth` turns false first. */
export async function waitFor(ready: () => boolean, timeoutMs: number, stillWorth: () => boolean = () => true): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (ready()) return true;
    if (!stillWorth()) return ready();
    await sleep(10);
  }
  return ready();
}

/** The last lines of a stderr, for a problem report. */
export function tail(text: string, lines = 3): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}
