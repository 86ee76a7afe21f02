/**
 * Dense-layer products on the project's igemm (kernels/wasmMatMul.ts): the
 * same bits as XNNPACK's product, transposed operands or not, on the
 * single-thread build (toy models) and the threaded one (image models); the
 * small products XNNPACK keeps; and a toy GAN whose training steps come out
 * identical either way, so every result recorded before igemm took the
 * products stands.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { resolveConfig } from '../../src/protocol/config';
import { pickBackend } from '../../src/trainer/backend';
import { compileAndLoad } from '../../src/trainer/compile';
import { allowGemm } from '../../src/trainer/kernels/convGemm';
import { heapGemmFor, type HeapGemm } from '../../src/trainer/kernels/simd/gemm';
import { GEMM_MIN_K, GEMM_MIN_N, installWasmMatMul } from '../../src/trainer/kernels/wasmMatMul';
import { loadThreadedWasm } from '../../src/trainer/kernels/wasmThreads';
import { GanTrainer, type StepStats } from '../../src/trainer/loop';
import { Rng } from '../../src/trainer/rng';

after(async () => {
  await tf.setBackend('wasm');
  (tf.backend() as unknown as { wasm: { PThread?: { terminateAllThreads(): void } } }).wasm.PThread?.terminateAllThreads();
});

/** Counts igemm's products on the active wasm backend until `restore`. */
function countProducts(): { calls: () => number; restore: () => void } {
  const gemm = heapGemmFor(tf.backend());
  if (gemm instanceof Error) throw gemm;
  const original = gemm.igemm;
  let n = 0;
  (gemm as { igemm: HeapGemm['igemm'] }).igemm = (a) => {
    n++;
    original(a);
  };
  return { calls: () => n, restore: () => ((gemm as { igemm: HeapGemm['igemm'] }).igemm = original) };
}

/** f on XNNPACK (igemm turned off) and as the kernel chooses, with the products igemm ran. */
function bothWays(f: () => Float32Array): { xnnpack: Float32Array; chosen: Float32Array; calls: number } {
  allowGemm(false);
  let xnnpack: Float32Array;
  try {
    xnnpack = f();
  } finally {
    allowGemm(true);
  }
  const before = tf.memory().numTensors;
  const count = countProducts();
  try {
    const chosen = f();
    assert.equal(tf.memory().numTensors, before, 'the kernel frees its temporaries');
    return { xnnpack, chosen, calls: count.calls() };
  } finally {
    count.restore();
  }
}

// [a's batch or 0 for rank 2, m, k, n]: dense layers of the toy MLPs (hidden 64–256, batch 256, a 2-D input and output),
// DCGAN's dense layers at batch 16, odd sizes with row and column tails, and rank-3 products: batches of 1 (igemm)
// and a batch of 3 times one b (tfjs's own loop, which sums in another order: igemm leaves it alone).
const shapes: [number, number, number, number][] = [
  [0, 256, 128, 128], [0, 256, 64, 256], [0, 37, 53, 19], [0, 256, 2, 128], [0, 256, 128, 2],
  [0, 16, 100, 6272], [0, 16, 6272, 1], [1, 40, 64, 9], [3, 5, 64, 9],
];

async function checkProducts(label: string): Promise<void> {
  installWasmMatMul();
  const rng = new Rng(11);
  for (const [batch, m, k, n] of shapes) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        if (batch && (ta || tb)) continue;
        const aShape = ta ? [k, m] : [m, k];
        const bShape = tb ? [n, k] : [k, n];
        const av = Float32Array.from({ length: m * k * Math.max(1, batch) }, () => rng.normal());
        const bv = Float32Array.from({ length: k * n }, () => rng.normal());
        const f = () =>
          tf.tidy(() => {
            const a = batch ? tf.tensor3d(av, [batch, m, k]) : tf.tensor(av, aShape);
            const b = batch ? tf.tensor3d(bv, [1, k, n]) : tf.tensor(bv, bShape);
            return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, ta, tb).dataSync() as Float32Array;
          });
        const { xnnpack, chosen, calls } = bothWays(f);
        const what = `${label} [${batch ? `${batch}, ` : ''}${m}, ${k}]${ta ? 'ᵀ' : ''}·[${k}, ${n}]${tb ? 'ᵀ' : ''}`;
        // Only a's rows of at least GEMM_MIN_K floats and at least GEMM_MIN_N columns go to igemm (a one-column xᵀ·w may take the column sum).
        const expected = k >= GEMM_MIN_K && n >= GEMM_MIN_N && batch <= 1 ? 1 : 0;
        assert.equal(calls, expected, `${what}: igemm ran ${calls} times`);
        assert.equal(chosen.length, xnnpack.length, what);
        for (let i = 0; i < chosen.length; i++) {
          if (!Object.is(chosen[i], xnnpack[i])) assert.fail(`${what} at ${i}: ${chosen[i]} from igemm, ${xnnpack[i]} from XNNPACK`);
        }
      }
    }
  }
}

test('a toy WGAN-GP (first- and second-order products) takes the same steps with igemm as with XNNPACK, on the single-thread build toy models use', async () => {
  await pickBackend('wasm');
  const model = await compileAndLoad('templates/toy/model.ts');
  const cfg = resolveConfig({
    name: 'mm',
    variant: 'wgan-gp',
    data: { name: '8gaussians' },
    model: { hidden: 64, depth: 2 },
    training: { batchSize: 64, seed: 3, nCritic: 2 },
    logging: { evalSamples: 128 },
  });
  const train = async (useGemm: boolean) => {
    allowGemm(useGemm);
    const count = countProducts();
    try {
      const t = new GanTrainer(cfg, model);
      const stats: StepStats[] = [];
      for (let s = 0; s < 6; s++) stats.push(await t.step(s));
      t.dispose();
      return { stats, calls: count.calls() };
    } finally {
      count.restore();
      allowGemm(true);
    }
  };
  const xnnpack = await train(false);
  const igemm = await train(true);
  assert.equal(xnnpack.calls, 0);
  assert.ok(igemm.calls >= 6 * 10, `igemm ran ${igemm.calls} products in 6 steps`);
  assert.deepEqual(igemm.stats, xnnpack.stats);
});

test('dense products on igemm equal XNNPACK\'s bit for bit, transposed or not, on the single-thread and the threaded build; small ones keep XNNPACK', async () => {
  await tf.setBackend('wasm');
  await checkProducts('one thread');
  await loadThreadedWasm(2);
  await tf.setBackend('wasm');
  await checkProducts('two threads');
});
