/**
 * What the convolution kernels of a DCGAN 28×28 step cost, op by op, at
 * batch 64: stock tfjs-backend-wasm (no Conv2DBackpropFilter at all, a naive
 * loop for Conv2DBackpropInput), wasm with the project's re-registered
 * kernels (src/trainer/kernels/wasmConv.ts), and the plain cpu backend.
 * Kernels are run directly (tf.engine().runKernel), so each figure is one
 * op, not a training step. Stock wasm is measured before installWasmConv,
 * which cannot be undone in-process. Prints a table and writes
 * bench/results/conv-kernels.md.
 *
 *   npx tsx bench/conv-kernels.ts [--batch 64] [--runs 7] [--cpu-limit 20]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmConv } from '../src/trainer/kernels/wasmConv';
import { Rng } from '../src/trainer/rng';

const { values } = parseArgs({
  options: {
    batch: { type: 'string', default: '64' },
    runs: { type: 'string', default: '7' },
    // A cpu op whose one run is estimated (from batch 4) above this many seconds is skipped.
    'cpu-limit': { type: 'string', default: '20' },
  },
});
const batch = Number(values.batch);
const runs = Number(values.runs);
const cpuLimitS = Number(values['cpu-limit']);
/** Past this much time on one op, stop at the runs already done (stock wasm is slow). */
const OP_BUDGET_MS = 30_000;

type Shape4 = [number, number, number, number];

interface Op {
  label: string;
  kernel: 'Conv2D' | 'Conv2DBackpropInput' | 'Conv2DBackpropFilter';
  /** The forward convolution the op belongs to: x [N,H,W,Ci], filter [KH,KW,Ci,Co]. */
  x: Shape4;
  filter: Shape4;
}

// k5 s2 'same' throughout. D: 28→14 (1→64), 14→7 (64→128). G's conv2dTranspose
// 7→14 (128→64) and 14→28 (64→1) are Conv2DBackpropInput of the convolution
// that maps the larger image to the smaller.
const ops = (n: number): Op[] => [
  { label: 'D conv 1→64, 28×28→14×14: forward (reference)', kernel: 'Conv2D', x: [n, 28, 28, 1], filter: [5, 5, 1, 64] },
  { label: 'D conv 1→64, 28×28→14×14: input gradient', kernel: 'Conv2DBackpropInput', x: [n, 28, 28, 1], filter: [5, 5, 1, 64] },
  { label: 'D conv 1→64, 28×28→14×14: filter gradient', kernel: 'Conv2DBackpropFilter', x: [n, 28, 28, 1], filter: [5, 5, 1, 64] },
  { label: 'D conv 64→128, 14×14→7×7: forward (reference)', kernel: 'Conv2D', x: [n, 14, 14, 64], filter: [5, 5, 64, 128] },
  { label: 'D conv 64→128, 14×14→7×7: input gradient', kernel: 'Conv2DBackpropInput', x: [n, 14, 14, 64], filter: [5, 5, 64, 128] },
  { label: 'D conv 64→128, 14×14→7×7: filter gradient', kernel: 'Conv2DBackpropFilter', x: [n, 14, 14, 64], filter: [5, 5, 64, 128] },
  { label: 'G conv2dTranspose 128→64, 7×7→14×14: forward', kernel: 'Conv2DBackpropInput', x: [n, 14, 14, 64], filter: [5, 5, 64, 128] },
  { label: 'G conv2dTranspose 64→1, 14×14→28×28: forward', kernel: 'Conv2DBackpropInput', x: [n, 28, 28, 1], filter: [5, 5, 1, 64] },
];

const STRIDES: [number, number] = [2, 2];
const PAD = 'same';

