import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const TRAINER = path.resolve('dist/trainer.js');

export function requireBuild(): void {
  if (!fs.existsSync(TRAINER)) throw new Error(`${TRAINER} is missing: run 'npm run build' first (npm test does)`);
}

/** A fresh experiment folder: the toy template model plus the given config. */
export function experiment(config: object, model = fs.readFileSync('templates/toy/model.ts', 'utf8')): { dir: string; config: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganwb-exp-'));
  fs.writeFileSync(path.join(dir, 'model.ts'), model);
  fs.writeFileSync(path.join(dir, 'gan.config.json'), JSON.stringify(config, null, 2));
  return { dir, config: path.join(dir, 'gan.config.json') };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], timeoutMs = 300_000, env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  requireBuild();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TRAINER, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`trainer timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    // 'close', not 'exit': 'exit' can fire before the child's stdout has been read to the end.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * `gan-trainer train` of one experiment into one run folder, quietly, on the wasm backend
 * (the CPU path every machine has) unless told otherwise; `args` go after the flags.
 */
export function trainCli(
  config: string,
  runDir: string,
  o: { backend?: string; args?: string[]; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return runCli(['train', '--config', config, '--run-dir', runDir, '--backend', o.backend ?? 'wasm', '--quiet', ...(o.args ?? [])], o.timeoutMs, o.env);
}

export function readJsonl(file: string): Record<string, number>[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

/** Runs `fn` over `items`, `width` at a time (one trainer process per core), results in item order. */
export async function pool<T, R>(items: readonly T[], width: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}
