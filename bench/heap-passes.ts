/**
 * What the heap passes (src/trainer/kernels/simd/) gain, op by op, on the
 * shapes of a DCGAN 28×28 step at batch 256: each op as tfjs ops (what the
 * trainer ran before its own kernels, and still runs under a second gradient
 * tape), as the project's fused kernel with its loops in JS, and the same
 * kernel with its loops in wasm SIMD on tfjs's heap. Alternating round by
 * round; median milliseconds per call. The wasm backend is the trainer's own
 * (threaded build, project kernels); the passes themselves run on one thread.
 * Prints a table and writes bench/results/heap-passes.md.
 *
 *   npx tsx bench/heap-passes.ts [--batch 256] [--rounds 9]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { pickBackend } from '../src/trainer/backend';
import { batchNorm, leakyRelu } from '../src/trainer/userApi';
import { FusedAdamOptimizer } from '../src/trainer/kernels/fusedOptimizers';
import { allowSimdPasses } from '../src/trainer/kernels/simd/heapPasses';
import { Rng } from '../src/trainer/rng';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '256' }, rounds: { type: 'string', default: '9' } } });
const batch = Number(values.batch);
const rounds = Number(values.rounds);

type Variant = 'ops' | 'js' | 'simd';
interface Row {
  label: string;
  /** One call of the op in a variant; everything it makes is disposed before it returns. */
  run: (v: Variant) => void;
  variants: Variant[];
}

const rng = new Rng(1);
const random = (shape: number[], scale = 1, offset = 0) => tf.tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => offset + scale * rng.normal()), shape);

/** tfjs ops: batch norm as imageLayers.batchNorm writes it where the fused kernels may not run. */
const opsBatchNorm = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.add(tf.mul(g, tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5)))), b);
};
const opsLeakyRelu = (x: tf.Tensor) => tf.add(tf.mul(0.2, x), tf.mul(0.8, tf.relu(x)));

function rows(): Row[] {
  const act = [batch, 14, 14, 64];
  const x = random(act, 3, 0.5);
  const dy = random(act);
  const gamma = random([64], 0.5, 1);
  const beta = random([64]);
  const layer = batchNorm(64, 'bench/bn');
  const lrelu = leakyRelu(0.2);
  // The template DCGAN's variables (G and D, depth 2, hidden 64, z 64), about 0.85 M floats.
  const shapes = [[64, 6272], [128], [128], [5, 5, 64, 128], [64], [64], [5, 5, 1, 64], [1], [5, 5, 1, 64], [64], [5, 5, 64, 128], [128], [128], [128], [6272, 1], [1]];
  const vars = shapes.map((s, i) => tf.variable(random(s, 0.02), true, `bench/v${i}`));
  const grads = vars.map((v) => ({ name: v.name, tensor: random(v.shape, 0.01) }));
  const optimizers = { ops: tf.train.adam(2e-4, 0.5, 0.999), js: new FusedAdamOptimizer(2e-4, 0.5, 0.999), simd: new FusedAdamOptimizer(2e-4, 0.5, 0.999) };
  return [
    {
      label: `batch norm [${act}], forward and its three gradients`,
      variants: ['ops', 'js', 'simd'],
      run: (v) =>
        tf.dispose(
          tf.tidy(() =>
            tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => (v === 'ops' ? opsBatchNorm(a, g, b) : layer.call(a, [g, b])))([x, gamma, beta], dy),
          ),
        ),
    },
    {
      // Without SIMD the activations keep the ops (wasmActivations.ts: as JS loops the kernels were slower than the ops).
      label: `LeakyReLU(0.2) [${act}], forward and gradient`,
      variants: ['ops', 'simd'],
      run: (v) => tf.dispose(tf.tidy(() => tf.grads((a: tf.Tensor) => (v === 'ops' ? opsLeakyRelu(a) : lrelu(a as tf.Tensor2D)))([x], dy))),
    },
    {
      label: `column sums over N, H, W of [${act}] (a bias or β gradient)`,
      variants: ['ops', 'js', 'simd'],
      // tfjs's own Sum over leading axes transposes them to the end first, then sums rows.
      run: (v) => tf.dispose(tf.tidy(() => (v === 'ops' ? tf.sum(tf.transpose(x, [3, 0, 1, 2]), [1, 2, 3]) : tf.sum(x, [0, 1, 2])))),
    },
    {
      label: `Adam update of a DCGAN's ${vars.length} variables (${(vars.reduce((p, t) => p + t.size, 0) / 1e6).toFixed(2)} M floats)`,
      variants: ['ops', 'js', 'simd'],
      run: (v) => optimizers[v].applyGradients(grads),
    },
  ];
}

(async () => {
  const chosen = await pickBackend('wasm', { imageData: true });
  const out: string[] = [];
  const say = (line = '') => {
    console.log(line);
    out.push(line);
  };
  say('# Heap passes: tfjs ops, the fused kernels with JS loops, and with wasm SIMD');
  say();
  say(`${new Date().toISOString().slice(0, 10)} · ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}) · Node ${process.version} · tfjs ${tf.version.tfjs} · backend wasm (${chosen.reason}) · ${rounds} rounds, alternating · \`npx tsx bench/heap-passes.ts --batch ${batch} --rounds ${rounds}\``);
  say();
  say('Median milliseconds per call (ranges in brackets). "ops": tfjs ops, as the trainer runs them under a second gradient tape; "JS": the project\'s fused kernel with its loops in JS over the heap (what runs where the SIMD module cannot; the activations then keep the ops); "SIMD": the same kernel with its loops in wasm SIMD (src/trainer/kernels/simd/heapPasses.wat).');
  say();
  say('| op | ops | JS | SIMD | SIMD ÷ JS | SIMD ÷ ops |');
  say('|---|---|---|---|---|---|');
  for (const row of rows()) {
    const times: Record<Variant, number[]> = { ops: [], js: [], simd: [] };
    const call = (v: Variant) => {
      allowSimdPasses(v === 'simd');
      const t0 = performance.now();
      row.run(v);
      times[v].push(performance.now() - t0);
    };
    for (const v of row.variants) call(v); // warm-up: compile, allocate
    for (const v of Object.keys(times) as Variant[]) times[v].length = 0;
    for (let r = 0; r < rounds; r++) for (const v of row.variants) call(v);
    allowSimdPasses(true);
    const med = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];
    const cell = (v: Variant) => (times[v].length ? `${med(times[v]).toFixed(2)} (${Math.min(...times[v]).toFixed(2)}–${Math.max(...times[v]).toFixed(2)})` : 'ops (not used)');
    const ratio = (a: Variant, b: Variant) => (times[a].length && times[b].length ? `${(med(times[a]) / med(times[b])).toFixed(2)}×` : '');
    say(`| ${row.label} | ${cell('ops')} | ${cell('js')} | ${cell('simd')} | ${ratio('simd', 'js')} | ${ratio('simd', 'ops')} |`);
  }
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync('bench/results/heap-passes.md', out.join('\n') + '\n');
  process.exit(0);
})();
