/**
 * The wasm backend on several threads in Node.
 *
 * tfjs-backend-wasm ships a multithreaded SIMD build (XNNPACK on a pthread
 * pool of Emscripten workers), but its own loader cannot start it in Node,
 * for two reasons:
 *  - it hands Emscripten the worker script and the main script as Blob URLs,
 *    and Node's worker_threads refuse `blob:` paths (ERR_WORKER_PATH);
 *  - its C++ caps the pool at half the logical cores (it assumes two hardware
 *    threads per core), so a 2-vCPU machine gets one thread anyway.
 * This module starts the same build with both scripts written to real files
 * and the core count seen by that cap doubled for the moment of start-up,
 * then registers it as the 'wasm' backend, so every wasm kernel (tfjs's and
 * the project's, registered by backend name) runs on it unchanged.
 *
 * Measured on the 2-core VM (bench/results/backends-cpu-dcgan-b64.md): DCGAN
 * steps 1.1 → 1.6 per second; weights after training are bit-identical to
 * the one-thread build's (XNNPACK splits work by output tiles, so each sum
 * keeps its order).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** How long the pool's workers may take to load before the single-thread build is used instead. */
const START_TIMEOUT_MS = 30_000;

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  tfjs?: Record<string, (...a: number[]) => number>;
}
type Factory = ((config: object) => Promise<EmscriptenModule>) & { toString(): string };

/**
 * Threads wanted: GAN_WASM_THREADS when set (1 = the stock single-thread
 * build), else one per core (at most 8, the pool's size) for image models and
 * one for toy models. Measured on the 2-core VM: the MLP GAN gains 3 % from a
 * second thread, and when two such trainers share the two cores, each with two
 * spinning threads, they ran 5× slower (the toy training tests: 56 s → 4.4
 * min); two DCGAN trainers sharing them ran faster with two threads each (0.99
 * against 0.85 steps/s), their convolutions being long enough to share.
 */
export function wasmThreadsWanted(imageData: boolean, env: NodeJS.ProcessEnv = process.env, cores = os.availableParallelism()): number {
  const raw = env.GAN_WASM_THREADS;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`GAN_WASM_THREADS must be a whole number ≥ 1, not '${raw}': unset it for the default (one thread per core for image models)`);
    return Math.min(n, 8);
  }
  return imageData ? Math.max(1, Math.min(cores, 8)) : 1;
}

let started: Promise<number> | undefined;

/**
 * Starts the threaded build once per process and registers it as 'wasm';
 * resolves with the threads its pool really has. Rejects (leaving the stock
 * 'wasm' registration in place) when the build cannot start here.
 */
export function loadThreadedWasm(threads: number): Promise<number> {
  started ??= start(threads).catch((e) => {
    started = undefined;
    throw e;
  });
  return started;
}

async function start(threads: number): Promise<number> {
  if (typeof SharedArrayBuffer === 'undefined') throw new Error('this Node has no SharedArrayBuffer');
  // Required here, not imported: tfjs-backend-wasm stays outside the trainer bundle (esbuild.mjs).
  const wasmPkg = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  const outDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
  const factory = require(path.join(outDir, 'tfjs-backend-wasm-threaded-simd.js')) as Factory;
  const { wasmWorkerContents } = require(path.join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };

  // The worker script is kept as a template string whose "\n" escapes became real
  // newlines inside string literals; tfjs escapes them back before use, and so do we.
  // Each worker evaluates the main script, then calls the factory it defines.
  const { workerJs, mainJs } = writeScripts(wasmWorkerContents.replace(/\n/g, '\\n'), `var WasmBackendModuleThreadedSimd = ${factory.toString()}`);

  // The C++ reads the core count once, while the module starts (emscripten_num_logical_cores →
  // require('os').cpus().length), and halves it: count every logical core twice for that moment.
  const nodeOs = require('os') as typeof os;
  const cpus = nodeOs.cpus;
  nodeOs.cpus = () => [...cpus(), ...cpus()];
  let module: EmscriptenModule;
  try {
    let timer: NodeJS.Timeout | undefined;
    module = await Promise.race([
      factory({
        locateFile: (p: string) => (p.endsWith('.worker.js') ? workerJs : p.endsWith('.wasm') ? path.join(outDir, p) : p),
        mainScriptUrlOrBlob: mainJs,
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`its workers did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
        timer.unref();
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    nodeOs.cpus = cpus;
  }
  // The bridge tfjs's own loader adds (backend_wasm.js, init()).
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  wasmPkg.setThreadsCount(threads);
  const stock = tf.engine().registryFactory.wasm;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => new wasmPkg.BackendWasm(module as never), stock?.priority ?? 2);
  if (!(await tf.setBackend('wasm'))) {
    tf.removeBackend('wasm');
    if (stock) tf.registerBackend('wasm', stock.factory, stock.priority);
    throw new Error('the threaded wasm backend did not initialise');
  }
  return wasmPkg.getThreadsCount();
}

/**
 * The two scripts as files, in a folder named by their content's hash under
 * the temporary directory: written once per tfjs version and reused by every
 * trainer after, so a trainer killed with SIGKILL leaves nothing new behind.
 * Each file is written to a private name and renamed into place, so trainers
 * starting together never read a half-written script. Where that folder
 * cannot be used (another user's), a private folder removed at exit.
 */
export function writeScripts(worker: string, main: string, base = os.tmpdir()): { workerJs: string; mainJs: string } {
  const hash = crypto.createHash('sha256').update(worker).update('\0').update(main).digest('hex').slice(0, 16);
  const put = (dir: string) => {
    const files = { workerJs: path.join(dir, 'worker.js'), mainJs: path.join(dir, 'main.js') };
    for (const [file, text] of [[files.workerJs, worker], [files.mainJs, main]]) {
      if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) continue;
      const part = `${file}.${process.pid}.part`;
      fs.writeFileSync(part, text);
      fs.renameSync(part, file);
    }
    return files;
  };
  try {
    const dir = path.join(base, `gan-wasm-threads-${hash}`);
    fs.mkdirSync(dir, { recursive: true });
    return put(dir);
  } catch {
    const dir = fs.mkdtempSync(path.join(base, 'gan-wasm-threads-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    return put(dir);
  }
}

