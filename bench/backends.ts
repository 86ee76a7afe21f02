/**
 * Training speed of the trainer's backends side by side with a PyTorch
 * reference doing the same work (bench/reference/mlp_gan.py), alternating
 * round by round so both see the same machine state: generator steps per
 * second (one D update + one G update, statistics read back every step)
 * of the MLP GAN on 8 Gaussians (non-saturating loss, Adam, the template's
 * networks). Each backend runs in a child process of its own (a backend is
 * process-wide state in tfjs). On webgpu the run's gradient self-check
 * against the cpu backend runs first and its result is reported.
 *
 *   npx tsx bench/backends.ts [--backends webgpu,wasm] [--torch cpu,cuda] [--rounds 3] [--steps 200] [--batch 256] [--out FILE]
 *
 * The image rows of the issue (DCGAN 28×28) wait for the convolutional
 * models; this script takes them when those exist.
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
import { webgpuTrainer } from '../src/trainer/gpuSelfCheck';
import { GanTrainer } from '../src/trainer/loop';

const { values: a } = parseArgs({
  options: {
    one: { type: 'string' },
    backends: { type: 'string', default: 'wasm' },
    torch: { type: 'string', default: 'cpu' },
    python: { type: 'string', default: 'python3' },
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '20' },
    batch: { type: 'string', default: '256' },
    hidden: { type: 'string', default: '128' },
    depth: { type: 'string', default: '3' },
    template: { type: 'string', default: 'templates/toy/model.ts' },
    out: { type: 'string' },
  },
});

interface Result {
  label: string;
  stepsPerSec: number;
  detail: string;
}

/** Child: train `steps` generator steps on one backend after `warmup`, print one JSON line. */
async function one(backend: BackendChoice): Promise<void> {
  const info = await pickBackend(backend);
  const cfg = resolveConfig({
    name: 'bench',
    variant: 'gan-ns',
    data: { name: '8gaussians' },
    model: { hidden: Number(a.hidden), depth: Number(a.depth), latentDim: 2 },
    training: { batchSize: Number(a.batch), lrD: 1e-3, lrG: 1e-3, beta1: 0.5, seed: 1 },
    logging: { evalSamples: 256 },
    backend,
  });
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
  process.stdout.write(JSON.stringify({ label: `trainer, ${info.name}`, stepsPerSec, detail }) + '\n');
  process.exit(0); // a WebGPU device keeps Node alive
}

function lastJson(out: string): Record<string, unknown> | undefined {
  const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  return line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
}

function runChild(backend: string): Result {
  const script = process.argv[1];
  const args = [...process.execArgv, script, '--one', backend, ...['steps', 'warmup', 'batch', 'hidden', 'depth', 'template'].flatMap((k) => [`--${k}`, String(a[k as keyof typeof a])])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000 });
  const j = lastJson(r.stdout ?? '');
  if (!j) {
    const lines = (r.stderr || r.stdout || '').trim().split('\n');
    const error = lines.find((l) => /^\w*Error: /.test(l)) ?? lines.filter((l) => !/^\s+at /.test(l)).slice(-2).join(' ');
    return { label: `trainer, ${backend}`, stepsPerSec: NaN, detail: `failed: ${error.trim()}${r.error ? ` (${r.error.message})` : ''}` };
  }
  return j as unknown as Result;
}

function runTorch(device: string): Result {
  const r = spawnSync(a.python!, [path.join('bench', 'reference', 'mlp_gan.py'), '--device', device, '--steps', a.steps!, '--warmup', a.warmup!, '--batch', a.batch!, '--hidden', a.hidden!, '--depth', a.depth!], { encoding: 'utf8', timeout: 300_000 });
  const j = lastJson(r.stdout ?? '');
  if (!j) return { label: `PyTorch, ${device}`, stepsPerSec: NaN, detail: `failed: ${(r.stderr || '').trim().split('\n').slice(-2).join(' | ')}` };
  return { label: `PyTorch, ${device}`, stepsPerSec: Number(j.steps_per_sec), detail: `${String(j.device)}, torch ${String(j.torch)}` };
}

/** The median of the runs that produced a number (a failed run is NaN). */
const median = (xs: number[]) => medianOf(xs.filter(Number.isFinite));

async function main(): Promise<void> {
  if (a.one) return one(a.one as BackendChoice);
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
  const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
  const refLabel = (t: string) => `PyTorch, ${t}`;
  const rows = [...results.keys()].map((label) => {
    const runs = results.get(label)!;
    const xs = runs.map((x) => x.stepsPerSec);
    const ratios = torch.map((t) => (label.startsWith('PyTorch') ? '' : fmt(best(label) / best(refLabel(t))).replace(/(\d)$/, '$1×')));
    return `| ${label} | ${fmt(median(xs))} | ${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))} | ${ratios.map((r) => `${r} | `).join('')}${runs[runs.length - 1].detail} |`;
  });
  const table = [
    `# Backends side by side: MLP GAN, 8 Gaussians, batch ${a.batch}`,
    '',
    `${new Date().toISOString().slice(0, 10)} · ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}) · Node ${process.version} · ${a.rounds} rounds of ${a.steps} steps after ${a.warmup} warm-up · \`bench/backends.ts ${process.argv.slice(2).join(' ')}\``,
    '',
    `Generator steps per second (one D + one G update, statistics read back each step); G and D: ${a.depth}×${a.hidden} ReLU MLPs, Adam, non-saturating loss.`,
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
