/**
 * GAN: Install Native Backend, the part that knows no vscode: run npm in
 * the extension's own folder to add @tensorflow/tfjs-node(-gpu), stream its
 * output as progress, and turn the outcome into one sentence a user can act
 * on. The packages must go next to the trainer's own @tensorflow/tfjs (the
 * extension's node_modules): a binding installed anywhere else would
 * register its backend with another copy of tfjs-core, which the trainer
 * never sees. Their install step downloads libtensorflow from outside the
 * npm registry, which is what fails on machines without general internet
 * access.
 */
import { spawn } from 'node:child_process';

export const NATIVE_PACKAGES = {
  'tfjs-node-gpu': { pkg: '@tensorflow/tfjs-node-gpu', label: 'GPU (NVIDIA, CUDA 11.2 + cuDNN 8.1): @tensorflow/tfjs-node-gpu' },
  'tfjs-node': { pkg: '@tensorflow/tfjs-node', label: 'CPU, native TensorFlow: @tensorflow/tfjs-node' },
} as const;
export type NativeBackend = keyof typeof NATIVE_PACKAGES;

/** The tfjs version the trainer runs: a binding of another version would bring its own tfjs-core. */
export const TFJS_VERSION = '4.22.0';

export function npmArgs(backend: NativeBackend): string[] {
  // --no-save: package.json and its lock stay as shipped; the binding is an optional extra.
  return ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel', 'http', `${NATIVE_PACKAGES[backend].pkg}@${TFJS_VERSION}`];
}

/** The command that does the same by hand. */
export function manualInstall(backend: NativeBackend, cwd: string): string {
  return `cd "${cwd}" && npm ${npmArgs(backend).join(' ')}`;
}

export type InstallOutcome =
  | { ok: true; message: string }
  | { ok: false; reason: 'no-npm' | 'not-writable' | 'download' | 'network' | 'cancelled' | 'failed'; message: string };

/** What went wrong, from npm's exit code and the tail of its output. */
export function classifyInstall(backend: NativeBackend, code: number | null, output: string, cwd: string): InstallOutcome {
  const pkg = NATIVE_PACKAGES[backend].pkg;
  const manual = `To install it by hand: ${manualInstall(backend, cwd)}`;
  if (code === 0) return { ok: true, message: `${pkg} ${TFJS_VERSION} is installed. Runs started from now on use it when the backend is 'auto' (or '${backend}').` };
  if (/EACCES|EPERM|EROFS|permission denied/i.test(output)) {
    return { ok: false, reason: 'not-writable', message: `${pkg} was not installed: the extension's folder is not writable (${cwd}). ${manual}, with the rights to write there.` };
  }
  // tfjs-node's install script fetches libtensorflow itself, from outside the npm registry.
  if (/libtensorflow|install-deps|deps-stage|Downloading libtensorflow/i.test(output) && /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|getaddrinfo|download|403|404/i.test(output)) {
    return { ok: false, reason: 'download', message: `${pkg} was not installed: its install step could not download libtensorflow (it comes from outside the npm registry, which this machine cannot reach). Training goes on with WebGPU or wasm. ${manual}, on a machine with internet access.` };
  }
  if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|getaddrinfo|network/i.test(output)) {
    return { ok: false, reason: 'network', message: `${pkg} was not installed: npm could not reach its registry. ${manual}` };
  }
  const last = output.trim().split('\n').filter((l) => /ERR!|error/i.test(l)).slice(-2).join(' ').trim();
  return { ok: false, reason: 'failed', message: `${pkg} was not installed (npm exited with ${code ?? 'a signal'}${last ? `: ${last}` : ''}). ${manual}` };
}

export interface InstallRun {
  /** npm's executable (or a stand-in in tests) and the folder to install in. */
  npm: string;
  cwd: string;
  backend: NativeBackend;
  /** Each line npm prints, as it comes. */
  onLine?(line: string): void;
  /** Aborts the install (the Cancel button). */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export function installNative(r: InstallRun): Promise<InstallOutcome> {
  return new Promise((resolve) => {
    let output = '';
    let pending = '';
    const child = spawn(r.npm, npmArgs(r.backend), { cwd: r.cwd, env: r.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], signal: r.signal });
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-64 * 1024); // the tail is what classifies; a chatty install must not grow without bound
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) r.onLine?.(l.trim());
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.name === 'AbortError') resolve({ ok: false, reason: 'cancelled', message: `Installing ${NATIVE_PACKAGES[r.backend].pkg} was cancelled.` });
      else if (e.code === 'ENOENT') resolve({ ok: false, reason: 'no-npm', message: `npm was not found (${r.npm}): install Node.js with npm, then run GAN: Install Native Backend again, or: ${manualInstall(r.backend, r.cwd)}` });
      else resolve({ ok: false, reason: 'failed', message: `npm could not start: ${e.message}` });
    });
    child.on('close', (code) => {
      if (r.signal?.aborted) return; // reported by 'error'
      if (pending.trim()) r.onLine?.(pending.trim());
      resolve(classifyInstall(r.backend, code, output, r.cwd));
    });
  });
}
