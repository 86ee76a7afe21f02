/** Shared helpers of the extension-host unit tests (not a test file itself). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeRuntime } from '../../src/extension/runs/nodeRuntime';
import { spawnTrainer, waitForTrainer, type SpawnedTrainer, type TrainerCommand } from '../../src/extension/runs/trainerProcess';
import { pidAlive } from '../../src/runfolder/lock';
import { socketPathFor } from '../../src/runfolder/socket';

export const REPO = path.resolve(__dirname, '..', '..');
export const FAKE_TRAINER = path.join(REPO, 'test', 'fixtures', 'fake-trainer.mjs');
export const NODE: NodeRuntime = { command: process.execPath, env: {}, source: 'path' };

export function tmpDir(prefix = 'ganwb-ext-'): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/** A workspace folder with one experiment; returns the config path. */
export function makeExperiment(root: string, name = 'exp', overrides: Record<string, unknown> = {}): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const cfg = {
    name,
    variant: 'gan-ns',
    data: { kind: 'toy', name: '8gaussians' },
    training: { steps: 100000 },
    logging: { metricsEvery: 2, samplesEvery: 20 },
    ...overrides,
  };
  fs.writeFileSync(path.join(dir, 'gan.config.json'), JSON.stringify(cfg, null, 2));
  fs.writeFileSync(path.join(dir, 'model.ts'), 'export const ok = 1;\n');
  return path.join(dir, 'gan.config.json');
}

export function fakeCommand(env: Record<string, string> = {}): TrainerCommand {
  return { runtime: NODE, trainerScript: FAKE_TRAINER, baseEnv: { ...process.env, FAKE_TRAINER_STEP_MS: '5', ...env } };
}

const started: { pid: number; runDir: string }[] = [];

/** Start the fake trainer on `runDir` and wait for its lock. */
export async function startFake(configPath: string, runDir: string, env: Record<string, string> = {}, steps?: number): Promise<SpawnedTrainer> {
  const t = spawnTrainer(fakeCommand(env), { configPath, runDir, backend: 'cpu', steps });
  if (t.pid) started.push({ pid: t.pid, runDir });
  await waitForTrainer(runDir, t.exit, 10_000, 20);
  return t;
}

/** Kill every fake trainer a test left running; remove the sockets killed ones left in the temp folder. */
export function killAll(): void {
  for (const { pid, runDir } of started.splice(0)) {
    if (pidAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    fs.rmSync(socketPathFor(runDir), { force: true });
  }
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
