/**
 * The WebGPU gradient self-check (src/trainer/gpuSelfCheck.ts), on a machine
 * without a GPU: a stand-in backend registered under the name 'webgpu' runs
 * the cpu backend's kernels, so the check's logic — reference on cpu, same
 * networks on 'webgpu', compare, stop — runs for real; one kernel made
 * slightly wrong must be caught, naming the gradient. (Only this test
 * process sees the stand-in: node:test runs each file in its own process.)
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { resolveConfig } from '../../src/protocol/config';
import { isSoftwareAdapter } from '../../src/trainer/backend';
import { compileAndLoad, type ModelBuilders } from '../../src/trainer/compile';
import { compareGradients, GpuSelfCheckError, GRADIENT_TOLERANCE, webgpuTrainer } from '../../src/trainer/gpuSelfCheck';

let builders: ModelBuilders;
/** Scale of the stand-in's products with a transposed first operand (x^T·dy: only weight gradients use them); 1 = the cpu kernel's own result. */
let gradScale = 1;
let failSigmoid = false;

before(async () => {
  await tf.setBackend('cpu');
  const cpuBackend = tf.findBackend('cpu')!;
  tf.registerBackend('webgpu', () => cpuBackend);
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (k.kernelName === 'BatchMatMul') {
      tf.registerKernel({
        ...k,
        backendName: 'webgpu',
        kernelFunc: (args) => {
          const out = k.kernelFunc(args) as tf.TensorInfo;
          if (gradScale === 1 || !(args.attrs as { transposeA?: boolean }).transposeA) return out;
          const values = cpuBackend.readSync(out.dataId) as Float32Array;
          cpuBackend.disposeData(out.dataId);
          return (cpuBackend as unknown as { makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo }).makeTensorInfo(out.shape, 'float32', values.map((v) => v * gradScale));
        },
      });
    } else if (k.kernelName === 'Sigmoid') {
      tf.registerKernel({
        ...k,
        backendName: 'webgpu',
        kernelFunc: (args) => {
          if (failSigmoid) throw new Error('OffscreenCanvas is not defined');
          return k.kernelFunc(args);
        },
      });
    } else tf.registerKernel({ ...k, backendName: 'webgpu' });
  }
  builders = await compileAndLoad('templates/toy/model.ts');
});

const cfg = (variant = 'wgan-gp') =>
  resolveConfig({ name: 't', variant, data: { name: '8gaussians' }, model: { hidden: 16, depth: 2 }, training: { batchSize: 32 }, logging: { evalSamples: 64 }, backend: 'webgpu' });

test('the same kernels on both sides: the check passes with identical gradients, and the trainer it returns trains on webgpu', async () => {
  gradScale = 1;
  const { trainer, check } = await webgpuTrainer(cfg(), builders);
  assert.equal(tf.getBackend(), 'webgpu');
  assert.equal(check.relError, 0);
  assert.match(check.worst, /^[DG] /, 'names a gradient even when all agree');
  assert.ok(check.variables >= 12, `D and G gradients compared (${check.variables})`);
  const st = await trainer.step(0);
  assert.ok(Number.isFinite(st.lossD) && Number.isFinite(st.gp ?? NaN), 'a WGAN-GP step with its penalty (second order) runs');
  trainer.dispose();
});

test('a kernel 0.5 % off in its gradient is caught: the run stops before its first step, naming the gradient', async () => {
  gradScale = 1.005;
  try {
    await assert.rejects(webgpuTrainer(cfg(), builders), (e: unknown) => {
      assert.ok(e instanceof GpuSelfCheckError);
      assert.equal(e.wrongNumbers, true);
      assert.match(e.message, /gradient self-check failed: the gradient of [DG] .+ on webgpu differs from the cpu backend's by [\d.]+ %/);
      assert.match(e.message, /"backend": "wasm"/);
      return true;
    });
  } finally {
    gradScale = 1;
  }
});

test('a variant that needs a synchronous read is reported as not runnable on webgpu (not as wrong numbers)', async () => {
  failSigmoid = true;
  try {
    await assert.rejects(webgpuTrainer(cfg('gan-ns'), builders), (e: unknown) => {
      assert.ok(e instanceof GpuSelfCheckError);
      assert.equal(e.wrongNumbers, false);
      assert.match(e.message, /variant 'gan-ns' reads values synchronously inside a training step/);
      return true;
    });
  } finally {
    failSigmoid = false;
  }
});

test('compareGradients: the largest relative error and its variable; NaN never passes; shapes must match', () => {
  const a = [
    { name: 'D w', values: new Float32Array([1, 2, 3]) },
    { name: 'G w', values: new Float32Array([0, 4]) },
  ];
  assert.equal(compareGradients(a, a).relError, 0);
  const off = compareGradients(a, [a[0], { name: 'G w', values: new Float32Array([0, 4.004]) }]);
  assert.equal(off.worst, 'G w');
  assert.ok(Math.abs(off.relError - 1e-3) < 1e-6, String(off.relError));
  const nan = compareGradients(a, [{ name: 'D w', values: new Float32Array([1, NaN, 3]) }, a[1]]);
  assert.equal(nan.worst, 'D w');
  assert.ok(!(nan.relError <= GRADIENT_TOLERANCE), 'a NaN gradient fails the check');
  assert.throws(() => compareGradients(a, [a[0]]), /1 gradients on the GPU, 2 on the reference backend/);
  assert.throws(() => compareGradients(a, [a[0], { name: 'G w', values: new Float32Array(3) }]), /G w has 3 values on the GPU, 2/);
});

test('compareGradients: float noise on a gradient that is truly zero (a bias before batch norm) passes; a real error on a small gradient does not', () => {
  const model = [
    { name: 'G w', values: new Float32Array([0.5, -2, 3]) },
    { name: 'G up0/b', values: new Float32Array([3e-9, -1e-9]) },
  ];
  // Noise against noise: 100 % relative, 1e-8 absolute next to a gradient of norm 3.6.
  const noise = compareGradients(model, [model[0], { name: 'G up0/b', values: new Float32Array([-2e-9, 4e-9]) }]);
  assert.ok(noise.relError <= GRADIENT_TOLERANCE, `noise passes: ${noise.relError} on ${noise.worst}`);
  // A small but real gradient (1e-3 of the largest) that is 50 % off fails.
  const small = [model[0], { name: 'D b', values: new Float32Array([2e-3, 2e-3]) }];
  const wrong = compareGradients(small, [model[0], { name: 'D b', values: new Float32Array([1e-3, 3e-3]) }]);
  assert.equal(wrong.worst, 'D b');
  assert.ok(wrong.relError > 0.4, String(wrong.relError));
});

test('software WebGPU adapters (SwiftShader, llvmpipe) are never picked: wasm is faster', () => {
  assert.equal(isSoftwareAdapter({ vendor: 'google', architecture: '', description: 'SwiftShader Device (Subzero)' }), true);
  assert.equal(isSoftwareAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }), true);
  assert.equal(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' }), false);
  assert.equal(isSoftwareAdapter({ vendor: 'nvidia', description: 'NVIDIA H200' }, true), true, 'a fallback adapter');
});
