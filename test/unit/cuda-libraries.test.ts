/**
 * tfjs-node-gpu on a machine whose CUDA/cuDNN does not match: which library
 * the dynamic loader cannot find (src/trainer/cudaLibraries.ts), from
 * `ldconfig -p` output and LD_LIBRARY_PATH.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingLibraries, TFJS_NODE_GPU_LIBRARIES } from '../../src/trainer/cudaLibraries';

const LDCONFIG_CUDA12 = `1523 libs found in cache \`/etc/ld.so.cache'
\tlibcudnn.so.9 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudnn.so.9
\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda-12.4/lib64/libcudart.so.12
\tlibcudart.so.11.0 (libc6,x86-64) => /usr/local/cuda-11.2/lib64/libcudart.so.11.0
\tlibcublas.so.11 (libc6,x86-64) => /usr/local/cuda-11.2/lib64/libcublas.so.11
\tlibcublasLt.so.11 (libc6,x86-64) => /usr/local/cuda-11.2/lib64/libcublasLt.so.11
\tlibcufft.so.10 (libc6,x86-64) => /usr/local/cuda-11.2/lib64/libcufft.so.10
\tlibcurand.so.10 (libc6,x86-64) => /usr/local/cuda-11.2/lib64/libcurand.so.10
\tlibcusolver.so.11 (libc6,x86-64) => /usr/local/cuda-11.2/lib64/libcusolver.so.11
\tlibc.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libc.so.6
`;

test('CUDA 11.2 present but cuDNN 9 instead of 8 and no cusparse: exactly those two are named', () => {
  assert.deepEqual(missingLibraries(TFJS_NODE_GPU_LIBRARIES, LDCONFIG_CUDA12, undefined, () => false), ['libcusparse.so.11', 'libcudnn.so.8']);
});

test('a library in a folder of LD_LIBRARY_PATH counts as found; an empty cache names every library', () => {
  const exists = (f: string) => f === '/opt/cudnn8/lib/libcudnn.so.8' || f === '/opt/cuda/lib64/libcusparse.so.11';
  assert.deepEqual(missingLibraries(TFJS_NODE_GPU_LIBRARIES, LDCONFIG_CUDA12, '/opt/nothing::/opt/cudnn8/lib:/opt/cuda/lib64', exists), []);
  assert.deepEqual(missingLibraries(TFJS_NODE_GPU_LIBRARIES, '', undefined, () => false), [...TFJS_NODE_GPU_LIBRARIES]);
  // A soname is matched exactly: libcudnn.so.9 is not libcudnn.so.8, nor libcudart.so.12 libcudart.so.11.0.
  assert.deepEqual(missingLibraries(['libcudart.so.11.0'], '\tlibcudart.so.12 (libc6,x86-64) => /x/libcudart.so.12\n', undefined, () => false), ['libcudart.so.11.0']);
});