function randomTensor(shape: number[], rng: Rng): tf.Tensor {
  const n = shape.reduce((p, v) => p * v, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

/** One call of the op on the current backend, in ms (inputs made beforehand). */
function timeOnce(op: Op, inputs: { x: tf.Tensor; filter: tf.Tensor; dy: tf.Tensor }): number {
  const attrs = { strides: STRIDES, pad: PAD, dataFormat: 'NHWC', dilations: 1 };
  const t0 = performance.now();
  const out =
    op.kernel === 'Conv2D'
      ? tf.engine().runKernel('Conv2D', { x: inputs.x, filter: inputs.filter }, attrs)
      : op.kernel === 'Conv2DBackpropInput'
        ? tf.engine().runKernel('Conv2DBackpropInput', { dy: inputs.dy, filter: inputs.filter }, { ...attrs, inputShape: op.x })
        : tf.engine().runKernel('Conv2DBackpropFilter', { x: inputs.x, dy: inputs.dy }, { ...attrs, filterShape: op.filter });
  (out as tf.Tensor).dataSync();
  const ms = performance.now() - t0;
  (out as tf.Tensor).dispose();
  return ms;
}

function makeInputs(op: Op, rng: Rng) {
  const info = tf.backend_util.computeConv2DInfo(op.x, op.filter, STRIDES, 1, PAD);
  return { x: randomTensor(op.x, rng), filter: randomTensor(op.filter, rng), dy: randomTensor(info.outShape, rng) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median ms over `runs` calls after two warm-up calls, or a reason it has no figure. */
function measure(op: Op, rng: Rng): string {
  const inputs = makeInputs(op, rng);
  try {
    const first = timeOnce(op, inputs); // warm-up (also: does the kernel exist?)
    const times: number[] = [];
    let spent = first;
    if (first < OP_BUDGET_MS / 4) spent += timeOnce(op, inputs);
    while (times.length < runs && (times.length === 0 || spent < OP_BUDGET_MS)) {
      const ms = timeOnce(op, inputs);
      times.push(ms);
      spent += ms;
    }
    return `${fmt(median(times))}${times.length < runs ? ` (${times.length} runs)` : ''}`;
  } catch (e) {
    if (/not registered/i.test(String(e))) return 'missing';
    throw e;
  } finally {
    tf.dispose(inputs);
  }
}

/** cpu: one run, unless its batch-4 run says one run would exceed the limit. */
function measureCpu(op: Op, rng: Rng): string {
  const small: Op = { ...op, x: [4, op.x[1], op.x[2], op.x[3]] };
  const smallInputs = makeInputs(small, rng);
  const estimateS = (timeOnce(small, smallInputs) * (op.x[0] / 4)) / 1000;
  tf.dispose(smallInputs);
  if (estimateS > cpuLimitS) return `skipped (≈ ${Math.round(estimateS)} s)`;
  const inputs = makeInputs(op, rng);
  const ms = timeOnce(op, inputs);
  tf.dispose(inputs);
  return `${fmt(ms)} (1 run)`;
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

async function main(): Promise<void> {
  const list = ops(batch);
  const rows = list.map((op) => ({ op, stock: '', ours: '', cpu: '' }));

  await tf.setBackend('wasm');
  for (const r of rows) {
    r.stock = measure(r.op, new Rng(1));
    console.error(`stock wasm  ${r.op.label}: ${r.stock}`);
  }
  installWasmConv();
  for (const r of rows) {
    r.ours = measure(r.op, new Rng(1));
    console.error(`wasm + installWasmConv  ${r.op.label}: ${r.ours}`);
  }
  await tf.setBackend('cpu');
  for (const r of rows) {
    r.cpu = measureCpu(r.op, new Rng(1));
    console.error(`cpu  ${r.op.label}: ${r.cpu}`);
  }

  const speedup = (a: string, b: string) => {
    const x = parseFloat(a);
    const y = parseFloat(b);
    return Number.isFinite(x) && Number.isFinite(y) ? `${(x / y).toFixed(1)}×` : '–';
  };
  const table = [
    '| op (k5 s2 \'same\', batch ' + batch + ') | stock wasm (ms) | wasm + installWasmConv (ms) | cpu (ms) | stock ÷ new |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.op.label} | ${r.stock} | ${r.ours} | ${r.cpu} | ${speedup(r.stock, r.ours)} |`),
  ].join('\n');

  const header =
    `${new Date().toISOString().slice(0, 10)} · ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? '?'}) · Node ${process.version} · ` +
    `load average ${os.loadavg()[0].toFixed(1)} at the end · \`${['npx tsx bench/conv-kernels.ts', ...process.argv.slice(2)].join(' ')}\``;
  const md =
    `# Convolution kernels on wasm: DCGAN 28×28 shapes\n\n${header}\n\n` +
    `Milliseconds per op (one kernel call, output read back): the median of ${runs} runs after 2 warm-up runs ` +
    `(fewer where an op takes over ${OP_BUDGET_MS / 1000} s in all; the count is then given); cpu is one run. ` +
    `"missing": the kernel is not registered (the op throws). The wasm backend is single-threaded SIMD; ` +
    `the new kernels are \`src/trainer/kernels/wasmConv.ts\`. The input gradient of a convolution and the forward ` +
    `pass of conv2dTranspose are the same kernel (Conv2DBackpropInput); the forward convolution is there for scale.\n\n` +
    `${table}\n`;
  console.log(md);
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync('bench/results/conv-kernels.md', md);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
