/**
 * Pooled uploads for tfjs's WebGPU backend (4.22). Its uploadToGPU writes a
 * tensor's values through a buffer mapped at creation; when a free buffer of
 * the size exists it is unmapped, so every such upload creates a new staging
 * buffer (never reused) and copies through it: about 145 uploads a DCGAN
 * step cost 82–128 ms on an H100 (shared/notes/tfjs-backends.md). Writing
 * with queue.writeBuffer into a pooled buffer instead needs no staging
 * buffer and no mapping; the notes measured 2.7× on the DCGAN step.
 *
 * Ordering: queue.writeBuffer runs on the queue at once, before the
 * backend's not-yet-submitted command encoder. That is safe because the
 * buffer comes from the backend's free pool, and tfjs keeps a buffer out of
 * that pool while commands not yet submitted use it (tensorDataPendingDisposal);
 * the commands that read the new values are recorded later, so they run after.
 */

/** The parts of tfjs-backend-webgpu's WebGPUBackend this touches. */
export interface WebGPUBackendLike {
  tensorMap: { get(dataId: object): TensorDataLike | undefined };
  bufferManager: { acquireBuffer(size: number, usage: number, mappedAtCreation?: boolean, reuse?: boolean): unknown };
  queue: { writeBuffer(buffer: unknown, offset: number, data: ArrayBufferLike, dataOffset?: number, size?: number): void };
  uploadToGPU(dataId: object): void;
}

interface TensorDataLike {
  dtype: string;
  shape: number[];
  values: ArrayLike<number> | null;
  resource: unknown;
}

/** GPUBufferUsage's flags (numbers fixed by the WebGPU spec), so this needs no GPU globals to be tested. */
export const STORAGE_COPY_SRC_DST = 0x0080 | 0x0004 | 0x0008;

const PATCHED = Symbol.for('gan-workbench.pooledUploads');

/** Replace uploadToGPU on the backend's class (once); returns false when it was already done. */
export function installPooledUploads(backend: WebGPUBackendLike): boolean {
  const proto = Object.getPrototypeOf(backend) as WebGPUBackendLike & { [PATCHED]?: boolean };
  if (proto[PATCHED]) return false;
  const stock = proto.uploadToGPU;
  proto.uploadToGPU = function (this: WebGPUBackendLike, dataId: object): void {
    const td = this.tensorMap.get(dataId);
    // Already on the GPU, nothing to upload (an output buffer), or a dtype the fast path does not know: tfjs's own path.
    if (!td || td.resource != null || td.values == null || !['float32', 'int32', 'bool'].includes(td.dtype)) return stock.call(this, dataId);
    const count = td.shape.reduce((a, b) => a * b, 1);
    if (count === 0) return stock.call(this, dataId);
    // The GPU holds float32 as float32, int32 and bool as int32 (as tfjs's own upload converts them).
    const typed = td.dtype === 'float32' ? asFloat32(td.values) : asInt32(td.values);
    const buffer = this.bufferManager.acquireBuffer(4 * count, STORAGE_COPY_SRC_DST);
    this.queue.writeBuffer(buffer, 0, typed.buffer, typed.byteOffset, 4 * count);
    td.values = null;
    td.resource = buffer;
  };
  proto[PATCHED] = true;
  return true;
}

function asFloat32(v: ArrayLike<number>): Float32Array {
  return v instanceof Float32Array ? v : Float32Array.from(v);
}

function asInt32(v: ArrayLike<number>): Int32Array {
  return v instanceof Int32Array ? v : Int32Array.from(v);
}
