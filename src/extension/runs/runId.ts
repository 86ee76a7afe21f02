/** Run folder naming: `<name>-<yyyymmdd-hhmmss>` (local time), unique in its folder. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUNS_DIR } from '../../protocol/run';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function timestamp(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

export function runIdFor(name: string, d: Date): string {
  return `${name}-${timestamp(d)}`;
}

export function runsDirOf(workspaceRoot: string): string {
  return path.join(workspaceRoot, ...RUNS_DIR.split('/'));
}

/**
 * Create a fresh run folder under `<root>/.gan/runs`. Two starts in the
 * same second (or two windows) never share a folder: mkdir without
 * `recursive` fails on an existing one, and the next suffix is tried.
 */
export function createRunDir(workspaceRoot: string, name: string, now: Date): { id: string; dir: string } {
  const runsDir = runsDirOf(workspaceRoot);
  fs.mkdirSync(runsDir, { recursive: true });
  const base = runIdFor(name, now);
  for (let i = 1; i < 1000; i++) {
    const id = i === 1 ? base : `${base}-${i}`;
    const dir = path.join(runsDir, id);
    try {
      fs.mkdirSync(dir);
      return { id, dir };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new Error(`could not create a run folder for '${base}' in ${runsDir}`);
}
