/**
 * Synthetic training data for the preview and the benchmark: metric records
 * that look like a WGAN-GP run, and 8-Gaussians toy snapshots. Pure (no DOM),
 * so a worker can build a large init with it.
 */
import type { HostToWebview } from '../../src/protocol/messages';
import type { MetricRecord, Snapshot } from '../../src/protocol/metrics';
import type { RunStatus } from '../../src/protocol/run';
import { cellCentre } from '../src/render/heatmap';

let seed = 12345;
function rand(): number {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function gauss(): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/** The metrics record at `step` of a run of `total` steps (the curves settle over it). */
export function record(step: number, total: number): MetricRecord {
  const p = step / total;
  const decay = Math.exp(-6 * p);
  const r: MetricRecord = {
    step,
    time: step / 120,
    lossD: -1.5 * decay - 0.2 + 0.15 * gauss() + (step % 9973 === 0 ? 3 : 0),
    lossG: 1.2 * decay + 0.3 + 0.2 * gauss(),
    gp: 0.05 + 0.3 * decay * Math.abs(gauss()),
    wEstimate: 2 * decay + 0.1 + 0.05 * gauss(),
    gradNormD: Math.exp(0.3 * gauss()) * (0.5 + 8 * decay),
    gradNormG: Math.exp(0.3 * gauss()) * (0.05 + 2 * decay),
    dReal: 0.5 + 0.3 * decay + 0.03 * gauss(),
    dFake: 0.5 - 0.3 * decay + 0.03 * gauss(),
    stepsPerSec: 118 + 6 * gauss(),
    lossRecon: 0.4 * decay + 0.05 + 0.01 * gauss(),
  };
  // A metric logged every 10 steps only, and a stretch of non-finite values (gaps).
  if (step % 10 === 0) {
    r.swd = 0.8 * decay + 0.05 + 0.02 * gauss();
    r.modesCovered = Math.min(8, Math.round(2 + 8 * (1 - decay) + 0.4 * gauss()));
    r.hqPercent = Math.max(0, Math.min(100, 100 * (1 - decay) - 5 + 3 * gauss()));
  }
  if (step > total * 0.2 && step < total * 0.2 + total / 200) r.lossG = null;
  return r;
}

const CENTRES: Array<[number, number]> = Array.from({ length: 8 }, (_, k) => [
  2 * Math.cos((k * Math.PI) / 4),
  2 * Math.sin((k * Math.PI) / 4),
]);
const EXTENT = 2.75;
const STD = 0.12;

/** 8 Gaussians on a ring of radius 2; the generator covers `covered` of them (N and NE dropped first). */
export function snapshot(step: number, covered: number, size = 64, std = STD): Snapshot {
  // Compass order: E, NE, N, NW, W, SW, S, SE → drop N (k=2) then NE (k=1) first.
  const dropOrder = [2, 1, 5, 7, 0, 3, 4, 6];
  const modes = CENTRES.filter((_, k) => !dropOrder.slice(0, 8 - covered).includes(k));
  const real: Array<[number, number]> = [];
  const fake: Array<[number, number]> = [];
  for (let i = 0; i < 512; i++) {
    const [cx, cy] = CENTRES[i % 8];
    real.push([cx + std * gauss(), cy + std * gauss()]);
    const [fx, fy] = modes[i % modes.length];
    fake.push([fx + 2.2 * std * gauss(), fy + 2.2 * std * gauss()]);
  }
  // A few strays outside the extent (drawn hollow on the border).
  fake.push([3.4, 0.3], [-0.2, -3.1]);
  const density = (x: number, y: number, cs: Array<[number, number]>, s: number) =>
    cs.reduce((acc, [cx, cy]) => acc + Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s)) / (s * s), 0) / cs.length;
  const values: number[] = [];
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const [x, y] = cellCentre(r, c, size, EXTENT);
      const pr = density(x, y, CENTRES, 0.35);
      const pf = density(x, y, modes, 0.45);
      values.push((pr + 0.02) / (pr + pf + 0.04));
    }
  }
  return { kind: 'toy2d', step, real, fake, extent: EXTENT, heatmap: { size: size, values }, modes: { covered, total: 8 } };
}

export function runStatus(step: number, total: number): RunStatus {
  return {
    state: 'running',
    step,
    totalSteps: total,
    stepsPerSec: 118.4,
    backend: { name: 'tfjs-node', reason: 'tfjs-node-gpu not installed; native CPU binding loaded (AVX2)' },
    pid: 4242,
    startedAt: new Date(Date.now() - 3_600_000).toISOString(),
    updatedAt: new Date().toISOString(),
  };
}

/** An init of n records, a snapshot at step n and one warning. */
export function buildInit(n: number, total = Math.max(n * 2, 20_000), heatmapSize = 64, std = STD): HostToWebview {
  const metrics: MetricRecord[] = new Array(n);
  for (let i = 0; i < n; i++) metrics[i] = record(i, total);
  return {
    type: 'init',
    run: { id: '2024-06-01T10-00-00-ring', name: 'ring8 · WGAN-GP', variant: 'wgan-gp', dataset: 'ring8', status: runStatus(n, total) },
    metrics,
    snapshot: snapshot(n, 6, heatmapSize, std),
    warnings: ['metrics.jsonl: skipped a torn last line (line 5001)'],
  };
}
