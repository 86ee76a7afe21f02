/**
 * Training speed of the trainer's backends side by side with a PyTorch
 * reference doing the same work, alternating round by round so both see the
 * same machine state: generator steps per second (one D update + one G
 * update, statistics read back every step).
 *   --model mlp    the MLP GAN on 8 Gaussians (templates/toy/model.ts; bench/reference/mlp_gan.py)
 *   --model dcgan  the DCGAN on MNIST 28×28 (templates/image/model.ts, depth 2; bench/reference/dcgan.py),
 *                  non-saturating loss, or with --variant wgan-gp the WGAN-GP critic with its
 *                  penalty (one critic update per generator update, so the rows compare like for like)
 * Each backend runs in a child process of its own (a backend is
 * process-wide state in tfjs). On webgpu the run's gradient self-check
 * runs first and its result is reported.
 *
 * --backends takes trainer backends by name, and webgpu-stock: WebGPU with tfjs's own uploads (the
 * trainer pools them, src/trainer/kernels/webgpuUploads.ts), to show what pooling gains; and
 * wasm-1thread: the single-thread wasm build (the trainer runs image models on one thread per
 * core, src/trainer/kernels/wasmThreads.ts), to show what the threads gain.
 *
 *   npx tsx bench/backends.ts [--model mlp|dcgan] [--variant gan-ns|wgan-gp] [--backends webgpu,wasm] [--torch cpu,cuda] [--rounds 3] [--steps 200] [--batch 256] [--out FILE]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { median as medianOf } from '../src/doctor/detectors';
import { resolveConfig, type BackendChoice } from '../src/protocol/config';
import { pickBackend } from '../src/trainer/backend';
import { compileAndLoad } from '../src/trainer/compile';
import { mnistDataDir } from '../src/trainer/data/mnist';
import { webgpuTrainer } from '../src/trainer/gpuSelfCheck';
import { GanTrainer } from '../src/trainer/loop';

const { values: a } = parseArgs({
  options: {
    one: { type: 'string' },
    model: { type: 'string', default: 'mlp' },
    variant: { type: 'string', default: 'gan-ns' },
    backends: { type: 'string', default: 'wasm' },
    torch: { type: 'string', default: 'cpu' },
    python: { type: 'string', default: 'python3' },
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '20' },
    batch: { type: 'string', default: '256' },
    hidden: { type: 'string', default: '128' },
    depth: { type: 'string', default: '3' },
    template: { type: 'string' },
    latent: { type: 'string' },
    out: { type: 'string' },
  },
});

interface Result {
  label: string;
  stepsPerSec: number;
  detail: string;
}

const dcgan = a.model === 'dcgan';
if (a.model !== 'mlp' && !dcgan) throw new Error(`--model must be mlp or dcgan, not ${a.model}`);
a.template ??= dcgan ? 'templates/image/model.ts' : 'templates/toy/model.ts';
if (dcgan && a.hidden === '128') a.hidden = '64'; // the DCGAN paper's width at the image end
if (dcgan && a.depth === '3') a.depth = '2'; // 28 = 7 · 2²
a.latent ??= dcgan ? '64' : '2';

/** The config both sides train: the same networks, loss, optimizer and batch as the reference script. */
function benchConfig(backend: BackendChoice) {
  const wgan = a.variant === 'wgan-gp';
  return {
    name: 'bench',
    variant: dcgan ? a.variant : 'gan-ns',
    data: dcgan ? { kind: 'mnist' } : { name: '8gaussians' },
    model: { hidden: Number(a.hidden), depth: Number(a.depth), latentDim: Number(a.latent) },
    training: {
      batchSize: Number(a.batch),
      seed: 1,
      nCritic: 1,
      ...(dcgan ? (wgan ? { lrD: 1e-4, lrG: 1e-4, beta1: 0, beta2: 0.9 } : { lrD: 2e-4, lrG: 2e-4, beta1: 0.5 }) : { lrD: 1e-3, lrG: 1e-3, beta1: 0.5 }),
    },
    logging: { evalSamples: 256 },
    backend,
  };
}

/** Child: train `steps` generator steps on one backend after `warmup`, print one JSON line. */
async function one(requested: string): Promise<void> {
  // 'webgpu-stock': WebGPU with tfjs's own uploads instead of the trainer's pooled ones (kernels/webgpuUploads.ts).
  const stock = requested === 'webgpu-stock';
  if (stock) process.env.GAN_WEBGPU_UPLOADS = 'stock';
  // 'wasm-1thread': the stock single-thread wasm build, where the trainer runs image models on one thread per core.
  const oneThread = requested === 'wasm-1thread';
  if (oneThread) process.env.GAN_WASM_THREADS = '1';
  const backend = (stock ? 'webgpu' : oneThread ? 'wasm' : requested) as BackendChoice;
  const info = await pickBackend(backend, { imageData: dcgan });
  const cfg = resolveConfig(benchConfig(backend));
  const builders = await compileAndLoad(a.template!);
  let detail = info.reason;
  let trainer: GanTrainer;
  if (info.name === 'webgpu') {
    const t0 = performance.now();
    const r = await webgpuTrainer(cfg, builders);
    trainer = r.trainer;
    detail = `${info.reason}; self-check ${(100 * r.check.relError).toPrecision(2)} % (worst ${r.check.worst}) in ${Math.round(performance.now() - t0)} ms`;
  } else trainer = new GanTrainer(cfg, builders);
  let s = 0;
  for (; s < Number(a.warmup); s++) await trainer.step(s);
  const t0 = performance.now();
  for (const end = s + Number(a.steps); s < end; s++) await trainer.step(s);
  const stepsPerSec = Number(a.steps) / ((performance.now() - t0) / 1000);
  trainer.dispose();
  process.stdout.write(JSON.stringify({ label: `trainer, ${info.name}${stock ? ' (stock uploads)' : ''}${oneThread ? ' (1 thread)' : ''}`, stepsPerSec, detail }) + '\n');
  process.exit(0); // a WebGPU device keeps Node alive
}

