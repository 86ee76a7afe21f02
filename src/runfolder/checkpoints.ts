/**
 * Checkpoints on disk, without tensors (the extension reads them too):
 *
 *   <runDir>/checkpoints/step-NNNNNNNN/manifest.json   what is in weights.bin
 *   <runDir>/checkpoints/step-NNNNNNNN/weights.bin     raw little-endian arrays, back to back
 *
 * A checkpoint is written into a hidden temporary directory, each file is
 * fsynced, then the directory is renamed into place and its parent fsynced:
 * a kill at any instant leaves the old set of checkpoints or the new one,
 * never a half-written checkpoint under a real name. The manifest names each
 * array (group, name, shape, dtype, byte range) and carries the SHA-256 of
 * weights.bin, so a damaged checkpoint is detected on load and skipped for
 * the previous one.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { RUN_FILES } from '../protocol/run';
import { fsyncPath, writeSynced } from './atomic';

export const CHECKPOINT_FORMAT = 'gan-workbench-checkpoint';
export const CHECKPOINT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const WEIGHTS_FILE = 'weights.bin';

/** Which part of the training state an array belongs to. */
/** Gavg: the moving average of G's weights (training.emaG), when the run keeps one. */
export const STATE_GROUPS = ['G', 'D', 'optG', 'optD', 'Gavg'] as const;
export type StateGroup = (typeof STATE_GROUPS)[number];

export interface StateArray {
  group: StateGroup;
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

const TensorEntrySchema = z.object({
  group: z.enum(STATE_GROUPS),
  name: z.string(),
  shape: z.array(z.number().int().min(0)),
  dtype: z.enum(['float32', 'int32']),
  offset: z.number().int().min(0),
  bytes: z.number().int().min(0),
});

export const CheckpointManifestSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(CHECKPOINT_VERSION),
  /** Generator steps done. With counter-based randomness this is also the RNG and data cursor. */
  step: z.number().int().min(0),
  /** Seconds since the run first started, at this checkpoint (metrics' `time` continues from it). */
  time: z.number().min(0),
  seed: z.number().int(),
  variant: z.string(),
  optimizer: z.string(),
  backend: z.string().optional(),
  createdAt: z.string(),
  tensors: z.array(TensorEntrySchema),
  /** Named numbers a variant keeps between steps (e.g. BEGAN's k_t). */
  variantState: z.record(z.string(), z.number()).optional(),
  /** The metric that ranks checkpoints, at (or last logged before) this step. */
  metric: z.object({ name: z.string(), value: z.number(), step: z.number().int().min(0) }).optional(),
  weights: z.object({ file: z.literal(WEIGHTS_FILE), bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
});
export type CheckpointManifest = z.infer<typeof CheckpointManifestSchema>;

export type ManifestInput = Omit<CheckpointManifest, 'format' | 'version' | 'tensors' | 'weights' | 'createdAt'>;

export interface Checkpoint {
  dir: string;
  manifest: CheckpointManifest;
  arrays: StateArray[];
}

export class CheckpointError extends Error {
  constructor(readonly dir: string, reason: string) {
    super(`checkpoint ${path.basename(dir)}: ${reason}`);
    this.name = 'CheckpointError';
  }
}

export function checkpointsDir(runDir: string): string {
  return path.join(runDir, RUN_FILES.checkpoints);
}

export function checkpointName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

/** Steps of the checkpoint directories present (valid or not), ascending. */
export function listCheckpoints(runDir: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(checkpointsDir(runDir));
  } catch {
    return [];
  }
  return names
    .map((n) => /^step-(\d{8,})$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

const bytesOf = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Read the manifest only (cheap: for ranking and listing). Throws CheckpointError. */
export function readManifest(dir: string): CheckpointManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8'));
  } catch (e) {
    throw new CheckpointError(dir, `${MANIFEST_FILE} is ${fs.existsSync(path.join(dir, MANIFEST_FILE)) ? 'not valid JSON' : 'missing'} (${(e as Error).message})`);
  }
  const r = CheckpointManifestSchema.safeParse(raw);
  if (!r.success) throw new CheckpointError(dir, `${MANIFEST_FILE} is not a checkpoint manifest (${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message})`);
  return r.data;
}

/**
 * Write a checkpoint atomically. When a checkpoint of the same step already
 * exists and verifies, it is kept as it is (same step, same state) and
 * `written` is false.
 */
