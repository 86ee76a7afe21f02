/**
 * A start-of-run check of the WebGPU backend against the cpu backend: the
 * same config and seed build the same networks on both (tfjs draws seeded
 * random values in JavaScript, whatever the backend), and the gradients of
 * D's first update and of G's update must agree. Kernels have matched the
 * cpu backend to ~1e-6 in isolation, yet one full gradient once differed by
 * 0.3–1.9 % through a convolution (shared/notes/tfjs-backends.md): a wrong
 * GPU gradient trains silently badly, so a run that fails the check stops
 * before its first step and says which gradient was off.
 *
 * The model checks that read values back (requirements.ts) run on the cpu
 * side too: a synchronous read from WebGPU is impossible in Node.
 */
import * as tf from '@tensorflow/tfjs';
import { imageShapeOf, type ResolvedConfig } from '../protocol/config';
import { useWasm } from './backend';
import type { ModelBuilders } from './compile';
import type { TrainingData } from './data/index';
import { GanTrainer } from './loop';

/** Images per batch in the self-check of an image model (its own batch size is only a speed choice). */
const IMAGE_CHECK_BATCH = 8;

/**
 * Where the reference gradients come from. The cpu backend is the plain
 * reference, but it needs minutes for one convolutional step (400 s for a
 * DCGAN step at batch 64, shared/notes/tfjs-backends.md), so image models are
 * checked against wasm, whose convolution kernels are the project's own and
 * are tested against cpu (test/unit/kernels-conv.test.ts), on a small batch.
 */
export function selfCheckPlan(cfg: ResolvedConfig): { reference: 'cpu' | 'wasm'; cfg: ResolvedConfig } {
  if (!imageShapeOf(cfg.data)) return { reference: 'cpu', cfg };
  const m = cfg.model.packing;
  const batchSize = Math.min(cfg.training.batchSize, Math.max(1, Math.floor(IMAGE_CHECK_BATCH / m)) * m);
  return { reference: 'wasm', cfg: { ...cfg, training: { ...cfg.training, batchSize } } };
}

/** Largest relative error ‖gpu − cpu‖ / ‖cpu‖ of any one variable's gradient that passes (float32 sums in another order land far below). */
export const GRADIENT_TOLERANCE = 1e-3;

export interface GradientComparison {
  /** The variable whose gradient differs most, e.g. "D D/hidden0/w". */
  worst: string;
  relError: number;
  variables: number;
}

/**
 * An absolute error this small, next to the largest gradient of the model,
 * passes whatever its relative size. A parameter whose true gradient is zero
 * (the bias of a layer followed by batch norm, which cancels it) gets float
 * noise on every backend, and noise against noise is ~100 % "relative error":
 * the first DCGAN check on the H200 failed that way. An error this far below
 * the rest of the model's gradients cannot steer training.
 */
export const NEGLIGIBLE_ABSOLUTE_ERROR = 1e-5;

/** Compare two probeGradients() results, variable by variable in order. */
export function compareGradients(reference: readonly { name: string; values: Float32Array }[], got: readonly { name: string; values: Float32Array }[]): GradientComparison {
  if (reference.length !== got.length) throw new Error(`gradient self-check: ${got.length} gradients on the GPU, ${reference.length} on the reference backend`);
  const norms = reference.map((r) => Math.sqrt(r.values.reduce((s, v) => s + v * v, 0)));
  const largest = Math.max(0, ...norms.filter(Number.isFinite));
  let worst = { worst: '', relError: -1, variables: reference.length };
  reference.forEach((r, i) => {
    const g = got[i].values;
    if (g.length !== r.values.length) throw new Error(`gradient self-check: ${r.name} has ${g.length} values on the GPU, ${r.values.length} on the reference backend`);
    let diff = 0;
    for (let j = 0; j < g.length; j++) diff += (g[j] - r.values[j]) ** 2;
    diff = Math.sqrt(diff);
    // NaN anywhere makes the error NaN, which fails below like any large error.
    const negligible = diff <= NEGLIGIBLE_ABSOLUTE_ERROR * largest;
    const rel = negligible ? 0 : diff / Math.max(norms[i], 1e-12);
    if (!Number.isNaN(worst.relError) && !(rel <= worst.relError)) worst = { worst: r.name, relError: rel, variables: reference.length };
  });
  return worst;
}

/** The GPU computes something the trainer cannot use: a wrong gradient, or an op that cannot run there. */
export class GpuSelfCheckError extends Error {
  constructor(
    message: string,
    /** true: the GPU's numbers are wrong; false: the variant needs what WebGPU in Node cannot do (try another backend). */
    readonly wrongNumbers: boolean,
  ) {
    super(message);
    this.name = 'GpuSelfCheckError';
  }
}

/**
 * Build the trainer on the 'webgpu' backend after checking it: model checks
 * and reference gradients on the cpu backend, then the same on webgpu.
 * Returns the webgpu trainer (nothing applied yet) and what was measured.
 */
export async function webgpuTrainer(
  full: ResolvedConfig,
  builders: ModelBuilders,
  data?: TrainingData,
): Promise<{ trainer: GanTrainer; check: GradientComparison; reference: 'cpu' | 'wasm' }> {
  const { reference: refName, cfg } = selfCheckPlan(full);
  if (refName === 'wasm') await useWasm();
  else await tf.setBackend('cpu');
  const cpu = new GanTrainer(cfg, builders, { data }); // the usual model checks; they throw here as on any backend
  let reference: { name: string; values: Float32Array }[];
  try {
    reference = await cpu.probeGradients(0);
  } finally {
    cpu.dispose();
  }
  if (!(await tf.setBackend('webgpu'))) throw new GpuSelfCheckError('the webgpu backend could not be selected again after the cpu reference', false);
  let gpu = new GanTrainer(cfg, builders, { checkedElsewhere: true, data });
  let check: GradientComparison;
  try {
    let got: { name: string; values: Float32Array }[];
    try {
      got = await gpu.probeGradients(0);
    } catch (e) {
      const why = String((e as Error)?.message ?? e).split('\n')[0];
      throw new GpuSelfCheckError(
        /OffscreenCanvas|readSync|dataSync/.test(why)
          ? `variant '${cfg.variant}' reads values synchronously inside a training step, which WebGPU cannot do in Node (${why})`
          : `a training step failed on webgpu: ${why}`,
        false,
      );
    }
    check = compareGradients(reference, got);
    if (!(check.relError <= GRADIENT_TOLERANCE)) {
      throw new GpuSelfCheckError(
        `gradient self-check failed: the gradient of ${check.worst} on webgpu differs from the ${refName} backend's by ${(100 * check.relError).toPrecision(3)} % ` +
          `(tolerance ${100 * GRADIENT_TOLERANCE} %), so the GPU would train a different model. Train with "backend": "wasm" (or tfjs-node-gpu) and report the variant and GPU.`,
        true,
      );
    }
  } catch (e) {
    gpu.dispose();
    throw e;
  }
  if (cfg !== full) {
    // Checked on a small batch: the run trains with its own (same seed, same initial weights).
    gpu.dispose();
    gpu = new GanTrainer(full, builders, { checkedElsewhere: true, data });
  }
  return { trainer: gpu, check, reference: refName };
}
