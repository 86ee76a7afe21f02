/**
 * The convolutions of DCGAN's 64→128 layer (k5 s2 'same', 14×14 → 7×7; the
 * generator's 128→64 layer is the same three products transposed), each
 * run through the project's kernels two ways, alternating round by round:
 * XNNPACK (tfjs-backend-wasm's convolution, what the kernels used before)
 * and the indirect product of src/trainer/kernels/convGemm.ts (gemm.wat),
 * on the threaded wasm build with one thread per core; beside them PyTorch
 * doing the same three ops on the CPU (bench/reference/conv_ops.py, run
 * after each batch's rounds). Prints a table (median ms per call, GFLOP/s,
 * speed-ups) and writes bench/results/conv-gemm.md.
 *
 *   npx tsx bench/conv-gemm.ts [--batches 64,256] [--rounds 7] [--python python3]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { median } from '../src/doctor/detectors';
import { allowGemm } from '../src/trainer/kernels/convGemm';
import { installWasmConv } from '../src/trainer/kernels/wasmConv';
import { loadThreadedWasm, wasmThreadsWanted } from '../src/trainer/kernels/wasmThreads';
import { Rng } from '../src/trainer/rng';

const { values } = parseArgs({ options: { batches: { type: 'string', default: '64,256' }, rounds: { type: 'string', default: '7' }, python: { type: 'string', default: 'python3' } } });
const batches = values.batches.split(',').map(Number);
const rounds = Number(values.rounds);

type Kernel = 'Conv2D' | 'Conv2DBackpropInput' | 'Conv2DBackpropFilter';
const KERNELS: { kernel: Kernel; label: string; torch: string }[] = [
  { kernel: 'Conv2D', label: 'forward', torch: 'forward' },
  { kernel: 'Conv2DBackpropInput', label: 'input gradient (= G\'s conv2dTranspose forward)', torch: 'input_grad' },
  { kernel: 'Conv2DBackpropFilter', label: 'filter gradient', torch: 'filter_grad' },
];

/** PyTorch's median ms per op at this batch, or why there is none. */
function torchTimes(batch: number): Record<string, number> | string {
  const r = spawnSync(values.python, ['bench/reference/conv_ops.py', '--batch', String(batch), '--rounds', String(rounds)], { encoding: 'utf8', timeout: 600_000 });
  const line = (r.stdout ?? '').trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) return `PyTorch failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-1)[0]}`;
  return JSON.parse(line) as Record<string, number>;
}

function timeOne(kernel: Kernel, x: tf.Tensor4D, f: tf.Tensor4D, dy: tf.Tensor4D): number {
  const attrs = { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] } as unknown as tf.NamedAttrMap;
  const t0 = performance.now();
  const out =
    kernel === 'Conv2D'
      ? tf.engine().runKernel(kernel, { x, filter: f }, attrs)
      : kernel === 'Conv2DBackpropInput'
        ? tf.engine().runKernel(kernel, { dy, filter: f }, { ...attrs, inputShape: x.shape })
        : tf.engine().runKernel(kernel, { x, dy }, { ...attrs, filterShape: f.shape });
  (out as tf.Tensor).dataSync();
  const ms = performance.now() - t0;
  (out as tf.Tensor).dispose();
  return ms;
}

async function main(): Promise<void> {
  const threads = await loadThreadedWasm(wasmThreadsWanted(true));
  installWasmConv();
  const rng = new Rng(3);
  const rows: string[] = [];
  const header = '| batch | convolution | XNNPACK ms | indirect product ms | PyTorch ms | GFLOP/s (XNNPACK → product; PyTorch) | product ÷ XNNPACK speed | product ÷ PyTorch speed |';
  const sep = '|---|---|---|---|---|---|---|---|';
  let torchNote = '';
  console.log(header + '\n' + sep);
  for (const n of batches) {
    const rand = (s: [number, number, number, number]) => tf.tensor4d(Float32Array.from({ length: s.reduce((p, v) => p * v, 1) }, () => rng.normal()), s);
    const x = rand([n, 14, 14, 64]);
    const f = rand([5, 5, 64, 128]);
    const dy = rand([n, 7, 7, 128]);
    const gflop = (2 * n * 49 * 25 * 64 * 128) / 1e9;
    const ours: Record<string, [number, number]> = {};
    for (const { kernel } of KERNELS) {
      const times: Record<'xnn' | 'gemm', number[]> = { xnn: [], gemm: [] };
      for (let r = -1; r < rounds; r++) {
        for (const way of ['xnn', 'gemm'] as const) {
          allowGemm(way === 'gemm');
          const ms = timeOne(kernel, x, f, dy);
          if (r >= 0) times[way].push(ms); // round −1 warms both up
        }
      }
      ours[kernel] = [median(times.xnn), median(times.gemm)];
    }
    const torch = torchTimes(n);
    if (typeof torch === 'string') torchNote = torch;
    else torchNote = `PyTorch ${String(torch.torch)} on ${torch.threads} threads.`;
    for (const { kernel, label, torch: key } of KERNELS) {
      const [a, b] = ours[kernel];
      const t = typeof torch === 'string' ? NaN : torch[key];
      const num = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '–');
      const row = `| ${n} | ${label} | ${num(a)} | ${num(b)} | ${num(t)} | ${num((gflop / a) * 1e3, 0)} → ${num((gflop / b) * 1e3, 0)}; ${num((gflop / t) * 1e3, 0)} | ${num(a / b, 2)}× | ${num(t / b, 2)}× |`;
      console.log(row);
      rows.push(row);
    }
    tf.dispose([x, f, dy]);
  }
  allowGemm(true);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const text = [
    '# Convolutions of DCGAN\'s 64→128 layer: XNNPACK against the indirect product',
    '',
    `${new Date().toISOString().slice(0, 10)}, ${cpu}, ${os.availableParallelism()} cores, Node ${process.version}, tfjs ${tf.version.tfjs}, threaded wasm with ${threads} threads; median of ${rounds} alternating rounds (\`npx tsx bench/conv-gemm.ts ${process.argv.slice(2).join(' ')}\`). ${torchNote}`,
    '',
    header,
    sep,
    ...rows,
    '',
  ].join('\n');
  fs.writeFileSync('bench/results/conv-gemm.md', text);
  process.exit(0); // the pool's pthreads would keep the process alive
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
