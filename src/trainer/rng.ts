/**
 * Counter-based randomness: every random draw of a run is a pure function of
 * (seed, step, stream). Resuming at step s therefore needs no saved RNG
 * state, and the same seed on the same backend replays the same run.
 */

/** 32-bit mix (splitmix-style finaliser). */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A seed in [0, 2^31) for (seed, step, stream, index). */
export function deriveSeed(seed: number, step: number, stream: number, index = 0): number {
  let h = mix32(seed ^ 0x9e3779b9);
  h = mix32(h ^ step);
  h = mix32(h ^ Math.imul(stream, 0x85ebca6b));
  h = mix32(h ^ Math.imul(index, 0xc2b2ae35));
  return h & 0x7fffffff;
}

/** Streams, so that each purpose draws independent numbers. */
export const STREAM = {
  init: 1,
  data: 2,
  noise: 3,
  interp: 4,
  eval: 5,
  projections: 6,
  labels: 7,
} as const;

/** Small fast PRNG (mulberry32) for JS-side sampling (toy data, projections). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = this.next();
    while (u <= 1e-12) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
