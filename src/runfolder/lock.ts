import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES, RunLockSchema, type RunLock } from '../protocol/run';
import { readJsonFile } from './json';

/** Is a process with this pid alive (and ours to signal)? */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RunLockedError extends Error {
  constructor(readonly runDir: string, readonly owner: RunLock) {
    super(`run ${path.basename(runDir)} is already being trained by process ${owner.pid}; stop it first or open its dashboard`);
    this.name = 'RunLockedError';
  }
}

export function readLock(runDir: string): RunLock | undefined {
  return readJsonFile(path.join(runDir, RUN_FILES.lock), RunLockSchema);
}

/** The lock of a live owner, or undefined when unlocked or stale. */
export function liveLock(runDir: string): RunLock | undefined {
  const lock = readLock(runDir);
  return lock && pidAlive(lock.pid) ? lock : undefined;
}

/**
 * Take the run folder for this process. O_EXCL creation makes two trainers
 * racing for one folder safe; a lock left by a dead process (or unreadable)
 * is cleared and retaken once.
 */
export function acquireLock(runDir: string, lock: RunLock): void {
  const file = path.join(runDir, RUN_FILES.lock);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(lock) + '\n', { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = readLock(runDir);
      if (owner && owner.pid !== process.pid && pidAlive(owner.pid)) throw new RunLockedError(runDir, owner);
      fs.rmSync(file, { force: true }); // stale: its owner is gone
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

export function releaseLock(runDir: string): void {
  const owner = readLock(runDir);
  if (!owner || owner.pid === process.pid) fs.rmSync(path.join(runDir, RUN_FILES.lock), { force: true });
}
