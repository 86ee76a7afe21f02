/**
 * Training state ⇄ checkpoint arrays. The files themselves (layout, atomic
 * write, checksum, pruning) are src/runfolder/checkpoints.ts; this module
 * is the tensor side.
 *
 * A checkpoint holds everything the next step depends on:
 *   - G's and D's variables, and their Module.stateVariables (non-trained
 *     state such as spectral normalization's u and v);
 *   - both optimizers' state: tf.Optimizer.getWeights() (iteration count
 *     and slots: Adam's first/second moments, RMSProp's mean squares and
 *     moments) plus, for Adam, its running β1ᵗ and β2ᵗ, which setWeights()
 *     would otherwise recompute with pow() and so differ in the last bits
 *     from the products an uninterrupted run accumulated;
 *   - the moving average of G's weights (training.emaG), when there is one;
 *   - the variant's own state through the hook below;
 *   - the step. Every random draw of a run (batches of data, noise,
 *     interpolates) is deriveSeed(seed, step, stream, k) — counter-based —
 *     so the step IS the RNG state and the data cursor: nothing else is
 *     saved for them, and a resumed run draws exactly what the uninterrupted
 *     run would have drawn.
 *
 * Variant hook: a variant whose update carries state from one step to the
 * next (BEGAN's k_t, an adaptive weight, …) adds to its VariantImpl
 *   state(): Record<string, number>     numbers to save (finite)
 *   restore(state: Record<string, number>): void   put them back
 * Both are optional; the numbers go into the manifest's `variantState`.
 */
import * as tf from '@tensorflow/tfjs';
import type { StateArray, StateGroup } from '../runfolder/checkpoints';
import type { Module } from './userApi';

/** The optional state hook of a variant implementation (see above). */
export interface VariantStateHook {
  state?(): Record<string, number>;
  restore?(state: Record<string, number>): void;
}

/** What GanTrainer hands over for saving and restoring. */
export interface CheckpointParts {
  G: Module;
  D: Module;
  optG: tf.Optimizer;
  optD: tf.Optimizer;
  variant: object;
  /** The moving average of G's weights (generatorAverage.ts), one per G.variables entry; absent when training.emaG is 0. */
  Gavg?: tf.Variable[];
}

/** Adam's private running powers of β1 and β2 (tfjs 4: accBeta1, accBeta2 variables). */
const ADAM_POWERS = ['accBeta1', 'accBeta2'] as const;
const POWER_PREFIX = '__';

function adamPowers(opt: tf.Optimizer): { key: (typeof ADAM_POWERS)[number]; v: tf.Variable }[] {
  const o = opt as unknown as Record<string, unknown>;
  return ADAM_POWERS.filter((k) => o[k] instanceof tf.Variable).map((k) => ({ key: k, v: o[k] as tf.Variable }));
}

async function arrayOf(group: StateGroup, name: string, t: tf.Tensor): Promise<StateArray> {
  const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
  if (t.dtype !== 'int32' && t.dtype !== 'float32') throw new Error(`checkpoint: ${group}/${name} has dtype ${t.dtype}; only float32 and int32 are saved`);
  const data = (await t.data()) as Float32Array | Int32Array;
  return { group, name, shape: [...t.shape], dtype, data: dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data) };
}

async function optimizerArrays(group: 'optG' | 'optD', opt: tf.Optimizer): Promise<StateArray[]> {
  const weights = await opt.getWeights();
  const out: StateArray[] = [];
  try {
    for (const w of weights) out.push(await arrayOf(group, w.name, w.tensor));
  } finally {
    weights[0]?.tensor.dispose(); // the iteration count is a fresh scalar; the rest are the optimizer's own variables
  }
  for (const p of adamPowers(opt)) out.push(await arrayOf(group, POWER_PREFIX + p.key, p.v));
  return out;
}

