/**
 * The 2-D toy sets of the WGAN-GP paper's code (gulrajani/improved_wgan_training,
 * gan_toy.py), with the same centres, noise and scaling, sampled from a
 * seeded PRNG so a batch is a pure function of its seed.
 */
import type { ToyDataset } from '../../protocol/config';
import { Rng } from '../rng';

export interface ToySpec {
  /** Mode centres after scaling (none for the Swiss roll). */
  readonly centres: readonly (readonly [number, number])[];
  /** Per-coordinate standard deviation of each mode after scaling. */
  readonly std: number;
  /** Half-width of the square the dashboard shows. */
  readonly extent: number;
  sample(n: number, seed: number): Float32Array;
}

function ring8(): ToySpec {
  const s = 1.414;
  const dirs: [number, number][] = [
    [1, 0], [-1, 0], [0, 1], [0, -1],
    [1 / Math.SQRT2, 1 / Math.SQRT2], [1 / Math.SQRT2, -1 / Math.SQRT2],
    [-1 / Math.SQRT2, 1 / Math.SQRT2], [-1 / Math.SQRT2, -1 / Math.SQRT2],
  ];
  const raw = dirs.map(([x, y]) => [2 * x, 2 * y] as const);
  return gaussians(raw, 0.02, s, 2);
}

function grid25(): ToySpec {
  const raw: (readonly [number, number])[] = [];
  for (let i = -2; i <= 2; i++) for (let j = -2; j <= 2; j++) raw.push([2 * i, 2 * j]);
  return gaussians(raw, 0.05, 2.828, 2);
}

/** Mixture of isotropic Gaussians at `raw` centres with std `std`, all divided by `scale`. */
function gaussians(raw: readonly (readonly [number, number])[], std: number, scale: number, extent: number): ToySpec {
  return {
    centres: raw.map(([x, y]) => [x / scale, y / scale] as const),
    std: std / scale,
    extent,
    sample(n, seed) {
      const rng = new Rng(seed);
      const out = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) {
        const [cx, cy] = raw[rng.int(raw.length)];
        out[2 * i] = (cx + std * rng.normal()) / scale;
        out[2 * i + 1] = (cy + std * rng.normal()) / scale;
      }
      return out;
    },
  };
}

/** sklearn.datasets.make_swiss_roll(noise=0.25), coordinates (x, z), divided by 7.5. */
function swissRoll(): ToySpec {
  const noise = 0.25;
  return {
    centres: [],
    std: 0,
    extent: 2.2,
    sample(n, seed) {
      const rng = new Rng(seed);
      const out = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) {
        const t = 1.5 * Math.PI * (1 + 2 * rng.next());
        rng.next(); // sklearn also draws the roll's height (y), which gan_toy.py drops
        out[2 * i] = (t * Math.cos(t) + noise * rng.normal()) / 7.5;
        out[2 * i + 1] = (t * Math.sin(t) + noise * rng.normal()) / 7.5;
      }
      return out;
    },
  };
}

const SPECS: Record<ToyDataset, () => ToySpec> = {
  '8gaussians': ring8,
  '25gaussians': grid25,
  swissroll: swissRoll,
};

export function toyDataset(name: ToyDataset): ToySpec {
  return SPECS[name]();
}

export interface ModeCoverage {
  /** Modes with at least one sample within 3σ of the centre and nearest to it. */
  covered: number;
  total: number;
  /** Share of samples within 3σ of their nearest centre ("high quality"). */
  highQuality: number;
  /** Samples per mode (nearest centre, within 3σ). */
  counts: number[];
}

/** Mode coverage as in the Unrolled GAN / VEEGAN / PacGAN evaluations. */
export function modeCoverage(spec: ToySpec, points: Float32Array): ModeCoverage {
  const k = spec.centres.length;
  const counts = new Array<number>(k).fill(0);
  const r2 = (3 * spec.std) ** 2;
  const n = points.length / 2;
  let hq = 0;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i];
    const y = points[2 * i + 1];
    let best = -1;
    let bestD = Infinity;
    for (let c = 0; c < k; c++) {
      const dx = x - spec.centres[c][0];
      const dy = y - spec.centres[c][1];
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    if (best >= 0 && bestD <= r2) {
      counts[best]++;
      hq++;
    }
  }
  return { covered: counts.filter((c) => c > 0).length, total: k, highQuality: n ? hq / n : 0, counts };
}
