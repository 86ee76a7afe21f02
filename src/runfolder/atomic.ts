import * as fs from 'node:fs';
import * as path from 'node:path';
import { pidAlive } from './lock';

/**
 * Replace `file` with `data` so that a kill at any instant leaves either the
 * old content or the new, never a torn file: write a temporary sibling,
 * fsync it, rename over the target, fsync the directory.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeSynced(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    // A failed write (disk full) must not leave the temporary behind: it
    // would hold the space that the next attempt needs.
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncPath(path.dirname(file));
}

/** `.name.<pid>.<ms>.tmp`: the temporary of writeFileAtomic, named by its writer. */
const TEMPORARY = /^\..+\.(\d+)\.\d+\.tmp$/;

/**
 * Remove the temporaries that killed writers left in `dir` (a kill between
 * write and rename leaves one; it is never renamed into place). Those of
 * live processes stay: their rename is still to come. Returns the names removed.
 */
export function removeStaleTemporaries(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed = names.filter((n) => {
    const m = TEMPORARY.exec(n);
    return m !== null && !pidAlive(Number(m[1]));
  });
  for (const n of removed) fs.rmSync(path.join(dir, n), { force: true });
  return removed;
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Write a file and fsync it (not atomic by itself: the caller renames it into place). */
export function writeSynced(file: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const fd = fs.openSync(file, 'w');
  try {
    // Chunks are written one after the other, so a large payload is never copied into one buffer.
    for (const chunk of Array.isArray(data) ? data : [data]) fs.writeFileSync(fd, chunk);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsync a file or directory by path; directory fsync is best effort (unsupported on some systems). */
export function fsyncPath(p: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(p, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Directory fsync is not supported everywhere; the rename is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
