/**
 * tfjs-node-gpu 4.22 wraps TensorFlow 2.x built for CUDA 11.2 and cuDNN 8.1.
 * With other versions installed it logs "Could not load dynamic library
 * 'libcudnn.so.8'" to the terminal and quietly trains on the CPU (tfjs
 * issues 8269, 8505). The trainer notices the fallback (the backend reports
 * isUsingGpuDevice false) and names the libraries the dynamic loader cannot
 * find, so the dashboard can say what to install.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The sonames TensorFlow 2.x opens for the GPU in tfjs-node-gpu 4.22 (CUDA 11.2, cuDNN 8.1). */
export const TFJS_NODE_GPU_LIBRARIES = [
  'libcudart.so.11.0',
  'libcublas.so.11',
  'libcublasLt.so.11',
  'libcufft.so.10',
  'libcurand.so.10',
  'libcusolver.so.11',
  'libcusparse.so.11',
  'libcudnn.so.8',
] as const;

/**
 * Which of `wanted` the dynamic loader would not find: neither in the
 * loader cache (`ldconfig -p` output) nor in a folder of LD_LIBRARY_PATH.
 */
export function missingLibraries(wanted: readonly string[], ldconfigOutput: string, libraryPath: string | undefined, exists: (file: string) => boolean = fs.existsSync): string[] {
  const cached = new Set(
    ldconfigOutput
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[0])
      .filter(Boolean),
  );
  const dirs = (libraryPath ?? '').split(':').filter(Boolean);
  return wanted.filter((lib) => !cached.has(lib) && !dirs.some((d) => exists(path.join(d, lib))));
}

/** Why tfjs-node-gpu runs on the CPU, as far as the loader's view tells. */
export function cpuFallbackReason(): string {
  let ldconfig = '';
  try {
    ldconfig = execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
  } catch {
    try {
      ldconfig = execFileSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    } catch {
      /* no ldconfig: only LD_LIBRARY_PATH is looked at */
    }
  }
  const missing = missingLibraries(TFJS_NODE_GPU_LIBRARIES, ldconfig, process.env.LD_LIBRARY_PATH);
  const needs = 'tfjs-node-gpu 4.22 needs CUDA 11.2 and cuDNN 8.1';
  return missing.length
    ? `running on the CPU: TensorFlow found no usable GPU; the loader cannot find ${missing.join(', ')} (${needs}: install them or add their folder to LD_LIBRARY_PATH)`
    : `running on the CPU: TensorFlow found no usable GPU although the CUDA 11.2 / cuDNN 8.1 libraries are present (check the NVIDIA driver with nvidia-smi)`;
}