export function writeCheckpoint(runDir: string, info: ManifestInput, arrays: readonly StateArray[]): { dir: string; bytes: number; written: boolean } {
  const root = checkpointsDir(runDir);
  fs.mkdirSync(root, { recursive: true });
  const final = path.join(root, checkpointName(info.step));
  if (fs.existsSync(final)) {
    try {
      const existing = readCheckpoint(final);
      return { dir: final, bytes: existing.manifest.weights.bytes, written: false };
    } catch {
      /* damaged: replaced below */
    }
  }
  let offset = 0;
  const tensors = arrays.map((a) => {
    const entry = { group: a.group, name: a.name, shape: a.shape, dtype: a.dtype, offset, bytes: a.data.byteLength };
    offset += a.data.byteLength;
    return entry;
  });
  const weights = new Uint8Array(offset);
  arrays.forEach((a, i) => weights.set(bytesOf(a.data), tensors[i].offset));
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    ...info,
    createdAt: new Date().toISOString(),
    tensors,
    weights: { file: WEIGHTS_FILE, bytes: weights.byteLength, sha256: createHash('sha256').update(weights).digest('hex') },
  };
  const tmp = path.join(root, `.tmp-${checkpointName(info.step)}-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  try {
    writeSynced(path.join(tmp, WEIGHTS_FILE), weights);
    writeSynced(path.join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 1) + '\n');
    fsyncPath(tmp);
    if (fs.existsSync(final)) fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(tmp, final);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  fsyncPath(root);
  return { dir: final, bytes: weights.byteLength, written: true };
}

/** Load and verify one checkpoint directory (manifest, size, SHA-256). Throws CheckpointError. */
export function readCheckpoint(dir: string): Checkpoint {
  const manifest = readManifest(dir);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path.join(dir, WEIGHTS_FILE));
  } catch (e) {
    throw new CheckpointError(dir, `${WEIGHTS_FILE} is unreadable (${(e as Error).message})`);
  }
  if (buf.byteLength !== manifest.weights.bytes) throw new CheckpointError(dir, `${WEIGHTS_FILE} has ${buf.byteLength} bytes, the manifest says ${manifest.weights.bytes}`);
  const sha = createHash('sha256').update(buf).digest('hex');
  if (sha !== manifest.weights.sha256) throw new CheckpointError(dir, `${WEIGHTS_FILE} fails its SHA-256 check (damaged)`);
  // Copy into a fresh, aligned buffer: typed arrays need 4-byte alignment.
  const all = new Uint8Array(buf.byteLength);
  all.set(buf);
  const arrays = manifest.tensors.map((t): StateArray => {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (t.bytes !== count * 4 || t.offset % 4 !== 0 || t.offset + t.bytes > all.byteLength) {
      throw new CheckpointError(dir, `array ${t.group}/${t.name} does not match its shape [${t.shape.join(', ')}]`);
    }
    const data = t.dtype === 'int32' ? new Int32Array(all.buffer, t.offset, count) : new Float32Array(all.buffer, t.offset, count);
    return { group: t.group, name: t.name, shape: t.shape, dtype: t.dtype, data };
  });
  return { dir, manifest, arrays };
}

/**
 * The newest checkpoint that loads and verifies. Each damaged one met on the
 * way is reported through `warn` and skipped for the one before it.
 */
export function latestGoodCheckpoint(runDir: string, warn: (msg: string) => void = () => {}): Checkpoint | undefined {
  const steps = listCheckpoints(runDir);
  for (let i = steps.length - 1; i >= 0; i--) {
    const dir = path.join(checkpointsDir(runDir), checkpointName(steps[i]));
    try {
      return readCheckpoint(dir);
    } catch (e) {
      warn(`${(e as Error).message}; skipped, falling back to an earlier checkpoint`);
    }
  }
  return undefined;
}

/**
 * Keep the newest `keep` checkpoints plus the best one by its manifest's
 * metric (lower or higher is better, as told), remove the others and any
 * temporary directory another (dead) writer left. Returns the steps removed.
 */
export function pruneCheckpoints(runDir: string, keep: number, lowerIsBetter: boolean | undefined): number[] {
  const root = checkpointsDir(runDir);
  const steps = listCheckpoints(runDir);
  const kept = new Set(steps.slice(-keep));
  if (lowerIsBetter !== undefined) {
    let best: { step: number; value: number } | undefined;
    for (const step of steps) {
      let m: CheckpointManifest;
      try {
        m = readManifest(path.join(root, checkpointName(step)));
      } catch {
        continue;
      }
      const v = m.metric?.value;
      if (v === undefined || !Number.isFinite(v)) continue;
      if (!best || (lowerIsBetter ? v < best.value : v > best.value)) best = { step, value: v };
    }
    if (best) kept.add(best.step);
  }
  const removed = steps.filter((s) => !kept.has(s));
  for (const s of removed) fs.rmSync(path.join(root, checkpointName(s)), { recursive: true, force: true });
  try {
    for (const n of fs.readdirSync(root)) {
      if (n.startsWith('.tmp-') && !n.endsWith(`-${process.pid}`)) fs.rmSync(path.join(root, n), { recursive: true, force: true });
    }
  } catch {
    /* no folder */
  }
  return removed;
}

/** Remove the checkpoints after `step` (damaged ones, or ones a resume goes back before). */
export function removeCheckpointsAfter(runDir: string, step: number): number[] {
  const removed = listCheckpoints(runDir).filter((s) => s > step);
  for (const s of removed) fs.rmSync(path.join(checkpointsDir(runDir), checkpointName(s)), { recursive: true, force: true });
  return removed;
}