/** Read the whole training state into plain arrays (nothing in it changes). */
export async function captureState(parts: CheckpointParts): Promise<{ arrays: StateArray[]; variantState?: Record<string, number> }> {
  const arrays: StateArray[] = [];
  for (const v of moduleVariables(parts.G)) arrays.push(await arrayOf('G', v.name, v));
  for (const v of moduleVariables(parts.D)) arrays.push(await arrayOf('D', v.name, v));
  arrays.push(...(await optimizerArrays('optG', parts.optG)));
  arrays.push(...(await optimizerArrays('optD', parts.optD)));
  for (const v of parts.Gavg ?? []) arrays.push(await arrayOf('Gavg', v.name, v));
  const hook = parts.variant as VariantStateHook;
  const variantState = typeof hook.state === 'function' ? hook.state() : undefined;
  return { arrays, ...(variantState ? { variantState } : {}) };
}

/** The trained variables, then the non-trained state variables (Module.stateVariables). */
function moduleVariables(m: Module): tf.Variable[] {
  return [...m.variables, ...(m.stateVariables ?? [])];
}

function restoreModule(who: 'G' | 'D', m: Module, arrays: StateArray[]): void {
  restoreVariables(who, moduleVariables(m), arrays);
}

function restoreVariables(who: 'G' | 'D' | 'Gavg', vars: readonly tf.Variable[], arrays: StateArray[]): void {
  if (arrays.length !== vars.length) {
    throw new Error(`checkpoint: ${who} has ${vars.length} variables, the checkpoint ${arrays.length}; was model.ts changed?`);
  }
  vars.forEach((v, i) => {
    const a = arrays[i];
    if (a.shape.join(',') !== v.shape.join(',')) {
      throw new Error(`checkpoint: ${who} variable ${i} (${v.name}) has shape [${v.shape.join(', ')}], the checkpoint [${a.shape.join(', ')}] (${a.name})`);
    }
    tf.tidy(() => v.assign(tf.tensor(a.data, a.shape, v.dtype)));
  });
}

async function restoreOptimizer(opt: tf.Optimizer, arrays: StateArray[]): Promise<void> {
  const powers = arrays.filter((a) => a.name.startsWith(POWER_PREFIX));
  const weights = arrays.filter((a) => !a.name.startsWith(POWER_PREFIX));
  if (weights.length === 0) return;
  const named = weights.map((a) => ({ name: a.name, tensor: tf.tensor(a.data, a.shape, a.dtype) }));
  try {
    await opt.setWeights(named); // slot variables are made from these tensors (sharing their data)
  } finally {
    tf.dispose(named.map((n) => n.tensor));
  }
  const byKey = new Map(adamPowers(opt).map((p) => [POWER_PREFIX + p.key, p.v]));
  for (const p of powers) {
    const v = byKey.get(p.name);
    if (v) tf.tidy(() => v.assign(tf.tensor(p.data, p.shape, 'float32').reshape(v.shape)));
  }
}

/** Put a captured state back into a freshly built trainer (before its first step). */
export async function restoreState(parts: CheckpointParts, arrays: StateArray[], variantState?: Record<string, number>): Promise<void> {
  const of = (g: StateGroup) => arrays.filter((a) => a.group === g);
  restoreModule('G', parts.G, of('G'));
  restoreModule('D', parts.D, of('D'));
  await restoreOptimizer(parts.optG, of('optG'));
  await restoreOptimizer(parts.optD, of('optD'));
  if (parts.Gavg) {
    // A run's config (and so emaG) is fixed at its start; a checkpoint without an average comes from another run.
    if (of('Gavg').length === 0) throw new Error("checkpoint: it holds no moving average of G, but this run's training.emaG keeps one");
    restoreVariables('Gavg', parts.Gavg, of('Gavg'));
  }
  const hook = parts.variant as VariantStateHook;
  if (variantState && typeof hook.restore === 'function') hook.restore(variantState);
}
