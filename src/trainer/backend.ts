/**
 * The one place that picks the tfjs backend. Order for 'auto': the native
 * GPU binding, the native CPU binding (both optional dependencies that may
 * be absent), then wasm, then the plain cpu backend. The reason for the
 * choice — what was tried and why it was passed over — goes to the dashboard.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../protocol/config';
import type { BackendInfo } from '../protocol/run';
import { installWasmMatMul } from './kernels/wasmMatMul';

type Name = BackendInfo['name'];

interface Attempt {
  name: Name;
  load(): Promise<void>;
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
    },
  };
}

const ATTEMPTS: Record<Exclude<Name, never>, Attempt> = {
  'tfjs-node-gpu': nativeAttempt('tfjs-node-gpu', '@tensorflow/tfjs-node-gpu'),
  'tfjs-node': nativeAttempt('tfjs-node', '@tensorflow/tfjs-node'),
  wasm: {
    name: 'wasm',
    async load() {
      try {
        require('@tensorflow/tfjs-backend-wasm');
      } catch (e) {
        throw new Error(describeLoadError('@tensorflow/tfjs-backend-wasm', e));
      }
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
      installWasmMatMul();
    },
  },
  cpu: {
    name: 'cpu',
    async load() {
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
    },
  },
};

const AUTO_ORDER: Name[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

export async function pickBackend(choice: BackendChoice): Promise<BackendInfo> {
  const order = choice === 'auto' ? AUTO_ORDER : [choice];
  const passed: string[] = [];
  for (const name of order) {
    try {
      await ATTEMPTS[name].load();
      await tf.ready();
      const why = choice === 'auto' ? (passed.length ? `auto: ${passed.join('; ')}` : 'auto: first choice') : 'forced by config/setting';
      return { name, reason: why };
    } catch (e) {
      passed.push((e as Error).message);
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${passed.join('; ')}`);
}
