/**
 * What a generator step of Unrolled GAN (K = 0, 1, 5, 10) and of the sliced
 * Wasserstein generator costs next to a plain minimax GAN step, in-process on
 * the wasm backend. Reports process CPU time per step (user + system), which
 * on this shared machine is steadier than wall time, and wall time beside it.
 * Prints a table and writes bench/results/unrolled-swg.md.
 *
 *   npx tsx bench/unrolled-swg.ts [--steps 30] [--hidden 64] [--depth 2]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../src/protocol/config';
import { pickBackend } from '../src/trainer/backend';
import { compileAndLoad } from '../src/trainer/compile';
import { GanTrainer } from '../src/trainer/loop';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '30' }, hidden: { type: 'string', default: '64' }, depth: { type: 'string', default: '2' } } });
const steps = Number(values.steps);
const model = { hidden: Number(values.hidden), depth: Number(values.depth) };

const CASES: { label: string; variant: string; options?: object }[] = [
  { label: 'GAN (minimax), for reference', variant: 'gan-minimax' },
  { label: 'Unrolled GAN, K = 0', variant: 'unrolled', options: { unrollSteps: 0 } },
  { label: 'Unrolled GAN, K = 1', variant: 'unrolled', options: { unrollSteps: 1 } },
  { label: 'Unrolled GAN, K = 5 (default)', variant: 'unrolled', options: { unrollSteps: 5 } },
  { label: 'Unrolled GAN, K = 10', variant: 'unrolled', options: { unrollSteps: 10 } },
  { label: 'SW generator, random, 256 directions', variant: 'swg', options: { swProjections: 'random', swDirections: 256 } },
  { label: 'SW generator, learned, 256 directions', variant: 'swg', options: { swProjections: 'learned', swDirections: 256 } },
  { label: 'SW generator, learned, 1000 directions (default)', variant: 'swg', options: { swProjections: 'learned', swDirections: 1000 } },
];

async function main() {
  await pickBackend('wasm');
  const builders = await compileAndLoad('templates/toy/model.ts');
  const rows: string[] = [];
  // The first trainer in a process pays for kernel set-up and JIT: run one untimed.
  const warm = new GanTrainer(resolveConfig({ name: 'warm', variant: 'gan-minimax', data: { name: '8gaussians' }, model, logging: { evalSamples: 64 } }), builders);
  for (let s = 0; s < 5; s++) await warm.step(s);
  warm.dispose();
  for (const c of CASES) {
    const cfg = resolveConfig({ name: 'bench', variant: c.variant, data: { name: '8gaussians' }, model, training: { batchSize: 256, seed: 1 }, options: c.options ?? {}, logging: { evalSamples: 64 } });
    const t = new GanTrainer(cfg, builders);
    for (let s = 0; s < 3; s++) await t.step(s); // warm-up: optimizer slots, kernels
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    for (let s = 3; s < 3 + steps; s++) await t.step(s);
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - wall0;
    t.dispose();
    const cpuMs = (cpu.user + cpu.system) / 1000 / steps;
    rows.push(`| ${c.label} | ${cpuMs.toFixed(0)} | ${(wall / steps).toFixed(0)} |`);
    process.stdout.write(rows[rows.length - 1] + '\n');
  }
  const table = ['| variant (one D update + one G update) | CPU ms / step | wall ms / step |', '|---|---|---|', ...rows].join('\n');
  const md =
    `# Unrolled GAN and SW generator: cost per step\n\n` +
    `wasm backend, MLPs ${model.depth}×${model.hidden}, batch 256, ${steps} steps after 3 warm-up steps (and one untimed warm-up trainer), ` +
    `${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)} at the end (CPU time is the steadier figure on a shared machine).\n\n${table}\n`;
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync('bench/results/unrolled-swg.md', md);
  process.stdout.write('\n' + md);
}

void main();
