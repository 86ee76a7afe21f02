/**
 * The one place that picks the tfjs backend. Order for 'auto': the native
 * GPU binding, the native CPU binding (both optional dependencies that may
 * be absent), WebGPU through Dawn's Node binding (the optional `webgpu`
 * package) on a real GPU adapter, then wasm, then the plain cpu backend. The
 * reason for the choice — what was tried and why it was passed over — goes
 * to the dashboard.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../protocol/config';
import type { BackendInfo } from '../protocol/run';
import { cpuFallbackReason } from './cudaLibraries';
import { heapGemmFor } from './kernels/simd/gemm';
import { simdPassesFor } from './kernels/simd/simdPasses';
import { installWasmActivations } from './kernels/wasmActivations';
import { installWasmBatchNorm } from './kernels/wasmBatchNorm';
import { installWasmColumnReduce } from './kernels/wasmColumnReduce';
import { installWasmConv } from './kernels/wasmConv';
import { installFusedOptimizers } from './kernels/fusedOptimizers';
import { installWasmIdentity } from './kernels/wasmIdentity';
import { installWasmMatMul } from './kernels/wasmMatMul';
import { loadThreadedWasm, wasmThreadsWanted } from './kernels/wasmThreads';
import { installPooledUploads, type WebGPUBackendLike } from './kernels/webgpuUploads';

type Name = BackendInfo['name'];

/** What the caller knows about the work, for choices inside a backend. */
export interface BackendHints {
  /** Convolutional models on image data: the wasm backend then runs several threads (kernels/wasmThreads.ts). */
  imageData?: boolean;
}

interface Attempt {
  name: Name;
  /**
   * Resolves with a note for the reason shown to the user (e.g. a GPU package running on the CPU).
   * `wasmThreads`: the threads the wasm backend is to run (wasmThreadsWanted).
   */
  load(wasmThreads: number): Promise<string | void>;
}

function describeLoadError(pkg: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'MODULE_NOT_FOUND' && String(err.message).includes(pkg)) return `${pkg} is not installed`;
  return `${pkg} failed to load: ${String(err?.message ?? e).split('\n')[0]}`;
}

