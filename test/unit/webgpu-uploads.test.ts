/**
 * The WebGPU upload pool (src/trainer/kernels/webgpuUploads.ts) on a stand-in
 * backend with tfjs's WebGPUBackend shape: values go through
 * queue.writeBuffer into a buffer from the pool (never a mapped staging
 * buffer), converted as tfjs converts them, and everything else keeps
 * tfjs's own path. The real backend is exercised on the GPU machine (bench/backends.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installPooledUploads, STORAGE_COPY_SRC_DST, type WebGPUBackendLike } from '../../src/trainer/kernels/webgpuUploads';

interface Data {
  dtype: string;
  shape: number[];
  values: ArrayLike<number> | null;
  resource: unknown;
}

function standIn() {
  const log: string[] = [];
  const writes: { buffer: unknown; bytes: Uint8Array }[] = [];
  const acquired: { size: number; usage: number; mapped?: boolean }[] = [];
  class FakeBackend implements WebGPUBackendLike {
    tensorMap = new Map<object, Data>();
    bufferManager = {
      acquireBuffer: (size: number, usage: number, mappedAtCreation?: boolean) => {
        acquired.push({ size, usage, mapped: mappedAtCreation });
        return { id: acquired.length, size };
      },
    };
    queue = {
      writeBuffer: (buffer: unknown, offset: number, data: ArrayBufferLike, dataOffset = 0, size?: number) => {
        assert.equal(offset, 0);
        writes.push({ buffer, bytes: new Uint8Array(data.slice(dataOffset, dataOffset + (size ?? data.byteLength - dataOffset))) });
      },
    };
    uploadToGPU(dataId: object): void {
      log.push(`stock ${this.tensorMap.get(dataId)!.dtype}`);
    }
  }
  return { backend: new FakeBackend(), FakeBackend, log, writes, acquired };
}

test('float32, int32 and bool values are written into a pooled buffer with queue.writeBuffer', () => {
  const { backend, writes, acquired, log } = standIn();
  assert.equal(installPooledUploads(backend), true);
  const cases: [string, ArrayLike<number>, ArrayLike<number>][] = [
    ['float32', Float32Array.from([1.5, -2, 3]), Float32Array.from([1.5, -2, 3])],
    ['float32', [0.25, 4], Float32Array.from([0.25, 4])],
    ['int32', Int32Array.from([7, -1]), Int32Array.from([7, -1])],
    ['bool', Uint8Array.from([1, 0, 1, 1]), Int32Array.from([1, 0, 1, 1])],
  ];
  for (const [dtype, values, expected] of cases) {
    const id = {};
    const td: Data = { dtype, shape: [values.length], values, resource: null };
    backend.tensorMap.set(id, td);
    backend.uploadToGPU(id);
    const w = writes[writes.length - 1];
    const want = new Uint8Array((expected as Float32Array | Int32Array).buffer.slice(0));
    assert.deepEqual(w.bytes, want, `${dtype}: the bytes the GPU gets`);
    assert.equal(td.values, null, 'values are dropped on the CPU side once uploaded');
    assert.equal(td.resource, w.buffer, 'the tensor owns the written buffer');
    const a = acquired[acquired.length - 1];
    assert.deepEqual(a, { size: 4 * values.length, usage: STORAGE_COPY_SRC_DST, mapped: undefined }, 'a pooled, unmapped buffer');
  }
  assert.deepEqual(log, [], 'no upload went through the staging path');
});

test('tensors without values, already uploaded, empty or of other dtypes keep tfjs\'s own path; patched once per class', () => {
  const { backend, FakeBackend, writes, log } = standIn();
  installPooledUploads(backend);
  assert.equal(installPooledUploads(new FakeBackend()), false, 'the class is patched once');
  const put = (td: Data) => {
    const id = {};
    backend.tensorMap.set(id, td);
    backend.uploadToGPU(id);
  };
  put({ dtype: 'float32', shape: [2], values: null, resource: null });
  put({ dtype: 'float32', shape: [2], values: [1, 2], resource: { already: true } });
  put({ dtype: 'complex64', shape: [1], values: [1, 2], resource: null });
  put({ dtype: 'float32', shape: [0], values: new Float32Array(0), resource: null });
  assert.deepEqual(log, ['stock float32', 'stock float32', 'stock complex64', 'stock float32']);
  assert.equal(writes.length, 0);
});