function lastJson(out: string): Record<string, unknown> | undefined {
  const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  return line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
}

function runChild(backend: string): Result {
  const script = process.argv[1];
  const args = [...process.execArgv, script, '--one', backend, ...['model', 'variant', 'steps', 'warmup', 'batch', 'hidden', 'depth', 'latent', 'template'].flatMap((k) => [`--${k}`, String(a[k as keyof typeof a])])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 600_000 });
  const j = lastJson(r.stdout ?? '');
  if (!j) {
    const lines = (r.stderr || r.stdout || '').trim().split('\n');
    const error = lines.find((l) => /^\w*Error: /.test(l)) ?? lines.filter((l) => !/^\s+at /.test(l)).slice(-2).join(' ');
    return { label: `trainer, ${backend}`, stepsPerSec: NaN, detail: `failed: ${error.trim()}${r.error ? ` (${r.error.message})` : ''}` };
  }
  return j as unknown as Result;
}

function runTorch(device: string): Result {
  const common = ['--device', device, '--steps', a.steps!, '--warmup', a.warmup!, '--batch', a.batch!, '--hidden', a.hidden!, '--latent', a.latent!];
  const args = dcgan
    ? [path.join('bench', 'reference', 'dcgan.py'), ...common, '--variant', a.variant === 'wgan-gp' ? 'wgan-gp' : 'gan', '--mnist', path.join(mnistDataDir(), 'train-images-idx3-ubyte')]
    : [path.join('bench', 'reference', 'mlp_gan.py'), ...common, '--depth', a.depth!];
  const r = spawnSync(a.python!, args, { encoding: 'utf8', timeout: 600_000 });
  const j = lastJson(r.stdout ?? '');
  if (!j) return { label: `PyTorch, ${device}`, stepsPerSec: NaN, detail: `failed: ${(r.stderr || '').trim().split('\n').slice(-2).join(' | ')}` };
  return { label: `PyTorch, ${device}`, stepsPerSec: Number(j.steps_per_sec), detail: `${String(j.device)}, torch ${String(j.torch)}` };
}

/** The median of the runs that produced a number (a failed run is NaN). */
const median = (xs: number[]) => medianOf(xs.filter(Number.isFinite));

async function main(): Promise<void> {
  if (a.one) return one(a.one);
  const backends = a.backends!.split(',').filter(Boolean);
  const torch = a.torch!.split(',').filter(Boolean);
  const results = new Map<string, Result[]>();
  for (let r = 0; r < Number(a.rounds); r++) {
    // Alternate: every round runs each trainer backend and each reference once, in the same order.
    for (const res of [...backends.map(runChild), ...torch.map(runTorch)]) {
      results.set(res.label, [...(results.get(res.label) ?? []), res]);
      process.stderr.write(`round ${r + 1}: ${res.label}: ${res.stepsPerSec.toFixed(1)} steps/s (${res.detail})\n`);
    }
  }
  const best = (label: string) => median((results.get(label) ?? []).map((x) => x.stepsPerSec));
  // Two decimals below 10 steps/s: the convolutional rows run at 0.3–4, where a tenth is 5–30 %.
  const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : '–');
  const fmtRatio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');
  const refLabel = (t: string) => `PyTorch, ${t}`;
  const rows = [...results.keys()].map((label) => {
    const runs = results.get(label)!;
    const xs = runs.map((x) => x.stepsPerSec);
    const ratios = torch.map((t) => (label.startsWith('PyTorch') ? '' : fmtRatio(best(label) / best(refLabel(t)))));
    return `| ${label} | ${fmt(median(xs))} | ${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))} | ${ratios.map((r) => `${r} | `).join('')}${runs[runs.length - 1].detail} |`;
  });
  const table = [
    dcgan ? `# Backends side by side: DCGAN${a.variant === 'wgan-gp' ? ' + WGAN-GP' : ''}, MNIST 28×28, batch ${a.batch}` : `# Backends side by side: MLP GAN, 8 Gaussians, batch ${a.batch}`,
    '',
    `${new Date().toISOString().slice(0, 10)} · ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}) · Node ${process.version} · ${a.rounds} rounds of ${a.steps} steps after ${a.warmup} warm-up · \`bench/backends.ts ${process.argv.slice(2).join(' ')}\``,
    '',
    dcgan
      ? `Generator steps per second (one ${a.variant === 'wgan-gp' ? 'critic update with its gradient penalty' : 'D update'} + one G update, statistics read back each step); templates/image/model.ts with depth ${a.depth}, hidden ${a.hidden}, z ${a.latent}; bench/reference/dcgan.py is the same in PyTorch.`
      : `Generator steps per second (one D + one G update, statistics read back each step); G and D: ${a.depth}×${a.hidden} ReLU MLPs, Adam, non-saturating loss.`,
    '',
    `| what | steps/s (median) | range | ${torch.map((t) => `÷ PyTorch ${t} | `).join('')}detail |`,
    `|---|---|---|${torch.map(() => '---|').join('')}---|`,
    ...rows,
    '',
  ].join('\n');
  process.stdout.write(table);
  if (a.out) fs.writeFileSync(a.out, table);
}

void main();