/** A native binding: loading the package registers the 'tensorflow' backend. */
function nativeAttempt(name: Name, pkg: string): Attempt {
  return {
    name,
    async load() {
      try {
        require(pkg);
      } catch (e) {
        throw new Error(describeLoadError(pkg, e));
      }
      if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but its backend did not initialise`);
      // The GPU package falls back to the CPU without an error when CUDA/cuDNN do not match: say which library is missing.
      const b = tf.backend() as { isGPUPackage?: boolean; isUsingGpuDevice?: boolean };
      if (b.isGPUPackage && b.isUsingGpuDevice === false) return cpuFallbackReason();
    },
  };
}

/** Where Debian, Ubuntu and Fedora put the Vulkan loader that Dawn opens at run time. */
const VULKAN_LOADER_PATHS = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib64/libvulkan.so.1', '/usr/lib/libvulkan.so.1'];

/** Why no adapter was found, as far as can be told from outside Dawn. */
function noAdapterReason(): string {
  if (process.platform === 'linux' && !VULKAN_LOADER_PATHS.some((p) => fs.existsSync(p))) {
    return 'libvulkan.so.1 missing: apt install libvulkan1, with a Vulkan GPU driver';
  }
  return 'no GPU with a Vulkan/Metal/D3D12 driver';
}

/**
 * Software adapters (SwiftShader, llvmpipe/lavapipe) run WebGPU on the CPU,
 * far slower than the wasm backend: never pick one.
 */
export function isSoftwareAdapter(info: { vendor?: string; architecture?: string; device?: string; description?: string }, isFallback?: boolean): boolean {
  if (isFallback) return true;
  const text = `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}`.toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|software|\bcpu\b/.test(text);
}

/**
 * WebGPU in Node: Dawn's binding from the `webgpu` package. Its globals
 * (GPUBufferUsage, …) and navigator.gpu must exist before
 * @tensorflow/tfjs-backend-webgpu is loaded: that package registers its
 * backend only if navigator.gpu is there when it loads.
 */
const webgpuAttempt: Attempt = {
  name: 'webgpu',
  async load() {
    let dawn: { create(flags: string[]): unknown; globals: Record<string, unknown> };
    try {
      dawn = require('webgpu');
    } catch (e) {
      throw new Error(describeLoadError('webgpu', e));
    }
    const g = globalThis as { navigator?: { gpu?: unknown } };
    Object.assign(globalThis, dawn.globals);
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
    if (!g.navigator!.gpu) (g.navigator as { gpu?: unknown }).gpu = dawn.create([]);
    type Adapter = { info?: { vendor?: string; architecture?: string; device?: string; description?: string }; isFallbackAdapter?: boolean };
    let adapter: Adapter | null;
    try {
      adapter = await (g.navigator!.gpu as { requestAdapter(o?: object): Promise<Adapter | null> }).requestAdapter({ powerPreference: 'high-performance' });
    } catch (e) {
      throw new Error(`webgpu: requesting an adapter failed (${String((e as Error)?.message ?? e).split('\n')[0]}; ${noAdapterReason()})`);
    }
    if (!adapter) throw new Error(`webgpu: no GPU adapter (${noAdapterReason()})`);
    const info = adapter.info ?? {};
    if (isSoftwareAdapter(info, adapter.isFallbackAdapter)) {
      throw new Error(`webgpu: only a software adapter (${info.description || info.device || info.vendor || 'fallback'}), slower than wasm`);
    }
    const adapterName = [info.vendor, info.description || info.device || info.architecture].filter(Boolean).join(' ');
    try {
      require('@tensorflow/tfjs-backend-webgpu');
    } catch (e) {
      throw new Error(describeLoadError('@tensorflow/tfjs-backend-webgpu', e));
    }
    if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend did not initialise');
    // GAN_WEBGPU_UPLOADS=stock keeps tfjs's own uploads (bench/backends.ts compares the two).
    if (process.env.GAN_WEBGPU_UPLOADS !== 'stock') installPooledUploads(tf.backend() as unknown as WebGPUBackendLike);
    if (adapterName) return `on ${adapterName}`;
  },
};

const ATTEMPTS: Record<Name, Attempt> = {
  'tfjs-node-gpu': nativeAttempt('tfjs-node-gpu', '@tensorflow/tfjs-node-gpu'),
  'tfjs-node': nativeAttempt('tfjs-node', '@tensorflow/tfjs-node'),
  webgpu: webgpuAttempt,
  wasm: {
    name: 'wasm',
    async load(wanted) {
      try {
        require('@tensorflow/tfjs-backend-wasm');
      } catch (e) {
        throw new Error(describeLoadError('@tensorflow/tfjs-backend-wasm', e));
      }
      // Image models on several threads where the machine has the cores (kernels/wasmThreads.ts);
      // the stock single-thread build for toy models, when GAN_WASM_THREADS=1, or when the
      // threaded build cannot start.
      let note: string;
      if (wanted > 1) {
        try {
          const n = await loadThreadedWasm(wanted);
          note = `${n} thread${n === 1 ? '' : 's'}`;
        } catch (e) {
          note = `1 thread: the multithreaded build did not start (${(e as Error).message.split('\n')[0]})`;
        }
      } else note = '1 thread';
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
      installWasmMatMul();
      installWasmConv();
      installWasmIdentity();
      installWasmColumnReduce();
      installWasmBatchNorm();
      installWasmActivations();
      installFusedOptimizers('wasm');
      return `${note}; ${simdKernelsNote(tf.backend())}`;
    },
  },
  cpu: {
    name: 'cpu',
    async load() {
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
      installFusedOptimizers('cpu');
    },
  },
};

/**
 * Whether the project's wasm SIMD modules (the convolution product and the
 * heap passes) run on this backend; where they cannot, the kernels fall back
 * to JS loops and XNNPACK, slower, and the reason says why.
 */
function simdKernelsNote(backend: tf.KernelBackend): string {
  const gemm = heapGemmFor(backend);
  const passes = simdPassesFor(backend);
  const failed = [gemm, passes].find((r): r is Error => r instanceof Error);
  if (failed) return `no SIMD kernels (${failed.message}): JS loops and XNNPACK instead`;
  return 'SIMD kernels';
}

/** Switch to the wasm backend with the project's kernels (the webgpu self-check's reference for convolutional models). */
export async function useWasm(): Promise<void> {
  await ATTEMPTS.wasm.load(wasmThreadsWanted(true));
  await tf.ready();
}

const AUTO_ORDER: Name[] = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'];

export async function pickBackend(choice: BackendChoice, hints: BackendHints = {}): Promise<BackendInfo> {
  const order = choice === 'auto' ? AUTO_ORDER : [choice];
  // Read before any attempt: a bad GAN_WASM_THREADS stops here with its message instead of
  // becoming one more reason to pass over wasm and train on the far slower cpu backend.
  const wasmThreads = order.includes('wasm') ? wasmThreadsWanted(hints.imageData ?? false) : 1;
  const passed: string[] = [];
  for (const name of order) {
    try {
      const note = await ATTEMPTS[name].load(wasmThreads);
      await tf.ready();
      const why = (note ? `${note}; ` : '') + (choice === 'auto' ? (passed.length ? `auto: ${passed.join('; ')}` : 'auto: first choice') : 'forced by config/setting');
      return { name, reason: why };
    } catch (e) {
      passed.push((e as Error).message);
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${passed.join('; ')}`);
}
